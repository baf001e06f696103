"""Choosing and timing the visits: the geography-aware layer over the OPTW solver.

:func:`build_problem` turns the catalogue, the walking matrix, the opening hours
of the tour's dates and the visitor's request into a
:class:`~tourplanner.problem.Problem` (times in seconds since midnight of each
day); :func:`optimise_tour` solves it and turns the solution into timed stops
with the reason every unvisited site was left out; :func:`check_user_order`
times the visitor's own order and lists what it breaks.

Convention (see :mod:`tourplanner.hours`): a visit starts while the site is
open and ends by its closing time; arriving early means waiting outside.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

from tourplanner.errors import InfeasibleTourError, TourError
from tourplanner.hours import (
    UNKNOWN_HOURS_NOTE,
    ambiguity_warning,
    default_hours,
    open_intervals,
    start_windows,
)
from tourplanner.problem import NodeWindows, Problem, Solution, earliest_start, schedule
from tourplanner.refine import (
    Pause,
    balance_days,
    day_balance,
    place_break,
    refill,
    reoptimise,
    replay_day,
)
from tourplanner.routing import WalkMatrix
from tourplanner.solver import solve
from tourplanner.tour import LeftOut, Visit

__all__ = [
    "Outcome",
    "Request",
    "TourProblem",
    "build_problem",
    "check_user_order",
    "optimise",
    "optimise_tour",
]

#: Travel time from the open end's dummy node: never used, but must be finite.
_FAR = 1e7


@dataclass(frozen=True)
class Request:
    """What the visitor asks for.

    Attributes
    ----------
    date
        The first day of the tour.
    start_time, end_time
        Each day's departure from the start and latest arrival at the end.
        ``end_time`` may be a ``datetime.timedelta`` after midnight (e.g. 25 h
        for 01:00 the next morning).
    days
        Number of days (one route per day).
    start
        Site id the tour starts from (each day).
    end
        Site id it ends at; ``None`` ends at the start for a round trip, or
        anywhere (after the last visit) otherwise.
    round_trip
        End where the tour started.
    must, exclude
        Site ids that must be visited / must not be.
    seed, time_limit, max_iterations
        Solver settings (see :func:`tourplanner.solver.solve`). ``time_limit``
        bounds the whole step: building the problem, the search and the
        refinement.
    interests
        ``(category, weight)`` pairs: a site's score is multiplied by its
        category's weight (default 1) for the choice of visits.
    visit_scale
        Time on site is ``visit_minutes`` times this (the pace).
    balance
        Spread the visits over the days (see :func:`tourplanner.refine.balance_days`).
    variety
        The k-th site of one category on one day is worth ``variety ** (k - 1)``
        of its score (1: no discount).
    max_walk_km
        Most walking per day, in km.
    lunch
        ``(from, until, duration)`` in seconds: a meal break inside ``[from,
        until]`` every day with visits, at a market when one fits.
    """

    date: dt.date
    start: str
    start_time: dt.time = dt.time(9, 0)
    end_time: dt.timedelta = dt.timedelta(hours=18)
    days: int = 1
    end: str | None = None
    round_trip: bool = False
    must: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    seed: int = 0
    time_limit: float = 5.0
    max_iterations: int | None = None
    interests: tuple[tuple[str, float], ...] = ()
    visit_scale: float = 1.0
    balance: bool = True
    variety: float = 0.7
    max_walk_km: float | None = None
    lunch: tuple[float, float, float] | None = None

    @property
    def day_start_s(self) -> float:
        """Departure time in seconds since midnight."""
        t = self.start_time
        return float(t.hour * 3600 + t.minute * 60 + t.second)

    @property
    def day_end_s(self) -> float:
        """Latest arrival time in seconds since midnight."""
        return self.end_time.total_seconds()


@dataclass(frozen=True, eq=False)
class TourProblem:
    """A :class:`Problem` with the site ids of its nodes.

    Attributes
    ----------
    problem
        The model.
    node_ids
        Site id of each node; ``None`` for the open end's dummy node.
    dates
        The date of each day.
    closed_all_days
        Candidate ids with no visit window on any day.
    start_visit, end_visit
        ``(day, site id)`` when the day begins (ends) with a real visit of the
        ``--start`` (``--end``) site; ``None`` when it is a waypoint.
    warnings
        What the visitor must know: hours assumed or ambiguous, a start or end
        that is only a waypoint.
    assumed_hours
        Site ids planned inside their category's default hours (unknown hours).
    requested_start_s
        The departure the visitor asked for (a start visit moves the model's).
    end_windows
        Per day, the visit windows of the end site (for an end visit).
    """

    problem: Problem
    node_ids: tuple[str | None, ...]
    dates: tuple[dt.date, ...]
    closed_all_days: frozenset[str] = field(default_factory=frozenset)
    start_visit: tuple[int, str] | None = None
    end_visit: tuple[int, str] | None = None
    warnings: tuple[str, ...] = ()
    assumed_hours: frozenset[str] = field(default_factory=frozenset)
    requested_start_s: float = 0.0
    end_windows: tuple[NodeWindows, ...] = ()


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    day, rest = divmod(seconds, 86_400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return text + (f" (+{day} d)" if day else "")


def _label(sites: gpd.GeoDataFrame, site_id: str) -> str:
    return f"{site_id} ({sites.loc[site_id, 'name']})"


def _validate(request: Request, sites: gpd.GeoDataFrame, candidates: Sequence[str]) -> None:
    if request.days < 1:
        msg = f"--days {request.days} is less than 1: plan at least one day"
        raise TourError(msg)
    if request.day_end_s <= request.day_start_s:
        msg = (
            f"the end time {_clock(request.day_end_s)} is not after the start time "
            f"{_clock(request.day_start_s)}: give a later --end-time or a --budget"
        )
        raise TourError(msg)
    both = set(request.must) & set(request.exclude)
    if both:
        msg = f"site {sorted(both)[0]} is both in --must and --exclude: choose one"
        raise TourError(msg)
    for site_id in request.must:
        if site_id in {request.start, request.end}:
            continue
        if site_id not in candidates:
            msg = f"must-visit site {_label(sites, site_id)} is not a candidate for this tour"
            raise TourError(msg)


def build_problem(
    sites: gpd.GeoDataFrame,
    matrix: WalkMatrix,
    request: Request,
    candidates: Sequence[str],
) -> TourProblem:
    """Build the orienteering problem for ``request`` over ``candidates``.

    Parameters
    ----------
    sites
        The catalogue (scores, visit minutes, opening hours, positions).
    matrix
        Walking times among (at least) the start, end and candidates.
    request
        The visitor's request.
    candidates
        Site ids that may be visited.

    Returns
    -------
    TourProblem
        The problem and its node labels.

    Raises
    ------
    TourError
        Bad days, times or ids.
    InfeasibleTourError
        A must-visit site that is closed on every day or cannot fit in a day.
    """
    _validate(request, sites, candidates)
    open_end = request.end is None and not request.round_trip
    end_id = request.start if request.end is None else request.end
    customers = [
        c for c in candidates if c not in {request.start, end_id} and c not in request.exclude
    ]
    node_ids: list[str | None] = [request.start, *customers]
    if open_end:
        node_ids.append(None)
    elif end_id != request.start:
        node_ids.append(end_id)
    end_node = len(node_ids) - 1 if (open_end or end_id != request.start) else 0
    index = {s: i for i, s in enumerate(matrix.site_ids)}
    n = len(node_ids)
    real = [i for i, s in enumerate(node_ids) if s is not None]
    rows = np.array([index[node_ids[i]] for i in real], dtype=np.int64)  # type: ignore[index]
    travel = np.zeros((n, n))
    travel[np.ix_(real, real)] = matrix.duration_s[np.ix_(rows, rows)]
    if open_end:  # the dummy end: reached from anywhere at no cost, never left
        travel[n - 1, :] = _FAR
        travel[n - 1, n - 1] = 0.0
    if not np.isfinite(travel).all():
        msg = "some sites cannot reach each other on the walking network: check the area"
        raise InfeasibleTourError(msg)
    weights = dict(request.interests)
    score = np.zeros(n)
    service = np.zeros(n)
    dates = tuple(request.date + dt.timedelta(days=d) for d in range(request.days))
    windows: list[list[tuple[tuple[float, float], ...]]] = [[] for _ in dates]
    closed: set[str] = set()
    assumed: set[str] = set()
    warnings: list[str] = []
    depot_windows: dict[int, list[tuple[tuple[float, float], ...]]] = {}
    for node, site_id in enumerate(node_ids):
        if site_id is None:
            for day in windows:
                day.append(((0.0, 2 * 86_400.0),))
            continue
        row = sites.loc[site_id]
        minutes = float(row["visit_minutes"])
        visit_s = 0.0 if math.isnan(minutes) else minutes * 60.0 * request.visit_scale
        hours, note = _hours_of(row, site_id, dates[0])
        if note is not None and (node not in (0, end_node) or _visitable(sites, site_id)):
            (assumed.add(site_id) if note == "assumed" else warnings.append(note))
        per_day = []
        for date in dates:
            intervals = open_intervals(hours, date, lat=row.geometry.y, lon=row.geometry.x)
            per_day.append(start_windows(intervals, visit_s=visit_s))
        if node in (0, end_node):
            depot_windows[node] = per_day
            for day in windows:
                day.append(((0.0, 2 * 86_400.0),))
            service[node] = visit_s
            score[node] = float(row["score"])
            continue
        service[node] = visit_s
        score[node] = float(row["score"]) * float(weights.get(str(row["category"]), 1.0))
        for d in range(len(dates)):
            windows[d].append(per_day[d])
        if not any(per_day):
            closed.add(site_id)
    must = frozenset(
        node_ids.index(s)
        for s in request.must
        if s in node_ids and node_ids.index(s) not in (0, end_node)
    )
    day_start = [request.day_start_s] * request.days
    day_end = [request.day_end_s] * request.days
    start_visit = end_visit = None
    if _visitable(sites, request.start):
        start_visit = _depot_visit(
            depot_windows[0], service[0], day_start, day_end, first=True, travel_out=0.0
        )
        if start_visit is not None:
            day_start[start_visit[0]] = start_visit[1]
    if (
        not open_end
        and end_id is not None
        and _visitable(sites, end_id)
        and not (end_node == 0 and start_visit is not None)
    ):
        end_visit = _depot_visit(
            depot_windows[end_node],
            service[end_node],
            day_start,
            day_end,
            first=False,
            travel_out=float(travel[0, end_node]),
        )
        if end_visit is not None:
            day_end[end_visit[0]] = end_visit[1]
    for what, site_id, visit in (
        ("start", request.start, start_visit),
        ("end", None if open_end else end_id, end_visit),
    ):
        if site_id is None or not _visitable(sites, site_id) or visit is not None:
            continue
        if what == "end" and end_node == 0 and start_visit is not None:
            continue
        if site_id in request.must:
            msg = (
                f"must-visit site {_label(sites, site_id)} is the --{what} but cannot be visited "
                f"at the {what} of any day between {_clock(request.day_start_s)} and "
                f"{_clock(request.day_end_s)} (opening hours "
                f"{sites.loc[site_id, 'opening_hours']!r}): choose another --{what} or --date"
            )
            raise InfeasibleTourError(msg)
        warnings.append(
            f"{_label(sites, site_id)} cannot be visited at the {what} of the day (closed or no "
            f"time): the tour {what}s there as a waypoint, not a visit"
        )
    names = sorted({str(sites.loc[i, "category"]) for i in node_ids if i is not None})
    number = {name: k for k, name in enumerate(names)}
    category = tuple(
        number[str(sites.loc[i, "category"])] if i is not None else 0 for i in node_ids
    )
    problem = Problem(
        travel=travel,
        score=score,
        service=service,
        windows=tuple(tuple(day) for day in windows),
        start=0,
        end=end_node,
        day_start=tuple(day_start),
        day_end=tuple(day_end),
        must_visit=must,
        max_travel=_travel_cap(matrix, rows, request),
        category=category,
        variety=request.variety,
    )
    for site_id in sorted(closed):
        text = sites.loc[site_id, "opening_hours"]
        if isinstance(text, str):
            warnings.append(
                f"{_label(sites, site_id)}: opening hours {text!r} never open on "
                + ", ".join(f"{d:%a %d %b}" for d in dates)
            )
    for site_id in sorted(assumed):
        kind = str(sites.loc[site_id, "category"])
        warnings.append(
            f"{_label(sites, site_id)}: {UNKNOWN_HOURS_NOTE} (planned within "
            f"{default_hours(kind)}, the default for a {kind})"
        )
    tour_problem = TourProblem(
        problem,
        tuple(node_ids),
        dates,
        frozenset(closed),
        start_visit=None if start_visit is None else (start_visit[0], request.start),
        end_visit=None if end_visit is None or end_id is None else (end_visit[0], end_id),
        warnings=tuple(warnings),
        assumed_hours=frozenset(assumed),
        requested_start_s=request.day_start_s,
        end_windows=tuple(depot_windows[end_node]) if end_node in depot_windows else (),
    )
    _check_must_visits(tour_problem, sites)
    _check_anything_fits(tour_problem)
    return tour_problem


def _travel_cap(
    matrix: WalkMatrix, rows: NDArray[np.int64], request: Request
) -> tuple[float, ...] | None:
    """Return the walking cap in seconds per day (walking time is proportional to distance)."""
    if request.max_walk_km is None:
        return None
    distance = matrix.distance_m[np.ix_(rows, rows)]
    duration = matrix.duration_s[np.ix_(rows, rows)]
    usable = np.isfinite(distance) & (distance > 0)
    per_m = float(duration[usable].sum() / distance[usable].sum()) if usable.any() else 0.0
    return (request.max_walk_km * 1000.0 * per_m,) * request.days


#: Categories that are never a visit when they are the start or end.
_WAYPOINT_CATEGORIES = frozenset({"station", "waypoint"})


def _visitable(sites: gpd.GeoDataFrame, site_id: str) -> bool:
    """Whether a start/end site is a place to visit (not a station or a point)."""
    row = sites.loc[site_id]
    minutes = float(row["visit_minutes"])
    has_time = not math.isnan(minutes) and minutes > 0
    return str(row["category"]) not in _WAYPOINT_CATEGORIES and (
        has_time or float(row["score"]) > 0
    )


def _hours_of(row: object, site_id: str, first: dt.date) -> tuple[str | None, str | None]:
    """Return the hours to plan a site with, and ``"assumed"`` or a warning about them."""
    text = row["opening_hours"]  # type: ignore[index]
    geometry = row.geometry  # type: ignore[attr-defined]
    if isinstance(text, str) and text.strip():
        where = f"{site_id} ({row['name']})"  # type: ignore[index]
        return text, ambiguity_warning(
            text, where=where, lat=geometry.y, lon=geometry.x, week_of=first
        )
    hours = default_hours(str(row["category"]))  # type: ignore[index]
    return hours, None if hours is None else "assumed"


def _depot_visit(
    per_day: list[tuple[tuple[float, float], ...]],
    service: float,
    day_start: list[float],
    day_end: list[float],
    *,
    first: bool,
    travel_out: float,
) -> tuple[int, float] | None:
    """Return the day of a visit at the start (``first``) or end, and the new day bound.

    At the start: the first day on which the visit can begin at or after the day
    start, and the time it ends (the new departure). At the end: the last day on
    which it fits before the day end, and the latest arrival that still lets it
    (the new day end).
    """
    days = range(len(per_day)) if first else range(len(per_day) - 1, -1, -1)
    for d in days:
        if first:
            begin = earliest_start(per_day[d], day_start[d])
            if begin is not None and begin + service + travel_out <= day_end[d] + 1e-6:
                return d, begin + service
        else:
            latest = None
            for lo, hi in per_day[d]:
                if lo + service <= day_end[d] + 1e-6:
                    latest = min(hi, day_end[d] - service)
            if latest is not None and latest >= day_start[d] + travel_out - 1e-6:
                return d, latest
    return None


def _check_anything_fits(tp: TourProblem) -> None:
    """Raise if the time available is too short for even one visit."""
    problem = tp.problem
    if not problem.customers:
        return
    if any(
        _fits_alone(problem, node, day)[0]
        for node in problem.customers
        for day in range(problem.n_days)
    ):
        return
    msg = (
        f"no site can be visited between {_clock(problem.day_start[0])} and "
        f"{_clock(problem.day_end[0])}: the time is too short or every site is closed; "
        "give a later --end-time, a longer --budget or another --date"
    )
    raise InfeasibleTourError(msg)


def _open_during(problem: Problem, node: int, day: int) -> bool:
    """Whether a visit to ``node`` could start and end within the day's bounds."""
    first, last = problem.day_start[day], problem.day_end[day] - problem.service[node]
    return any(lo <= last and hi >= first for lo, hi in problem.windows[day][node])


def _fits_alone(problem: Problem, node: int, day: int) -> tuple[bool, float]:
    """Whether ``node`` alone fits in ``day``, and when the walker would be back."""
    arrival = problem.day_start[day] + problem.travel[problem.start, node]
    begin = earliest_start(problem.windows[day][node], arrival)
    if begin is None:
        return False, math.inf
    back = begin + problem.service[node] + problem.travel[node, problem.end]
    return back <= problem.day_end[day] + 1e-6, back


def _check_must_visits(tp: TourProblem, sites: gpd.GeoDataFrame) -> None:
    problem = tp.problem
    dates = ", ".join(d.isoformat() for d in tp.dates)
    for node in sorted(problem.must_visit):
        site_id = tp.node_ids[node]
        assert site_id is not None
        hours = sites.loc[site_id, "opening_hours"]
        if site_id in tp.closed_all_days:
            msg = (
                f"must-visit site {_label(sites, site_id)} is closed on {dates} (opening hours "
                f"{hours!r}, visit {problem.service[node] / 60:.0f} min): choose another "
                "--date or drop it from --must"
            )
            raise InfeasibleTourError(msg)
        results = [_fits_alone(problem, node, d) for d in range(problem.n_days)]
        if not any(ok for ok, _ in results):
            earliest = min(back for _, back in results)
            when = (
                f"the walk there, the {problem.service[node] / 60:.0f}-minute visit and the walk "
                f"to the end take until {_clock(earliest)} at the earliest"
                if math.isfinite(earliest)
                else "it closes before it can be reached"
            )
            msg = (
                f"must-visit site {_label(sites, site_id)} does not fit between "
                f"{_clock(problem.day_start[0])} and {_clock(problem.day_end[0])}: {when}; "
                "allow more time or drop it from --must"
            )
            raise InfeasibleTourError(msg)


#: Categories where a meal break can be had.
MEAL_CATEGORIES = frozenset({"market"})


def _lunches(
    tp: TourProblem,
    sites: gpd.GeoDataFrame,
    routes: list[list[int]],
    lunch: tuple[float, float, float],
    warnings: list[str],
) -> tuple[list[list[int]], list[Pause | None]]:
    """Place the meal break on every day with visits (see :func:`place_break`)."""
    lo, hi, duration = lunch
    problem = tp.problem
    hosts = [
        v
        for v in problem.customers
        if str(sites.loc[tp.node_ids[v], "category"]) in MEAL_CATEGORIES
    ]
    visited = {v for r in routes for v in r}
    out: list[list[int]] = []
    pauses: list[Pause | None] = []
    for day, route in enumerate(routes):
        has_depot_visit = any(v is not None and v[0] == day for v in (tp.start_visit, tp.end_visit))
        if not route and not has_depot_visit:
            out.append(route)
            pauses.append(None)
            continue
        free = [h for h in hosts if h not in visited or h in route]
        placed = place_break(
            problem, day, route, earliest=lo, latest=hi - duration, duration=duration, hosts=free
        )
        if placed is None:
            msg = (
                f"no room for the {duration / 60:.0f}-minute meal break between {_clock(lo)} and "
                f"{_clock(hi)} on {tp.dates[day]:%a %d %b} with the must-visit sites: "
                "widen --lunch, allow more time or drop a must-visit site"
            )
            raise InfeasibleTourError(msg)
        new, pause, dropped = placed
        elsewhere = {v for r in out for v in r} | {v for r in routes[day + 1 :] for v in r}
        spare = [v for v in problem.customers if v not in elsewhere and v not in new]
        new, pause = refill(problem, day, new, pause, spare)
        dropped = [v for v in dropped if v not in new]
        visited |= set(new)
        for node in dropped:
            visited.discard(node)
            warnings.append(
                f"{_label(sites, str(tp.node_ids[node]))} left out on {tp.dates[day]:%a %d %b} "
                "to make room for the meal break"
            )
        out.append(new)
        pauses.append(pause)
    return out, pauses


def _gap(earlier: dt.datetime, later: dt.datetime) -> float:
    """Whole seconds from ``earlier`` to ``later`` (both already rounded)."""
    return (later - earlier).total_seconds()


def _visits(
    tp: TourProblem, routes: Sequence[Sequence[int]], pauses: Sequence[Pause | None]
) -> list[list[Visit]]:
    """Turn the routes into timed stops with dates (a meal break is a ``"lunch"`` stop).

    A day without visits is an empty list. A start (end) site visited at the
    start (end) of a day is a ``"visit"`` stop, not a waypoint.
    """
    problem = tp.problem
    days: list[list[Visit]] = []
    for day, (route, pause, date) in enumerate(zip(routes, pauses, tp.dates, strict=True)):
        midnight = dt.datetime.combine(date, dt.time())

        def at(seconds: float, midnight: dt.datetime = midnight) -> dt.datetime:
            return midnight + dt.timedelta(seconds=round(seconds))

        start_id = tp.node_ids[problem.start]
        assert start_id is not None
        start_here = tp.start_visit is not None and tp.start_visit[0] == day
        end_here = tp.end_visit is not None and tp.end_visit[0] == day
        if not (route or start_here or end_here):
            days.append([])
            continue
        _, timed, taken, back = replay_day(problem, day, route, pause)
        departure = problem.day_start[day]
        if start_here:
            leave = at(departure)
            service = dt.timedelta(seconds=round(float(problem.service[problem.start])))
            day_start = midnight + dt.timedelta(seconds=round(tp.requested_start_s))
            wait = max(0.0, (leave - service - day_start).total_seconds())
            stops = [Visit(start_id, "visit", day_start, wait, leave)]
        else:
            stops = [Visit(start_id, "start", at(departure), 0.0, at(departure))]
        here, free = start_id, departure
        if pause is not None and pause.after == -1 and taken is not None:
            stops.append(Visit(here, "lunch", at(free), _gap(at(free), at(taken[0])), at(taken[1])))
        for position, (node, arrival, begin, leave_s) in enumerate(timed):
            site_id = tp.node_ids[node]
            assert site_id is not None
            stops.append(
                Visit(site_id, "visit", at(arrival), _gap(at(arrival), at(begin)), at(leave_s))
            )
            if pause is not None and pause.after == position and taken is not None:
                wait = _gap(at(leave_s), at(taken[0]))
                stops.append(Visit(site_id, "lunch", at(leave_s), wait, at(taken[1])))
        end_id = tp.node_ids[problem.end]
        if end_here and end_id is not None:
            windows = tp.end_windows[day]
            found = earliest_start(windows, back)
            begin_s = back if found is None else found
            leave_s = begin_s + float(problem.service[problem.end])
            stops.append(Visit(end_id, "visit", at(back), _gap(at(back), at(begin_s)), at(leave_s)))
        elif end_id is not None and (route or problem.end != problem.start or start_here):
            stops.append(Visit(end_id, "end", at(back), 0.0, at(back)))
        days.append(stops)
    return days


def _left_out(
    tp: TourProblem, solution: Solution, sites: gpd.GeoDataFrame, request: Request
) -> list[LeftOut]:
    visited = {tp.node_ids[n] for route in solution.routes for n in route}
    depots = {tp.node_ids[tp.problem.start], tp.node_ids[tp.problem.end]}
    dates = ", ".join(d.strftime("%a %d %b") for d in tp.dates)
    out: list[LeftOut] = []
    for excluded in request.exclude:
        name = str(sites.loc[excluded, "name"])
        out.append(LeftOut(excluded, name, "excluded", "excluded with --exclude"))
    for node_id in tp.node_ids:
        if node_id is None or node_id in visited or node_id in depots:
            continue
        name = str(sites.loc[node_id, "name"])
        node = tp.node_ids.index(node_id)
        if node_id in tp.closed_all_days:
            out.append(LeftOut(node_id, name, "closed", f"closed on {dates}"))
        elif not any(_open_during(tp.problem, node, d) for d in range(tp.problem.n_days)):
            detail = _not_during_your_hours(tp, sites, node_id)
            out.append(LeftOut(node_id, name, "closed", detail))
        else:
            out.append(LeftOut(node_id, name, "no time", "open, but no time for it"))
    return out


def _not_during_your_hours(tp: TourProblem, sites: gpd.GeoDataFrame, site_id: str) -> str:
    """Say whether a site is closed in the user's hours or open but too briefly for the visit."""
    row = sites.loc[site_id]
    hours = row["opening_hours"] if isinstance(row["opening_hours"], str) else None
    if hours is None:  # planned inside its category's default window, so judged by it too
        hours = default_hours(str(row["category"]))
    first, last = tp.problem.day_start[0], tp.problem.day_end[0]
    overlaps = [
        (lo, hi)
        for date in tp.dates
        for lo, hi in open_intervals(hours, date, lat=row.geometry.y, lon=row.geometry.x)
        if lo < last and hi > first
    ]
    if not overlaps:
        return f"closed during your hours {_clock(first)}-{_clock(last)} (opening hours {hours!r})"
    lo, hi = overlaps[0]
    minutes = float(row["visit_minutes"])
    return (
        f"open {_clock(lo)}-{_clock(hi)}, but a {minutes:.0f}-min visit does not fit between "
        f"{_clock(max(lo, first))} and {_clock(min(hi, last))}"
    )


def _closed_when(hours: str | None, date: dt.date, *, lat: float, lon: float) -> str:
    """``"on Mondays"`` when the site is closed that weekday for weeks, else ``"on Mon 01 Jun"``."""
    weeks = [date + dt.timedelta(weeks=k) for k in range(1, 5)]
    if not any(open_intervals(hours, day, lat=lat, lon=lon) for day in weeks):
        return f"on {date:%A}s"
    return f"on {date:%a %d %b}"


@dataclass(frozen=True)
class Outcome:
    """What :func:`optimise` found.

    Attributes
    ----------
    days
        Per day the timed stops (start and end included); an empty list for a day
        with nothing left to visit.
    left_out
        Candidates not visited, with the reason.
    score
        Total (interest-weighted) score, start and end visits included.
    warnings
        Lines every output must show (assumed or ambiguous hours, waypoints,
        empty days).
    balance
        Shortest day's time on site over the longest's, among days with visits.
    routes
        The visited nodes of :attr:`problem` per day (depots excluded).
    problem
        The model that was solved.
    """

    days: list[list[Visit]]
    left_out: list[LeftOut]
    score: float
    warnings: tuple[str, ...]
    balance: float
    routes: list[list[int]]
    problem: TourProblem


def optimise(
    sites: gpd.GeoDataFrame,
    matrix: WalkMatrix,
    request: Request,
    candidates: Sequence[str],
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> Outcome:
    """Choose, order and time the visits; balance the days; explain the rest.

    ``request.time_limit`` bounds the whole step: the search gets what is left
    of it after the problem is built. The days are then balanced
    (:func:`tourplanner.refine.balance_days`) and each day's order re-optimised
    for walking (:func:`tourplanner.refine.reoptimise`); the score never drops.

    Parameters
    ----------
    sites, matrix, request, candidates
        As for :func:`build_problem`.
    clock
        Clock of the time limit (tests pass a fake one).

    Returns
    -------
    Outcome
        The timed days, the left-out sites, the score and the warnings.

    Raises
    ------
    InfeasibleTourError
        If the must-visit sites cannot all be visited (the message names them).
    """
    t0 = clock()
    tp = build_problem(sites, matrix, request, candidates)
    remaining = max(0.0, request.time_limit - (clock() - t0))
    try:
        solution = solve(
            tp.problem,
            time_limit=remaining,
            seed=request.seed,
            max_iterations=request.max_iterations,
            clock=clock,
        )
    except InfeasibleTourError as exc:
        raise InfeasibleTourError(_name_nodes(str(exc), tp, sites)) from None
    routes = [list(r) for r in solution.routes]
    if request.balance and request.days > 1:
        routes = reoptimise(tp.problem, balance_days(tp.problem, routes))
    warnings = list(tp.warnings)
    pauses: list[Pause | None] = [None] * request.days
    if request.lunch is not None:
        routes, pauses = _lunches(tp, sites, routes, request.lunch, warnings)
    solution = schedule(tp.problem, routes)
    days = _visits(tp, routes, pauses)
    empty = [d for d, stops in enumerate(days) if not stops]
    if empty:
        dates = [tp.dates[d] for d in empty]
        if len(empty) == 1:
            what = f"day {empty[0] + 1} ({dates[0]:%a %d %b}) has"
        else:
            what = f"{len(empty)} days ({_day_list(empty, dates)}) have"
        them = "it" if len(empty) == 1 else "them"
        warnings.append(f"{what} nothing left to visit: no tour planned for {them}")
    score = float(sum(tp.problem.score[v] for r in routes for v in r))
    for visit in (tp.start_visit, tp.end_visit):
        if visit is not None:
            node = tp.node_ids.index(visit[1])
            score += float(tp.problem.score[node])
    return Outcome(
        days,
        _left_out(tp, solution, sites, request),
        score,
        tuple(warnings),
        day_balance(tp.problem, routes),
        routes,
        tp,
    )


def _day_list(empty: list[int], dates: list[dt.date]) -> str:
    consecutive = empty == list(range(empty[0], empty[0] + len(empty)))
    if consecutive:
        return f"days {empty[0] + 1}-{empty[-1] + 1}, {dates[0]:%a %d %b} to {dates[-1]:%a %d %b}"
    return ", ".join(f"day {d + 1}" for d in empty)


def optimise_tour(
    sites: gpd.GeoDataFrame,
    matrix: WalkMatrix,
    request: Request,
    candidates: Sequence[str],
) -> tuple[list[list[Visit]], list[LeftOut], float]:
    """Choose, order and time the visits that maximise the total score.

    A thin form of :func:`optimise` kept for callers that need only the days,
    the left-out sites and the score.

    Parameters
    ----------
    sites
        The catalogue.
    matrix
        Walking times among the start, end and candidates.
    request
        The visitor's request.
    candidates
        Site ids that may be visited.

    Returns
    -------
    days : list of list of Visit
        Per day the timed stops, start and end included (empty: nothing to visit).
    left_out : list of LeftOut
        Candidates not visited, with the reason.
    score : float
        Total score.

    Raises
    ------
    InfeasibleTourError
        If the must-visit sites cannot all be visited (the message names them).
    """
    outcome = optimise(sites, matrix, request, candidates)
    return outcome.days, outcome.left_out, outcome.score


def _name_nodes(message: str, tp: TourProblem, sites: gpd.GeoDataFrame) -> str:
    def name(match: re.Match[str]) -> str:
        node = int(match.group(1))
        site_id = tp.node_ids[node] if 0 <= node < len(tp.node_ids) else None
        return f"site {_label(sites, site_id)}" if site_id else match.group(0)

    return re.sub(r"\bsite (\d+)\b", name, message)


def check_user_order(
    sites: gpd.GeoDataFrame,
    matrix: WalkMatrix,
    request: Request,
    order: Sequence[str],
) -> tuple[list[Visit], list[str]]:
    """Time the visitor's own order on ``request.date`` and list what it breaks.

    The order is kept as given. Arriving before a site opens means waiting;
    arriving when it is closed for the rest of the day is reported and the
    visit is timed as if it were open.

    Parameters
    ----------
    sites
        The catalogue.
    matrix
        Walking times among the stops.
    request
        Date and times (``start``, ``must`` and ``days`` are not used).
    order
        Site ids in visiting order.

    Returns
    -------
    visits : list of Visit
        The timed stops.
    warnings : list of str
        One line per broken opening time or the day's end.
    """
    index = {s: i for i, s in enumerate(matrix.site_ids)}
    midnight = dt.datetime.combine(request.date, dt.time())
    clock = request.day_start_s
    visits: list[Visit] = []
    warnings: list[str] = []
    for position, site_id in enumerate(order):
        if position:
            clock += float(matrix.duration_s[index[order[position - 1]], index[site_id]])
        row = sites.loc[site_id]
        minutes = float(row["visit_minutes"])
        visit_s = 0.0 if math.isnan(minutes) else minutes * 60.0 * request.visit_scale
        hours, _ = _hours_of(row, site_id, request.date)
        windows = start_windows(
            open_intervals(hours, request.date, lat=row.geometry.y, lon=row.geometry.x),
            visit_s=visit_s,
        )
        begin = earliest_start(windows, clock)
        if begin is None and not windows:
            lat, lon = row.geometry.y, row.geometry.x
            warnings.append(
                f"{row['name']} is closed {_closed_when(hours, request.date, lat=lat, lon=lon)} "
                f"({request.date:%a %d %b}; opening hours {hours!r})"
            )
            begin = clock
        elif begin is None:
            warnings.append(
                f"{row['name']} cannot be visited when you arrive at {_clock(clock)} "
                f"on {request.date:%a %d %b} (opening hours {hours!r})"
            )
            begin = clock
        arrival = midnight + dt.timedelta(seconds=round(clock))
        wait = float(round(begin) - round(clock))
        clock = begin + visit_s
        departure = arrival + dt.timedelta(seconds=wait + round(visit_s))
        visits.append(Visit(site_id, "visit", arrival, wait, departure))
    if clock > request.day_end_s + 1e-6:
        warnings.append(
            f"the tour ends at {_clock(clock)}, "
            f"after the end of the day {_clock(request.day_end_s)}"
        )
    return visits, warnings
