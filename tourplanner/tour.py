"""Tours: the timed stops of one or several days and the street legs between them.

The optimiser (:mod:`tourplanner.optimise`) or the visitor's own order decide
which sites to visit and when; :func:`assemble_tour` joins those timed stops
with the catalogue and the walking legs into a :class:`Tour`, which the map and
the exports draw.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import Point

from tourplanner.errors import TourError
from tourplanner.routing import (
    Leg,
    OffNetworkSite,
    Snapping,
    WalkingNetwork,
    WalkMatrix,
    as_network,
    leg_between,
)

__all__ = [
    "TOUR_COLUMNS",
    "LeftOut",
    "Stop",
    "StopKind",
    "Tour",
    "TourDay",
    "Visit",
    "assemble_tour",
]

#: Columns of :meth:`Tour.to_geodataframe`, in order (then ``geometry``).
TOUR_COLUMNS: Final[tuple[str, ...]] = (
    "feature",
    "day",
    "order",
    "site_id",
    "from_id",
    "name",
    "category",
    "kind",
    "arrival",
    "departure",
    "wait_min",
    "visit_min",
    "score",
    "distance_m",
    "walk_min",
)


StopKind = Literal["start", "visit", "end", "lunch"]


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
        The day's number, counting from 1 (as in every output: the GeoJSON
        ``day``, "Day 1" on the map); ``tour.days[stop.day - 1]`` is its day.
    kind
        ``"start"`` or ``"end"`` of a day (a waypoint), a ``"visit"``, or a
        ``"lunch"`` break taken at the site (``name`` says "Lunch break at ...").
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
    day: int = 1
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
    """One day of a tour: its stops and the legs between them (``legs[i]``: stop i -> i+1).

    Attributes
    ----------
    index
        The day's position in ``Tour.days`` (from 0); :attr:`number` is the
        day number shown everywhere (from 1).
    date
        The day's date.
    stops, legs
        The stops in order and the walks between them.
    """

    index: int
    date: dt.date
    stops: tuple[Stop, ...]
    legs: tuple[Leg, ...]

    @property
    def number(self) -> int:
        """The day number, counting from 1 (``Stop.day`` of its stops)."""
        return self.index + 1


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
        What the visitor must know: problems with a tour the user ordered (e.g.
        a stop reached when closed), hours assumed or ambiguous, a start that is
        only a waypoint, days with nothing left to visit, the settings used.
    empty_days
        Dates of the trip with nothing left to visit (no :class:`TourDay`).
    """

    days: tuple[TourDay, ...]
    skipped: tuple[OffNetworkSite, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    warnings: tuple[str, ...] = ()
    empty_days: tuple[dt.date, ...] = ()

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
        """Total time on site in seconds (visits only, not meal breaks)."""
        return float(sum(stop.visit_minutes * 60.0 for stop in self.visits))

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

    def to_geodataframe(self, layer: Literal["all", "stops", "legs"] = "all") -> gpd.GeoDataFrame:
        """Return the stops and legs as a GeoDataFrame in WGS-84.

        Parameters
        ----------
        layer
            ``"stops"`` (Points), ``"legs"`` (LineStrings along the streets),
            or ``"all"``: the stops, then the legs.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per stop or leg, with the columns of :data:`TOUR_COLUMNS`:
            ``feature`` (``"stop"`` or ``"leg"``), ``day`` (from 1), ``order``
            (the stop's place in the tour, or the leg's number), ``site_id``
            (for a leg: the site walked to) and ``from_id``, ``name``,
            ``category``, ``kind``, ``arrival`` and ``departure`` (naive local
            datetimes; a leg departs from one stop and arrives at the next),
            ``wait_min``, ``visit_min``, ``score``, ``distance_m`` and
            ``walk_min``. Columns that do not apply are missing (NaN/NaT/None).
        """
        rows: list[dict[str, object]] = []
        if layer in ("all", "stops"):
            rows += [
                {
                    "feature": "stop",
                    "day": stop.day,
                    "order": stop.order,
                    "site_id": stop.site_id,
                    "from_id": None,
                    "name": stop.name,
                    "category": stop.category,
                    "kind": stop.kind,
                    "arrival": stop.arrival,
                    "departure": stop.departure,
                    "wait_min": stop.wait_s / 60.0,
                    "visit_min": stop.visit_minutes,
                    "score": stop.score,
                    "distance_m": math.nan,
                    "walk_min": math.nan,
                    "geometry": Point(stop.position),
                }
                for stop in self.stops
            ]
        if layer in ("all", "legs"):
            number = 0
            for day in self.days:
                for i, leg in enumerate(day.legs):
                    number += 1
                    a, b = day.stops[i], day.stops[i + 1]
                    rows.append(
                        {
                            "feature": "leg",
                            "day": day.number,
                            "order": number,
                            "site_id": leg.to_id,
                            "from_id": leg.from_id,
                            "name": f"{a.name} to {b.name}",
                            "category": None,
                            "kind": "walk",
                            "arrival": b.arrival,
                            "departure": a.departure,
                            "wait_min": math.nan,
                            "visit_min": math.nan,
                            "score": math.nan,
                            "distance_m": leg.distance_m,
                            "walk_min": leg.duration_s / 60.0,
                            "geometry": leg.geometry,
                        }
                    )
        frame = pd.DataFrame(rows, columns=[*TOUR_COLUMNS, "geometry"])
        for column in ("arrival", "departure"):
            frame[column] = pd.to_datetime(frame[column])
        for column in ("day", "order"):
            frame[column] = frame[column].astype("int64")
        for column in ("wait_min", "visit_min", "score", "distance_m", "walk_min"):
            frame[column] = frame[column].astype("float64")
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


@dataclass(frozen=True)
class Visit:
    """A timed stop before it is joined with the catalogue and the legs."""

    site_id: str
    kind: StopKind
    arrival: dt.datetime
    wait_s: float
    departure: dt.datetime


def assemble_tour(
    graph: WalkingNetwork | nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    snapping: Snapping,
    matrix: WalkMatrix,
    days: Sequence[Sequence[Visit]],
    *,
    skipped: Sequence[OffNetworkSite] = (),
    left_out: Sequence[LeftOut] = (),
    warnings: Sequence[str] = (),
    dates: Sequence[dt.date] | None = None,
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
    dates
        The date of each day; a day without stops is then left out of
        ``Tour.days`` and its date listed in ``Tour.empty_days``.

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
    network = as_network(graph)
    built: list[TourDay] = []
    empty: list[dt.date] = []
    order = 0
    for day_index, visits in enumerate(days):
        if not visits and dates is not None:
            empty.append(dates[day_index])
            continue
        seen: set[str] = set()
        for visit in visits:
            if visit.kind == "visit" and visit.site_id in seen:
                msg = f"stop {visit.site_id!r} is listed twice: name each stop once"
                raise TourError(msg)
            seen.add(visit.site_id)
            snapping.index(visit.site_id)  # raises for unknown or off-network ids
        legs = tuple(
            leg_between(network, snapping, matrix, a.site_id, b.site_id)
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
                    name=(
                        f"Lunch break at {row['name']}"
                        if visit.kind == "lunch"
                        else str(row["name"])
                    ),
                    name_zh=str(name_zh) if isinstance(name_zh, str) else "",
                    category=str(row["category"]),
                    arrival=visit.arrival,
                    wait_s=visit.wait_s,
                    departure=visit.departure,
                    visit_minutes=max(0.0, minutes / 60.0),
                    position=(float(row.geometry.x), float(row.geometry.y)),
                    day=day_index + 1,
                    kind=visit.kind,
                    score=float(row["score"]) if visit.kind == "visit" else 0.0,
                )
            )
        if dates is not None:
            date = dates[day_index]
        elif visits:
            date = visits[0].arrival.date()
        else:
            date = built[-1].date + dt.timedelta(days=1)
        built.append(TourDay(day_index, date, tuple(stops), legs))
    return Tour(
        days=tuple(built),
        skipped=tuple(skipped),
        left_out=tuple(left_out),
        warnings=tuple(warnings),
        empty_days=tuple(empty),
    )
