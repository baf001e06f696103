"""Planning a tour end to end on a loaded catalogue and street graph.

:func:`plan_tour` validates the requested stops and start, snaps the sites to
the walking network, computes the walking matrix, orders the stops (the user's
order, or the heuristic of :func:`tourplanner.tour.order_stops`) and builds the
:class:`~tourplanner.tour.Tour`. It touches neither disk nor network.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx

from tourplanner.errors import TourError, UnreachableSiteError
from tourplanner.routing import DEFAULT_MAX_SNAP_M, Snapping, WalkMatrix, snap_sites, walk_matrix
from tourplanner.tour import (
    Tour,
    assemble_tour,
    default_start,
    default_stops,
    order_stops,
    timed_visits,
)

__all__ = ["Plan", "check_site_ids", "plan_tour"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Plan:
    """A planned tour with the snapping and matrix it was computed from."""

    tour: Tour
    snapping: Snapping
    matrix: WalkMatrix


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


def plan_tour(
    graph: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    *,
    stops: Sequence[str] | None = None,
    start: str | None = None,
    start_time: dt.datetime,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> Plan:
    """Plan a walking tour.

    Parameters
    ----------
    graph
        The prepared walking network.
    sites
        The catalogue, indexed by id.
    stops
        Site ids in the order to visit them; ``None`` chooses the default
        stops (:func:`tourplanner.tour.default_stops`) and orders them.
    start
        Site to start from. With ``stops`` it is prepended unless it is
        already the first stop; without, the default is the metro station
        closest on foot to the stops.
    start_time
        Arrival at the first stop.
    max_snap_m
        Sites farther than this from the network are skipped with a warning.

    Returns
    -------
    Plan
        The tour and the snapping/matrix behind it.

    Raises
    ------
    TourError
        Unknown or duplicate ids.
    UnreachableSiteError
        The start or every stop is off the network.
    """
    if stops is not None:
        check_site_ids(sites, stops, what="stop")
        if len(set(stops)) != len(stops):
            twice = next(s for s in stops if list(stops).count(s) > 1)
            msg = f"stop {twice!r} is listed twice in --stops: name each stop once"
            raise TourError(msg)
    if start is not None:
        check_site_ids(sites, [start], what="start")
    wanted = list(stops) if stops is not None else default_stops(sites)
    stations = [str(i) for i in sites.index[sites["category"] == "station"]]
    involved = set(wanted) | ({start} if start else set()) | (set(stations) if not start else set())
    subset = sites.loc[[i for i in sites.index if i in involved]]
    snapping = snap_sites(graph, subset, max_distance_m=max_snap_m)
    off = {s.site_id: s for s in snapping.off_network}
    if start is not None and start in off:
        msg = (
            f"start {start} ({off[start].name}) is {off[start].distance_m:.0f} m from the "
            "nearest street, off the walking network: choose another --start"
        )
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
    if not kept:
        names = ", ".join(f"{s.site_id} ({s.name})" for s in skipped)
        msg = f"every requested stop is off the walking network ({names}): check their coordinates"
        raise UnreachableSiteError(msg)
    matrix = walk_matrix(graph, snapping)
    if stops is not None:
        order = (
            kept if start is None or kept[0] == start else [start, *(s for s in kept if s != start)]
        )
    else:
        if start is None:
            candidates = [s for s in stations if s not in off and s not in kept]
            start = default_start(matrix, kept, candidates)
        members = [start, *(s for s in kept if s != start)]
        index = [matrix.site_ids.index(s) for s in members]
        sub = matrix.distance_m[index][:, index]
        order = [members[k] for k in order_stops(sub, start=0)]
    visits = timed_visits(sites, matrix, order, start_time=start_time)
    tour = assemble_tour(graph, sites, snapping, matrix, [visits], skipped=skipped)
    return Plan(tour=tour, snapping=snapping, matrix=matrix)
