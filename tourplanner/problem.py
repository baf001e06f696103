"""The tour optimisation model: sites, travel times, opening windows and days.

A :class:`Problem` is plain data, independent of geography: a travel-time matrix
between nodes, a score and a visit duration per node, and for every day of the
trip the windows in which a visit may *start* at each node. One route is planned
per day; each leaves the ``start`` node at the day's start and must be back at the
``end`` node by the day's end. Waiting before a window opens is allowed.

This module also holds the solver-independent referee: :func:`check_routes`
replays routes against the model and lists every violated constraint, and
:func:`schedule` turns feasible routes into a timed :class:`Solution`.
:func:`read_vansteenwegen` reads the public OPTW benchmark instances.

Examples
--------
>>> import numpy as np
>>> travel = np.array([[0.0, 2.0, 3.0], [2.0, 0.0, 1.0], [3.0, 1.0, 0.0]])
>>> problem = Problem.single_window(
...     travel, score=[0, 5, 7], service=[0, 1, 1], open=[0, 0, 4], close=[10, 10, 6]
... )
>>> check_routes(problem, [[1, 2]])
[]
>>> plan = schedule(problem, [[1, 2]])
>>> plan.score, plan.days[0].arrival
(12.0, 8.0)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tourplanner.errors import TourError

__all__ = [
    "TOLERANCE",
    "DayPlan",
    "Interval",
    "NodeTrip",
    "NodeVisit",
    "NodeWindows",
    "Problem",
    "Solution",
    "Violation",
    "check_routes",
    "earliest_start",
    "read_vansteenwegen",
    "schedule",
]

logger = logging.getLogger(__name__)

#: Slack allowed on every time comparison, in the problem's time unit.
TOLERANCE = 1e-6

Interval = tuple[float, float]
"""An interval ``(open, close)`` of allowed start-of-service times."""

NodeWindows = tuple[Interval, ...]
"""The sorted, disjoint intervals of one node on one day (empty: closed)."""


def _fail(message: str) -> TourError:
    return TourError(message)


def _normalise_windows(raw: Iterable[Iterable[float]], *, day: int, node: int) -> NodeWindows:
    intervals: list[Interval] = []
    for item in raw:
        pair = tuple(float(x) for x in item)
        if len(pair) != 2:
            msg = f"window of node {node} on day {day} is {pair!r}; give (open, close) pairs"
            raise _fail(msg)
        lo, hi = pair
        if math.isnan(lo) or math.isnan(hi) or lo > hi:
            msg = (
                f"window ({lo}, {hi}) of node {node} on day {day} is invalid; "
                "give open <= close, both numbers"
            )
            raise _fail(msg)
        intervals.append((lo, hi))
    intervals.sort()
    merged: list[Interval] = []
    for lo, hi in intervals:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _frozen_array(
    values: ArrayLike, name: str, ndim: int, *, allow_inf: bool = False
) -> NDArray[np.float64]:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be numeric, got {values!r:.60}"
        raise _fail(msg) from exc
    if array.ndim != ndim:
        msg = f"{name} must have {ndim} dimension(s), got shape {array.shape}"
        raise _fail(msg)
    if np.any(np.isnan(array)) or (not allow_inf and not np.all(np.isfinite(array))):
        what = "NaN" if allow_inf else "NaN or infinite values"
        msg = f"{name} contains {what}; give finite numbers"
        raise _fail(msg)
    if np.any(array < 0):
        bad = np.argwhere(array < 0)[0]
        msg = f"{name} must be >= 0, got {array[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
        raise _fail(msg)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Problem:
    """A multi-day orienteering problem with (multiple) time windows.

    Parameters
    ----------
    travel : ndarray, shape (n, n)
        Travel time from node ``i`` to node ``j``, non-negative; ``inf`` marks a
        pair with no path. It need not be symmetric nor satisfy the triangle
        inequality.
    score : ndarray, shape (n,)
        Profit collected by visiting a node, ``>= 0``.
    service : ndarray, shape (n,)
        Visit duration at each node, ``>= 0``.
    windows : tuple
        ``windows[day][node]`` is a tuple of ``(open, close)`` intervals in which a
        visit to ``node`` may *start* on ``day``; an empty tuple means closed that
        day. Intervals are sorted and overlapping ones merged on construction. The
        windows of ``start`` and ``end`` are ignored (``day_start`` and ``day_end``
        rule them).
    start, end : int
        Node each route leaves from and returns to (equal for a round trip).
        Their service times are ignored.
    day_start, day_end : tuple of float
        Per day, the departure time from ``start`` and the latest arrival time at
        ``end``. ``len(day_start)`` is the number of days (routes).
    must_visit : frozenset of int
        Nodes that every solution must visit (on some day).
    excluded : frozenset of int
        Nodes that no solution may visit.
    max_travel : tuple of float, optional
        Per day, the most travel time a route may have (a walking cap).
    category : tuple of int, optional
        A category number per node, for ``variety``.
    variety : float, default 1.0
        In ``(0, 1]``: the k-th visit (k = 1, 2, ...) of one category on one day,
        in decreasing order of score, is worth ``variety ** (k - 1)`` of its
        score in :meth:`value`. 1 means plain sums.

    Raises
    ------
    TourError
        If any input is malformed (shapes, negative values, indices out of
        range, ``day_end < day_start``, a node both required and excluded...).

    Notes
    -----
    The schedule is the earliest one: each visit starts at the first moment,
    inside one of its windows, at or after the arrival; the next leg departs when
    the visit ends. An empty route with ``start == end`` means staying put.
    """

    travel: NDArray[np.float64]
    score: NDArray[np.float64]
    service: NDArray[np.float64]
    windows: tuple[tuple[NodeWindows, ...], ...]
    start: int
    end: int
    day_start: tuple[float, ...]
    day_end: tuple[float, ...]
    must_visit: frozenset[int] = field(default_factory=frozenset)
    excluded: frozenset[int] = field(default_factory=frozenset)
    max_travel: tuple[float, ...] | None = None
    category: tuple[int, ...] | None = None
    variety: float = 1.0

    def __post_init__(self) -> None:
        travel = _frozen_array(self.travel, "travel", 2, allow_inf=True)
        n = travel.shape[0]
        if travel.shape != (n, n) or n < 1:
            msg = f"travel must be a square (n, n) matrix with n >= 1, got shape {travel.shape}"
            raise _fail(msg)
        score = _frozen_array(self.score, "score", 1)
        service = _frozen_array(self.service, "service", 1)
        for name, array in (("score", score), ("service", service)):
            if array.shape != (n,):
                msg = f"{name} must have shape ({n},) to match travel, got {array.shape}"
                raise _fail(msg)
        for name, value in (("start", self.start), ("end", self.end)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                msg = f"{name} must be a node index (int), got {value!r}"
                raise _fail(msg)
            if not 0 <= value < n:
                msg = f"{name} node {value} is out of range; give an index in [0, {n - 1}]"
                raise _fail(msg)
        day_start = tuple(float(x) for x in self.day_start)
        day_end = tuple(float(x) for x in self.day_end)
        if not day_start:
            msg = "day_start is empty; give at least one day"
            raise _fail(msg)
        if len(day_end) != len(day_start):
            msg = f"day_start has {len(day_start)} days but day_end has {len(day_end)}"
            raise _fail(msg)
        for day, (lo, hi) in enumerate(zip(day_start, day_end, strict=True)):
            if not (math.isfinite(lo) and math.isfinite(hi)):
                msg = f"day {day} has non-finite bounds ({lo}, {hi}); give finite times"
                raise _fail(msg)
            if hi < lo:
                msg = f"day {day} ends ({hi}) before it starts ({lo}); give day_end >= day_start"
                raise _fail(msg)
        if len(self.windows) != len(day_start):
            msg = f"windows has {len(self.windows)} days but day_start has {len(day_start)}"
            raise _fail(msg)
        windows: list[tuple[NodeWindows, ...]] = []
        for day, raw_day in enumerate(self.windows):
            per_node = tuple(raw_day)
            if len(per_node) != n:
                msg = f"windows[{day}] has {len(per_node)} nodes, expected {n}"
                raise _fail(msg)
            windows.append(
                tuple(
                    _normalise_windows(raw, day=day, node=node) for node, raw in enumerate(per_node)
                )
            )
        must = self._node_set(self.must_visit, "must_visit", n)
        excluded = self._node_set(self.excluded, "excluded", n)
        both = must & excluded
        if both:
            msg = f"node {min(both)} is both must-visit and excluded; drop it from one of them"
            raise _fail(msg)
        for name, nodes in (("must_visit", must), ("excluded", excluded)):
            depots = nodes & {int(self.start), int(self.end)}
            if depots:
                msg = f"{name} contains the start/end node {min(depots)}; remove it"
                raise _fail(msg)
        if self.max_travel is not None:
            caps = tuple(float(x) for x in self.max_travel)
            if len(caps) != len(day_start) or any(not c >= 0 for c in caps):
                msg = f"max_travel must give one value >= 0 per day, got {self.max_travel!r}"
                raise _fail(msg)
            object.__setattr__(self, "max_travel", caps)
        if self.category is not None:
            cats = tuple(int(c) for c in self.category)
            if len(cats) != n:
                msg = f"category must have one entry per node ({n}), got {len(cats)}"
                raise _fail(msg)
            object.__setattr__(self, "category", cats)
        if not 0.0 < float(self.variety) <= 1.0:
            msg = f"variety must be in (0, 1], got {self.variety!r}"
            raise _fail(msg)
        object.__setattr__(self, "variety", float(self.variety))
        object.__setattr__(self, "travel", travel)
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "service", service)
        object.__setattr__(self, "windows", tuple(windows))
        object.__setattr__(self, "start", int(self.start))
        object.__setattr__(self, "end", int(self.end))
        object.__setattr__(self, "day_start", day_start)
        object.__setattr__(self, "day_end", day_end)
        object.__setattr__(self, "must_visit", must)
        object.__setattr__(self, "excluded", excluded)

    @staticmethod
    def _node_set(nodes: Iterable[int], name: str, n: int) -> frozenset[int]:
        result: set[int] = set()
        for node in nodes:
            if isinstance(node, bool) or not isinstance(node, (int, np.integer)):
                msg = f"{name} must contain node indices (int), got {node!r}"
                raise _fail(msg)
            if not 0 <= node < n:
                msg = f"{name} node {node} is out of range; give an index in [0, {n - 1}]"
                raise _fail(msg)
            result.add(int(node))
        return frozenset(result)

    @property
    def n_nodes(self) -> int:
        """Number of nodes, depots included."""
        return int(self.travel.shape[0])

    @property
    def n_days(self) -> int:
        """Number of days, i.e. of routes."""
        return len(self.day_start)

    def value(self, routes: Sequence[Sequence[int]]) -> float:
        """Return the score of ``routes`` with the :attr:`variety` discount.

        Examples
        --------
        >>> p = Problem.single_window(
        ...     np.zeros((4, 4)), score=[0, 8, 4, 2], service=[0] * 4, open=[0] * 4,
        ...     close=[1] * 4,
        ... )
        >>> p.value([[1, 2, 3]])
        14.0
        >>> import dataclasses
        >>> dataclasses.replace(p, category=(0, 1, 1, 2), variety=0.5).value([[1, 2, 3]])
        12.0
        """
        if self.category is None or self.variety >= 1.0:
            return float(sum(float(self.score[v]) for route in routes for v in route))
        total = 0.0
        for route in routes:
            by_cat: dict[int, list[float]] = {}
            for v in route:
                by_cat.setdefault(self.category[v], []).append(float(self.score[v]))
            for scores in by_cat.values():
                scores.sort(reverse=True)
                total += sum(x * self.variety**k for k, x in enumerate(scores))
        return total

    @property
    def customers(self) -> tuple[int, ...]:
        """Nodes that may be visited: neither a depot nor excluded."""
        depots = {self.start, self.end}
        return tuple(i for i in range(self.n_nodes) if i not in depots and i not in self.excluded)

    @classmethod
    def single_window(
        cls,
        travel: ArrayLike,
        *,
        score: ArrayLike,
        service: ArrayLike,
        open: ArrayLike,
        close: ArrayLike,
        start: int = 0,
        end: int | None = None,
        day_start: float | None = None,
        day_end: float | None = None,
        n_days: int = 1,
        must_visit: Iterable[int] = (),
        excluded: Iterable[int] = (),
    ) -> Problem:
        """Build a problem with one window per node, the same on every day.

        Parameters
        ----------
        travel : array_like, shape (n, n)
            Travel times.
        score, service, open, close : array_like, shape (n,)
            Per-node profit, visit duration and start-of-service window.
        start : int, default 0
            Start node.
        end : int, optional
            End node; defaults to ``start``.
        day_start, day_end : float, optional
            Day bounds; default to ``open[start]`` and ``close[start]``.
        n_days : int, default 1
            Number of identical days.
        must_visit, excluded : iterable of int
            Required and forbidden nodes.

        Returns
        -------
        Problem
            The validated problem.

        Examples
        --------
        >>> p = Problem.single_window(
        ...     [[0, 1], [1, 0]], score=[0, 1], service=[0, 0], open=[0, 0], close=[5, 5]
        ... )
        >>> p.n_days, p.windows[0][1]
        (1, ((0.0, 5.0),))
        """
        lo = np.asarray(open, dtype=np.float64)
        hi = np.asarray(close, dtype=np.float64)
        if lo.ndim != 1 or lo.shape != hi.shape:
            msg = f"open and close must be 1-D of equal length, got {lo.shape} and {hi.shape}"
            raise _fail(msg)
        if not 0 <= start < lo.shape[0]:
            msg = f"start node {start} is out of range; give an index in [0, {lo.shape[0] - 1}]"
            raise _fail(msg)
        if n_days < 1:
            msg = f"n_days must be >= 1, got {n_days}"
            raise _fail(msg)
        day = tuple(((float(a), float(b)),) for a, b in zip(lo, hi, strict=True))
        first = float(lo[start]) if day_start is None else float(day_start)
        last = float(hi[start]) if day_end is None else float(day_end)
        return cls(
            travel=np.asarray(travel, dtype=np.float64),
            score=np.asarray(score, dtype=np.float64),
            service=np.asarray(service, dtype=np.float64),
            windows=(day,) * n_days,
            start=start,
            end=start if end is None else end,
            day_start=(first,) * n_days,
            day_end=(last,) * n_days,
            must_visit=frozenset(must_visit),
            excluded=frozenset(excluded),
        )


def earliest_start(windows: NodeWindows, arrival: float) -> float | None:
    """Return the earliest start of service at or after ``arrival``.

    Parameters
    ----------
    windows : tuple of (float, float)
        Sorted, disjoint start-of-service intervals.
    arrival : float
        Arrival time.

    Returns
    -------
    float or None
        The start time, or ``None`` when every window closed before ``arrival``
        (beyond :data:`TOLERANCE`).

    Examples
    --------
    >>> earliest_start(((10.0, 12.0), (14.0, 18.0)), 12.5)
    14.0
    >>> earliest_start(((10.0, 12.0),), 13.0) is None
    True
    """
    for lo, hi in windows:
        if arrival <= hi + TOLERANCE:
            return max(arrival, lo)
    return None


ViolationKind = Literal[
    "days",
    "unknown_node",
    "depot",
    "excluded",
    "duplicate",
    "window",
    "day_end",
    "must_visit",
    "max_travel",
]


@dataclass(frozen=True)
class Violation:
    """One constraint broken by a set of routes.

    Attributes
    ----------
    kind : str
        Which constraint: ``"days"``, ``"unknown_node"``, ``"depot"``,
        ``"excluded"``, ``"duplicate"``, ``"window"``, ``"day_end"`` or
        ``"must_visit"``.
    message : str
        One-line human-readable description.
    day : int or None
        Day concerned, if any.
    node : int or None
        Node concerned, if any.
    """

    kind: ViolationKind
    message: str
    day: int | None = None
    node: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class NodeVisit:
    """A timed visit of one node (the solver's view; a tour's stop is ``tour.Stop``)."""

    node: int
    arrival: float
    wait: float
    start: float
    departure: float


@dataclass(frozen=True)
class NodeTrip:
    """A timed trip between two consecutive nodes (a tour's walk is ``routing.Leg``)."""

    origin: int
    destination: int
    departure: float
    travel: float
    arrival: float


@dataclass(frozen=True)
class DayPlan:
    """The timed route of one day.

    Attributes
    ----------
    day : int
        Day index.
    stops : tuple of NodeVisit
        Visits in order, depots excluded.
    legs : tuple of NodeTrip
        Trips in order, from ``start`` to the first stop ... last stop to ``end``
        (none for an empty round trip).
    departure, arrival : float
        Time leaving ``start`` and time back at ``end``.
    score, travel_time, wait_time, service_time : float
        Totals of the day.
    """

    day: int
    stops: tuple[NodeVisit, ...]
    legs: tuple[NodeTrip, ...]
    departure: float
    arrival: float
    score: float
    travel_time: float
    wait_time: float
    service_time: float

    @property
    def nodes(self) -> tuple[int, ...]:
        """Visited nodes in order, depots excluded."""
        return tuple(stop.node for stop in self.stops)


@dataclass(frozen=True)
class Solution:
    """A timed multi-day tour.

    Attributes
    ----------
    days : tuple of DayPlan
        One plan per day.
    score, travel_time, wait_time, service_time : float
        Totals over all days.
    """

    days: tuple[DayPlan, ...]
    score: float
    travel_time: float
    wait_time: float
    service_time: float

    @property
    def routes(self) -> tuple[tuple[int, ...], ...]:
        """Visited nodes per day, depots excluded."""
        return tuple(day.nodes for day in self.days)


def _replay(
    problem: Problem, routes: Sequence[Sequence[int]]
) -> tuple[list[Violation], list[DayPlan]]:
    """Replay ``routes`` with the earliest schedule, collecting violations."""
    violations: list[Violation] = []
    plans: list[DayPlan] = []
    n = problem.n_nodes
    depots = {problem.start, problem.end}
    if len(routes) != problem.n_days:
        violations.append(
            Violation(
                "days",
                f"got {len(routes)} routes for {problem.n_days} days; give one route per day",
            )
        )
    seen: dict[int, int] = {}
    for day, route in enumerate(routes[: problem.n_days]):
        time = problem.day_start[day]
        departure = time
        here = problem.start
        stops: list[NodeVisit] = []
        legs: list[NodeTrip] = []
        score = travel_sum = wait_sum = service_sum = 0.0
        for raw in route:
            if isinstance(raw, bool) or not isinstance(raw, (int, np.integer)) or not 0 <= raw < n:
                violations.append(
                    Violation("unknown_node", f"day {day}: {raw!r} is not a node index", day=day)
                )
                continue
            node = int(raw)
            if node in depots:
                violations.append(
                    Violation(
                        "depot",
                        f"day {day}: the start/end node {node} is listed as a visit",
                        day=day,
                        node=node,
                    )
                )
                continue
            if node in problem.excluded:
                violations.append(
                    Violation("excluded", f"day {day}: node {node} is excluded", day=day, node=node)
                )
            if node in seen:
                violations.append(
                    Violation(
                        "duplicate",
                        f"day {day}: node {node} is visited again (first on day {seen[node]})",
                        day=day,
                        node=node,
                    )
                )
            else:
                seen[node] = day
            leg_time = float(problem.travel[here, node])
            arrival = time + leg_time
            legs.append(NodeTrip(here, node, time, leg_time, arrival))
            begin = earliest_start(problem.windows[day][node], arrival)
            if begin is None:
                windows = problem.windows[day][node]
                reason = (
                    "it is closed that day"
                    if not windows
                    else f"its last window closes at {windows[-1][1]:g}"
                )
                violations.append(
                    Violation(
                        "window",
                        f"day {day}: node {node} is reached at {arrival:g} but {reason}",
                        day=day,
                        node=node,
                    )
                )
                begin = arrival
            else:
                score += float(problem.score[node])
            done = begin + float(problem.service[node])
            stops.append(NodeVisit(node, arrival, begin - arrival, begin, done))
            travel_sum += leg_time
            wait_sum += begin - arrival
            service_sum += float(problem.service[node])
            time = done
            here = node
        if stops or problem.start != problem.end:
            leg_time = float(problem.travel[here, problem.end])
            legs.append(NodeTrip(here, problem.end, time, leg_time, time + leg_time))
            time += leg_time
            travel_sum += leg_time
        if problem.max_travel is not None and travel_sum > problem.max_travel[day] + TOLERANCE:
            violations.append(
                Violation(
                    "max_travel",
                    f"day {day}: travels {travel_sum:g}, more than its cap "
                    f"{problem.max_travel[day]:g}",
                    day=day,
                )
            )
        if time > problem.day_end[day] + TOLERANCE:
            violations.append(
                Violation(
                    "day_end",
                    f"day {day}: back at the end node at {time:g}, after the day end "
                    f"{problem.day_end[day]:g}",
                    day=day,
                )
            )
        plans.append(
            DayPlan(
                day=day,
                stops=tuple(stops),
                legs=tuple(legs),
                departure=departure,
                arrival=time,
                score=score,
                travel_time=travel_sum,
                wait_time=wait_sum,
                service_time=service_sum,
            )
        )
    for node in sorted(problem.must_visit - set(seen)):
        violations.append(
            Violation("must_visit", f"must-visit node {node} is not visited", node=node)
        )
    return violations, plans


def check_routes(problem: Problem, routes: Sequence[Sequence[int]]) -> list[Violation]:
    """List every constraint that ``routes`` break, independently of any solver.

    Parameters
    ----------
    problem : Problem
        The model.
    routes : sequence of sequence of int
        One list of visited nodes per day, in order, ``start``/``end`` excluded.

    Returns
    -------
    list of Violation
        Empty when the routes are feasible.

    Examples
    --------
    >>> p = Problem.single_window(
    ...     [[0, 4], [4, 0]], score=[0, 1], service=[0, 1], open=[0, 0], close=[5, 5]
    ... )
    >>> [v.kind for v in check_routes(p, [[1]])]
    ['day_end']
    """
    return _replay(problem, routes)[0]


def schedule(problem: Problem, routes: Sequence[Sequence[int]]) -> Solution:
    """Time feasible ``routes`` with the earliest schedule.

    Parameters
    ----------
    problem : Problem
        The model.
    routes : sequence of sequence of int
        One list of visited nodes per day, ``start``/``end`` excluded.

    Returns
    -------
    Solution
        Stops with arrival, wait, start and departure; legs; totals and score.

    Raises
    ------
    TourError
        If the routes break a constraint (the first violation is named).
    """
    violations, plans = _replay(problem, routes)
    if violations:
        extra = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        msg = f"routes are infeasible: {violations[0].message}{extra}"
        raise TourError(msg)
    return Solution(
        days=tuple(plans),
        score=sum(p.score for p in plans),
        travel_time=sum(p.travel_time for p in plans),
        wait_time=sum(p.wait_time for p in plans),
        service_time=sum(p.service_time for p in plans),
    )


Convention = Literal["solomon", "cordeau"]


def read_vansteenwegen(
    path: str | Path, *, convention: Convention | None = None, n_days: int = 1
) -> Problem:
    """Read an OPTW/TOPTW benchmark instance in the Vansteenwegen text format.

    Node 0 is the depot (start and end); its window gives the day bounds. Travel
    times are Euclidean distances, truncated down to one decimal for the Solomon
    instances and rounded up to two decimals for the Cordeau ones, the convention
    of the published optima.

    Parameters
    ----------
    path : str or Path
        Instance file.
    convention : {"solomon", "cordeau"}, optional
        Travel-time rounding; guessed from the file name (``pr*`` is Cordeau).
    n_days : int, default 1
        Number of routes (the format does not fix it).

    Returns
    -------
    Problem
        The instance, every day identical.

    Raises
    ------
    TourError
        If the file is malformed.
    """
    path = Path(path)
    if convention is None:
        convention = "cordeau" if path.name.lower().startswith("pr") else "solomon"
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    try:
        n_customers = int(lines[0][2])
        rows = [[float(x) for x in line] for line in lines[2 : 3 + n_customers]]
    except (IndexError, ValueError) as exc:
        msg = f"{path}: not a Vansteenwegen OPTW instance ({exc})"
        raise TourError(msg) from exc
    if len(rows) != n_customers + 1 or any(len(r) < 7 for r in rows):
        msg = f"{path}: expected {n_customers + 1} vertex lines of at least 7 fields"
        raise TourError(msg)
    xy = np.array([r[1:3] for r in rows])
    distance = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    if convention == "solomon":
        travel = np.floor(np.round(distance * 10.0, 9)) / 10.0
    else:
        travel = np.ceil(np.round(distance * 100.0, 9)) / 100.0
    np.fill_diagonal(travel, 0.0)
    return Problem.single_window(
        travel,
        score=[r[4] for r in rows],
        service=[r[3] for r in rows],
        open=[r[-2] for r in rows],
        close=[r[-1] for r in rows],
        start=0,
        n_days=n_days,
    )
