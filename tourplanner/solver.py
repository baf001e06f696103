"""Tour optimiser: orienteering with time windows over one or several days.

:func:`solve` plans one route per day that maximises the total score of the
visited sites (the Team Orienteering Problem with Time Windows, TOPTW; with one
day, the OPTW), honouring every visit window, the day bounds and the must-visit
sites.

Algorithm
---------
An iterated local search with simulated-annealing acceptance, in the line of
Vansteenwegen et al. (2009) and Gunawan et al. (2017):

* **Insertion** adds, one at a time, the unvisited site with the best ratio
  ``score**2 / shift`` (``shift``: the delay it causes at the next stop, waiting
  and visit included), randomly perturbed during the search. Every route keeps,
  per stop, the departure time and the *latest feasible start* (the bound the
  rest of the route allows), so testing an insertion costs O(1); all sites and
  all gaps of all routes are tested at once with numpy.
* **Replacement** swaps a visit for an unvisited site of higher score when the
  timing allows, followed by insertion.
* **Perturbation** removes visits: a block of consecutive stops whose length and
  position cycle as in Vansteenwegen's shake, or randomly chosen stops.
* **Acceptance** takes every non-worsening move and a worsening one with the
  annealing probability; the temperature falls linearly to zero over the run.
  A stagnating search restarts from the best solution or, half of the time,
  from a new noisy construction.

Sites with several windows on a day are split into one copy per window, of
which at most one may be visited; an exact O(1) test per copy follows.
Must-visit sites are placed first (cheapest insertion, randomised retries);
the perturbation may remove them, but they are always put back first (at a
cheap or, sometimes, a random feasible place), and a candidate that cannot
take them all back is dropped.

Travel times need not satisfy the triangle inequality (``inf`` marks a pair
with no path); when they do, visit durations included, sites that fit nowhere
are skipped for the rest of an insertion round, otherwise they are re-checked.

With ``time_limit=10`` on one core, the mean gap to the proven optima of the
21 development instances of the OPTW benchmark (Solomon and Cordeau based, 48
to 192 sites) is below 0.1 %; see ``benchmarks/optw.py``.

Determinism: with ``max_iterations`` the search is a pure function of the
problem and ``seed`` (provided the time limit is not reached first; the
placement of must-visit sites also gives up after half of it). When only the
time limit stops it, the number of iterations, hence the result, depends on the
machine's speed: best effort.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tourplanner.errors import InfeasibleTourError, TourError
from tourplanner.problem import Problem, Solution, schedule
from tourplanner.refine import reoptimise

__all__ = ["REFINE_SHARE", "TRIANGLE_CHECK_MAX", "SearchParams", "solve"]

logger = logging.getLogger(__name__)

_BIG = 1e18
_NO_PATH = 1e15
_EPS = 1e-9

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SearchParams:
    """Tuning knobs of :func:`solve`; the defaults were tuned on the OPTW benchmarks.

    Attributes
    ----------
    noise : float
        Insertion ratios are multiplied by ``1 + noise * U(0, 1)`` during the search.
    temperature : float
        Initial annealing temperature, as a fraction of the mean site score.
    segment_share : float
        Probability that a perturbation removes a block of consecutive stops
        (otherwise randomly chosen stops).
    random_fraction : float
        At most this fraction of a route's stops is removed at random.
    restart_after : int
        Non-improving iterations before restarting.
    scratch_share : float
        Probability that a restart builds a new solution from scratch (noisy
        insertion) rather than resuming from the best one.
    construction_tries : int
        Randomised attempts to place all must-visit sites before giving up.
    """

    noise: float = 6.0
    temperature: float = 1.0
    segment_share: float = 0.5
    random_fraction: float = 0.3
    restart_after: int = 1000
    scratch_share: float = 0.5
    construction_tries: int = 200


class _Model:
    """The problem compiled to arrays; a site with k windows becomes k copies.

    Vertex 0 is the start, vertex 1 the end, vertices ``2..`` site copies.
    ``opening[d, v]``/``closing[d, v]`` bound the start of service of copy ``v`` on
    day ``d`` (``_BIG``/``-_BIG`` when closed).
    """

    def __init__(self, problem: Problem) -> None:
        n_days = problem.n_days
        self.n_days = n_days
        self.customers = problem.customers
        base: list[int] = [problem.start, problem.end]
        group: list[int] = [-1, -1]
        per_copy: list[list[tuple[float, float]]] = []
        for g, node in enumerate(self.customers):
            counts = [len(problem.windows[d][node]) for d in range(n_days)]
            for k in range(max(counts)):
                base.append(node)
                group.append(g)
                per_copy.append(
                    [
                        problem.windows[d][node][k] if k < counts[d] else (_BIG, -_BIG)
                        for d in range(n_days)
                    ]
                )
        self.base = np.array(base, dtype=np.int64)
        self.group = np.array(group, dtype=np.int64)
        self.n_groups = len(self.customers)
        self.size = len(base)
        # No path (inf) becomes a finite but prohibitive time: no NaN arithmetic.
        travel = np.minimum(problem.travel[np.ix_(self.base, self.base)], _NO_PATH)
        if problem.start == problem.end:
            travel[0, 1] = travel[1, 0] = 0.0
        self.travel = travel
        self.travel_t = np.ascontiguousarray(travel.T)
        self.prize = problem.score[self.base].copy()
        self.prize[:2] = 0.0
        self.prize_sq = self.prize**2
        self.service = problem.service[self.base].copy()
        self.service[:2] = 0.0
        self.opening = np.empty((n_days, self.size))
        self.closing = np.empty((n_days, self.size))
        for d in range(n_days):
            self.opening[d, :2] = problem.day_start[d]
            self.closing[d, 0] = problem.day_start[d]
            self.closing[d, 1] = problem.day_end[d]
            if per_copy:
                self.opening[d, 2:] = [w[d][0] for w in per_copy]
                self.closing[d, 2:] = [w[d][1] for w in per_copy]
        index = {node: g for g, node in enumerate(self.customers)}
        self.must_groups = frozenset(index[node] for node in problem.must_visit)
        self.must = np.array([g in self.must_groups for g in group], dtype=bool)
        self.copies = {
            g: np.flatnonzero(self.group == g).astype(np.int64) for g in self.must_groups
        }
        # Most urgent first: earliest closing window over days and copies.
        open_close = np.where(self.closing >= self.opening, self.closing, _BIG)
        self.urgency = {
            g: float(open_close[:, c].min(initial=_BIG)) for g, c in self.copies.items()
        }
        self.must_order = sorted(self.must_groups, key=lambda g: (self.urgency[g], g))
        self.vertices = np.arange(2, self.size, dtype=np.int64)
        self.gainful = self.vertices[self.prize[2:] > 0]
        # the median of (at most) 100,000 evenly spread entries: a scale, not a statistic
        sample = travel.ravel()[:: max(1, travel.size // 100_000)]
        usable = sample[(sample > 0) & (sample < _NO_PATH)]
        scale = np.median(usable) if usable.size else 1.0
        self.ratio_eps = 1e-3 * float(scale)
        self.metric = _satisfies_triangle_inequality(travel, self.service)
        big = _NO_PATH * 4
        self.cap = (
            np.full(n_days, big) if problem.max_travel is None else np.array(problem.max_travel)
        )
        self.capped = problem.max_travel is not None
        self.decay = problem.variety if problem.category is not None else 1.0
        cats = problem.category or (0,) * problem.n_nodes
        self.cat = np.array([cats[b] for b in base], dtype=np.int64)
        self.cat[:2] = 0
        self.n_cat = int(self.cat.max()) + 1
        positive = self.prize[2:][self.prize[2:] > 0]
        self.mean_prize = float(positive.mean()) if positive.size else 1.0


#: Share of the time limit kept, after the search, for re-ordering each day's visits.
REFINE_SHARE = 0.2

#: Above this many vertices the O(n^3) triangle check is not run (assumed broken).
TRIANGLE_CHECK_MAX = 400


def _satisfies_triangle_inequality(travel: FloatArray, service: FloatArray) -> bool:
    """Whether no detour through a site (its visit included) beats a direct trip.

    Vectorised in blocks of intermediate sites (about 4 million floats at a time).
    Above :data:`TRIANGLE_CHECK_MAX` vertices the check would cost too much
    (``n**3``); ``False`` is returned, which is always safe: the search then
    re-checks the sites that did not fit, instead of dropping them.
    """
    n = travel.shape[0]
    if n > TRIANGLE_CHECK_MAX:
        return False
    block = max(1, 4_000_000 // max(1, n * n))
    for lo in range(2, n, block):
        js = np.arange(lo, min(n, lo + block))
        detour = travel[:, js, None] + (service[js] + _EPS)[None, :, None] + travel[None, js, :]
        if np.any(detour < travel[:, None, :]):
            return False
    return True


@dataclass
class _Route:
    """One day's route: vertices (depots included) and their timing."""

    day: int
    nodes: list[int]
    r: IntArray  # vertices
    dep: FloatArray  # departure time
    arr: FloatArray  # arrival time
    ls: FloatArray  # latest feasible start of service (rest of route allowing)
    feasible: bool
    walk: float  # total travel time

    def copy(self) -> _Route:
        # Arrays are never modified in place, only replaced: share them.
        return _Route(
            self.day,
            self.nodes.copy(),
            self.r,
            self.dep,
            self.arr,
            self.ls,
            self.feasible,
            self.walk,
        )


def _timed(model: _Model, day: int, nodes: list[int]) -> _Route:
    """Earliest schedule and latest feasible starts of a route, vectorised.

    With ``off`` the cumulated service and travel times, the start of service is
    ``off[k] + max(open[i] - off[i], i <= k)`` and the latest start is
    ``off[k] + min(close[j] - off[j], j >= k)``.
    """
    r = np.array(nodes, dtype=np.int64)
    n = r.size
    service = model.service.take(r)
    seg = model.travel[r[:-1], r[1:]]
    walk = float(seg.sum())
    seg += service[:-1]
    off = np.empty(n)
    off[0] = 0.0
    np.cumsum(seg, out=off[1:])
    start = model.opening[day].take(r)
    start -= off
    np.maximum.accumulate(start, out=start)
    start += off
    close = model.closing[day].take(r)
    ls = close - off
    ls = np.minimum.accumulate(ls[::-1])[::-1]
    ls += off
    arr = np.empty(n)
    arr[0] = start[0]
    np.add(start[:-1], seg, out=arr[1:])
    feasible = bool((start <= close + _EPS).all()) and walk <= model.cap[day] + _EPS
    return _Route(day, nodes, r, start + service, arr, ls, feasible, walk)


class _State:
    """A solution under construction: routes, visited groups and score."""

    def __init__(self, routes: list[_Route], used: BoolArray, score: float) -> None:
        self.routes = routes
        self.used = used
        self.score = score

    def copy(self) -> _State:
        return _State([r.copy() for r in self.routes], self.used.copy(), self.score)

    def walking(self, model: _Model) -> float:
        """Total travel time of the routes."""
        return float(sum(model.travel[r.r[:-1], r.r[1:]].sum() for r in self.routes))


class _Gaps:
    """All gaps (consecutive vertex pairs) of all routes, as flat arrays."""

    def __init__(self, state: _State) -> None:
        routes = state.routes
        if len(routes) == 1:
            (route,) = routes
            n = len(route.nodes) - 1
            self.origin = route.r[:-1]
            self.dest = route.r[1:]
            self.dep = route.dep[:-1]
            self.ls = route.ls[1:]
            self.arr = route.arr[1:]
            self.route = np.zeros(n, dtype=np.int64)
            self.pos = np.arange(n, dtype=np.int64)
            self.days = np.full(n, route.day, dtype=np.int64)
            self.walk = np.full(n, route.walk)
        else:
            self.origin = np.concatenate([r.r[:-1] for r in routes])
            self.dest = np.concatenate([r.r[1:] for r in routes])
            self.dep = np.concatenate([r.dep[:-1] for r in routes])
            self.ls = np.concatenate([r.ls[1:] for r in routes])
            self.arr = np.concatenate([r.arr[1:] for r in routes])
            self.route = np.concatenate(
                [np.full(len(r.nodes) - 1, i, dtype=np.int64) for i, r in enumerate(routes)]
            )
            self.pos = np.concatenate([np.arange(len(r.nodes) - 1, dtype=np.int64) for r in routes])
            self.days = np.array([r.day for r in routes], dtype=np.int64)[self.route]
            self.walk = np.array([r.walk for r in routes])[self.route]


class _Engine:
    """Moves of the search on :class:`_State` objects (mutated in place)."""

    def __init__(self, model: _Model, rng: np.random.Generator) -> None:
        self.m = model
        self.rng = rng

    def empty(self) -> _State:
        routes = [_timed(self.m, d, [0, 1]) for d in range(self.m.n_days)]
        return _State(routes, np.zeros(self.m.n_groups, dtype=bool), 0.0)

    def _evaluate(self, gaps: _Gaps, cand: IntArray) -> tuple[BoolArray, FloatArray]:
        """Feasibility and shift of inserting every ``cand`` into every gap."""
        m = self.m
        arrive = gaps.dep[:, None] + m.travel.take(gaps.origin, axis=0).take(cand, axis=1)
        if m.n_days == 1:
            begin = np.maximum(arrive, m.opening[0, cand])
            ok = begin <= m.closing[0, cand] + _EPS
        else:
            begin = np.maximum(arrive, m.opening.take(gaps.days, axis=0).take(cand, axis=1))
            ok = begin <= m.closing.take(gaps.days, axis=0).take(cand, axis=1) + _EPS
        out = m.travel_t.take(gaps.dest, axis=0).take(cand, axis=1)
        back = begin + m.service[cand] + out
        ok &= back <= gaps.ls[:, None] + _EPS
        if m.capped:
            detour = arrive - gaps.dep[:, None] + out - m.travel[gaps.origin, gaps.dest][:, None]
            ok &= gaps.walk[:, None] + detour <= m.cap[gaps.days][:, None] + _EPS
        return ok, back - gaps.arr[:, None]

    def rescore(self, state: _State) -> None:
        """Recompute the score with the variety discount (no-op without it)."""
        m = self.m
        if m.decay >= 1.0:
            return
        total = 0.0
        for route in state.routes:
            inner = route.r[1:-1]
            if not inner.size:
                continue
            order = np.lexsort((-m.prize[inner], m.cat[inner]))
            cats = m.cat[inner][order]
            prizes = m.prize[inner][order]
            first = np.r_[True, cats[1:] != cats[:-1]]
            starts = np.maximum.accumulate(np.where(first, np.arange(cats.size), 0))
            rank = np.arange(cats.size) - starts
            total += float((prizes * m.decay**rank).sum())
        state.score = total

    def _insert(self, state: _State, route_index: int, pos: int, v: int) -> None:
        route = state.routes[route_index]
        route.nodes.insert(pos, v)
        state.routes[route_index] = _timed(self.m, route.day, route.nodes)
        state.used[self.m.group[v]] = True
        state.score += float(self.m.prize[v])
        self.rescore(state)

    def place(self, state: _State, group: int, *, explore: bool = False) -> bool:
        """Insert a copy of site ``group`` where it delays the route least.

        With ``explore``, a random feasible place is taken a third of the time
        and the delays are jittered otherwise.
        """
        copies = self.m.copies[group]
        gaps = _Gaps(state)
        ok, shift = self._evaluate(gaps, copies)
        if not ok.any():
            return False
        cost = np.where(ok, shift, np.inf)
        if explore:
            if self.rng.random() < 1 / 3:
                cost = np.where(ok, self.rng.random(cost.shape), np.inf)
            else:
                cost = cost + self.rng.random(cost.shape) * (1.0 + np.abs(cost)) * 0.5
        k, j = divmod(int(np.argmin(cost)), copies.size)
        self._insert(state, int(gaps.route[k]), int(gaps.pos[k]) + 1, int(copies[j]))
        return True

    def fill(self, state: _State, noise: float) -> bool:
        """Insert sites greedily by (noisy) ratio until none fits.

        Missing must-visit sites go first; returns False if one does not fit.
        """
        m = self.m
        missing = [g for g in m.must_order if not state.used[g]]
        if noise > 0 and len(missing) > 1:
            missing = [missing[i] for i in self.rng.permutation(len(missing))]
        for group in missing:
            if not self.place(state, group, explore=noise > 0):
                return False
        cand = self._unvisited(state)
        # With the triangle inequality (service included), a site that fits
        # nowhere cannot fit after more insertions: it is dropped for this fill.
        # Without it, all unvisited sites are checked again once none fits.
        recheck = False
        while True:
            if not cand.size:
                if not recheck:
                    break
                cand, recheck = self._unvisited(state), False
                continue
            gaps = _Gaps(state)
            ok, shift = self._evaluate(gaps, cand)
            fits = ok.any(axis=0)
            if not fits.all():
                if not fits.any():
                    cand = cand[:0]
                    continue
                cand, ok, shift = cand[fits], ok[:, fits], shift[:, fits]
            recheck = not m.metric
            np.maximum(shift, 0.0, out=shift)
            shift += m.ratio_eps
            if m.decay < 1.0:
                counts = np.zeros((len(state.routes), m.n_cat))
                for i, route in enumerate(state.routes):
                    np.add.at(counts[i], m.cat[route.r[1:-1]], 1.0)
                worth = m.prize[cand] * m.decay ** counts[gaps.route][:, m.cat[cand]]
                ratio = np.where(ok, worth**2 / shift, -1.0)
            else:
                ratio = np.where(ok, m.prize_sq[cand] / shift, -1.0)
            if noise > 0:
                ratio *= 1.0 + noise * self.rng.random(cand.size)
            g, j = divmod(int(np.argmax(ratio)), cand.size)
            v = int(cand[j])
            self._insert(state, int(gaps.route[g]), int(gaps.pos[g]) + 1, v)
            cand = cand[m.group[cand] != m.group[v]]
        return True

    def _unvisited(self, state: _State) -> IntArray:
        """Return the copies with a score whose site is not visited."""
        m = self.m
        return m.gainful[~state.used[m.group[m.gainful]]]

    def replace(self, state: _State) -> bool:
        """Apply the best replacement of a visit by a higher-scoring site."""
        m = self.m
        cand = self._unvisited(state)
        if not cand.size:
            return False
        best_gain = 1e-9
        best: tuple[int, int, int] | None = None
        for index, route in enumerate(state.routes):
            if len(route.nodes) <= 2:
                continue
            r = route.r
            arrive = route.dep[:-2, None] + m.travel.take(r[:-2], axis=0).take(cand, axis=1)
            begin = np.maximum(arrive, m.opening[route.day, cand])
            back = begin + m.service[cand] + m.travel_t.take(r[2:], axis=0).take(cand, axis=1)
            ok = (begin <= m.closing[route.day, cand] + _EPS) & (back <= route.ls[2:, None] + _EPS)
            if m.capped:
                into = arrive - route.dep[:-2, None]
                out = m.travel_t.take(r[2:], axis=0).take(cand, axis=1)
                legs = m.travel[r[:-2], r[1:-1]] + m.travel[r[1:-1], r[2:]]
                ok &= route.walk + into + out - legs[:, None] <= m.cap[route.day] + _EPS
            ok &= ~m.must[r[1:-1]][:, None]
            gain = np.where(ok, m.prize[cand][None, :] - m.prize[r[1:-1]][:, None], -1.0)
            q, j = divmod(int(np.argmax(gain)), cand.size)
            if gain[q, j] > best_gain:
                best_gain = float(gain[q, j])
                best = (index, q + 1, int(cand[j]))
        if best is None:
            return False
        index, q, v = best
        route = state.routes[index]
        old = route.nodes[q]
        route.nodes[q] = v
        state.routes[index] = _timed(m, route.day, route.nodes)
        state.used[m.group[old]] = False
        state.used[m.group[v]] = True
        state.score += float(m.prize[v] - m.prize[old])
        self.rescore(state)
        return True

    def remove(self, state: _State, route_index: int, positions: list[int]) -> None:
        """Remove the stops at ``positions``.

        Without the triangle inequality a removal may delay later stops; such a
        removal is skipped.
        """
        m = self.m
        route = state.routes[route_index]
        nodes = route.nodes
        drop = set(positions)
        new = _timed(m, route.day, [v for p, v in enumerate(nodes) if p not in drop])
        if not new.feasible:
            return
        for p in drop:
            state.used[m.group[nodes[p]]] = False
            state.score -= float(m.prize[nodes[p]])
        state.routes[route_index] = new
        self.rescore(state)

    def improve(self, state: _State, noise: float) -> bool:
        """Fill, then replace and refill until no replacement gains.

        Returns False if a must-visit site could not be put back.
        """
        if not self.fill(state, noise):
            return False
        while self.replace(state):
            self.fill(state, 0.0)
        return True


def _lone_visit_obstacle(problem: Problem, model: _Model, day: int, copies: IntArray) -> str | None:
    """Why a site cannot be visited alone on ``day`` (None if it can)."""
    open_copies = [int(v) for v in copies if model.closing[day, v] >= model.opening[day, v]]
    if not open_copies:
        return "it is closed"
    if model.travel[0, open_copies[0]] >= _NO_PATH:
        return "there is no path to it from the start"
    arrival = problem.day_start[day] + float(model.travel[0, open_copies[0]])
    back_earliest = math.inf
    for v in open_copies:
        begin = max(arrival, float(model.opening[day, v]))
        if begin <= model.closing[day, v] + _EPS:
            back = begin + float(model.service[v] + model.travel[v, 1])
            if back <= problem.day_end[day] + _EPS:
                return None
            back_earliest = min(back_earliest, back)
    if back_earliest < math.inf:
        return (
            f"back at the end at {back_earliest:g} at the earliest, "
            f"after the day end {problem.day_end[day]:g}"
        )
    last = max(float(model.closing[day, v]) for v in open_copies)
    return f"reached at {arrival:g} at the earliest, after its last window closes at {last:g}"


def _check_must_visit_alone(problem: Problem, model: _Model) -> None:
    """Raise if a must-visit site cannot be visited even on an otherwise empty day."""
    for node in sorted(problem.must_visit):
        copies = np.flatnonzero(model.group == model.customers.index(node)).astype(np.int64)
        reasons = []
        for day in range(model.n_days):
            obstacle = _lone_visit_obstacle(problem, model, day, copies)
            if obstacle is None:
                break
            reasons.append(f"day {day}: {obstacle}" if model.n_days > 1 else obstacle)
        else:
            msg = (
                f"must-visit site {node} cannot be visited between leaving the start and "
                f"returning to the end ({'; '.join(reasons)}); relax its opening hours or "
                "the day bounds, or drop it from must_visit"
            )
            raise InfeasibleTourError(msg)


def _place_must_visits(
    engine: _Engine, params: SearchParams, deadline: float, clock: Callable[[], float]
) -> _State:
    """Insert all must-visit sites (cheapest insertion, randomised retries)."""
    m = engine.m
    groups = m.must_order
    failures = dict.fromkeys(groups, 0)
    tries = 0
    for attempt in range(max(1, params.construction_tries)):
        if attempt and clock() > deadline:
            break
        tries += 1
        order = groups
        if attempt:  # sites that failed first, then urgency blurred by noise
            keys = {g: m.urgency[g] + engine.rng.normal(0.0, 1.0) * attempt for g in groups}
            order = sorted(groups, key=lambda g: (failures[g] == 0, keys[g]))
        state = engine.empty()
        for g in order:
            if not engine.place(state, g, explore=attempt > 0):
                failures[g] += 1
                break
        else:
            return state
    worst = max(groups, key=lambda g: failures[g])
    msg = (
        f"no schedule found that visits all must-visit sites: site {m.customers[worst]} "
        f"could not be fitted with the others in {tries} tries; relax windows "
        "or day bounds, add a day, or drop some must-visit sites"
    )
    raise InfeasibleTourError(msg)


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    max_iterations: int | None = None,
    params: SearchParams | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Solution:
    """Plan one route per day that maximises the total score.

    Parameters
    ----------
    problem : Problem
        The model.
    time_limit : float, default 10.0
        Wall-clock budget in seconds; the best solution found so far is returned
        when it runs out (an anytime search). The search stops earlier once every
        site is visited.
    seed : int, default 0
        Seed of the random choices.
    max_iterations : int, optional
        Stop after this many search iterations. The result is then
        deterministic for a given ``seed`` (unless the time limit comes first);
        stopped by ``time_limit`` alone, it depends on the machine's speed.
    params : SearchParams, optional
        Algorithm tuning; the defaults suit most problems.
    clock : callable, default time.perf_counter
        The clock the time limit is measured on (seconds). The budget starts
        when :func:`solve` is called, so the preparation of the model counts;
        the search checks it before every iteration and stops at
        ``1 - REFINE_SHARE`` of it, leaving the rest to re-order the days
        (:func:`tourplanner.refine.reoptimise`). Tests pass a fake clock.

    Returns
    -------
    Solution
        The timed routes of the best solution found; it passes
        :func:`tourplanner.problem.check_routes`.

    Raises
    ------
    InfeasibleTourError
        If a day's end cannot be reached from its start in time, or the
        must-visit sites cannot all be scheduled (the site and the reason are
        named).
    TourError
        If ``time_limit`` or ``max_iterations`` is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from tourplanner.problem import Problem
    >>> travel = np.array([[0, 2, 2], [2, 0, 1], [2, 1, 0]], dtype=float)
    >>> p = Problem.single_window(
    ...     travel, score=[0, 3, 4], service=[0, 1, 1], open=[0, 0, 0], close=[10, 10, 10]
    ... )
    >>> solve(p, max_iterations=10).score
    7.0
    """
    if time_limit < 0 or (max_iterations is not None and max_iterations < 0):
        msg = f"time_limit ({time_limit}) and max_iterations ({max_iterations}) must be >= 0"
        raise TourError(msg)
    params = SearchParams() if params is None else params
    t0 = clock()
    deadline = t0 + time_limit
    # the last share of the budget is kept for re-ordering the days (refine.reoptimise)
    search_deadline = t0 + (1.0 - REFINE_SHARE) * time_limit
    model = _Model(problem)
    for d in range(problem.n_days):
        if not _timed(model, d, [0, 1]).feasible:
            msg = (
                f"day {d}: the end node {problem.end} cannot be reached from the start node "
                f"{problem.start} by the day end {problem.day_end[d]:g}; extend the day"
            )
            raise InfeasibleTourError(msg)
    _check_must_visit_alone(problem, model)
    rng = np.random.default_rng(seed)
    engine = _Engine(model, rng)
    seed_state = _place_must_visits(engine, params, t0 + 0.5 * time_limit, clock)
    current = seed_state.copy()
    engine.improve(current, 0.0)
    best = current.copy()
    best_walk = best.walking(model)
    temperature0 = params.temperature * model.mean_prize
    seg_len, seg_pos, stale = 1, 0, 0
    iteration = 0
    # Every site with a score visited: nothing left to gain.
    ceiling = float(sum(problem.score[node] for node in model.customers))
    while max_iterations is None or iteration < max_iterations:
        now = clock()
        if now >= search_deadline or best.score >= ceiling - 1e-9:
            break
        iteration += 1
        if max_iterations is not None:
            progress = iteration / max_iterations
        else:
            span = search_deadline - t0
            progress = (now - t0) / span if span > 0 else 1.0
        candidate = current.copy()
        by_segment = rng.random() < params.segment_share
        for index, route in enumerate(candidate.routes):
            n = len(route.nodes) - 2
            if n <= 0:
                continue
            if by_segment:
                first = seg_pos % n
                positions = [1 + (first + i) % n for i in range(min(seg_len, n))]
            else:
                k = int(rng.integers(1, max(min(2, n), int(params.random_fraction * n)) + 1))
                positions = [int(x) + 1 for x in rng.choice(n, size=k, replace=False)]
            engine.remove(candidate, index, positions)
        if not engine.improve(candidate, params.noise):
            stale += 1
            continue
        delta = candidate.score - current.score
        if delta > 1e-9:
            current = candidate
            seg_len, stale = 1, 0
        else:
            temperature = temperature0 * (1.0 - progress)
            if delta > -1e-9 or (temperature > 0 and rng.random() < math.exp(delta / temperature)):
                current = candidate
            stale += 1
            seg_pos += seg_len
            seg_len += 1
            longest = max(len(r.nodes) - 2 for r in current.routes)
            if seg_len > longest // 2 + 1:
                seg_len = 1
        if current.score > best.score + 1e-9:
            best, best_walk = current.copy(), current.walking(model)
            logger.debug("iteration %d: best score %g", iteration, best.score)
        elif current.score > best.score - 1e-9 and current is candidate:
            walk = current.walking(model)
            if walk < best_walk - 1e-9:  # same score, less walking
                best, best_walk = current.copy(), walk
        if stale > params.restart_after:
            current = best.copy()
            if rng.random() < params.scratch_share:
                fresh = seed_state.copy()
                if engine.improve(fresh, params.noise):
                    current = fresh
            stale = 0
    logger.info(
        "solve: %d iterations in %.2f s, score %g",
        iteration,
        clock() - t0,
        best.score,
    )
    routes = [[int(model.base[v]) for v in route.nodes[1:-1]] for route in best.routes]
    return schedule(problem, reoptimise(problem, routes, deadline=deadline, clock=clock))
