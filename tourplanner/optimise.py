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
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np

from tourplanner.errors import InfeasibleTourError, TourError
from tourplanner.hours import open_intervals, start_windows
from tourplanner.problem import Problem, Solution, earliest_start
from tourplanner.routing import WalkMatrix
from tourplanner.solver import solve
from tourplanner.tour import LeftOut, Visit

__all__ = ["Request", "TourProblem", "build_problem", "check_user_order", "optimise_tour"]

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
        Solver settings (see :func:`tourplanner.solver.solve`).
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
    """

    problem: Problem
    node_ids: tuple[str | None, ...]
    dates: tuple[dt.date, ...]
    closed_all_days: frozenset[str] = field(default_factory=frozenset)


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
    travel = np.zeros((n, n))
    for a, site_a in enumerate(node_ids):
        for b, site_b in enumerate(node_ids):
            if site_a is None:
                travel[a, b] = 0.0 if site_b is None else _FAR
            elif site_b is None:
                travel[a, b] = 0.0
            else:
                travel[a, b] = float(matrix.duration_s[index[site_a], index[site_b]])
    if not np.isfinite(travel).all():
        msg = "some sites cannot reach each other on the walking network: check the area"
        raise InfeasibleTourError(msg)
    score = np.zeros(n)
    service = np.zeros(n)
    dates = tuple(request.date + dt.timedelta(days=d) for d in range(request.days))
    windows: list[list[tuple[tuple[float, float], ...]]] = [[] for _ in dates]
    closed: set[str] = set()
    for node, site_id in enumerate(node_ids):
        if site_id is None or node in (0, end_node):
            for day in windows:
                day.append(((0.0, 2 * 86_400.0),))
            continue
        row = sites.loc[site_id]
        minutes = float(row["visit_minutes"])
        service[node] = 0.0 if math.isnan(minutes) else minutes * 60.0
        score[node] = float(row["score"])
        hours = row["opening_hours"] if isinstance(row["opening_hours"], str) else None
        open_any = False
        for d, date in enumerate(dates):
            intervals = open_intervals(hours, date, lat=row.geometry.y, lon=row.geometry.x)
            day_windows = start_windows(intervals, visit_s=service[node])
            windows[d].append(day_windows)
            open_any = open_any or bool(day_windows)
        if not open_any:
            closed.add(site_id)
    must = frozenset(
        node_ids.index(s)
        for s in request.must
        if s in node_ids and node_ids.index(s) not in (0, end_node)
    )
    problem = Problem(
        travel=travel,
        score=score,
        service=service,
        windows=tuple(tuple(day) for day in windows),
        start=0,
        end=end_node,
        day_start=(request.day_start_s,) * request.days,
        day_end=(request.day_end_s,) * request.days,
        must_visit=must,
    )
    tour_problem = TourProblem(problem, tuple(node_ids), dates, frozenset(closed))
    _check_must_visits(tour_problem, sites)
    _check_anything_fits(tour_problem)
    return tour_problem


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


def _visits(tp: TourProblem, solution: Solution) -> list[list[Visit]]:
    """Turn the solver's timed routes into timed stops with dates."""
    problem = tp.problem
    days: list[list[Visit]] = []
    for plan, date in zip(solution.days, tp.dates, strict=True):
        midnight = dt.datetime.combine(date, dt.time())

        def at(seconds: float, midnight: dt.datetime = midnight) -> dt.datetime:
            return midnight + dt.timedelta(seconds=round(seconds))

        start_id = tp.node_ids[problem.start]
        assert start_id is not None
        stops = [Visit(start_id, "start", at(plan.departure), 0.0, at(plan.departure))]
        for stop in plan.stops:
            site_id = tp.node_ids[stop.node]
            assert site_id is not None
            arrival, begin = at(stop.arrival), at(stop.start)
            wait = (begin - arrival).total_seconds()
            stops.append(Visit(site_id, "visit", arrival, wait, at(stop.departure)))
        end_id = tp.node_ids[problem.end]
        if end_id is not None and (plan.stops or problem.end != problem.start):
            stops.append(Visit(end_id, "end", at(plan.arrival), 0.0, at(plan.arrival)))
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


def optimise_tour(
    sites: gpd.GeoDataFrame,
    matrix: WalkMatrix,
    request: Request,
    candidates: Sequence[str],
) -> tuple[list[list[Visit]], list[LeftOut], float]:
    """Choose, order and time the visits that maximise the total score.

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
        Per day the timed stops, start and end included.
    left_out : list of LeftOut
        Candidates not visited, with the reason.
    score : float
        Total score.

    Raises
    ------
    InfeasibleTourError
        If the must-visit sites cannot all be visited (the message names them).
    """
    tp = build_problem(sites, matrix, request, candidates)
    try:
        solution = solve(
            tp.problem,
            time_limit=request.time_limit,
            seed=request.seed,
            max_iterations=request.max_iterations,
        )
    except InfeasibleTourError as exc:
        raise InfeasibleTourError(_name_nodes(str(exc), tp, sites)) from None
    return _visits(tp, solution), _left_out(tp, solution, sites, request), solution.score


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
        visit_s = 0.0 if math.isnan(minutes) else minutes * 60.0
        hours = row["opening_hours"] if isinstance(row["opening_hours"], str) else None
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
