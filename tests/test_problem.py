"""Tests of the model, the independent checker, the schedule and the parser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tourplanner.errors import TourError
from tourplanner.problem import (
    Problem,
    check_routes,
    earliest_start,
    read_vansteenwegen,
    schedule,
)

INSTANCES = Path(__file__).resolve().parents[2] / "shared/benchmarks/optw/instances"


def line_problem(**overrides: object) -> Problem:
    """Depot 0 and sites 1..3 on a line, 1 time unit apart, service 1."""
    xs = np.array([0.0, 1.0, 2.0, 3.0])
    kwargs: dict[str, object] = {
        "score": [0, 1, 2, 3],
        "service": [0, 1, 1, 1],
        "open": [0, 0, 0, 0],
        "close": [20, 20, 20, 20],
    }
    kwargs.update(overrides)
    return Problem.single_window(np.abs(xs[:, None] - xs[None, :]), **kwargs)  # type: ignore[arg-type]


def kinds(problem: Problem, routes: list[list[int]]) -> list[str]:
    return [v.kind for v in check_routes(problem, routes)]


# --- construction and validation -------------------------------------------------


def test_single_window_builds_identical_days() -> None:
    p = line_problem(n_days=3, day_start=1, day_end=15)
    assert p.n_nodes == 4
    assert p.n_days == 3
    assert p.day_start == (1.0, 1.0, 1.0)
    assert p.windows[2][3] == ((0.0, 20.0),)
    assert p.customers == (1, 2, 3)
    assert not p.travel.flags.writeable


def test_windows_are_sorted_and_merged() -> None:
    p = line_problem()
    windows = list(p.windows[0])
    windows[1] = ((14, 18), (10, 12), (11, 13))
    q = Problem(
        p.travel, p.score, p.service, (tuple(windows),), p.start, p.end, p.day_start, p.day_end
    )
    assert q.windows[0][1] == ((10.0, 13.0), (14.0, 18.0))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"travel": np.zeros((4, 3))}, "square"),
        ({"travel": -np.ones((4, 4))}, "travel must be >= 0"),
        ({"score": [0, 1, 2]}, "score must have shape (4,)"),
        ({"service": [0, 1, np.nan, 1]}, "NaN"),
        ({"start": 7}, "start node 7 is out of range"),
        ({"end": -1}, "end node -1 is out of range"),
        ({"day_end": (-1.0,)}, "ends (-1.0) before it starts"),
        ({"day_end": (5.0, 6.0)}, "but day_end has 2"),
        ({"must_visit": frozenset({1}), "excluded": frozenset({1})}, "both must-visit"),
        ({"must_visit": frozenset({0})}, "start/end node 0"),
        ({"excluded": frozenset({9})}, "excluded node 9 is out of range"),
        ({"windows": ()}, "windows has 0 days"),
        ({"windows": (((),) * 3,)}, "windows[0] has 3 nodes"),
        ({"windows": (((), ((5, 2),), (), ()),)}, "window (5.0, 2.0) of node 1"),
    ],
)
def test_invalid_input_raises_tour_error(change: dict[str, object], fragment: str) -> None:
    p = line_problem()
    fields: dict[str, object] = {
        "travel": p.travel,
        "score": p.score,
        "service": p.service,
        "windows": p.windows,
        "start": p.start,
        "end": p.end,
        "day_start": p.day_start,
        "day_end": p.day_end,
    }
    fields.update(change)
    with pytest.raises(TourError) as info:
        Problem(**fields)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_earliest_start_with_two_windows() -> None:
    windows = ((10.0, 12.0), (14.0, 18.0))
    assert earliest_start(windows, 5.0) == 10.0
    assert earliest_start(windows, 11.0) == 11.0
    assert earliest_start(windows, 12.5) == 14.0
    assert earliest_start(windows, 18.0) == 18.0
    assert earliest_start(windows, 18.5) is None
    assert earliest_start((), 0.0) is None


# --- checker -------------------------------------------------------------------


def test_feasible_routes_have_no_violation() -> None:
    assert check_routes(line_problem(), [[1, 2, 3]]) == []
    assert check_routes(line_problem(), [[]]) == []


def test_checker_flags_each_violation() -> None:
    p = line_problem(close=[20, 20, 20, 2.5], must_visit=[2], excluded=[1])
    assert kinds(p, [[2, 3]]) == ["window"]  # reaches 3 at 4 > 2.5
    assert kinds(p, [[2, 2]]) == ["duplicate"]
    assert kinds(p, [[1, 2]]) == ["excluded"]
    assert kinds(p, [[0, 2]]) == ["depot"]
    assert kinds(p, [[7, 2]]) == ["unknown_node"]
    assert kinds(p, [[]]) == ["must_visit"]
    assert kinds(p, [[2], []]) == ["days"]


def test_checker_flags_late_return_and_duplicates_across_days() -> None:
    p = line_problem(n_days=2, day_end=8)
    assert kinds(p, [[1, 2, 3], []]) == ["day_end"]  # back at 9
    assert kinds(p, [[3], [3]]) == ["duplicate"]
    violation = check_routes(p, [[3], [3]])[0]
    assert (violation.day, violation.node) == (1, 3)
    assert "node 3" in str(violation)


def test_checker_respects_day_specific_windows() -> None:
    p = line_problem(n_days=2)
    windows = (p.windows[0][:3] + ((),), p.windows[1])
    q = Problem(p.travel, p.score, p.service, windows, 0, 0, p.day_start, p.day_end)
    assert kinds(q, [[3], []]) == ["window"]
    assert "closed that day" in check_routes(q, [[3], []])[0].message
    assert kinds(q, [[], [3]]) == []


def test_checker_uses_tolerance() -> None:
    p = line_problem(close=[20, 20, 20, 5 - 5e-7], day_end=9 - 5e-7)
    assert check_routes(p, [[1, 2, 3]]) == []  # 3 reached at 5, back at 9
    q = line_problem(close=[20, 20, 20, 5 - 5e-6], day_end=9 - 5e-6)
    assert kinds(q, [[1, 2, 3]]) == ["window", "day_end"]


# --- schedule ------------------------------------------------------------------


def test_schedule_times_waits_for_second_window() -> None:
    p = line_problem()
    windows = list(p.windows[0])
    windows[2] = ((0.0, 1.0), (6.0, 7.0))
    q = Problem(p.travel, p.score, p.service, (tuple(windows),), 0, 0, (0.0,), (20.0,))
    plan = schedule(q, [[1, 2, 3]])
    first, second, third = plan.days[0].stops
    assert (first.arrival, first.wait, first.start, first.departure) == (1.0, 0.0, 1.0, 2.0)
    assert (second.arrival, second.wait, second.start, second.departure) == (3.0, 3.0, 6.0, 7.0)
    assert (third.arrival, third.start, third.departure) == (8.0, 8.0, 9.0)
    assert plan.days[0].arrival == 12.0
    assert [(leg.origin, leg.destination, leg.travel) for leg in plan.days[0].legs] == [
        (0, 1, 1.0),
        (1, 2, 1.0),
        (2, 3, 1.0),
        (3, 0, 3.0),
    ]
    assert plan.score == 6.0
    assert (plan.travel_time, plan.wait_time, plan.service_time) == (6.0, 3.0, 3.0)
    assert plan.routes == ((1, 2, 3),)


def test_schedule_open_trip_and_empty_days() -> None:
    p = line_problem(end=3, n_days=2)
    plan = schedule(p, [[1], []])
    assert plan.days[0].legs[-1].destination == 3
    assert plan.days[0].arrival == 4.0  # 1 + service 1 + 2
    assert len(plan.days[1].legs) == 1  # an empty open trip still travels
    assert plan.days[1].arrival == 3.0
    round_trip = schedule(line_problem(), [[]])
    assert round_trip.days[0].legs == ()
    assert round_trip.score == 0.0


def test_schedule_rejects_infeasible_routes() -> None:
    with pytest.raises(TourError, match="node 1 is visited again"):
        schedule(line_problem(), [[1, 1]])


# --- Vansteenwegen instances -----------------------------------------------------


def write_instance(path: Path, coords: list[tuple[float, float]]) -> None:
    lines = [f"4 1 {len(coords) - 1} 1", "0 200"]
    for i, (x, y) in enumerate(coords):
        lines.append(f"{i} {x} {y} {0 if i == 0 else 5} {0 if i == 0 else 10 + i} 1 1 1 0 100")
    path.write_text("\n".join(lines) + "\n")


def test_parser_applies_rounding_conventions_without_float_error(tmp_path: Path) -> None:
    coords = [(0.0, 0.0), (2.3, 0.0), (0.0, 0.3), (3.0, 4.0), (1.0, 1.0)]
    write_instance(tmp_path / "c999.txt", coords)
    write_instance(tmp_path / "pr99.txt", coords)
    solomon = read_vansteenwegen(tmp_path / "c999.txt")
    cordeau = read_vansteenwegen(tmp_path / "pr99.txt")
    # 2.3 * 10 is 22.999999999999996 in floating point: still 2.3 once truncated.
    assert solomon.travel[0, 1] == 2.3
    assert cordeau.travel[0, 1] == 2.3
    # 0.3 * 100 is 30.000000000000004: still 0.3 once rounded up.
    assert cordeau.travel[0, 2] == 0.3
    assert solomon.travel[0, 3] == cordeau.travel[0, 3] == 5.0
    assert solomon.travel[0, 4] == 1.4  # sqrt(2) = 1.41421...
    assert cordeau.travel[0, 4] == 1.42
    assert solomon.score.tolist() == [0, 11, 12, 13, 14]
    assert solomon.service.tolist() == [0, 5, 5, 5, 5]
    assert solomon.windows[0][2] == ((0.0, 100.0),)
    assert (solomon.day_start, solomon.day_end) == ((0.0,), (100.0,))


def test_parser_rejects_garbage(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("hello\n")
    with pytest.raises(TourError, match="not a Vansteenwegen"):
        read_vansteenwegen(path)


@pytest.mark.skipif(not INSTANCES.is_dir(), reason="shared benchmark instances are absent")
def test_parser_reads_real_instances() -> None:
    c101 = read_vansteenwegen(INSTANCES / "c101.txt")
    assert c101.n_nodes == 101
    assert (c101.day_start, c101.day_end) == ((0.0,), (1236.0,))
    # vertex 1: "1 45.00 68.00 90.00 10.00 1 1 1 912 967"; depot at (40, 50)
    assert c101.travel[0, 1] == 18.6  # sqrt(349) = 18.68, truncated
    assert (c101.service[1], c101.score[1]) == (90.0, 10.0)
    assert c101.windows[0][1] == ((912.0, 967.0),)
    pr01 = read_vansteenwegen(INSTANCES / "pr01.txt", n_days=2)
    assert pr01.n_nodes == 49
    assert pr01.n_days == 2
    assert pr01.travel[0, 1] == 48.17  # sqrt(2320.10) = 48.1675, rounded up
    assert pr01.windows[1][1] == ((354.0, 509.0),)
    # An optimal c101 route (proven optimum 320) replays cleanly, back at 1154.
    plan = schedule(c101, [[57, 63, 62, 74, 46, 85, 88, 2, 21, 75]])
    assert plan.score == 320.0
    assert plan.days[0].arrival == pytest.approx(1154.0)
    assert [v.kind for v in check_routes(c101, [[57, 63, 57]])] == ["duplicate", "window"]
