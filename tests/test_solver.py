"""Tests of the OPTW/TOPTW solver: optimality on tiny instances, feasibility, errors."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tourplanner.errors import InfeasibleTourError, TourError
from tourplanner.problem import NodeWindows, Problem, check_routes, read_vansteenwegen
from tourplanner.solver import SearchParams, solve

INSTANCES = Path(__file__).resolve().parents[2] / "shared/benchmarks/optw/instances"


def random_problem(
    rng: np.random.Generator,
    n: int,
    *,
    n_days: int = 1,
    max_windows: int = 1,
    horizon: float = 100.0,
) -> Problem:
    """Random Euclidean instance: depot 0, ``n - 1`` sites with random windows."""
    xy = rng.uniform(0, 30, size=(n, 2))
    travel = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)).round(1)
    score = rng.integers(1, 10, size=n).astype(float)
    score[0] = 0
    service = rng.integers(0, 8, size=n).astype(float)
    windows = []
    for _ in range(n_days):
        day: list[NodeWindows] = [((0.0, horizon),)]
        for _ in range(1, n):
            k = int(rng.integers(0, max_windows + 1)) if max_windows > 1 else 1
            opens = np.sort(rng.uniform(0, horizon, size=k))
            day.append(tuple((float(o), float(o + rng.uniform(5, 40))) for o in opens))
        windows.append(tuple(day))
    return Problem(
        travel, score, service, tuple(windows), 0, 0, (0.0,) * n_days, (horizon,) * n_days
    )


def feasible_sequences(problem: Problem, day: int) -> Iterator[tuple[int, ...]]:
    """Every ordering of every subset of sites that the checker accepts on ``day``."""
    sites = problem.customers
    days = problem.n_days

    def routes(seq: tuple[int, ...]) -> list[list[int]]:
        return [list(seq) if d == day else [] for d in range(days)]

    def grow(seq: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
        kinds = {v.kind for v in check_routes(problem, routes(seq))}
        if "window" in kinds:  # times only grow: no extension can fix it
            return
        if not kinds - {"must_visit"}:
            yield seq
        for site in sites:
            if site not in seq:
                yield from grow((*seq, site))

    yield from grow(())


def brute_force(problem: Problem) -> float | None:
    """Optimal score by enumeration (one or two days); None if infeasible."""
    best_per_day = []
    for day in range(problem.n_days):
        best: dict[frozenset[int], float] = {}
        for seq in feasible_sequences(problem, day):
            key = frozenset(seq)
            best[key] = float(sum(problem.score[list(seq)]))
        best_per_day.append(best)
    if problem.n_days == 1:
        combos = [(a, s) for a, s in best_per_day[0].items()]
    else:
        assert problem.n_days == 2
        combos = [
            (a | b, s0 + s1)
            for (a, s0), (b, s1) in itertools.product(
                best_per_day[0].items(), best_per_day[1].items()
            )
            if not a & b
        ]
    scores = [s for visited, s in combos if problem.must_visit <= visited]
    return max(scores) if scores else None


# --- optimality -------------------------------------------------------------


@pytest.mark.parametrize("case", range(12))
def test_finds_brute_force_optimum_one_day(case: int) -> None:
    rng = np.random.default_rng(case)
    problem = random_problem(rng, 8, max_windows=2 if case % 2 else 1, horizon=120)
    solution = solve(problem, max_iterations=150, seed=case)
    assert check_routes(problem, solution.routes) == []
    assert solution.score == brute_force(problem)


@pytest.mark.parametrize("case", range(4))
def test_finds_brute_force_optimum_two_days(case: int) -> None:
    rng = np.random.default_rng(100 + case)
    problem = random_problem(rng, 7, n_days=2, max_windows=2, horizon=70)
    solution = solve(problem, max_iterations=150, seed=case)
    assert check_routes(problem, solution.routes) == []
    assert solution.score == brute_force(problem)


def with_must_visit(problem: Problem, must: set[int]) -> Problem:
    return Problem(
        problem.travel,
        problem.score,
        problem.service,
        problem.windows,
        problem.start,
        problem.end,
        problem.day_start,
        problem.day_end,
        must_visit=frozenset(must),
    )


@pytest.mark.parametrize("case", range(10))
def test_finds_brute_force_optimum_with_must_visits(case: int) -> None:
    rng = np.random.default_rng(200 + case)
    n_days = 1 + case % 2
    problem = random_problem(rng, 7, n_days=n_days, max_windows=2, horizon=60 * n_days)
    must = {int(x) for x in rng.choice(np.arange(1, 7), size=2, replace=False)}
    problem = with_must_visit(problem, must)
    optimum = brute_force(problem)
    if optimum is None:
        with pytest.raises(InfeasibleTourError, match="must-visit site"):
            solve(problem, max_iterations=150, seed=case)
        return
    solution = solve(problem, max_iterations=150, seed=case)
    assert check_routes(problem, solution.routes) == []
    assert solution.score == optimum


# --- feasibility, property-based ----------------------------------------------------


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 12))
    n_days = draw(st.integers(1, 3))
    rng = np.random.default_rng(seed)
    base = random_problem(
        rng, n, n_days=n_days, max_windows=3, horizon=draw(st.sampled_from([40, 100]))
    )
    end = draw(st.integers(0, n - 1))
    others = [i for i in range(n) if i not in {0, end}]
    must = draw(st.sets(st.sampled_from(others), max_size=2)) if others else set()
    excluded = (
        draw(st.sets(st.sampled_from([i for i in others if i not in must]), max_size=2))
        if len(others) > len(must)
        else set()
    )
    return Problem(
        base.travel,
        base.score,
        base.service,
        base.windows,
        0,
        end,
        base.day_start,
        base.day_end,
        must_visit=frozenset(must),
        excluded=frozenset(excluded),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), seed=st.integers(0, 10))
def test_every_solution_passes_the_checker(problem: Problem, seed: int) -> None:
    try:
        solution = solve(problem, max_iterations=15, seed=seed)
    except InfeasibleTourError as error:
        message = str(error)
    else:
        message = ""
    if message:  # only must-visit sites or an open trip can make it infeasible
        assert problem.must_visit or problem.start != problem.end
        assert "\n" not in message
        return
    assert check_routes(problem, solution.routes) == []
    assert problem.must_visit <= {node for route in solution.routes for node in route}
    assert len(solution.days) == problem.n_days
    assert solution.score == sum(problem.score[list(r)].sum() for r in solution.routes)


# --- behaviour ------------------------------------------------------------------


def test_same_seed_same_solution() -> None:
    problem = random_problem(np.random.default_rng(7), 40, n_days=2, max_windows=2, horizon=150)
    first = solve(problem, max_iterations=60, seed=3)
    again = solve(problem, max_iterations=60, seed=3)
    assert first.routes == again.routes
    assert first == again


def test_uses_second_window_and_right_day() -> None:
    # Site 1 is closed on day 0; site 2 opens twice, only the second window fits.
    travel = np.array([[0, 5, 5], [5, 0, 5], [5, 5, 0]], dtype=float)
    windows = (
        ((), (), ((0.0, 1.0), (20.0, 30.0))),
        ((), ((0.0, 50.0),), ()),
    )
    problem = Problem(
        travel, np.array([0, 4.0, 6.0]), np.array([0, 2.0, 2.0]), windows, 0, 0, (0, 0), (50, 50)
    )
    solution = solve(problem, max_iterations=20)
    assert solution.routes == ((2,), (1,))
    assert solution.days[0].stops[0].start == 20.0


def test_must_visit_is_honoured_even_when_it_costs_score() -> None:
    # Site 3 is far and worth little: alone, sites 1 and 2 (score 10) win; forced
    # to visit 3, only one of them still fits (score 6).
    travel = np.array([[0, 1, 1, 9], [1, 0, 1, 9], [1, 1, 0, 9], [9, 9, 9, 0]], dtype=float)
    kwargs = {"score": [0, 5, 5, 1], "service": [0, 1, 1, 1], "open": [0] * 4, "close": [22] * 4}
    free = solve(Problem.single_window(travel, **kwargs), max_iterations=20)  # type: ignore[arg-type]
    assert sorted(free.routes[0]) == [1, 2]
    forced = Problem.single_window(travel, must_visit=[3], **kwargs)  # type: ignore[arg-type]
    solution = solve(forced, max_iterations=20)
    assert 3 in solution.routes[0]
    assert solution.score == 6.0


def test_excluded_sites_are_never_visited() -> None:
    problem = random_problem(np.random.default_rng(3), 12, horizon=200)
    allowed = solve(problem, max_iterations=30)
    banned = frozenset(allowed.routes[0][:2])
    restricted = Problem(
        problem.travel,
        problem.score,
        problem.service,
        problem.windows,
        0,
        0,
        problem.day_start,
        problem.day_end,
        excluded=banned,
    )
    solution = solve(restricted, max_iterations=30)
    assert not banned & set(solution.routes[0])
    assert check_routes(restricted, solution.routes) == []


def test_unreachable_must_visit_names_the_site() -> None:
    travel = np.array([[0, 10, 2], [10, 0, 10], [2, 10, 0]], dtype=float)
    problem = Problem.single_window(
        travel,
        score=[0, 1, 1],
        service=[0, 1, 1],
        open=[0, 0, 0],
        close=[30, 5, 30],
        must_visit=[1],
    )
    with pytest.raises(InfeasibleTourError, match=r"must-visit site 1 .*closes at 5"):
        solve(problem, max_iterations=10)


def test_must_visit_too_far_to_return_names_the_site() -> None:
    travel = np.array([[0, 10, 2], [10, 0, 10], [2, 10, 0]], dtype=float)
    problem = Problem.single_window(
        travel, score=[0, 1, 1], service=[0, 1, 1], open=[0] * 3, close=[15] * 3, must_visit=[1]
    )
    with pytest.raises(InfeasibleTourError, match=r"must-visit site 1 .*day end 15"):
        solve(problem, max_iterations=10)


def test_incompatible_must_visits_raise() -> None:
    # Sites 1 and 2 must both start at time 10 and are far apart.
    travel = np.array([[0, 5, 5], [5, 0, 9], [5, 9, 0]], dtype=float)
    problem = Problem.single_window(
        travel,
        score=[0, 1, 1],
        service=[0, 1, 1],
        open=[0, 10, 10],
        close=[40, 10, 10],
        must_visit=[1, 2],
    )
    with pytest.raises(InfeasibleTourError, match=r"site [12] could not be fitted"):
        solve(problem, max_iterations=10, params=SearchParams(construction_tries=5))
    two_days = Problem(
        problem.travel,
        problem.score,
        problem.service,
        problem.windows * 2,
        0,
        0,
        (0.0, 0.0),
        (40.0, 40.0),
        must_visit=problem.must_visit,
    )
    assert sorted(solve(two_days, max_iterations=10).routes) == [(1,), (2,)]


def test_pairs_without_path_are_never_travelled() -> None:
    # Site 2 has no path to or from the depot: it can only sit between 1 and 3.
    inf = np.inf
    travel = np.array([[0, 1, inf, 2], [1, 0, 1, 1], [inf, 1, 0, 1], [2, 1, 1, 0]])
    problem = Problem.single_window(
        travel, score=[0, 1, 5, 1], service=[0, 0, 0, 0], open=[0] * 4, close=[10] * 4
    )
    solution = solve(problem, max_iterations=30)
    assert check_routes(problem, solution.routes) == []
    assert solution.score == 7.0
    assert solution.routes[0] in ((1, 2, 3), (3, 2, 1))


def test_must_visit_without_path_names_the_site() -> None:
    travel = np.array([[0, np.inf], [np.inf, 0]])
    problem = Problem.single_window(
        travel, score=[0, 1], service=[0, 0], open=[0, 0], close=[9, 9], must_visit=[1]
    )
    with pytest.raises(InfeasibleTourError, match=r"site 1 .*no path"):
        solve(problem, max_iterations=5)


def test_unreachable_end_raises() -> None:
    problem = Problem.single_window(
        [[0, 9], [9, 0]], score=[0, 1], service=[0, 0], open=[0, 0], close=[5, 5], end=1
    )
    with pytest.raises(InfeasibleTourError, match="cannot be reached"):
        solve(problem, max_iterations=5)


def test_bad_arguments_raise() -> None:
    problem = random_problem(np.random.default_rng(0), 4)
    with pytest.raises(TourError):
        solve(problem, time_limit=-1)


def test_trivial_problems() -> None:
    lone = Problem.single_window([[0.0]], score=[0], service=[0], open=[0], close=[1])
    assert solve(lone, max_iterations=5).routes == ((),)
    nothing_fits = random_problem(np.random.default_rng(1), 6, horizon=1)
    assert solve(nothing_fits, max_iterations=5).score == 0.0


@pytest.mark.skipif(not INSTANCES.is_dir(), reason="shared benchmark instances are absent")
def test_benchmark_instance_reaches_good_score() -> None:
    problem = read_vansteenwegen(INSTANCES / "c101.txt")
    solution = solve(problem, max_iterations=300, seed=1)
    assert check_routes(problem, solution.routes) == []
    assert solution.score >= 310  # proven optimum 320
