"""Coverage at city size (stations x sites, not n x n) and catchments that know the area's edge."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import tourplanner as tp
from tourplanner.catchments import EDGE_M, catchments, coverage, margin_for
from tourplanner.cli import _parser
from tourplanner.routing import walks_to

STATIONS = ["station_rautatientori", "station_helsingin_yliopisto", "station_helsinki_central"]


def test_walks_to_equals_the_matrix_columns(helsinki_graph, helsinki_snapping, helsinki_matrix):
    ids = list(helsinki_matrix.site_ids)
    for destinations in (STATIONS, ["kiasma"], ids):
        metres, seconds = walks_to(helsinki_graph, helsinki_snapping, destinations)
        cols = [ids.index(d) for d in destinations]
        assert metres.shape == (len(ids), len(destinations))
        np.testing.assert_allclose(metres, helsinki_matrix.distance_m[:, cols], rtol=1e-9)
        np.testing.assert_allclose(seconds, helsinki_matrix.duration_s[:, cols], rtol=1e-9)
    empty, _ = walks_to(helsinki_graph, helsinki_snapping, [])
    assert empty.shape == (len(ids), 0)


def test_coverage_from_the_stations_equals_the_matrix_result(
    helsinki_graph, helsinki_snapping, helsinki_matrix, helsinki_sites
):
    for stations in (None, ["station_helsinki_central"], STATIONS[:2]):
        fast = coverage(helsinki_snapping, helsinki_sites, graph=helsinki_graph, stations=stations)
        old = coverage(helsinki_matrix, helsinki_sites, stations=stations)
        assert fast.index.tolist() == old.index.tolist()
        pd.testing.assert_frame_equal(fast, old, rtol=1e-9)
        assert len(fast) == len(helsinki_matrix.site_ids) - len(stations or STATIONS)


def test_coverage_of_a_snapping_needs_its_graph(helsinki_snapping, helsinki_sites):
    with pytest.raises(TypeError, match="give graph="):
        coverage(helsinki_snapping, helsinki_sites)


def test_margin_for_holds_the_longest_walk():
    assert margin_for([5, 10, 15], speed_kmh=4.5) == 1250.0  # 1125 m walk + 25 + 100
    assert margin_for([1], speed_kmh=4.5) == 500.0
    assert margin_for([30], speed_kmh=5.0) >= 2500.0 + 125.0


def test_catchments_cli_default_margin_follows_the_minutes():
    args = _parser().parse_args(["catchments"])
    assert args.margin_m is None  # worked out from --minutes when the command runs
    assert _parser().parse_args(["catchments", "--margin-m", "300"]).margin_m == 300.0
    assert _parser().parse_args(["coverage"]).margin_m == 500.0


@pytest.fixture(scope="module")
def by_margin(helsinki_pbf, helsinki_sites):
    """Station catchments (5/10/15 min) on graphs loaded with three margins."""
    out = {}
    for margin in (100.0, margin_for([15], speed_kmh=4.5), 2000.0):
        area = tp.study_area(helsinki_sites, margin_m=margin)
        graph = tp.load_graph(area, osm_file=helsinki_pbf, use_cache=False)
        assert graph.graph["study_area"] == area.wkt
        snapping = tp.snap_sites(graph, helsinki_sites.loc[STATIONS])
        out[margin] = (graph, snapping, area)
    return out


def test_a_small_margin_is_reported_and_the_default_one_is_enough(by_margin, caplog):
    small, enough, large = (
        catchments(g, s, STATIONS) for g, s, _ in (by_margin[m] for m in sorted(by_margin))
    )
    assert small.reaches_edge.any()
    assert not enough.reaches_edge.any() and not large.reaches_edge.any()
    # cut catchments are smaller; the default margin's equal the larger margin's
    assert (small.area_km2 <= large.area_km2 + 1e-9).all()
    cut = small[small.reaches_edge]
    assert (cut.area_km2 < large.loc[cut.index, "area_km2"] * 0.999).any()
    np.testing.assert_allclose(enough.area_km2, large.area_km2, rtol=0.01)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tourplanner.catchments"):
        catchments(*by_margin[100.0][:2], STATIONS)
    assert "reach the edge of the study area" in caplog.text
    assert "margin well beyond the longest walk (1125 m)" in caplog.text


def test_the_edge_is_the_recorded_or_given_area(by_margin):
    graph, snapping, area = by_margin[100.0]
    recorded = catchments(graph, snapping, STATIONS)
    given = catchments(graph, snapping, STATIONS, area=area)
    assert recorded.reaches_edge.tolist() == given.reaches_edge.tolist()
    # a far larger area than the graph's: no node is within EDGE_M of its edge
    wide = tp.study_area(tp.load_sites(tp.demo_sites_path()), margin_m=5000.0)
    assert not catchments(graph, snapping, STATIONS, area=wide).reaches_edge.any()
    unknown = graph.copy()
    del unknown.graph["study_area"]
    assert not catchments(unknown, snapping, STATIONS).reaches_edge.any()
    assert EDGE_M > 0
