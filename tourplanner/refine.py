"""After the search: the best walking order of each day, and days of similar weight.

The solver (:mod:`tourplanner.solver`) chooses *which* sites to visit for the
score. This module, working on the same :class:`~tourplanner.problem.Problem`,
changes *how* they are visited without ever lowering the score:

* :func:`best_order` re-orders one day's visits for the least travel (then the
  least waiting) that keeps every window and the day's end: exactly, by dynamic
  programming over subsets with Pareto labels (travel, time), for days of at
  most :data:`EXACT_MAX` visits, and by local search (relocation and 2-opt)
  above that.
* :func:`balance_days` moves visits between days so that the shortest day's
  time on site is at least :data:`BALANCE_RATIO` of the longest day's, among the
  days the tour needs (see :func:`days_needed`); the visits, hence the score, are
  unchanged, and free time is then offered to unvisited sites (score only rises).

Examples
--------
>>> import numpy as np
>>> from tourplanner.problem import Problem
>>> travel = np.array([[0, 1, 5, 1], [1, 0, 1, 5], [5, 1, 0, 1], [1, 5, 1, 0.0]])
>>> p = Problem.single_window(
...     travel, score=[0, 1, 1, 1], service=[0, 0, 0, 0], open=[0] * 4, close=[99] * 4
... )
>>> best_order(p, 0, [2, 1, 3]) in ([1, 2, 3], [3, 2, 1])
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tourplanner.problem import TOLERANCE, Problem, earliest_start

__all__ = [
    "BALANCE_RATIO",
    "BALANCE_TOLERANCE",
    "EXACT_MAX",
    "DayTiming",
    "Pause",
    "TimedStop",
    "balance_days",
    "best_order",
    "day_balance",
    "days_needed",
    "place_break",
    "refill",
    "reoptimise",
    "replay_day",
    "time_day",
]

#: Days with at most this many visits are re-ordered exactly.
EXACT_MAX = 10
#: The shortest day's time on site is at least this share of the longest day's.
BALANCE_RATIO = 0.5
#: Balancing may lower the variety-discounted value by at most this share (the
#: plain score never drops: the same sites are visited).
BALANCE_TOLERANCE = 0.05

DayTiming = tuple[bool, float, float]
"""``(feasible, travel, finish)`` of one day's order: the earliest schedule."""


def time_day(problem: Problem, day: int, nodes: Sequence[int]) -> DayTiming:
    """Replay one day's order with the earliest schedule.

    Parameters
    ----------
    problem : Problem
        The model.
    day : int
        Day index.
    nodes : sequence of int
        Visits in order, depots excluded.

    Returns
    -------
    tuple
        ``(feasible, travel, finish)``: whether every window, the day's end and
        the travel cap hold, the total travel time and the arrival time at the end
        node.
    """
    clock = problem.day_start[day]
    here = problem.start
    travel = 0.0
    ok = True
    for node in nodes:
        leg = float(problem.travel[here, node])
        travel += leg
        begin = earliest_start(problem.windows[day][node], clock + leg)
        if begin is None:
            ok = False
            begin = clock + leg
        clock = begin + float(problem.service[node])
        here = node
    if nodes or problem.start != problem.end:
        leg = float(problem.travel[here, problem.end])
        travel += leg
        clock += leg
    ok = ok and clock <= problem.day_end[day] + TOLERANCE
    if problem.max_travel is not None:
        ok = ok and travel <= problem.max_travel[day] + TOLERANCE
    return ok, travel, clock


_Label = tuple[float, float, int, int, int]
"""A DP label: travel, clock, previous mask, previous last, previous label index."""


def _exact_order(problem: Problem, day: int, nodes: Sequence[int]) -> list[int] | None:
    """Least-travel feasible order by DP over subsets (Pareto labels travel, time)."""
    k = len(nodes)
    windows = problem.windows[day]
    service = [float(problem.service[v]) for v in nodes]
    # labels[(mask, last)]: non-dominated (travel, clock, previous label key, prev index)
    labels: dict[tuple[int, int], list[_Label]] = {}
    t0 = problem.day_start[day]
    for i, v in enumerate(nodes):
        leg = float(problem.travel[problem.start, v])
        begin = earliest_start(windows[v], t0 + leg)
        if begin is not None:
            labels[(1 << i, i)] = [(leg, begin + service[i], -1, -1, -1)]
    for mask in range(1, 1 << k):
        for last in range(k):
            here = labels.get((mask, last))
            if not here:
                continue
            for j in range(k):
                if mask >> j & 1:
                    continue
                v = nodes[j]
                leg = float(problem.travel[nodes[last], v])
                key = (mask | 1 << j, j)
                bucket = labels.setdefault(key, [])
                for idx, (travel, clock, _, _, _) in enumerate(here):
                    begin = earliest_start(windows[v], clock + leg)
                    if begin is None:
                        continue
                    new = (travel + leg, begin + service[j], mask, last, idx)
                    if any(
                        b[0] <= new[0] + TOLERANCE and b[1] <= new[1] + TOLERANCE for b in bucket
                    ):
                        continue
                    bucket[:] = [b for b in bucket if not (new[0] <= b[0] and new[1] <= b[1])]
                    bucket.append(new)
    full = (1 << k) - 1
    best: tuple[float, float, int, int] | None = None
    for last in range(k):
        for idx, (travel, clock, _, _, _) in enumerate(labels.get((full, last), [])):
            leg = float(problem.travel[nodes[last], problem.end])
            if clock + leg > problem.day_end[day] + TOLERANCE:
                continue
            found = (travel + leg, clock + leg, last, idx)
            if best is None or found[:2] < best[:2]:
                best = found
    if best is None:
        return None
    order: list[int] = []
    mask, last, idx = full, best[2], best[3]
    while last >= 0:
        order.append(nodes[last])
        _, _, prev_mask, prev_last, prev_idx = labels[(mask, last)][idx]
        mask, last, idx = prev_mask, prev_last, prev_idx
    return order[::-1]


def _local_order(
    problem: Problem, day: int, nodes: Sequence[int], deadline: float, clock: Callable[[], float]
) -> list[int]:
    """Relocation and 2-opt moves while they shorten the walk and stay feasible.

    Each pass prices every move at once (numpy) and times only the shorter ones,
    shortest first; it stops at a local optimum or at ``deadline`` (the best
    order so far is kept).
    """
    best = list(nodes)
    ok, travel, finish = time_day(problem, day, best)
    if not ok:
        return best
    n = len(best)
    while clock() < deadline:
        moves: list[list[int]] = []
        for i in range(n):
            rest = best[:i] + best[i + 1 :]
            moves.extend([*rest[:j], best[i], *rest[j:]] for j in range(n) if j != i)
        moves.extend(
            best[:i] + best[i:j][::-1] + best[j:] for i in range(n - 1) for j in range(i + 2, n + 1)
        )
        full = np.empty((len(moves), n + 2), dtype=np.int64)
        full[:, 0], full[:, -1] = problem.start, problem.end
        full[:, 1:-1] = moves
        lengths = problem.travel[full[:, :-1], full[:, 1:]].sum(axis=1)
        improved = False
        for k in np.argsort(lengths, kind="stable"):
            if lengths[k] > travel + TOLERANCE:
                break
            cand = moves[int(k)]
            c_ok, c_travel, c_finish = time_day(problem, day, cand)
            if c_ok and (
                c_travel < travel - TOLERANCE
                or (c_travel <= travel + TOLERANCE and c_finish < finish - TOLERANCE)
            ):
                best, travel, finish = cand, c_travel, c_finish
                improved = True
                break
        if not improved:
            break
    return best


def best_order(
    problem: Problem,
    day: int,
    nodes: Sequence[int],
    *,
    deadline: float = math.inf,
    clock: Callable[[], float] = time.perf_counter,
) -> list[int]:
    """Return the order of ``nodes`` on ``day`` with the least travel, then waiting.

    Exact for at most :data:`EXACT_MAX` visits, local search above. The given
    order is returned when nothing feasible beats it.

    Parameters
    ----------
    problem : Problem
        The model.
    day : int
        Day index.
    nodes : sequence of int
        The day's visits (a feasible order of them).
    deadline, clock
        The local search stops at ``deadline`` on ``clock`` (the exact one is
        bounded by its size).

    Returns
    -------
    list of int
        The visits in their best order found.
    """
    nodes = list(nodes)
    if len(nodes) < 2:
        return nodes
    ok, travel, finish = time_day(problem, day, nodes)
    found = _exact_order(problem, day, nodes) if len(nodes) <= EXACT_MAX else None
    if found is None:
        found = _local_order(problem, day, nodes, deadline, clock)
    f_ok, f_travel, f_finish = time_day(problem, day, found)
    if not ok or (
        f_ok
        and (
            f_travel < travel - TOLERANCE
            or (f_travel <= travel + TOLERANCE and f_finish <= finish + TOLERANCE)
        )
    ):
        return found
    return nodes


def reoptimise(
    problem: Problem,
    routes: Sequence[Sequence[int]],
    *,
    deadline: float = math.inf,
    clock: Callable[[], float] = time.perf_counter,
) -> list[list[int]]:
    """Apply :func:`best_order` to every day (local searches stop at ``deadline``)."""
    return [
        best_order(problem, d, route, deadline=deadline, clock=clock)
        for d, route in enumerate(routes)
    ]


def _on_site(problem: Problem, route: Sequence[int]) -> float:
    return float(sum(float(problem.service[v]) for v in route))


def day_balance(problem: Problem, routes: Sequence[Sequence[int]]) -> float:
    """Shortest day's time on site over the longest's, among the days with visits.

    Returns 1.0 when fewer than two days have visits.
    """
    loads = [_on_site(problem, r) for r in routes if r]
    if len(loads) < 2 or max(loads) <= 0:
        return 1.0
    return min(loads) / max(loads)


def days_needed(problem: Problem, routes: Sequence[Sequence[int]]) -> int:
    """How many days the visits need, each filled to at most half its length.

    The visits' time on site and walking, spread so that no day is more than half
    full, need this many days (at most the trip's); later days are left empty.
    """
    busy = 0.0
    for d, route in enumerate(routes):
        travel = time_day(problem, d, route)[1]
        busy += _on_site(problem, route) + (travel if route else 0.0)
    lengths = [e - s for s, e in zip(problem.day_start, problem.day_end, strict=True)]
    mean = sum(lengths) / len(lengths)
    if busy <= 0 or mean <= 0:
        return 1
    return max(1, min(problem.n_days, math.ceil(busy / (0.5 * mean))))


def _best_insertion(
    problem: Problem, day: int, route: Sequence[int], node: int
) -> tuple[list[int], float] | None:
    """Cheapest feasible insertion of ``node`` into ``route``: (new route, added travel)."""
    _, base, _ = time_day(problem, day, route)
    best: tuple[list[int], float] | None = None
    for pos in range(len(route) + 1):
        cand = [*route[:pos], node, *route[pos:]]
        ok, travel, _ = time_day(problem, day, cand)
        if ok and (best is None or travel - base < best[1]):
            best = (cand, travel - base)
    return best


def _feasible_without(problem: Problem, day: int, route: Sequence[int], node: int) -> list[int]:
    rest = [v for v in route if v != node]
    return rest if time_day(problem, day, rest)[0] else []


def _walk_less(
    problem: Problem,
    routes: list[list[int]],
    active: Sequence[int],
    keep: float,
    floor: float,
) -> list[list[int]]:
    """Move single visits between ``active`` days while the total travel falls.

    A move must keep every day feasible, the balance at least ``keep`` and the
    variety-discounted value at least ``floor``.
    """

    def total(rs: Sequence[Sequence[int]]) -> float:
        return sum(time_day(problem, d, r)[1] for d, r in enumerate(rs))

    current = total(routes)
    for _ in range(4 * sum(len(r) for r in routes) + 4):
        best: tuple[float, list[list[int]]] | None = None
        for src in active:
            for node in routes[src]:
                if not routes[src]:
                    continue
                rest = _feasible_without(problem, src, routes[src], node)
                if not rest and len(routes[src]) > 1:
                    continue
                for dst in active:
                    if dst == src:
                        continue
                    found = _best_insertion(problem, dst, routes[dst], node)
                    if found is None:
                        continue
                    trial = list(routes)
                    trial[src], trial[dst] = rest, found[0]
                    length = total(trial)
                    if length >= current - TOLERANCE or (best is not None and length >= best[0]):
                        continue
                    if day_balance(problem, trial) < keep - TOLERANCE:
                        continue
                    if problem.value(trial) < floor - TOLERANCE:
                        continue
                    best = (length, trial)
        if best is None:
            break
        current, routes = best
    return routes


def balance_days(
    problem: Problem, initial: Sequence[Sequence[int]], *, ratio: float = BALANCE_RATIO
) -> list[list[int]]:
    """Spread the visits over the days the tour needs, then fill free time.

    First the visits of days beyond :func:`days_needed` move to earlier days where
    they fit; then, while the shortest used day's time on site is below
    ``ratio`` times the longest's, a visit moves from the longest day to the
    shortest where that narrows the gap and keeps the variety-discounted value
    within :data:`BALANCE_TOLERANCE` of the start; then single visits move between
    days wherever that shortens the total walk without breaking the measure.
    Every move keeps all windows, day ends and travel caps. Last, unvisited sites
    with a score are inserted where they fit without breaking the measure.
    Must-visit sites stay visited; the score never drops.

    Parameters
    ----------
    problem : Problem
        The model.
    initial : sequence of sequence of int
        A feasible solution, one route per day.
    ratio : float, default :data:`BALANCE_RATIO`
        The target shortest-over-longest ratio of time on site.

    Returns
    -------
    list of list of int
        The rebalanced routes.
    """
    routes: list[list[int]] = [list(r) for r in initial]
    n_days = problem.n_days
    if n_days < 2:
        return routes
    used = days_needed(problem, routes)
    # 1. gather the visits of the days beyond the needed ones into the first days
    for d in range(used, n_days):
        for node in list(routes[d]):
            sizes = [(_on_site(problem, routes[t]), t) for t in range(used)]
            for _, t in sorted(sizes):
                found = _best_insertion(problem, t, routes[t], node)
                rest = _feasible_without(problem, d, routes[d], node)
                if found is not None and (rest or len(routes[d]) == 1):
                    routes[t] = found[0]
                    routes[d] = rest
                    break
    # 2. move visits from the longest to the shortest day while it narrows the gap
    floor = (1.0 - BALANCE_TOLERANCE) * problem.value(initial)
    active = [d for d in range(n_days) if routes[d] or d < used]
    for _ in range(4 * sum(len(r) for r in routes) + 4):
        loads = {d: _on_site(problem, routes[d]) for d in active}
        longest = max(active, key=lambda d: (loads[d], -d))
        shortest = min(active, key=lambda d: (loads[d], d))
        if longest == shortest or loads[shortest] >= ratio * loads[longest] - TOLERANCE:
            break
        gap = loads[longest] - loads[shortest]
        best: tuple[float, float, int, list[int], list[int]] | None = None
        for node in routes[longest]:
            s = float(problem.service[node])
            if s <= 0 or abs(gap - 2 * s) >= gap - TOLERANCE:
                continue  # moving it would not narrow the gap
            rest = _feasible_without(problem, longest, routes[longest], node)
            if not rest and len(routes[longest]) > 1:
                continue
            found = _best_insertion(problem, shortest, routes[shortest], node)
            if found is None:
                continue
            trial = list(routes)
            trial[shortest], trial[longest] = found[0], rest
            if problem.value(trial) < floor - TOLERANCE:
                continue
            key = (abs(gap - 2 * s), found[1], node, found[0], rest)
            if best is None or key[:3] < best[:3]:
                best = key
        if best is None:
            break
        _, _, _, routes[shortest], routes[longest] = best
    # 3. move visits between days where that shortens the total walk, keeping the measure
    routes = _walk_less(problem, routes, active, min(ratio, day_balance(problem, routes)), floor)
    # 4. offer free time to unvisited sites, keeping the measure
    visited = {v for r in routes for v in r}
    spare = sorted(
        (v for v in problem.customers if v not in visited and problem.score[v] > 0),
        key=lambda v: (-float(problem.score[v]), v),
    )
    before = day_balance(problem, routes)
    for node in spare:
        order = sorted(active, key=lambda d: (_on_site(problem, routes[d]), d))
        for d in order:
            found = _best_insertion(problem, d, routes[d], node)
            if found is None:
                continue
            trial = [*routes[:d], found[0], *routes[d + 1 :]]
            if day_balance(problem, trial) >= min(before, ratio) - TOLERANCE:
                routes = trial
                break
    return routes


@dataclass(frozen=True)
class Pause:
    """A break of ``duration`` that starts in ``[earliest, latest]``, after a stop.

    Attributes
    ----------
    after : int
        Position in the day's route after which the break is taken (-1: at the
        start, before the first walk).
    earliest, latest : float
        Bounds of the break's start.
    duration : float
        Its length.
    """

    after: int
    earliest: float
    latest: float
    duration: float


TimedStop = tuple[int, float, float, float]
"""``(node, arrival, start of visit, departure)`` of one visit."""


def replay_day(
    problem: Problem, day: int, nodes: Sequence[int], pause: Pause | None = None
) -> tuple[bool, list[TimedStop], tuple[float, float] | None, float]:
    """Time one day with the earliest schedule and an optional break.

    Returns
    -------
    tuple
        ``(feasible, stops, break, back)``: every window, the day's end and the
        travel cap hold; the timed visits; the break's ``(start, end)``; the
        arrival at the end node.
    """
    clock = problem.day_start[day]
    here = problem.start
    travel = 0.0
    ok = True
    stops: list[TimedStop] = []
    taken: tuple[float, float] | None = None

    def rest(clock: float) -> tuple[bool, float]:
        assert pause is not None
        begin = max(clock, pause.earliest)
        return begin <= pause.latest + TOLERANCE, begin

    if pause is not None and pause.after == -1:
        fits, first = rest(clock)
        ok = ok and fits
        taken = (first, first + pause.duration)
        clock = first + pause.duration
    for position, node in enumerate(nodes):
        leg = float(problem.travel[here, node])
        travel += leg
        found = earliest_start(problem.windows[day][node], clock + leg)
        ok = ok and found is not None
        begin = clock + leg if found is None else found
        stops.append((node, clock + leg, begin, begin + float(problem.service[node])))
        clock = begin + float(problem.service[node])
        here = node
        if pause is not None and pause.after == position:
            fits, start = rest(clock)
            ok = ok and fits
            taken = (start, start + pause.duration)
            clock = start + pause.duration
    if nodes or problem.start != problem.end:
        leg = float(problem.travel[here, problem.end])
        travel += leg
        clock += leg
    ok = ok and clock <= problem.day_end[day] + TOLERANCE
    if problem.max_travel is not None:
        ok = ok and travel <= problem.max_travel[day] + TOLERANCE
    return ok, stops, taken, clock


def place_break(
    problem: Problem,
    day: int,
    nodes: Sequence[int],
    *,
    earliest: float,
    latest: float,
    duration: float,
    hosts: Sequence[int] = (),
) -> tuple[list[int], Pause, list[int]] | None:
    """Fit a meal break into one day, at a host site when one fits.

    In order of preference: right after a visited host (e.g. a market); at an
    unvisited host inserted for it (its visit then counts);
    after any stop, with the least delay; and last, after dropping the
    lowest-scoring visits that are not must-visits, one at a time.

    Parameters
    ----------
    problem : Problem
        The model.
    day : int
        Day index.
    nodes : sequence of int
        The day's feasible route.
    earliest, latest : float
        Bounds of the break's start.
    duration : float
        Length of the break.
    hosts : sequence of int
        Nodes where a meal can be had.

    Returns
    -------
    tuple or None
        ``(route, pause, dropped)``, or ``None`` when even an empty day has no
        room for the break.
    """
    route = list(nodes)
    dropped: list[int] = []
    host_set = set(hosts)
    used = set(route)
    while True:
        for pos, node in enumerate(route):
            if node in host_set:
                pause = Pause(pos, earliest, latest, duration)
                if replay_day(problem, day, route, pause)[0]:
                    return route, pause, dropped
        for host in hosts:
            if host in used or problem.score[host] < 0:
                continue
            for pos in range(len(route) + 1):
                cand = [*route[:pos], host, *route[pos:]]
                pause = Pause(pos, earliest, latest, duration)
                if replay_day(problem, day, cand, pause)[0]:
                    return cand, pause, dropped
        best: tuple[float, Pause] | None = None
        for after in range(-1, len(route)):
            pause = Pause(after, earliest, latest, duration)
            ok, _, _, back = replay_day(problem, day, route, pause)
            if ok and (best is None or back < best[0] - TOLERANCE):
                best = (back, pause)
        if best is not None:
            return route, best[1], dropped
        removable = [v for v in route if v not in problem.must_visit]
        if not removable:
            return None
        worst = min(removable, key=lambda v: (float(problem.score[v]), v))
        route = [v for v in route if v != worst]
        dropped.append(worst)
        used.discard(worst)


def refill(
    problem: Problem, day: int, route: Sequence[int], pause: Pause, candidates: Sequence[int]
) -> tuple[list[int], Pause]:
    """Insert ``candidates`` (best score first) where they fit around a fixed break.

    Returns
    -------
    tuple
        The new route and the break (its position shifted with the insertions).
    """
    best = list(route)
    for node in sorted(candidates, key=lambda v: (-float(problem.score[v]), v)):
        if node in best or problem.score[node] <= 0:
            continue
        for pos in range(len(best) + 1):
            cand = [*best[:pos], node, *best[pos:]]
            moved = Pause(
                pause.after + (1 if pos <= pause.after else 0),
                pause.earliest,
                pause.latest,
                pause.duration,
            )
            if replay_day(problem, day, cand, moved)[0]:
                best, pause = cand, moved
                break
    return best, pause
