"""Tests of tourplanner.optimise and the optimising planner, on real Helsinki streets.

The Tiexi-style scenario plants Tiexi's opening-hours pattern on real Helsinki
sites: a museum closed on Mondays (like the China Industrial Museum) and a night
market open only in the evening (like Xingshun).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tourplanner.errors import InfeasibleTourError, TourError, UnreachableSiteError
from tourplanner.optimise import Request, build_problem, check_user_order
from tourplanner.planner import plan_tour
from tourplanner.problem import check_routes

MONDAY = dt.date(2026, 6, 1)
TUESDAY = dt.date(2026, 6, 2)
SOLVE = {"time_limit": 30.0, "max_iterations": 300, "seed": 1}


@pytest.fixture(scope="module")
def tiexi_style(helsinki_sites):
    sites = helsinki_sites.copy()
    sites.loc["ateneum", "opening_hours"] = "Tu-Su 09:00-16:00; PH off"
    sites.loc["ateneum", "score"] = 95.0
    sites.loc["ateneum", "visit_minutes"] = 90.0
    sites.loc["old_market_hall", "opening_hours"] = "17:30-23:00"
    sites.loc["old_market_hall", "score"] = 90.0
    sites.loc["old_market_hall", "visit_minutes"] = 60.0
    return sites


def _ids(plan):
    return [s.site_id for s in plan.tour.visits]


def test_museum_closed_on_monday_is_left_out_as_closed(helsinki_graph, tiexi_style) -> None:
    plan = plan_tour(
        helsinki_graph,
        tiexi_style,
        start_time=dt.datetime.combine(MONDAY, dt.time(10, 0)),
        end_time=dt.datetime.combine(MONDAY, dt.time(16, 0)),
        start="station_rautatientori",
        **SOLVE,
    )
    assert "ateneum" not in _ids(plan)
    reasons = {item.site_id: item.reason for item in plan.tour.left_out}
    assert reasons["ateneum"] == "closed"
    assert reasons["old_market_hall"] == "closed"  # not open before 16:00 ... on no day
    assert plan.tour.visits  # other sites are visited


def test_museum_chosen_on_tuesday_and_market_in_the_evening(helsinki_graph, tiexi_style) -> None:
    day = plan_tour(
        helsinki_graph,
        tiexi_style,
        start_time=dt.datetime.combine(TUESDAY, dt.time(10, 0)),
        end_time=dt.datetime.combine(TUESDAY, dt.time(14, 0)),
        start="station_rautatientori",
        **SOLVE,
    )
    assert "ateneum" in _ids(day)
    assert "old_market_hall" not in _ids(day)
    evening = plan_tour(
        helsinki_graph,
        tiexi_style,
        start_time=dt.datetime.combine(TUESDAY, dt.time(16, 30)),
        end_time=dt.datetime.combine(TUESDAY, dt.time(21, 0)),
        start="station_rautatientori",
        **SOLVE,
    )
    ids = _ids(evening)
    assert "old_market_hall" in ids
    assert "ateneum" not in ids  # closes at 16:00
    market = next(s for s in evening.tour.visits if s.site_id == "old_market_hall")
    assert market.visit_start.time() >= dt.time(17, 30)


def test_waiting_for_the_market_to_open_is_shown(helsinki_graph, tiexi_style) -> None:
    plan = plan_tour(
        helsinki_graph,
        tiexi_style,
        start_time=dt.datetime.combine(TUESDAY, dt.time(17, 0)),
        end_time=dt.datetime.combine(TUESDAY, dt.time(18, 45)),
        stops=["station_rautatientori", "old_market_hall"],
    )
    market = plan.tour.visits[-1]
    assert market.arrival.time() < dt.time(17, 30)
    assert market.visit_start.time() == dt.time(17, 30)
    assert market.wait_s == pytest.approx(
        (dt.datetime.combine(TUESDAY, dt.time(17, 30)) - market.arrival).total_seconds(), abs=1
    )
    assert plan.tour.warnings == ()


def test_user_order_is_kept_and_broken_hours_are_warned(helsinki_graph, tiexi_style) -> None:
    plan = plan_tour(
        helsinki_graph,
        tiexi_style,
        start_time=dt.datetime.combine(MONDAY, dt.time(10, 0)),
        stops=["kiasma", "ateneum", "helsinki_cathedral"],
    )
    assert _ids(plan) == ["kiasma", "ateneum", "helsinki_cathedral"]
    assert any("Ateneum" in w for w in plan.tour.warnings)


def test_solution_passes_the_independent_checker(
    helsinki_graph, helsinki_matrix, tiexi_style
) -> None:
    candidates = [s for s in helsinki_matrix.site_ids if not s.startswith("station_")]
    request = Request(
        date=TUESDAY,
        start="station_rautatientori",
        start_time=dt.time(9, 0),
        end_time=dt.timedelta(hours=13),
        days=2,
        round_trip=True,
    )
    tp = build_problem(tiexi_style, helsinki_matrix, request, candidates)
    from tourplanner.solver import solve

    solution = solve(tp.problem, time_limit=30, max_iterations=200, seed=3)
    assert check_routes(tp.problem, solution.routes) == []
    assert len(solution.days) == 2


def test_round_trip_and_days(helsinki_graph, tiexi_style) -> None:
    plan = plan_tour(
        helsinki_graph,
        tiexi_style,
        start_time=dt.datetime.combine(TUESDAY, dt.time(10, 0)),
        end_time=dt.datetime.combine(TUESDAY, dt.time(13, 0)),
        start="station_rautatientori",
        round_trip=True,
        days=2,
        **SOLVE,
    )
    assert len(plan.tour.days) == 2
    for day in plan.tour.days:
        assert day.stops[0].kind == "start"
        assert day.stops[0].site_id == "station_rautatientori"
        if len(day.stops) > 1:
            assert day.stops[-1].kind == "end"
            assert day.stops[-1].site_id == "station_rautatientori"
            assert day.stops[-1].arrival.time() <= dt.time(13, 0)
    visited = _ids(plan)
    assert len(visited) == len(set(visited))
    assert plan.tour.days[1].date == TUESDAY + dt.timedelta(days=1)


def test_must_visit_is_honoured(helsinki_graph, tiexi_style) -> None:
    plan = plan_tour(
        helsinki_graph,
        tiexi_style,
        start_time=dt.datetime.combine(TUESDAY, dt.time(10, 0)),
        end_time=dt.datetime.combine(TUESDAY, dt.time(14, 0)),
        start="station_rautatientori",
        must=["g12_gallery"],
        exclude=["amos_rex"],
        **SOLVE,
    )
    assert "g12_gallery" in _ids(plan)
    assert "amos_rex" not in _ids(plan)
    assert {i.site_id: i.reason for i in plan.tour.left_out}["amos_rex"] == "excluded"


def test_same_seed_same_tour(helsinki_graph, tiexi_style) -> None:
    def run(seed):
        return _ids(
            plan_tour(
                helsinki_graph,
                tiexi_style,
                start_time=dt.datetime.combine(TUESDAY, dt.time(10, 0)),
                end_time=dt.datetime.combine(TUESDAY, dt.time(15, 0)),
                start="station_rautatientori",
                time_limit=60,
                max_iterations=150,
                seed=seed,
            )
        )

    assert run(7) == run(7)


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"must": ["ateneum"]}, InfeasibleTourError, "is closed on 2026-06-01"),
        ({"must": ["nowhere"]}, TourError, "unknown must-visit id 'nowhere'"),
        ({"exclude": ["nowhere"]}, TourError, "unknown excluded id 'nowhere'"),
        ({"days": 0}, TourError, "less than 1"),
        (
            {"end_time": dt.datetime.combine(MONDAY, dt.time(9, 0))},
            TourError,
            "is not after the start time",
        ),
        (
            {"end_time": dt.datetime.combine(MONDAY, dt.time(10, 5))},
            InfeasibleTourError,
            "no site can be visited between 10:00 and 10:05",
        ),
    ],
)
def test_bad_requests_name_the_problem(helsinki_graph, tiexi_style, kwargs, error, needle) -> None:
    base = {
        "start_time": dt.datetime.combine(MONDAY, dt.time(10, 0)),
        "start": "station_rautatientori",
        "time_limit": 5.0,
        "max_iterations": 50,
    }
    with pytest.raises(error, match=needle) as info:
        plan_tour(helsinki_graph, tiexi_style, **{**base, **kwargs})
    assert "\n" not in str(info.value)


def test_must_visit_that_cannot_fit_names_the_site(helsinki_graph, tiexi_style) -> None:
    with pytest.raises(InfeasibleTourError, match=r"ateneum \(Ateneum\) does not fit") as info:
        plan_tour(
            helsinki_graph,
            tiexi_style,
            start_time=dt.datetime.combine(TUESDAY, dt.time(10, 0)),
            end_time=dt.datetime.combine(TUESDAY, dt.time(11, 0)),
            start="station_rautatientori",
            must=["ateneum"],
            max_iterations=50,
        )
    assert "90-minute visit" in str(info.value)


def test_start_off_the_network_fails(helsinki_graph, tiexi_style) -> None:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    sea = gpd.GeoDataFrame(
        {
            "name": ["Sea point"],
            "name_zh": [""],
            "category": ["waypoint"],
            "visit_minutes": [0.0],
            "opening_hours": [None],
            "score": [0.0],
            "description": [""],
            "source": [""],
            "datum": ["WGS-84"],
            "source_datum": ["WGS-84"],
            "position_accuracy_m": [0.0],
        },
        geometry=[Point(24.985, 60.145)],
        crs=4326,
        index=pd.Index(["start_point"], name="id"),
    )
    sites = pd.concat([tiexi_style, sea])
    with pytest.raises(UnreachableSiteError, match=r"start start_point .* off the walking network"):
        plan_tour(
            helsinki_graph,
            sites,
            start_time=dt.datetime.combine(TUESDAY, dt.time(10, 0)),
            start="start_point",
            max_iterations=10,
        )


def test_check_user_order_times_waits(helsinki_matrix, tiexi_style) -> None:
    request = Request(
        date=TUESDAY,
        start="station_rautatientori",
        start_time=dt.time(8, 0),
        end_time=dt.timedelta(hours=20),
    )
    order = ["station_rautatientori", "ateneum", "old_market_hall"]
    visits, warnings = check_user_order(tiexi_style, helsinki_matrix, request, order)
    ateneum = visits[1]
    assert ateneum.arrival.time() > dt.time(8, 0)
    start = ateneum.arrival + dt.timedelta(seconds=ateneum.wait_s)
    assert start.time() == dt.time(9, 0)  # waits outside until the museum opens
    assert ateneum.departure - start == dt.timedelta(minutes=90)
    market = visits[2]  # reached at about 10:40: it opens at 17:30, so the user waits
    assert (market.arrival + dt.timedelta(seconds=market.wait_s)).time() == dt.time(17, 30)
    assert warnings == []
    late = Request(date=TUESDAY, start="ateneum", start_time=dt.time(15, 30))
    _, warnings = check_user_order(tiexi_style, helsinki_matrix, late, ["ateneum"])
    assert len(warnings) == 1
    assert "Ateneum cannot be visited when you arrive at 15:30" in warnings[0]
