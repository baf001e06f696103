"""Tests of tourplanner.tour: stop ordering (pure) and tour assembly on real data."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tourplanner.errors import TourError
from tourplanner.tour import (
    Visit,
    assemble_tour,
    default_start,
    default_stops,
    order_stops,
    path_length,
    timed_visits,
)


def _euclidean(points: np.ndarray) -> np.ndarray:
    return np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))


def _brute_force(distance: np.ndarray, start: int) -> float:
    others = [i for i in range(len(distance)) if i != start]
    return min(path_length(distance, [start, *p]) for p in itertools.permutations(others))


def test_path_length_sums_consecutive_entries() -> None:
    d = np.arange(16, dtype=float).reshape(4, 4)
    assert path_length(d, [0, 2, 3, 1]) == d[0, 2] + d[2, 3] + d[3, 1]
    assert path_length(d, [3]) == 0.0


def test_order_stops_on_a_line_walks_it_in_order() -> None:
    xs = np.array([[0.0, 0.0], [3.0, 0.0], [1.0, 0.0], [2.0, 0.0], [4.0, 0.0]])
    order = order_stops(_euclidean(xs), start=0)
    assert order == [0, 2, 3, 1, 4]


def test_order_stops_rejects_bad_start() -> None:
    with pytest.raises(ValueError, match="start index 5"):
        order_stops(np.zeros((3, 3)), start=5)


points = st.lists(
    st.tuples(st.floats(0, 1000, allow_nan=False), st.floats(0, 1000, allow_nan=False)),
    min_size=2,
    max_size=7,
)


@given(points, st.data())
@settings(max_examples=60, deadline=None)
def test_order_is_permutation_from_start_and_a_local_optimum(pts, data) -> None:
    d = _euclidean(np.asarray(pts))
    start = data.draw(st.integers(0, len(pts) - 1))
    order = order_stops(d, start=start)
    assert order[0] == start
    assert sorted(order) == list(range(len(pts)))
    length = path_length(d, order)
    # no single relocation of a stop (other than the start) improves the path
    for i in range(1, len(order)):
        rest = order[:i] + order[i + 1 :]
        for k in range(1, len(rest) + 1):
            candidate = rest[:k] + [order[i]] + rest[k:]
            assert path_length(d, candidate) >= length - 1e-6
    # no segment reversal improves it
    for i in range(1, len(order)):
        for j in range(i + 1, len(order)):
            candidate = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
            assert path_length(d, candidate) >= length - 1e-6


@given(points, st.data())
@settings(max_examples=40, deadline=None)
def test_order_is_close_to_brute_force_on_small_instances(pts, data) -> None:
    d = _euclidean(np.asarray(pts))
    start = data.draw(st.integers(0, len(pts) - 1))
    best = _brute_force(d, start)
    # a 2-opt + or-opt local optimum on <= 7 points in the plane: within 10 % of optimal
    assert path_length(d, order_stops(d, start=start)) <= best * 1.10 + 1e-6


def test_order_handles_unreachable_pairs() -> None:
    d = np.array([[0, 1, np.inf], [1, 0, 2], [np.inf, 2, 0]], dtype=float)
    assert order_stops(d, start=0) == [0, 1, 2]


def test_default_stops_excludes_stations(helsinki_sites) -> None:
    ids = default_stops(helsinki_sites, min_score=70)
    assert ids
    chosen = helsinki_sites.loc[ids]
    assert (chosen["category"] != "station").all()
    assert (chosen["score"] >= 70).all()
    expected = helsinki_sites[
        (helsinki_sites["category"] != "station") & (helsinki_sites["score"] >= 70)
    ]
    assert set(ids) == set(expected.index)


def test_default_start_is_the_station_nearest_to_a_stop(helsinki_matrix) -> None:
    stations = [s for s in helsinki_matrix.site_ids if s.startswith("station_")]
    stops = ["ateneum", "kiasma"]
    chosen = default_start(helsinki_matrix, stops, stations)
    idx = {s: i for i, s in enumerate(helsinki_matrix.site_ids)}
    nearest = {c: min(helsinki_matrix.distance_m[idx[c], idx[s]] for s in stops) for c in stations}
    assert nearest[chosen] == min(nearest.values())
    assert default_start(helsinki_matrix, stops, []) == "ateneum"


def test_timed_tour_timings_add_up(
    helsinki_graph, helsinki_sites, helsinki_snapping, helsinki_matrix
) -> None:
    order = ["station_rautatientori", "ateneum", "helsinki_cathedral", "old_market_hall"]
    start = dt.datetime(2026, 6, 1, 10, 0)
    visits = timed_visits(helsinki_sites, helsinki_matrix, order, start_time=start)
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
        assert gap == pytest.approx(leg.duration_s, abs=1e-3)
    for stop in tour.stops:
        minutes = helsinki_sites.loc[stop.site_id, "visit_minutes"]
        assert (stop.departure - stop.arrival).total_seconds() == pytest.approx(minutes * 60)
    i = {s: k for k, s in enumerate(helsinki_matrix.site_ids)}
    expected = sum(helsinki_matrix.distance_m[i[a], i[b]] for a, b in itertools.pairwise(order))
    assert tour.distance_m == pytest.approx(expected)
    span = (tour.end - tour.start).total_seconds()
    assert span == pytest.approx(tour.walking_s + tour.visiting_s + tour.waiting_s, abs=1e-3)


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
