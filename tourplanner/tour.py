"""Tours: choosing the order of stops and timing the visit.

The order of stops is either the user's or a good heuristic: nearest neighbour
from the start, improved by 2-opt and or-opt moves on the walking-distance
matrix (an open path: the start is fixed, the end is free). The full
optimiser that selects sites under a time budget and opening hours lives in
:mod:`tourplanner.solver`.

The ordering functions are pure (arrays in, lists out); :func:`assemble_tour`
joins timed stops with the street legs into a :class:`Tour` of one or more days.

Examples
--------
>>> import numpy as np
>>> d = np.array([[0, 1, 5, 2], [1, 0, 3, 2], [5, 3, 0, 4], [2, 2, 4, 0]], dtype=float)
>>> order_stops(d, start=0)
[0, 1, 2, 3]
>>> path_length(d, [0, 1, 2, 3]) <= path_length(d, [0, 3, 1, 2])
True
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt

from tourplanner.errors import TourError
from tourplanner.routing import Leg, OffNetworkSite, Snapping, WalkMatrix, leg_between

__all__ = [
    "DEFAULT_MIN_SCORE",
    "LeftOut",
    "Stop",
    "Tour",
    "TourDay",
    "Visit",
    "assemble_tour",
    "default_start",
    "default_stops",
    "order_stops",
    "path_length",
]

#: Without ``--stops``, the tour visits every non-station site scoring at least this.
DEFAULT_MIN_SCORE = 70.0

FloatMatrix = npt.NDArray[np.float64]


StopKind = Literal["start", "visit", "end"]


@dataclass(frozen=True)
class Stop:
    """One stop of a tour.

    Attributes
    ----------
    order
        1-based position in the whole tour (over all days).
    site_id, name, name_zh, category
        The site.
    arrival
        When the walker arrives.
    wait_s
        Seconds spent waiting for the site to open (0 if open on arrival).
    departure
        When the walker leaves (arrival + wait + visit).
    visit_minutes
        Minutes on site (0 for the start and end of a day).
    position
        The site's ``(lon, lat)`` in WGS-84, as in the catalogue.
    day
        0-based day of the tour.
    kind
        ``"start"`` or ``"end"`` of a day, or a ``"visit"``.
    score
        The site's interest score (counted for visits only).
    """

    order: int
    site_id: str
    name: str
    name_zh: str
    category: str
    arrival: dt.datetime
    wait_s: float
    departure: dt.datetime
    visit_minutes: float
    position: tuple[float, float]
    day: int = 0
    kind: StopKind = "visit"
    score: float = 0.0

    @property
    def visit_start(self) -> dt.datetime:
        """When the visit starts (after any wait)."""
        return self.arrival + dt.timedelta(seconds=self.wait_s)


@dataclass(frozen=True)
class LeftOut:
    """A candidate site the tour does not visit, and why.

    Attributes
    ----------
    site_id, name
        The site.
    reason
        ``"closed"`` (on the tour's dates), ``"excluded"`` (by the user), or
        ``"no time"`` (open, but it does not fit with better sites).
    detail
        A human-readable explanation.
    """

    site_id: str
    name: str
    reason: Literal["closed", "excluded", "no time"]
    detail: str


@dataclass(frozen=True)
class TourDay:
    """One day of a tour: its stops and the legs between them (``legs[i]``: stop i -> i+1)."""

    index: int
    date: dt.date
    stops: tuple[Stop, ...]
    legs: tuple[Leg, ...]


@dataclass(frozen=True)
class Tour:
    """A walking tour over one or several days.

    Attributes
    ----------
    days
        The days, in order.
    skipped
        Requested sites left out because they are off the walking network.
    left_out
        Candidate sites not visited, with the reason.
    warnings
        Problems with a tour the user ordered (e.g. a stop reached when closed).
    """

    days: tuple[TourDay, ...]
    skipped: tuple[OffNetworkSite, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def stops(self) -> tuple[Stop, ...]:
        """All stops of all days, in order."""
        return tuple(stop for day in self.days for stop in day.stops)

    @property
    def legs(self) -> tuple[Leg, ...]:
        """All legs of all days, in order."""
        return tuple(leg for day in self.days for leg in day.legs)

    @property
    def visits(self) -> tuple[Stop, ...]:
        """The stops that are visits (not the start or end of a day)."""
        return tuple(stop for stop in self.stops if stop.kind == "visit")

    @property
    def score(self) -> float:
        """Total interest score of the visits."""
        return float(sum(stop.score for stop in self.visits))

    @property
    def distance_m(self) -> float:
        """Total walking distance in metres."""
        return float(sum(leg.distance_m for leg in self.legs))

    @property
    def walking_s(self) -> float:
        """Total walking time in seconds."""
        return float(sum(leg.duration_s for leg in self.legs))

    @property
    def visiting_s(self) -> float:
        """Total time on site in seconds."""
        return float(sum(stop.visit_minutes * 60.0 for stop in self.stops))

    @property
    def waiting_s(self) -> float:
        """Total time spent waiting for sites to open, in seconds."""
        return float(sum(stop.wait_s for stop in self.stops))

    @property
    def start(self) -> dt.datetime:
        """Arrival at the first stop."""
        return self.stops[0].arrival

    @property
    def end(self) -> dt.datetime:
        """Departure from the last stop."""
        return self.stops[-1].departure


@dataclass(frozen=True)
class Visit:
    """A timed stop before it is joined with the catalogue and the legs."""

    site_id: str
    kind: StopKind
    arrival: dt.datetime
    wait_s: float
    departure: dt.datetime


def path_length(distance: FloatMatrix, order: Sequence[int]) -> float:
    """Return the length of the open path visiting ``order`` in sequence.

    Parameters
    ----------
    distance
        Square matrix.
    order
        Indices into ``distance``.

    Returns
    -------
    float
        Sum of ``distance[order[i], order[i + 1]]``.
    """
    idx = np.asarray(order, dtype=np.intp)
    return float(distance[idx[:-1], idx[1:]].sum()) if len(idx) > 1 else 0.0


def _two_opt(distance: FloatMatrix, order: list[int]) -> bool:
    """Apply the best improving 2-opt move (segment reversal) of an open path."""
    n = len(order)
    best_gain, best_move = 1e-9, None
    for i in range(n - 2):
        a, b = order[i], order[i + 1]
        for j in range(i + 2, n):
            c = order[j]
            d_next = order[j + 1] if j + 1 < n else None
            before = distance[a, b] + (distance[c, d_next] if d_next is not None else 0.0)
            after = distance[a, c] + (distance[b, d_next] if d_next is not None else 0.0)
            # reversing the segment changes its internal direction too (asymmetric matrices)
            segment = order[i + 1 : j + 1]
            inner_before = sum(distance[p, q] for p, q in itertools.pairwise(segment))
            inner_after = sum(distance[q, p] for p, q in itertools.pairwise(segment))
            gain = before + inner_before - after - inner_after
            if gain > best_gain:
                best_gain, best_move = gain, (i, j)
    if best_move is None:
        return False
    i, j = best_move
    order[i + 1 : j + 1] = order[i + 1 : j + 1][::-1]
    return True


def _or_opt(distance: FloatMatrix, order: list[int]) -> bool:
    """Apply the first improving move of a segment of 1-3 stops to another position."""
    n = len(order)
    current = path_length(distance, order)
    for length in (1, 2, 3):
        for i in range(1, n - length + 1):
            segment = order[i : i + length]
            rest = order[:i] + order[i + length :]
            for k in range(1, len(rest) + 1):
                if k == i:
                    continue
                for seg in (segment, segment[::-1]):
                    candidate = rest[:k] + seg + rest[k:]
                    if path_length(distance, candidate) < current - 1e-9:
                        order[:] = candidate
                        return True
    return False


def order_stops(distance: FloatMatrix, *, start: int, max_rounds: int = 1000) -> list[int]:
    """Order all nodes of ``distance`` into a short open path from ``start``.

    Nearest neighbour construction, then 2-opt and or-opt until no move
    improves (a local optimum for both neighbourhoods).

    Parameters
    ----------
    distance
        Square matrix of walking distances (or times); ``inf`` is allowed.
    start
        Index of the first stop.
    max_rounds
        Upper bound on improving moves.

    Returns
    -------
    list of int
        A permutation of ``range(len(distance))`` beginning with ``start``.
    """
    n = distance.shape[0]
    if not 0 <= start < n:
        msg = f"start index {start} out of range for {n} stops"
        raise ValueError(msg)
    finite = np.where(np.isfinite(distance), distance, 1e12)
    order = [start]
    left = set(range(n)) - {start}
    while left:
        here = order[-1]
        nearest = min(left, key=lambda j: (finite[here, j], j))
        order.append(nearest)
        left.remove(nearest)
    for _ in range(max_rounds):
        if not (_two_opt(finite, order) or _or_opt(finite, order)):
            break
    return order


def default_stops(sites: gpd.GeoDataFrame, *, min_score: float = DEFAULT_MIN_SCORE) -> list[str]:
    """Return the ids of the default tour's sites: non-stations scoring ``min_score`` or more.

    Parameters
    ----------
    sites
        A catalogue indexed by id.
    min_score
        Lowest score included.

    Returns
    -------
    list of str
        Ids in catalogue order.
    """
    chosen = sites[(sites["category"] != "station") & (sites["score"] >= min_score)]
    if chosen.empty:
        chosen = sites[sites["category"] != "station"]
    return [str(i) for i in chosen.index]


def default_start(matrix: WalkMatrix, stops: Sequence[str], candidates: Sequence[str]) -> str:
    """Pick the start among ``candidates``: the one with the shortest walk to its nearest stop.

    Parameters
    ----------
    matrix
        The walking matrix.
    stops
        The tour's stops.
    candidates
        Possible starts (e.g. the metro stations), all in ``matrix``.

    Returns
    -------
    str
        The chosen start id, or the first stop if there are no candidates.
    """
    if not candidates:
        return stops[0]
    index = {s: i for i, s in enumerate(matrix.site_ids)}
    stop_idx = [index[s] for s in stops]
    best = min(candidates, key=lambda c: (float(matrix.distance_m[index[c], stop_idx].min()), c))
    return str(best)


def timed_visits(
    sites: gpd.GeoDataFrame,
    matrix: WalkMatrix,
    order: Sequence[str],
    *,
    start_time: dt.datetime,
) -> list[Visit]:
    """Time a walk through ``order`` with no waiting: arrive, visit, walk on.

    Parameters
    ----------
    sites
        The catalogue (visit minutes).
    matrix
        Walking times.
    order
        Site ids in visiting order.
    start_time
        Arrival at the first stop.

    Returns
    -------
    list of Visit
        One per stop, all of kind ``"visit"``.
    """
    index = {s: i for i, s in enumerate(matrix.site_ids)}
    visits: list[Visit] = []
    clock = start_time
    for position, site_id in enumerate(order):
        if position:
            walk = float(matrix.duration_s[index[order[position - 1]], index[site_id]])
            clock += dt.timedelta(seconds=walk)
        minutes = float(sites.loc[site_id, "visit_minutes"])
        departure = clock + dt.timedelta(minutes=0.0 if math.isnan(minutes) else minutes)
        visits.append(Visit(site_id, "visit", clock, 0.0, departure))
        clock = departure
    return visits


def assemble_tour(
    graph: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    snapping: Snapping,
    matrix: WalkMatrix,
    days: Sequence[Sequence[Visit]],
    *,
    skipped: Sequence[OffNetworkSite] = (),
    left_out: Sequence[LeftOut] = (),
    warnings: Sequence[str] = (),
) -> Tour:
    """Join timed visits with the catalogue and the street legs into a :class:`Tour`.

    Parameters
    ----------
    graph, snapping, matrix
        The walking network, the sites snapped to it and their matrix.
    sites
        The catalogue (names, categories, scores, positions).
    days
        Per day, the timed stops in order.
    skipped, left_out, warnings
        Carried into the tour.

    Returns
    -------
    Tour
        The tour.

    Raises
    ------
    TourError
        If there is no stop at all or a day visits a site twice.
    """
    if not any(days):
        msg = "a tour needs at least one stop: give site ids with --stops"
        raise TourError(msg)
    built: list[TourDay] = []
    order = 0
    for day_index, visits in enumerate(days):
        seen: set[str] = set()
        for visit in visits:
            if visit.kind == "visit" and visit.site_id in seen:
                msg = f"stop {visit.site_id!r} is listed twice: name each stop once"
                raise TourError(msg)
            seen.add(visit.site_id)
            snapping.index(visit.site_id)  # raises for unknown or off-network ids
        legs = tuple(
            leg_between(graph, snapping, matrix, a.site_id, b.site_id)
            for a, b in itertools.pairwise(visits)
        )
        stops: list[Stop] = []
        for visit in visits:
            order += 1
            row = sites.loc[visit.site_id]
            name_zh = row.get("name_zh")
            minutes = (visit.departure - visit.arrival).total_seconds() - visit.wait_s
            stops.append(
                Stop(
                    order=order,
                    site_id=visit.site_id,
                    name=str(row["name"]),
                    name_zh=str(name_zh) if isinstance(name_zh, str) else "",
                    category=str(row["category"]),
                    arrival=visit.arrival,
                    wait_s=visit.wait_s,
                    departure=visit.departure,
                    visit_minutes=max(0.0, minutes / 60.0),
                    position=(float(row.geometry.x), float(row.geometry.y)),
                    day=day_index,
                    kind=visit.kind,
                    score=float(row["score"]) if visit.kind == "visit" else 0.0,
                )
            )
        date = visits[0].arrival.date() if visits else built[-1].date + dt.timedelta(days=1)
        built.append(TourDay(day_index, date, tuple(stops), legs))
    return Tour(
        days=tuple(built),
        skipped=tuple(skipped),
        left_out=tuple(left_out),
        warnings=tuple(warnings),
    )
