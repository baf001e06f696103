"""Planning a tour end to end on a loaded catalogue and street graph.

:func:`plan_tour` validates the request, snaps the sites to the walking
network, computes the walking matrix and then either keeps the visitor's order
(``stops``: timed and checked against opening hours) or lets the optimiser
choose, order and time the visits (:mod:`tourplanner.optimise`). It touches
neither disk nor network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx

from tourplanner.errors import TourError, UnreachableSiteError
from tourplanner.inputs import PointLike, local_time, with_point
from tourplanner.optimise import Request, check_user_order, optimise
from tourplanner.people import check_request, describe_preferences, pace_factors
from tourplanner.routing import (
    DEFAULT_MAX_SNAP_M,
    Snapping,
    WalkingNetwork,
    WalkMatrix,
    as_network,
    snap_sites,
    walk_matrix,
)
from tourplanner.sites import sites_from_frame
from tourplanner.tour import Tour, Visit, assemble_tour

__all__ = ["Plan", "check_site_ids", "plan_tour"]

logger = logging.getLogger(__name__)
#: The clock that ``time_limit`` is measured on (tests replace it).
_clock = time.perf_counter


@dataclass(frozen=True, eq=False)
class Plan:
    """A planned tour with the snapping and matrix it was computed from.

    Attributes
    ----------
    tour
        The tour.
    snapping, matrix
        The sites on the network and the walking matrix among them.
    sites
        The catalogue as planned (WGS-84, indexed by id, with any start/end
        waypoint given by position).
    network
        The walking network the tour was planned on.
    """

    tour: Tour
    snapping: Snapping
    matrix: WalkMatrix
    sites: gpd.GeoDataFrame | None = None
    network: WalkingNetwork | None = None

    @property
    def graph(self) -> nx.MultiDiGraph | None:
        """The walking network's networkx graph (built on first use), if known."""
        return self.network.graph if self.network is not None else None


def check_site_ids(sites: gpd.GeoDataFrame, ids: Sequence[str], *, what: str) -> None:
    """Raise :class:`TourError` for the first id not in the catalogue.

    Parameters
    ----------
    sites
        The catalogue.
    ids
        Ids to check.
    what
        How the ids were given, for the message (e.g. ``"stop"``).
    """
    known = [str(i) for i in sites.index]
    for site_id in ids:
        if site_id not in sites.index:
            close = difflib.get_close_matches(site_id, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            msg = (
                f"unknown {what} id {site_id!r}: {hint}"
                "run 'tourplanner sites' to list the catalogue's ids"
            )
            raise TourError(msg)


def _default_start(sites: gpd.GeoDataFrame, matrix: WalkMatrix, candidates: Sequence[str]) -> str:
    """Return the metro station nearest on foot to the best-scoring candidate."""
    index = {s: i for i, s in enumerate(matrix.site_ids)}
    stations = [s for s in matrix.site_ids if sites.loc[s, "category"] == "station"]
    if not stations:
        return max(candidates, key=lambda c: (float(sites.loc[c, "score"]), c))
    best = max(candidates, key=lambda c: (float(sites.loc[c, "score"]), c))
    return min(stations, key=lambda s: (float(matrix.distance_m[index[s], index[best]]), s))


def plan_tour(
    graph: WalkingNetwork | nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    *,
    start_time: dt.datetime,
    end_time: dt.datetime | None = None,
    stops: Sequence[str] | None = None,
    start: PointLike | None = None,
    end: PointLike | None = None,
    round_trip: bool = False,
    days: int = 1,
    must: Sequence[str] = (),
    exclude: Sequence[str] = (),
    seed: int = 0,
    time_limit: float = 5.0,
    max_iterations: int | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    interests: Mapping[str, float] | None = None,
    pace: str = "normal",
    variety: float = 0.7,
    max_walk_km: float | None = None,
    lunch: tuple[float, float, float] | None = None,
) -> Plan:
    """Plan a walking tour.

    Parameters
    ----------
    graph
        The prepared walking network (or its graph, prepared once for this call).
    sites
        The catalogue: from :func:`tourplanner.sites.load_sites`, or any
        GeoDataFrame with a CRS and an ``id`` column, e.g. from
        ``geopandas.read_file`` (see :func:`tourplanner.sites.sites_from_frame`).
    start_time
        The first day's date and the time of departure (each day): local time
        if naive; a timezone-aware datetime is converted to the sites' zone.
    end_time
        Latest end of each day (the clock time; a value on a later date than
        ``start_time`` means after midnight). Default 18:00, or 9 hours after
        a later start.
    stops
        Site ids in the order to visit them (kept and only checked); ``None``
        lets the optimiser choose among all non-station sites.
    start, end
        Where each day starts and ends: a site id, ``(lat, lon)`` in WGS-84
        degrees or a shapely ``Point(lon, lat)`` (a waypoint). Default start: the metro
        station nearest to the best site; default end: anywhere, or the start
        with ``round_trip``.
    round_trip
        End where the tour started.
    days
        Number of days.
    must, exclude
        Sites that must / must not be visited.
    seed, time_limit, max_iterations
        Optimiser settings. ``time_limit`` bounds the whole planning step: the
        time spent snapping the sites and computing the walking matrix is
        subtracted from it before the optimiser gets the rest.
    max_snap_m
        Sites farther than this from the network are skipped with a warning.
    interests
        Weight per category (see :func:`tourplanner.people.parse_interests`).
    pace
        ``"relaxed"``, ``"normal"`` or ``"brisk"`` (see :data:`tourplanner.people.PACES`).
    variety
        The k-th site of one category on one day counts ``variety ** (k - 1)``.
    max_walk_km
        Most walking per day.
    lunch
        A daily meal break ``(from, until, duration)`` in seconds (see
        :func:`tourplanner.people.parse_lunch`).

    Returns
    -------
    Plan
        The tour and the snapping/matrix behind it.

    Raises
    ------
    CatalogueError
        ``sites`` is not a valid catalogue (e.g. no ``id`` column).
    TourError
        Unknown or duplicate ids, bad times or positions.
    UnreachableSiteError
        The start, the end or every stop is off the network.
    InfeasibleTourError
        Must-visit sites that cannot be visited.
    """
    started = _clock()
    network = as_network(graph)
    sites = sites_from_frame(sites, origin="the sites GeoDataFrame")
    sites, start = with_point(sites, start, what="start")
    sites, end = with_point(sites, end, what="end")
    start_time = local_time(start_time, sites, what="start_time")
    if end_time is not None:
        end_time = local_time(end_time, sites, what="end_time")
    for what, ids in (("stop", stops or ()), ("must-visit", must), ("excluded", exclude)):
        check_site_ids(sites, ids, what=what)
    check_request(
        stops=stops,
        must=must,
        exclude=exclude,
        days=days,
        end=end,
        round_trip=round_trip,
        start=start,
        interests=interests,
        lunch=lunch,
        max_walk_km=max_walk_km,
    )
    walk_factor, visit_factor = pace_factors(pace)
    check_site_ids(sites, [s for s in (start, end) if s is not None], what="start/end")
    if stops is not None and len(set(stops)) != len(stops):
        twice = next(s for s in stops if list(stops).count(s) > 1)
        msg = f"stop {twice!r} is listed twice in --stops: name each stop once"
        raise TourError(msg)
    if end_time is None:
        default_end = dt.datetime.combine(start_time.date(), dt.time(18, 0))
        end_time = max(default_end, start_time + dt.timedelta(hours=9))
    midnight = dt.datetime.combine(start_time.date(), dt.time())
    stations = [str(i) for i in sites.index[sites["category"] == "station"]]
    if stops is not None:
        wanted = list(stops)
    else:
        wanted = [str(i) for i in sites.index if sites.loc[i, "category"] != "station"]
        wanted += [m for m in must if m not in wanted]
    wanted = [w for w in wanted if w not in exclude]
    involved = set(wanted) | {s for s in (start, end) if s} | set(stations if not start else ())
    subset = sites.loc[[i for i in sites.index if i in involved]]
    snapping = snap_sites(network, subset, max_distance_m=max_snap_m)
    off = {s.site_id: s for s in snapping.off_network}
    for point, what in ((start, "start"), (end, "end")):
        if point is not None and point in off:
            msg = (
                f"{what} {point} ({off[point].name}) is {off[point].distance_m:.0f} m from the "
                f"nearest street, off the walking network: choose another --{what}"
            )
            raise UnreachableSiteError(msg)
    for site_id in must:
        if site_id in off:
            msg = f"must-visit site {site_id} ({off[site_id].name}) is off the walking network"
            raise UnreachableSiteError(msg)
    skipped = tuple(off[s] for s in wanted if s in off)
    for site in skipped:
        logger.warning(
            "Skipping %s (%s): %.0f m from the nearest street",
            site.site_id,
            site.name,
            site.distance_m,
        )
    kept = [s for s in wanted if s not in off]
    if not kept and not skipped:
        msg = (
            "no site is left to visit: every site is a station or excluded: "
            "give fewer --exclude ids, or --stops/--must"
        )
        raise TourError(msg)
    if not kept:
        names = ", ".join(f"{s.site_id} ({s.name})" for s in skipped)
        msg = f"every requested stop is off the walking network ({names}): check their coordinates"
        raise UnreachableSiteError(msg)
    matrix = walk_matrix(network, snapping)
    if walk_factor != 1.0:
        matrix = dataclasses.replace(matrix, duration_s=matrix.duration_s * walk_factor)
    request = Request(
        date=start_time.date(),
        start=start or (stops[0] if stops else _default_start(sites, matrix, kept)),
        start_time=start_time.time(),
        end_time=end_time - midnight,
        days=days,
        end=end,
        round_trip=round_trip,
        must=tuple(must),
        exclude=tuple(exclude),
        seed=seed,
        # snapping and the matrix count against the limit: the optimiser gets what is left
        time_limit=max(0.0, time_limit - (_clock() - started)),
        max_iterations=max_iterations,
        interests=tuple(sorted((interests or {}).items())),
        visit_scale=visit_factor,
        variety=variety,
        max_walk_km=max_walk_km,
        lunch=lunch,
    )
    notes = describe_preferences(
        interests,
        pace,
        variety=variety if stops is None else 1.0,
        max_walk_km=max_walk_km,
        lunch=lunch,
    )
    if stops is not None:
        order = [request.start, *(s for s in kept if s != request.start)]
        if end is not None and end not in order:
            order.append(end)
        elif round_trip and order[-1] != order[0]:
            order.append(order[0])
        visits, warnings = check_user_order(sites, matrix, request, order[: len(order)])
        if round_trip and len(visits) > 1 and visits[-1].site_id == visits[0].site_id:
            visits[-1] = Visit(
                visits[-1].site_id, "end", visits[-1].arrival, 0.0, visits[-1].arrival
            )
        for warning in warnings:
            logger.warning("%s", warning)
        tour = assemble_tour(
            network,
            sites,
            snapping,
            matrix,
            [visits],
            skipped=skipped,
            warnings=[*notes, *warnings],
        )
    else:
        outcome = optimise(sites, matrix, request, kept)
        for warning in outcome.warnings:
            logger.warning("%s", warning)
        tour = assemble_tour(
            network,
            sites,
            snapping,
            matrix,
            outcome.days,
            skipped=skipped,
            left_out=outcome.left_out,
            warnings=[*notes, *outcome.warnings],
            dates=[start_time.date() + dt.timedelta(days=d) for d in range(days)],
        )
    return Plan(tour=tour, snapping=snapping, matrix=matrix, sites=sites, network=network)
