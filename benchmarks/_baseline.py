"""Today's (commit b8edcc4) graph build and catchments, kept as the baselines of city_scale.py.

These are copies of the package's code at commit ``b8edcc4`` (before issue 11's
rewrite), so that the baselines of :mod:`city_scale` do not change when the
package does:

- :func:`graph_from_osm_file` and :func:`prepare_graph` (``tourplanner/graph.py``)
  with the helpers they call from ``tourplanner/_osmfile.py``
  (:func:`parse_way_filter`, :class:`_WayCollector`, :func:`extract_ways`,
  :func:`write_osm_xml`): pyosmium reads the walkable ways into an
  Overpass-style JSON document, that is written as OSM XML, osmnx builds the
  graph from the XML file, clips it to the study area grown by 500 m,
  simplifies it and clips it to the area, and the largest strongly connected
  component is kept;
- :func:`catchments` (``tourplanner/catchments.py``) with its helpers, and the
  parts of the old ``tourplanner/routing.py`` it used (the node order and the
  CSR arrays of the old ``WalkingNetwork``, ``_augmented_csr``, ``_layout``,
  ``_reverse_edge``, ``_transformer``), made self-contained: they need only
  the networkx graph and a snapping (anything with the attributes of
  :class:`tourplanner.routing.Snapping`).

Only the code paths the benchmark takes are kept (no progress callback, no
logging); the arithmetic is unchanged.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import osmium
import osmnx as ox
import pandas as pd
import pyproj
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from tourplanner._text import xml_text
from tourplanner.errors import NetworkDataError, TourError

__all__ = ["OldNetwork", "build_graph", "catchments", "graph_from_osm_file", "prepare_graph"]

# ---------------------------------------------------------------------------------------------
# tourplanner/_osmfile.py at b8edcc4
# ---------------------------------------------------------------------------------------------

TagPredicate = Callable[[Mapping[str, str]], bool]
BBox = tuple[float, float, float, float]  # west, south, east, north

_CLAUSE: Final = re.compile(r'\[\s*"([^"]+)"\s*(?:(!=|=|!~|~)\s*"([^"]*)"\s*)?\]')


def parse_way_filter(overpass_filter: str) -> TagPredicate:
    """Turn an Overpass QL tag filter into a predicate on a tag mapping."""
    clauses: list[tuple[str, str | None, str | None]] = []
    position = 0
    text = overpass_filter.strip()
    while position < len(text):
        match = _CLAUSE.match(text, position)
        if match is None:
            msg = f"unsupported Overpass filter syntax at {text[position : position + 30]!r}"
            raise ValueError(msg)
        clauses.append((match.group(1), match.group(2), match.group(3)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    compiled = [
        (key, op, re.compile(value) if op in {"~", "!~"} and value is not None else value)
        for key, op, value in clauses
    ]

    def predicate(tags: Mapping[str, str]) -> bool:
        for key, op, value in compiled:
            present = key in tags
            if op is None:
                if not present:
                    return False
            elif op == "=":
                if not present or tags[key] != value:
                    return False
            elif op == "!=":
                if present and tags[key] == value:
                    return False
            elif op == "~":
                if not present or not value.search(tags[key]):  # type: ignore[union-attr]
                    return False
            elif present and value.search(tags[key]):  # type: ignore[union-attr]
                return False
        return True

    return predicate


class _WayCollector(osmium.SimpleHandler):
    """Collect the ways a predicate admits inside a bounding box, with their nodes."""

    def __init__(self, keep: TagPredicate, bbox: BBox) -> None:
        super().__init__()
        self.keep = keep
        self.bbox = bbox
        self.node_tags: dict[int, dict[str, str]] = {}
        self.nodes: dict[int, tuple[float, float]] = {}
        self.ways: list[dict[str, Any]] = []

    def _inside(self, lon: float, lat: float) -> bool:
        west, south, east, north = self.bbox
        return west <= lon <= east and south <= lat <= north

    def node(self, n: Any) -> None:
        if len(n.tags) and n.location.valid() and self._inside(n.location.lon, n.location.lat):
            self.node_tags[n.id] = {t.k: t.v for t in n.tags}

    def way(self, w: Any) -> None:
        if "highway" not in w.tags:
            return
        tags = {t.k: t.v for t in w.tags}
        if not self.keep(tags):
            return
        refs: list[int] = []
        coords: list[tuple[float, float]] = []
        for node_ref in w.nodes:
            location = node_ref.location
            if not location.valid():
                continue  # node outside the extract
            refs.append(node_ref.ref)
            coords.append((location.lon, location.lat))
        if len(refs) < 2 or not any(self._inside(lon, lat) for lon, lat in coords):
            return
        self.ways.append({"type": "way", "id": w.id, "nodes": refs, "tags": tags})
        for ref, coord in zip(refs, coords, strict=True):
            self.nodes[ref] = coord


def _osm_file(path: Path) -> Any:
    name = path.name.lower()
    fmt = "pbf" if name.endswith("pbf") else "osm.bz2" if name.endswith(".bz2") else "osm"
    return osmium.io.File(str(path), fmt)


def extract_ways(path: Path, keep: TagPredicate, bbox: BBox) -> dict[str, Any]:
    """Read the ways of a local OSM extract that ``keep`` admits within ``bbox``."""
    collector = _WayCollector(keep, bbox)
    collector.apply_file(_osm_file(path), locations=True)
    elements: list[dict[str, Any]] = []
    for node_id, (lon, lat) in collector.nodes.items():
        node: dict[str, Any] = {"type": "node", "id": node_id, "lat": lat, "lon": lon}
        tags = collector.node_tags.get(node_id)
        if tags:
            node["tags"] = tags
        elements.append(node)
    elements.extend(collector.ways)
    return {"version": 0.6, "generator": "tourplanner", "elements": elements}


def write_osm_xml(document: Mapping[str, Any], path: Path) -> None:
    """Write an Overpass-style JSON document as OSM XML (for :func:`osmnx.graph_from_xml`)."""
    root = ET.Element("osm", version="0.6", generator="tourplanner")
    for element in document["elements"]:
        if element["type"] == "node":
            item = ET.SubElement(
                root,
                "node",
                id=str(element["id"]),
                lat=repr(element["lat"]),
                lon=repr(element["lon"]),
            )
        else:
            item = ET.SubElement(root, "way", id=str(element["id"]))
            for ref in element["nodes"]:
                ET.SubElement(item, "nd", ref=str(ref))
        for key, value in element.get("tags", {}).items():
            ET.SubElement(item, "tag", k=xml_text(key), v=xml_text(value))
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------------------------------------
# tourplanner/graph.py at b8edcc4
# ---------------------------------------------------------------------------------------------

_NETWORK_TYPE: Final = "walk"
_TRUNCATE_BY_EDGE: Final = True
_QUERY_BUFFER_M: Final = 500.0
_USEFUL_TAGS_WAY: Final = (
    "bridge",
    "tunnel",
    "oneway",
    "lanes",
    "ref",
    "name",
    "name:en",
    "name:zh",
    "highway",
    "maxspeed",
    "service",
    "access",
    "area",
    "landuse",
    "width",
    "est_width",
    "junction",
    "footway",
    "surface",
)


def _buffered(area: Polygon | MultiPolygon, metres: float) -> Polygon | MultiPolygon:
    projected, crs = ox.projection.project_geometry(area)
    grown, _ = ox.projection.project_geometry(projected.buffer(metres), crs=crs, to_latlong=True)
    return cast("Polygon | MultiPolygon", grown)


def _clip_and_simplify(
    graph: nx.MultiDiGraph, area: Polygon | MultiPolygon, buffered: Polygon | MultiPolygon
) -> nx.MultiDiGraph:
    try:
        graph = ox.truncate.truncate_graph_polygon(
            graph, buffered, truncate_by_edge=_TRUNCATE_BY_EDGE
        )
        graph = ox.simplify_graph(graph)
        graph = ox.truncate.truncate_graph_polygon(graph, area, truncate_by_edge=_TRUNCATE_BY_EDGE)
    except ValueError:
        msg = "the study area has no walkable streets in OpenStreetMap: check the sites or area"
        raise NetworkDataError(msg) from None
    return graph


def graph_from_osm_file(path: str | Path, area: Polygon | MultiPolygon) -> nx.MultiDiGraph:
    """Build the (unprepared) walking network inside ``area`` from a local OSM extract."""
    path = Path(path)
    ox.settings.useful_tags_way = list(_USEFUL_TAGS_WAY)
    keep = parse_way_filter(ox._overpass._get_network_filter(_NETWORK_TYPE))
    buffered = _buffered(area, _QUERY_BUFFER_M)
    west, south, east, north = buffered.bounds
    document = extract_ways(path, keep, (west, south, east, north))
    n_ways = sum(1 for e in document["elements"] if e["type"] == "way")
    if n_ways == 0:
        msg = f"OSM file {path} has no walkable streets in the study area"
        raise NetworkDataError(msg)
    with tempfile.TemporaryDirectory(prefix="tourplanner-baseline-") as tmp:
        xml_path = Path(tmp) / "walk.osm"
        write_osm_xml(document, xml_path)
        graph = ox.graph_from_xml(xml_path, bidirectional=True, simplify=False, retain_all=True)
    return _clip_and_simplify(graph, area, buffered)


def prepare_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Keep the largest strongly connected component of a walking graph."""
    if graph.number_of_edges() == 0:
        msg = "the study area has no walkable streets: check the sites or the OSM source"
        raise NetworkDataError(msg)
    return ox.truncate.largest_component(graph, strongly=True)


def build_graph(path: str | Path, area: Polygon | MultiPolygon) -> nx.MultiDiGraph:
    """Today's build: :func:`graph_from_osm_file` then :func:`prepare_graph`."""
    return prepare_graph(graph_from_osm_file(path, area))


# ---------------------------------------------------------------------------------------------
# the parts of tourplanner/routing.py at b8edcc4 that catchments used
# ---------------------------------------------------------------------------------------------

_EPS: Final = 1e-9
EdgeKey = tuple[int, int, int]


class _Access(Protocol):
    @property
    def site_id(self) -> str: ...
    @property
    def edge(self) -> EdgeKey: ...
    @property
    def offset_m(self) -> float: ...
    @property
    def edge_length_m(self) -> float: ...


class _Site(_Access, Protocol):
    @property
    def name(self) -> str: ...


class SnappingLike(Protocol):
    """What the old catchments read of a snapping (:class:`tourplanner.routing.Snapping`)."""

    @property
    def sites(self) -> Sequence[_Site]: ...
    @property
    def crs(self) -> str: ...
    @property
    def entries(self) -> Mapping[str, Sequence[_Access]]: ...


class OldNetwork:
    """The old ``WalkingNetwork``'s node order and CSR arrays (computed once, then kept)."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph

    @functools.cached_property
    def nodes(self) -> npt.NDArray[np.int64]:
        graph = self.graph
        return np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())

    @functools.cached_property
    def position(self) -> dict[int, int]:
        return {int(n): i for i, n in enumerate(self.nodes)}

    @functools.cached_property
    def coo(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        best: dict[tuple[int, int], tuple[float, int]] = {}
        for u, neighbours in self.graph.adjacency():
            for v, keyed in neighbours.items():
                key, data = min(keyed.items(), key=lambda item: float(item[1]["length"]))
                best[(u, v)] = (float(data["length"]), key)
        position = self.position
        rows = np.fromiter((position[u] for u, _ in best), dtype=np.int64, count=len(best))
        cols = np.fromiter((position[v] for _, v in best), dtype=np.int64, count=len(best))
        weights = np.fromiter((w for w, _ in best.values()), dtype=np.float64, count=len(best))
        return rows, cols, np.maximum(weights, _EPS)

    def warm(self) -> OldNetwork:
        """Compute the parts the old network kept (as a shared network had them by then)."""
        _ = self.coo
        return self


@functools.lru_cache(maxsize=16)
def _transformer(source: str | int, target: str | int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _reverse_edge(graph: nx.MultiDiGraph, edge: EdgeKey) -> EdgeKey | None:
    u, v, key = edge
    length = float(graph.edges[u, v, key]["length"])
    for reverse_key, data in (graph.get_edge_data(v, u) or {}).items():
        if math.isclose(float(data["length"]), length, rel_tol=1e-6, abs_tol=1e-6):
            return (v, u, int(reverse_key))
    return None


def _layout(
    snapping: SnappingLike, n_nodes: int
) -> tuple[list[_Access], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    access: list[_Access] = []
    for snapped in snapping.sites:
        entries = snapping.entries.get(snapped.site_id)
        access.append(entries[0] if entries else snapped)
    own: list[list[int]] = [[n_nodes + k] for k in range(len(access))]
    for k, snapped in enumerate(snapping.sites):
        for entry in snapping.entries.get(snapped.site_id, ())[1:]:
            own[k].append(n_nodes + len(access))
            access.append(entry)
    sources = np.empty(len(own), dtype=np.int64)
    targets = np.empty(len(own), dtype=np.int64)
    extra = n_nodes + len(access)
    for k, nodes in enumerate(own):
        if len(nodes) == 1:
            sources[k] = targets[k] = nodes[0]
        else:
            sources[k], targets[k] = extra, extra + 1
            extra += 2
    return access, sources, targets


def _augmented_csr(
    index: OldNetwork, snapping: SnappingLike
) -> tuple[csr_matrix, npt.NDArray[np.int64]]:
    graph = index.graph
    nodes, position = index.nodes, index.position
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []

    def add(a: int, b: int, w: float) -> None:
        rows.append(a)
        cols.append(b)
        weights.append(max(w, _EPS))

    n_nodes = len(nodes)
    access, sources, targets = _layout(snapping, n_nodes)
    by_edge: dict[EdgeKey, list[tuple[float, int]]] = {}
    for k, snapped in enumerate(access):
        s = n_nodes + k
        u, v, _ = snapped.edge
        forward = snapped.edge_length_m
        offset = snapped.offset_m
        add(position[u], s, offset)
        add(s, position[v], forward - offset)
        if _reverse_edge(graph, snapped.edge) is not None:
            add(position[v], s, forward - offset)
            add(s, position[u], offset)
        by_edge.setdefault(tuple(snapped.edge), []).append((offset, s))  # type: ignore[arg-type]
    for edge, members in by_edge.items():
        members.sort()
        two_way = _reverse_edge(graph, edge) is not None
        for (oa, sa), (ob, sb) in itertools.pairwise(members):
            add(sa, sb, ob - oa)
            if two_way:
                add(sb, sa, ob - oa)
    size = n_nodes + len(access)
    for k, (source, target) in enumerate(zip(sources, targets, strict=True)):
        if source == target:
            continue
        size = max(size, int(target) + 1)
        site_id = snapping.sites[k].site_id
        for a, point in enumerate(access):
            if point.site_id == site_id:
                add(int(source), n_nodes + a, 0.0)
                add(n_nodes + a, int(target), 0.0)
    base_rows, base_cols, base_weights = index.coo
    data = np.concatenate([base_weights, np.asarray(weights, dtype=np.float64)])
    r = np.concatenate([base_rows, np.asarray(rows, dtype=np.int64)])
    c = np.concatenate([base_cols, np.asarray(cols, dtype=np.int64)])
    order = np.lexsort((data, c, r))
    r, c, data = r[order], c[order], data[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    matrix = csr_matrix((data[first], (r[first], c[first])), shape=(size, size))
    return matrix, nodes


# ---------------------------------------------------------------------------------------------
# tourplanner/catchments.py at b8edcc4
# ---------------------------------------------------------------------------------------------

_DEFAULT_SPEED_KMH: Final = 4.5
EDGE_M: Final = 30.0
_TOLERANCE_M: Final = 1e-6


@dataclass(frozen=True, eq=False)
class _Streets:
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    length: npt.NDArray[np.float64]
    two_way: npt.NDArray[np.bool_]
    geometry: npt.NDArray[np.object_]
    row: dict[tuple[int, int, int], int]


def _streets(network: OldNetwork, crs: str) -> _Streets:
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


def _check_origins(snapping: SnappingLike, origins: Sequence[str]) -> list[int]:
    ids = [s.site_id for s in snapping.sites]
    positions: list[int] = []
    for site_id in origins:
        if site_id not in ids or site_id in origins[: len(positions)]:
            msg = f"origin {site_id!r} is unknown or repeated"
            raise TourError(msg)
        positions.append(ids.index(site_id))
    if not positions:
        msg = "no origins given for the catchments: give at least one site id"
        raise TourError(msg)
    return positions


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


def _catchment_polygons(
    streets: _Streets,
    distance: npt.NDArray[np.float64],
    origin: tuple[int, float],
    limits_m: list[float],
    *,
    buffer_m: float,
) -> list[BaseGeometry]:
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
        polygons.append(polygon)
        previous_whole = whole
    return polygons


def _edge_nodes(network: OldNetwork, crs: str, area: BaseGeometry | None) -> npt.NDArray[np.bool_]:
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


def _origin_on_street(
    streets: _Streets, edge: tuple[int, int, int], offset: float
) -> tuple[int, float]:
    if edge in streets.row:
        return streets.row[edge], offset
    u, v, _ = edge
    for (a, b, _key), row in streets.row.items():
        if (a, b) == (v, u):
            return row, float(streets.length[row]) - offset
    msg = f"edge {edge} is not in the graph: snap the sites on this graph"
    raise TourError(msg)


def catchments(
    network: OldNetwork,
    snapping: SnappingLike,
    origins: Sequence[str],
    minutes: Sequence[float] = (5, 10, 15),
    *,
    buffer_m: float = 25.0,
    area: BaseGeometry | None = None,
) -> gpd.GeoDataFrame:
    """Today's catchments: one bounded Dijkstra per origin, then the reached streets' bands."""
    positions = _check_origins(snapping, origins)
    limits = _check_minutes(minutes)
    speed = float(network.graph.graph.get("walking_speed_kmh", _DEFAULT_SPEED_KMH))
    limits_m = [m * 60.0 * speed / 3.6 for m in limits]
    matrix, nodes = _augmented_csr(network, snapping)
    streets = _streets(network, snapping.crs)
    n_nodes = len(nodes)
    at_edge = _edge_nodes(network, snapping.crs, area)
    records: list[dict[str, object]] = []
    geometries: list[BaseGeometry] = []
    for k in positions:
        site = snapping.sites[k]
        distance = np.asarray(
            dijkstra(matrix, directed=True, indices=n_nodes + k, limit=limits_m[-1]),
            dtype=np.float64,
        )[:n_nodes]
        edge = cast("tuple[int, int, int]", tuple(int(e) for e in site.edge))
        origin = _origin_on_street(streets, edge, site.offset_m)
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
