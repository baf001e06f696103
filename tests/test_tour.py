"""Tests of tourplanner.tour: assembling timed stops and street legs on real data."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tourplanner.errors import TourError
from tourplanner.optimise import Request, check_user_order
from tourplanner.tour import Visit, assemble_tour


def test_timed_tour_timings_add_up(
    helsinki_graph, helsinki_sites, helsinki_snapping, helsinki_matrix
) -> None:
    order = ["station_rautatientori", "ateneum", "helsinki_cathedral", "old_market_hall"]
    start = dt.datetime(2026, 6, 1, 10, 0)
    request = Request(
        date=start.date(), start=order[0], start_time=start.time(), end_time=dt.timedelta(hours=23)
    )
    visits, _ = check_user_order(helsinki_sites, helsinki_matrix, request, order)
    tour = assemble_tour(
        helsinki_graph, helsinki_sites, helsinki_snapping, helsinki_matrix, [visits]
    )
    assert [s.site_id for s in tour.stops] == order
    assert [s.order for s in tour.stops] == [1, 2, 3, 4]
    assert len(tour.legs) == 3
    assert tour.stops[0].arrival == start
    for prev, leg, nxt in zip(tour.stops, tour.legs, tour.stops[1:], strict=False):
        assert (leg.from_id, leg.to_id) == (prev.site_id, nxt.site_id)
        gap = (nxt.arrival - prev.departure).total_seconds()
        assert gap == pytest.approx(leg.duration_s, abs=1.0)  # timings are whole seconds
    for stop in tour.stops:
        minutes = helsinki_sites.loc[stop.site_id, "visit_minutes"]
        assert (stop.departure - stop.visit_start).total_seconds() == pytest.approx(minutes * 60)
    i = {s: k for k, s in enumerate(helsinki_matrix.site_ids)}
    expected = sum(helsinki_matrix.distance_m[i[a], i[b]] for a, b in itertools.pairwise(order))
    assert tour.distance_m == pytest.approx(expected)
    span = (tour.end - tour.start).total_seconds()
    # times are whole seconds: at most half a second of rounding per leg and stop
    assert span == pytest.approx(tour.walking_s + tour.visiting_s + tour.waiting_s, abs=4.0)


def test_assemble_tour_rejects_empty_and_repeated_stops(
    helsinki_graph, helsinki_sites, helsinki_snapping, helsinki_matrix
) -> None:
    start = dt.datetime(2026, 6, 1, 10, 0)
    args = (helsinki_graph, helsinki_sites, helsinki_snapping, helsinki_matrix)

    def visits(order):
        return [Visit(s, "visit", start, 0.0, start) for s in order]

    with pytest.raises(TourError, match="at least one stop"):
        assemble_tour(*args, [[]])
    with pytest.raises(TourError, match="listed twice"):
        assemble_tour(*args, [visits(["ateneum", "kiasma", "ateneum"])])
    with pytest.raises(TourError, match="unknown site id 'nowhere'"):
        assemble_tour(*args, [visits(["ateneum", "nowhere"])])
