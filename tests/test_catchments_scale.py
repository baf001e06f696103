"""Catchments at city size: equal to the method they replaced, and never touching networkx.

The reference is the implementation before the array-based rewrite, kept once
in ``benchmarks/_baseline.py`` and read through ``tests/_catchments_reference.py``
(streets read from the networkx graph,
every street tested for every origin). The new one must give the same
polygons within 1 % of area (the difference of the areas and the area of
the symmetric difference, per origin and limit), the same reached nodes, and
must not build the networkx graph of a network loaded from the cache.
Helsinki runs everywhere; Milan runs where ``../shared/osm`` is present.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _catchments_reference import reference_catchments, streets
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra
from shapely import LineString
from shapely.ops import substring

import tourplanner as tp
from tourplanner.catchments import (
    EDGE_M,
    _prefixes,
    _streets,
    _trails,
    catchments,
    coverage,
)
from tourplanner.errors import TourError
from tourplanner.network import WalkingNetwork
from tourplanner.routing import Snapping, _augmented_csr, snap_sites

SHARED_OSM = Path(__file__).resolve().parents[2] / "shared" / "osm"
MILAN = SHARED_OSM / "milan.osm.pbf"
#: A central box of Milan's extract (around the Duomo), a few km².
MILAN_BOX = (9.175, 45.455, 9.205, 45.475)
MINUTES = (5.0, 10.0, 15.0)


def assert_same_catchments(
    network: WalkingNetwork, snapping: Snapping, origins: list[str], frame: gpd.GeoDataFrame
) -> tuple[float, float]:
    """Compare ``frame`` with the reference method; return the largest area differences.

    The reference reads the networkx graph: it gets a network of its own (the
    same arrays), so that ``network`` is left without one.
    """
    expected = reference_catchments(WalkingNetwork(network.data), snapping, origins, MINUTES)
    metric = frame.to_crs(snapping.crs)
    worst_area = worst_sym = 0.0
    assert len(metric) == len(expected)
    for origin, minutes, nodes, polygon in zip(
        metric.origin_id, metric.minutes, metric.reached_nodes, metric.geometry, strict=True
    ):
        old, old_nodes = expected[(origin, minutes)]
        assert nodes == old_nodes
        area_diff = abs(polygon.area - old.area) / old.area
        sym_diff = shapely.symmetric_difference(polygon, old).area / old.area
        assert area_diff < 0.01, (origin, minutes, area_diff)
        assert sym_diff < 0.01, (origin, minutes, sym_diff)
        worst_area, worst_sym = max(worst_area, area_diff), max(worst_sym, sym_diff)
    return worst_area, worst_sym


def assert_nested(frame: gpd.GeoDataFrame, crs: str) -> None:
    metric = frame.to_crs(crs)
    for _, rows in metric.groupby("origin_id"):
        shapes = rows.sort_values("minutes").geometry.tolist()
        for smaller, larger in itertools.pairwise(shapes):
            assert smaller.difference(larger).area < 1e-3  # m², floating-point slivers only
            assert larger.area > smaller.area


# ------------------------------------------------------------------------- Helsinki


@pytest.fixture(scope="module")
def helsinki_cached(
    helsinki_pbf: Path, helsinki_sites: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory
) -> WalkingNetwork:
    """The Helsinki network as a later run has it: loaded from the cache, no networkx graph."""
    folder = tmp_path_factory.mktemp("network-cache")
    area = tp.study_area(helsinki_sites)
    tp.load_network(area, osm_file=helsinki_pbf, cache_folder=folder)  # builds and caches
    network = tp.load_network(area, osm_file=helsinki_pbf, cache_folder=folder)
    assert network._graph is None
    return network


def test_streets_are_the_reference_streets(helsinki_cached: WalkingNetwork) -> None:
    found = _streets(helsinki_cached, helsinki_cached.crs)
    assert helsinki_cached._graph is None  # collected from the arrays only
    old = streets(WalkingNetwork(helsinki_cached.data), helsinki_cached.crs)
    kept = [tuple(helsinki_cached.edge_uvk[e]) for e in np.flatnonzero(found.row_of_edge >= 0)]
    assert kept == list(old.row)  # the same edges, in the same order
    np.testing.assert_array_equal(found.u, old.u)
    np.testing.assert_array_equal(found.v, old.v)
    np.testing.assert_array_equal(found.two_way, old.two_way)
    np.testing.assert_allclose(found.length, old.length)
    assert shapely.equals_exact(found.geometry, old.geometry, tolerance=1e-6).all()
    # a two-way street (a self-loop is its own twin) is kept once, a one-way one always
    loops = found.u == found.v
    two_edges = found.two_way & ~loops
    assert helsinki_cached.n_edges == 2 * np.count_nonzero(two_edges) + np.count_nonzero(~two_edges)
    assert found.two_way.any()


def test_streets_walked_from_a_node(helsinki_cached: WalkingNetwork) -> None:
    found = _streets(helsinki_cached, helsinki_cached.crs)
    rng = np.random.default_rng(3)
    nodes = rng.choice(helsinki_cached.n_nodes, size=40, replace=False)
    expected = np.flatnonzero(np.isin(found.u, nodes) | (found.two_way & np.isin(found.v, nodes)))
    np.testing.assert_array_equal(found.reached_from(nodes), expected)
    assert len(found.reached_from(np.zeros(0, dtype=np.int64))) == 0


def test_catchments_equal_the_reference_on_helsinki(
    helsinki_cached: WalkingNetwork, helsinki_sites: gpd.GeoDataFrame
) -> None:
    snapping = snap_sites(helsinki_cached, helsinki_sites)
    origins = list(snapping.site_ids)[::3]  # every third site: a dozen origins
    frame = catchments(helsinki_cached, snapping, origins, MINUTES)
    worst_area, worst_sym = assert_same_catchments(helsinki_cached, snapping, origins, frame)
    # the same method: equal up to floating-point noise, far inside the 1 % allowed
    assert worst_area < 1e-4 and worst_sym < 1e-4
    assert_nested(frame, snapping.crs)
    assert frame.crs.to_epsg() == 4326


def test_catchments_and_coverage_never_build_the_networkx_graph(
    helsinki_cached: WalkingNetwork, helsinki_sites: gpd.GeoDataFrame
) -> None:
    snapping = snap_sites(helsinki_cached, helsinki_sites)
    frame = catchments(helsinki_cached, snapping, ["ateneum", "kiasma"], (5, 10))
    served = coverage(snapping, helsinki_sites, graph=helsinki_cached, limit_minutes=10)
    assert helsinki_cached._graph is None
    assert len(frame) == 4 and (frame.area_km2 > 0).all()
    assert served.walk_minutes.notna().all() and len(served) > 0


def test_threads_give_the_same_result_in_order(
    helsinki_cached: WalkingNetwork, helsinki_sites: gpd.GeoDataFrame
) -> None:
    snapping = snap_sites(helsinki_cached, helsinki_sites)
    origins = list(snapping.site_ids)[:7]
    calls: list[tuple[int, int]] = []
    alone = catchments(helsinki_cached, snapping, origins, (5, 10), workers=1)
    together = catchments(
        helsinki_cached,
        snapping,
        origins,
        (5, 10),
        workers=3,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(k, 7) for k in range(1, 8)]
    assert together.drop(columns="geometry").equals(alone.drop(columns="geometry"))
    assert shapely.equals_exact(together.geometry.values, alone.geometry.values, 0.0).all()


@pytest.mark.parametrize("workers", [0, -2, 1.5, True, "2"])
def test_bad_workers_are_refused(
    helsinki_cached: WalkingNetwork, helsinki_sites: gpd.GeoDataFrame, workers: object
) -> None:
    snapping = snap_sites(helsinki_cached, helsinki_sites)
    with pytest.raises(TourError, match=r"workers .* is not a positive whole number"):
        catchments(helsinki_cached, snapping, ["kiasma"], workers=workers)  # type: ignore[arg-type]


def test_reaches_edge_is_a_reached_node_near_the_outline(
    helsinki_cached: WalkingNetwork, helsinki_sites: gpd.GeoDataFrame
) -> None:
    snapping = snap_sites(helsinki_cached, helsinki_sites)
    origins = list(snapping.site_ids)[:6]
    # a small area around the sites, so that some walks reach its edge
    area = tp.study_area(helsinki_sites, margin_m=150.0)
    frame = catchments(helsinki_cached, snapping, origins, MINUTES, area=area)
    outline = gpd.GeoSeries([area.boundary], crs=4326).to_crs(snapping.crs).iloc[0]
    points = gpd.GeoSeries.from_xy(*helsinki_cached.node_xy_m.T, crs=snapping.crs)
    near = points.distance(outline).to_numpy() <= EDGE_M
    matrix, nodes = _augmented_csr(helsinki_cached, snapping)
    speed = helsinki_cached.speed_kmh / 3.6
    for origin, minutes, edge in zip(
        frame.origin_id, frame.minutes, frame.reaches_edge, strict=True
    ):
        k = snapping.index(origin)
        metres = dijkstra(matrix, indices=len(nodes) + k)[: len(nodes)]
        assert edge == bool((near & (metres <= minutes * 60 * speed)).any())
    assert frame.reaches_edge.any() and not frame.reaches_edge.all()


_MM = st.floats(-500, 500).map(lambda v: round(v, 3))


@settings(max_examples=60, deadline=None)
@given(
    # millimetre coordinates, as in a metric CRS (subnormal ones break GEOS's hausdorff)
    st.lists(st.tuples(_MM, _MM), min_size=2, max_size=8).filter(
        lambda xy: LineString(xy).length > 1e-3
    ),
    st.floats(1e-6, 1.0),
)
def test_prefixes_cut_like_substring(coords: list[tuple[float, float]], fraction: float) -> None:
    line = LineString(coords)
    (cut,) = _prefixes(np.asarray([line], dtype=object), np.asarray([fraction]))
    expected = substring(line, 0.0, fraction, normalized=True)
    assert math.isclose(cut.length, fraction * line.length, rel_tol=1e-9, abs_tol=1e-9)
    assert shapely.hausdorff_distance(cut, expected) < 1e-6
    assert cut.coords[0] == line.coords[0]


def test_prefixes_of_many_lines_at_once() -> None:
    lines = np.asarray(
        [
            LineString([(0, 0), (10, 0)]),
            LineString([(0, 0), (3, 4), (3, 10), (3, 10), (9, 10)]),  # a repeated vertex
            LineString([(5, 5), (6, 5)]),
        ],
        dtype=object,
    )
    cut = _prefixes(lines, np.asarray([0.25, 0.5, 1.0]))
    assert [list(c.coords) for c in cut] == [
        [(0.0, 0.0), (2.5, 0.0)],
        [(0.0, 0.0), (3.0, 4.0), (3.0, 7.5)],  # 8.5 m of 17 m
        [(5.0, 5.0), (6.0, 5.0)],
    ]
    assert len(_prefixes(np.empty(0, dtype=object), np.empty(0))) == 0


def test_trails_join_pieces_that_meet_and_keep_the_buffer() -> None:
    # a cross (node 0 at the centre), a loop, a piece that starts where it should but
    # whose other end is 5 m off node 9, and a piece cut down to a point
    lines = np.asarray(
        [
            LineString([(0, 0), (100, 0)]),
            LineString([(0, 0), (-100, 0)]),
            LineString([(0, 100), (0, 0)]),
            LineString([(0, -100), (0, 0)]),
            LineString([(100, 0), (100, 50), (150, 50), (100, 0)]),
            LineString([(-100, 0), (-100, -60)]),
            LineString([(-95, -60), (-40, -60)]),
            shapely.Point(300, 300),
        ],
        dtype=object,
    )
    start = np.asarray([0, 0, 2, 3, 1, 4, 9, 20])
    end = np.asarray([1, 4, 0, 0, 1, 9, 10, 21])
    trails = _trails(lines, start, end)
    assert len(trails) < len(lines)
    # every piece once: the same length, and the same buffer
    assert math.isclose(shapely.length(trails).sum(), shapely.length(lines).sum())
    expected = shapely.union_all(shapely.buffer(lines, 25.0))
    got = shapely.union_all(shapely.buffer(trails, 25.0))
    assert shapely.symmetric_difference(got, expected).area < 1e-6 * expected.area
    # the 5 m gap between (-100, -60) and (-95, -60) is not walked
    assert not any(shapely.covers(t, LineString([(-99, -60), (-96, -60)])) for t in trails)
    assert sum(shapely.get_type_id(trails) == shapely.GeometryType.POINT) == 1
    assert len(_trails(np.empty(0, dtype=object), np.zeros(0, int), np.zeros(0, int))) == 0


# ---------------------------------------------------------------------------- Milan


@pytest.fixture(scope="module")
def milan(tmp_path_factory: pytest.TempPathFactory) -> tuple[WalkingNetwork, Snapping]:
    if not MILAN.is_file():
        pytest.skip(f"the shared OSM extracts are not here ({SHARED_OSM}): Milan test skipped")
    folder = tmp_path_factory.mktemp("milan-cache")
    area = tp.study_area_from_bbox(*MILAN_BOX)
    tp.load_network(area, osm_file=MILAN, cache_folder=folder)
    network = tp.load_network(area, osm_file=MILAN, cache_folder=folder)
    rng = np.random.default_rng(11)
    picked = rng.choice(network.n_nodes, size=30, replace=False)
    xy = network.node_xy_m[picked] + rng.uniform(-15.0, 15.0, size=(30, 2))
    sites = gpd.GeoDataFrame(
        {"name": [f"Milan point {k}" for k in range(30)], "category": "waypoint"},
        index=[f"m{k:02d}" for k in range(30)],
        geometry=shapely.points(xy),
        crs=network.crs,
    ).to_crs(4326)
    return network, snap_sites(network, sites)


def test_catchments_equal_the_reference_on_milan(milan: tuple[WalkingNetwork, Snapping]) -> None:
    network, snapping = milan
    assert network.n_nodes > 1500  # a dense city centre (about 2,000 nodes), not a toy
    origins = list(np.random.default_rng(5).choice(list(snapping.site_ids), 4, replace=False))
    frame = catchments(network, snapping, origins, MINUTES)
    assert network._graph is None
    _, worst_sym = assert_same_catchments(network, snapping, origins, frame)
    assert worst_sym < 1e-4
    assert_nested(frame, snapping.crs)
    assert (frame[frame.minutes == 15].area_km2 > 0.2).all()
