"""The array build of the walking network equals osmnx's graph, node for node and edge for edge.

The reference is the osmnx path kept in :func:`tourplanner.graph.graph_from_osm_file`
(the extract as OSM XML, ``osmnx.graph_from_xml``, clipping, ``osmnx.simplify_graph``)
followed by :func:`tourplanner.graph.prepare_graph`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry.base import BaseGeometry

from tourplanner.errors import NetworkDataError
from tourplanner.graph import (
    graph_from_osm_file,
    network_from_osm_file,
    prepare_graph,
    study_area,
    study_area_from_bbox,
)
from tourplanner.network import WalkingNetwork

SHARED = Path(__file__).resolve().parents[2] / "shared" / "osm"


def _normal(value: Any) -> Any:
    return frozenset(value) if isinstance(value, list) else value


def assert_same_graph(
    expected: nx.MultiDiGraph, got: nx.MultiDiGraph, *, node_order: bool = True
) -> None:
    """Nodes, edges (keys and order), lengths, geometries and attributes are equal.

    With ``node_order`` false only the node sets are compared: where the
    largest component is under half the graph, networkx lists it in the order
    of a Python set (``Graph.subgraph``), which the array build does not mimic.
    """
    if node_order:
        assert list(got.nodes) == list(expected.nodes)
    assert set(got.nodes) == set(expected.nodes)
    for node, data in expected.nodes(data=True):
        assert got.nodes[node] == data
    for node in expected.nodes:  # each node's edges in osmnx's order
        assert list(got.edges(node, keys=True)) == list(expected.edges(node, keys=True))
    for u, v, k, data in expected.edges(keys=True, data=True):
        other = got.edges[u, v, k]
        assert other["length"] == pytest.approx(data["length"], rel=1e-12, abs=1e-9)
        line, again = data.get("geometry"), other.get("geometry")
        assert (line is None) == (again is None)
        if line is not None:
            assert again.equals_exact(line, 1e-12)
        skip = {"length", "geometry", "travel_time"}
        assert {a: _normal(b) for a, b in other.items() if a not in skip} == {
            a: _normal(b) for a, b in data.items() if a not in skip
        }
    assert got.graph["crs"] == expected.graph["crs"]
    assert got.graph["simplified"] is True


def _both(path: Path, area: BaseGeometry) -> tuple[nx.MultiDiGraph | str, nx.MultiDiGraph | str]:
    try:
        expected: nx.MultiDiGraph | str = prepare_graph(graph_from_osm_file(path, area))
    except NetworkDataError as exc:
        expected = str(exc)
    try:
        got: nx.MultiDiGraph | str = WalkingNetwork(network_from_osm_file(path, area)).graph
    except NetworkDataError as exc:
        got = str(exc)
    return expected, got


def test_helsinki_demo_area_is_the_osmnx_graph(helsinki_pbf: Path, helsinki_sites: Any) -> None:
    expected, got = _both(helsinki_pbf, study_area(helsinki_sites))
    assert isinstance(expected, nx.MultiDiGraph) and isinstance(got, nx.MultiDiGraph)
    assert expected.number_of_nodes() > 2000
    assert_same_graph(expected, got)


@pytest.mark.parametrize(
    "bounds",
    [
        (24.935, 60.165, 24.945, 60.170),  # a few blocks of the centre
        (24.90, 60.15, 24.99, 60.19),  # beyond the extract on every side
        (24.9525, 60.1655, 24.9535, 60.1662),  # one block: a street or two
    ],
)
def test_helsinki_areas_are_the_osmnx_graph(
    bounds: tuple[float, float, float, float], helsinki_pbf: Path
) -> None:
    expected, got = _both(helsinki_pbf, study_area_from_bbox(*bounds))
    if isinstance(expected, str):
        assert got == expected
    else:
        assert isinstance(got, nx.MultiDiGraph)
        assert_same_graph(expected, got)


# --- hand-made extracts: rings, loops, parallel ways, repeated nodes ---------------------------

_LAT0, _LON0, _STEP = 60.17, 24.94, 0.0004


def _osm_xml(
    points: dict[int, tuple[float, float]], ways: list[tuple[list[int], dict[str, str]]]
) -> str:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6'>"]
    for node, (lon, lat) in sorted(points.items()):
        lines.append(f"<node id='{node}' lat='{lat!r}' lon='{lon!r}'/>")
    for number, (nodes, tags) in enumerate(ways, start=1):
        lines.append(f"<way id='{1000 + number}'>")
        lines.extend(f"<nd ref='{n}'/>" for n in nodes)
        lines.extend(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items())
        lines.append("</way>")
    lines.append("</osm>")
    return "\n".join(lines)


def _grid(size: int) -> dict[int, tuple[float, float]]:
    return {
        1 + row * size + col: (_LON0 + col * _STEP, _LAT0 + row * _STEP * 0.5)
        for row in range(size)
        for col in range(size)
    }


def _compare_file(
    tmp_path: Path,
    points: dict[int, tuple[float, float]],
    ways: list[Any],
    area: BaseGeometry,
    *,
    node_order: bool = True,
) -> tuple[nx.MultiDiGraph | str, nx.MultiDiGraph | str]:
    path = tmp_path / "made.osm"
    path.write_text(_osm_xml(points, ways), encoding="utf-8")
    expected, got = _both(path, area)
    if isinstance(expected, str):
        assert got == expected
    else:
        assert isinstance(got, nx.MultiDiGraph)
        assert_same_graph(expected, got, node_order=node_order)
    return expected, got


def _whole(points: dict[int, tuple[float, float]], margin: float = 0.01) -> BaseGeometry:
    lons = [p[0] for p in points.values()]
    lats = [p[1] for p in points.values()]
    return study_area_from_bbox(
        min(lons) - margin, min(lats) - margin, max(lons) + margin, max(lats) + margin
    )


STREET = {"highway": "residential", "name": "Main Street"}
PATH = {"highway": "footway"}


def test_rings_loops_parallel_ways_and_repeated_nodes(tmp_path: Path) -> None:
    points = _grid(5)
    ways = [
        ([1, 2, 3, 4, 5], STREET),  # a street with interstitial nodes
        ([3, 8, 13, 18, 23], {"highway": "residential", "name": "Cross Street"}),
        ([5, 10, 15, 14, 13], PATH),  # a chain from one junction to another
        ([5, 4], {"highway": "footway", "name": "Shortcut"}),  # parallel to Main Street
        ([13, 12, 11, 16, 21, 22, 23], PATH),  # a chain that closes a block
        ([23, 23, 24, 24, 25], PATH),  # repeated nodes
        ([25, 20, 19, 25], {"highway": "path"}),  # a loop back to where it started
        ([6, 7, 6], {"highway": "service"}),  # doubles back on itself, isolated
        ([9, 17], {"highway": "motorway"}),  # not walkable
    ]
    expected, _ = _compare_file(tmp_path, points, ways, _whole(points))
    assert isinstance(expected, nx.MultiDiGraph)
    # two ways that meet end to end (no junction) become one edge with both names
    joined, _ = _compare_file(
        tmp_path,
        points,
        [([1, 2, 3], STREET), ([3, 4, 5], {"highway": "residential", "name": "High Street"})],
        _whole(points),
    )
    assert isinstance(joined, nx.MultiDiGraph)
    assert sorted(joined.edges[1, 5, 0]["name"]) == ["High Street", "Main Street"]
    assert sorted(joined.edges[1, 5, 0]["osmid"]) == [1001, 1002]
    assert 5 in expected and 4 in expected  # junctions stay
    assert 2 not in expected  # an interstitial node goes


def test_an_isolated_ring_is_dropped_and_the_area_clips(tmp_path: Path) -> None:
    points = _grid(6)
    ways = [
        ([1, 2, 3, 4, 5, 6], STREET),
        ([3, 9, 15, 21, 27, 33], STREET),
        ([8, 10, 22, 20, 8], PATH),  # a ring with no junction (no endpoint)
        ([31, 32, 33, 34, 35, 36], STREET),
    ]
    _compare_file(tmp_path, points, ways, _whole(points))
    # a study area over the first street only: the rest is clipped away
    lon0, lat0 = points[1]
    lon6, lat6 = points[6]
    _compare_file(
        tmp_path, points, ways, study_area_from_bbox(lon0, lat0 - 1e-4, lon6, lat6 + 1e-4)
    )


def test_nothing_walkable_fails_the_same_way(tmp_path: Path) -> None:
    points = _grid(3)
    expected, _ = _compare_file(
        tmp_path, points, [([1, 2, 3], {"highway": "motorway"})], _whole(points)
    )
    assert isinstance(expected, str) and "no walkable streets" in expected


_WAY_TAGS = st.sampled_from(
    [
        {"highway": "footway"},
        {"highway": "residential", "name": "A Street"},
        {"highway": "residential", "name": "B Street"},
        {"highway": "path", "oneway": "yes"},
        {"highway": "steps", "name": "A Street", "bridge": "yes"},
    ]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ways=st.lists(
        st.tuples(st.lists(st.integers(1, 25), min_size=1, max_size=8), _WAY_TAGS),
        min_size=1,
        max_size=10,
    ),
    clip=st.booleans(),
)
def test_random_networks_are_the_osmnx_graph(
    ways: list[tuple[list[int], dict[str, str]]], clip: bool, tmp_path: Path
) -> None:
    points = _grid(5)
    if clip:  # the middle of the grid: ways cross the area's edge
        lon, lat = points[7]
        far_lon, far_lat = points[19]
        area = study_area_from_bbox(lon, lat, far_lon, far_lat)
    else:
        area = _whole(points)
    _compare_file(tmp_path, points, ways, area, node_order=False)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/osm (real city extracts) is absent")
def test_liechtenstein_is_the_osmnx_graph() -> None:
    path = SHARED / "liechtenstein_2021-10-28.osm.pbf"
    expected, got = _both(path, study_area_from_bbox(9.49, 47.12, 9.54, 47.16))  # Vaduz
    assert isinstance(expected, nx.MultiDiGraph) and isinstance(got, nx.MultiDiGraph)
    assert expected.number_of_nodes() > 500
    assert_same_graph(expected, got)
    total = sum(d["length"] for *_, d in expected.edges(data=True))
    assert math.isclose(sum(d["length"] for *_, d in got.edges(data=True)), total, rel_tol=1e-12)
