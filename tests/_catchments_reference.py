"""The catchment method as it was before the array-based rewrite (commit b8edcc4), kept verbatim.

It is the reference the tests compare :func:`tourplanner.catchments.catchments`
with: the streets collected from the networkx graph, every street tested
for every origin, each reached piece buffered on its own and unioned. Only
the polygons and the reached-node counts are returned (metric CRS), which is
what the comparison needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from tourplanner.network import WalkingNetwork
from tourplanner.routing import Snapping, _augmented_csr, _transformer

_TOLERANCE_M = 1e-6


@dataclass(frozen=True, eq=False)
class Streets:
    """The streets of a graph once each (a two-way street as its edge from the smaller node)."""

    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    length: npt.NDArray[np.float64]
    two_way: npt.NDArray[np.bool_]
    geometry: npt.NDArray[np.object_]
    row: dict[tuple[int, int, int], int]


def streets(network: WalkingNetwork, crs: str) -> Streets:
    """Collect the streets of ``network`` from its networkx graph, geometry in ``crs``."""
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
            continue
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
    first = shapely.get_coordinates(shapely.get_point(geometry, 0))
    last = shapely.get_coordinates(shapely.get_point(geometry, -1))
    backwards = ((last - start) ** 2).sum(axis=1) < ((first - start) ** 2).sum(axis=1)
    if backwards.any():
        geometry[backwards] = shapely.reverse(geometry[backwards])
    to_metric = _transformer(4326, crs).transform
    return Streets(
        u=np.asarray([position[u] for u, _, _ in kept], dtype=np.int64),
        v=np.asarray([position[v] for _, v, _ in kept], dtype=np.int64),
        length=np.asarray(lengths, dtype=np.float64),
        two_way=np.asarray(two_way, dtype=np.bool_),
        geometry=np.asarray(
            shapely.transform(geometry, to_metric, interleaved=False), dtype=object
        ),
        row={edge: k for k, edge in enumerate(kept)},
    )


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1] + _TOLERANCE_M:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _piece(line: LineString, length: float, start: float, end: float) -> BaseGeometry:
    if length <= 0:
        return line
    piece: BaseGeometry = substring(
        line, max(start / length, 0.0), min(end / length, 1.0), normalized=True
    )
    return piece


def polygons(
    streets: Streets,
    distance: npt.NDArray[np.float64],
    origin: tuple[int, float],
    limits_m: list[float],
    *,
    buffer_m: float,
) -> list[BaseGeometry]:
    """The nested polygons, one per limit (ascending), from one origin's distances."""
    origin_row, origin_offset = origin
    du = distance[streets.u]
    dv = np.where(streets.two_way, distance[streets.v], np.inf)
    length = streets.length
    o_length = float(length[origin_row])
    o_two_way = bool(streets.two_way[origin_row])
    previous_whole = np.zeros(len(length), dtype=bool)
    polygon: BaseGeometry = shapely.Polygon()
    out: list[BaseGeometry] = []
    for limit in limits_m:
        reach_u = np.where(du <= limit, limit - du, -np.inf)
        reach_v = np.where(dv <= limit, limit - dv, -np.inf)
        whole = (reach_u >= length - _TOLERANCE_M) | (reach_u + reach_v >= length - _TOLERANCE_M)
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
        out.append(polygon)
        previous_whole = whole
    return out


def origin_on_street(
    streets: Streets, edge: tuple[int, int, int], offset: float
) -> tuple[int, float]:
    """The street row of a snapped edge and the offset along that street."""
    if edge in streets.row:
        return streets.row[edge], offset
    u, v, _ = edge
    for (a, b, _key), row in streets.row.items():
        if (a, b) == (v, u):
            return row, float(streets.length[row]) - offset
    msg = f"edge {edge} is not in the graph"
    raise ValueError(msg)


def reference_catchments(
    network: WalkingNetwork,
    snapping: Snapping,
    origins: Sequence[str],
    minutes: Sequence[float] = (5, 10, 15),
    *,
    buffer_m: float = 25.0,
) -> dict[tuple[str, float], tuple[BaseGeometry, int]]:
    """``(origin, minutes) -> (polygon in snapping.crs, reached nodes)`` by the old method."""
    limits = sorted({float(m) for m in minutes})
    speed = network.speed_kmh
    limits_m = [m * 60.0 * speed / 3.6 for m in limits]
    matrix, nodes = _augmented_csr(network, snapping)
    found = streets(network, snapping.crs)
    out: dict[tuple[str, float], tuple[BaseGeometry, int]] = {}
    for site_id in origins:
        k = snapping.index(site_id)
        site = snapping.sites[k]
        distance = np.asarray(
            dijkstra(matrix, directed=True, indices=len(nodes) + k, limit=limits_m[-1]),
            dtype=np.float64,
        )[: len(nodes)]
        origin = origin_on_street(found, site.edge, site.offset_m)
        shapes = polygons(found, distance, origin, limits_m, buffer_m=buffer_m)
        for minute, limit, shape in zip(limits, limits_m, shapes, strict=True):
            out[(site_id, minute)] = (shape, int(np.count_nonzero(distance <= limit)))
    return out
