"""Snapping sites to the walking network, the walking matrix, and leg geometry.

Each site is snapped to the nearest point of the nearest street edge (not to
the nearest node), so that a site in the middle of a long block is reached from
both ends of its street. The distance matrix among all sites comes from one
multi-source Dijkstra run (:func:`scipy.sparse.csgraph.dijkstra`) on a sparse
matrix of the street graph, augmented with one virtual node per site that
splits its snapped edge.

An **area site** (a catalogue row with an ``area`` outline) is reached at its
entries, not at a point inside it: its mapped ``entrances`` (OpenStreetMap
``entrance=*`` and gate nodes), or where none is mapped (or none is near a
street), the points where walkable ways cross or meet its outline, or, as a
last resort, the street point nearest to the outline. Each entry is a virtual
node of its own; the site's row of the matrix starts from all of them and its
column ends at any of them, so the walk arrives at the nearest entry and
leaves from the one that suits the next leg (:attr:`Leg.from_entry`,
:attr:`Leg.to_entry`).

Examples
--------
>>> import pyrosm
>>> from tourplanner.graph import load_graph, study_area
>>> from tourplanner.sites import load_sites
>>> from tourplanner.demo import demo_sites_path
>>> sites = load_sites(demo_sites_path())
>>> G = load_graph(study_area(sites), osm_file=pyrosm.get_data("helsinki_pbf"), use_cache=False)
>>> snapping = snap_sites(G, sites)
>>> matrix = walk_matrix(G, snapping)
>>> bool((matrix.distance_m == matrix.distance_m.T).all())
True
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely import LineString, MultiPolygon, Point, Polygon
from shapely.ops import nearest_points, substring

from tourplanner.errors import TourError, UnreachableSiteError
from tourplanner.network import WalkingNetwork, as_network

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "Entry",
    "Leg",
    "OffNetworkSite",
    "SnappedSite",
    "Snapping",
    "WalkMatrix",
    "WalkingNetwork",
    "as_network",
    "leg_between",
    "snap_sites",
    "walk_matrix",
    "walks_to",
]

logger = logging.getLogger(__name__)

#: A site farther than this from any street is off the network.
DEFAULT_MAX_SNAP_M: Final = 300.0
_EPS: Final = 1e-9

EdgeKey = tuple[int, int, int]


@dataclass(frozen=True)
class SnappedSite:
    """A site placed on a street edge.

    Attributes
    ----------
    site_id, name
        The site.
    edge
        ``(u, v, key)`` of the nearest edge.
    offset_m
        Walking distance from ``u`` along the edge to the snapped point.
    edge_length_m
        The edge's ``length``.
    snap_distance_m
        Straight-line distance from the site to the snapped point.
    point
        The snapped point ``(lon, lat)``.
    """

    site_id: str
    name: str
    edge: EdgeKey
    offset_m: float
    edge_length_m: float
    snap_distance_m: float
    point: tuple[float, float]


_ENTRY_WORDS: Final = {
    "entrance": "the entrance",
    "crossing": "the way in",
    "nearest": "the street point nearest to it",
}


@dataclass(frozen=True)
class Entry:
    """A way into an area site, snapped to a street edge.

    Attributes
    ----------
    site_id
        The site.
    kind
        ``"entrance"`` (a mapped entrance or gate), ``"crossing"`` (a
        walkable way crosses or meets the outline there) or ``"nearest"``
        (no way reaches the outline: the street point nearest to it).
    name
        The entrance's name ("" if none).
    osm_id
        The entrance's OpenStreetMap node ("" if none).
    location
        The entrance or crossing itself, ``(lon, lat)``.
    edge, offset_m, edge_length_m, snap_distance_m, point
        As in :class:`SnappedSite`: where it lies on the network.
    """

    site_id: str
    kind: str
    name: str
    osm_id: str
    location: tuple[float, float]
    edge: EdgeKey
    offset_m: float
    edge_length_m: float
    snap_distance_m: float
    point: tuple[float, float]

    @property
    def label(self) -> str:
        """How directions name it: its name, else its kind and position."""
        if self.name:
            return self.name
        lon, lat = self.location
        return f"{_ENTRY_WORDS.get(self.kind, 'the way in')} at {lat:.5f}, {lon:.5f}"


@dataclass(frozen=True)
class OffNetworkSite:
    """A site farther than the threshold from every street."""

    site_id: str
    name: str
    distance_m: float


@dataclass(frozen=True)
class Snapping:
    """The result of :func:`snap_sites`.

    Attributes
    ----------
    sites
        The sites on the network, in catalogue order.
    off_network
        The sites too far from any street.
    crs
        The metric CRS (UTM) used for snapping and leg geometry.
    entries
        Site id -> the entries of an area site, nearest to its display point
        first (its :class:`SnappedSite` is the first entry). Point sites have
        none.
    """

    sites: tuple[SnappedSite, ...]
    off_network: tuple[OffNetworkSite, ...]
    crs: str
    entries: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)

    @property
    def site_ids(self) -> tuple[str, ...]:
        """Ids of the snapped sites, in order."""
        return tuple(s.site_id for s in self.sites)

    def index(self, site_id: str) -> int:
        """Return the position of ``site_id`` among the snapped sites."""
        for i, snapped in enumerate(self.sites):
            if snapped.site_id == site_id:
                return i
        off = {s.site_id: s for s in self.off_network}
        if site_id in off:
            msg = (
                f"site {site_id} ({off[site_id].name}) is {off[site_id].distance_m:.0f} m from "
                "the nearest street: it is off the walking network"
            )
            raise UnreachableSiteError(msg)
        msg = f"unknown site id {site_id!r}: use one of the catalogue's ids"
        raise TourError(msg)


@dataclass(frozen=True, eq=False)
class WalkMatrix:
    """Walking distances and times among the snapped sites.

    Attributes
    ----------
    site_ids
        Row/column labels.
    distance_m, duration_s
        ``(n, n)`` arrays; ``inf`` where a site cannot be reached.
    """

    site_ids: tuple[str, ...]
    distance_m: npt.NDArray[np.float64]
    duration_s: npt.NDArray[np.float64]
    _nodes: npt.NDArray[np.int64] = field(repr=False)
    _search: csr_matrix | None = field(default=None, repr=False)
    _layout: _Layout | None = field(default=None, repr=False)
    _paths: dict[int, npt.NDArray[np.int32]] = field(default_factory=dict, repr=False)

    def _predecessors(self, row: int) -> npt.NDArray[np.int32]:
        """Return the shortest-path tree from site ``row`` (searched on first use, then kept)."""
        if row not in self._paths:
            if self._search is None or self._layout is None:
                msg = "this walking matrix holds no street graph to trace legs on"
                raise TourError(msg)
            finite = self.distance_m[row][np.isfinite(self.distance_m[row])]
            reach = float(finite.max()) if len(finite) else 0.0
            _, tree = dijkstra(
                self._search,
                directed=True,
                indices=int(self._layout.sources[row]),
                return_predecessors=True,
                limit=reach * (1 + 1e-9) + 1e-6,
            )
            self._paths[row] = tree.astype(np.int32)
        return self._paths[row]

    def to_frame(self, values: Literal["distance_m", "duration_s"] = "duration_s") -> pd.DataFrame:
        """Return the matrix as a DataFrame labelled by site id.

        Parameters
        ----------
        values
            ``"duration_s"`` (walking seconds) or ``"distance_m"`` (metres).

        Returns
        -------
        pandas.DataFrame
            Rows ``from`` and columns ``to`` (site ids); ``inf`` where a site
            cannot be reached. A copy: changing it leaves the matrix alone.
        """
        if values not in ("distance_m", "duration_s"):
            msg = f"values {values!r} is neither 'distance_m' nor 'duration_s'"
            raise ValueError(msg)
        data = self.distance_m if values == "distance_m" else self.duration_s
        return pd.DataFrame(
            np.array(data, dtype=np.float64),
            index=pd.Index(self.site_ids, name="from", dtype=object),
            columns=pd.Index(self.site_ids, name="to", dtype=object),
        )


@dataclass(frozen=True)
class Leg:
    """The walk between two sites along the streets.

    Attributes
    ----------
    from_id, to_id
        Site ids.
    distance_m, duration_s
        Length and walking time.
    geometry
        The path in WGS-84 (lon, lat), from the first snapped point to the
        second, following the street geometry.
    edges
        ``(u, v, key, metres)`` for each street edge walked (partly or fully),
        in order.
    """

    from_id: str
    to_id: str
    distance_m: float
    duration_s: float
    geometry: LineString
    edges: tuple[tuple[int, int, int, float], ...]
    from_entry: Entry | None = None
    to_entry: Entry | None = None

    @property
    def enter_by(self) -> str:
        """``"enter by …"`` for a leg that ends at an area site's entry, else ``""``."""
        return f"enter by {self.to_entry.label}" if self.to_entry is not None else ""


@dataclass(frozen=True, eq=False)
class _Layout:
    """Where the sites sit in the augmented graph: access nodes, sources and targets."""

    access: tuple[SnappedSite | Entry, ...]  # virtual node n_nodes + a
    sources: npt.NDArray[np.int64]  # per site
    targets: npt.NDArray[np.int64]  # per site


@functools.lru_cache(maxsize=16)
def _transformer(source: str | int, target: str | int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def snap_sites(
    graph: WalkingNetwork | nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    *,
    max_distance_m: float = DEFAULT_MAX_SNAP_M,
) -> Snapping:
    """Snap each site to the nearest point on the nearest edge of ``graph``.

    Parameters
    ----------
    graph
        The walking network (or its graph, prepared anew: see :class:`WalkingNetwork`).
    sites
        A site catalogue indexed by id.
    max_distance_m
        Sites farther than this from every edge are reported as off the network.

    Returns
    -------
    Snapping
        The snapped sites and the off-network ones.

    Raises
    ------
    UnreachableSiteError
        If every site is off the network.
    """
    network = as_network(graph)
    crs, tree = network.crs, network.tree
    points = sites.to_crs(crs)
    point_array = points.geometry.to_numpy()
    names = [str(n) for n in sites["name"].tolist()]
    ids = [str(i) for i in sites.index]
    pairs, distances = tree.query_nearest(point_array, return_distance=True, all_matches=False)
    to_wgs = _transformer(crs, 4326)
    snapped: dict[str, SnappedSite] = {}
    off: dict[str, OffNetworkSite] = {}
    for site_pos, edge_pos, distance in zip(
        pairs[0].tolist(), pairs[1].tolist(), distances.tolist(), strict=True
    ):
        site_id, name = ids[site_pos], names[site_pos]
        if distance > max_distance_m:
            off[site_id] = OffNetworkSite(site_id, name, float(distance))
            continue
        entry = _on_edge(network, edge_pos, point_array[site_pos], to_wgs, site_id=site_id)
        snapped[site_id] = SnappedSite(
            site_id=site_id,
            name=name,
            edge=entry.edge,
            offset_m=entry.offset_m,
            edge_length_m=entry.edge_length_m,
            snap_distance_m=float(distance),
            point=entry.point,
        )
    entries: dict[str, tuple[Entry, ...]] = {}
    if "area" in sites.columns:
        to_m = _transformer(4326, crs)
        for site_pos, (site_id, area) in enumerate(sites["area"].items()):
            if not isinstance(area, Polygon | MultiPolygon):
                continue
            doors = sites["entrances"].iloc[site_pos] if "entrances" in sites.columns else ()
            found, distance = _area_entries(
                network,
                to_m,
                to_wgs,
                site_id=str(site_id),
                area=area,
                doors=doors if isinstance(doors, tuple | list) else (),
                display=point_array[site_pos],
                max_distance_m=max_distance_m,
            )
            name = names[site_pos]
            snapped.pop(str(site_id), None)
            off.pop(str(site_id), None)
            if not found:
                off[str(site_id)] = OffNetworkSite(str(site_id), name, distance)
                continue
            entries[str(site_id)] = found
            first = found[0]
            snapped[str(site_id)] = SnappedSite(
                str(site_id),
                name,
                first.edge,
                first.offset_m,
                first.edge_length_m,
                first.snap_distance_m,
                first.point,
            )
    order = [str(i) for i in sites.index]
    snapped_sites = [snapped[i] for i in order if i in snapped]
    off_sites = [off[i] for i in order if i in off]
    for site in off_sites:
        logger.info("Site %s (%s) is off the walking network", site.site_id, site.name)
    if not snapped_sites:
        listed = ", ".join(f"{s.site_id} ({s.name}, {s.distance_m:.0f} m)" for s in off_sites)
        msg = (
            f"every site is more than {max_distance_m:.0f} m from the walking network ({listed}): "
            "check the sites' coordinates and that the street network covers them"
        )
        raise UnreachableSiteError(msg)
    return Snapping(tuple(snapped_sites), tuple(off_sites), crs, entries)


def _on_edge(
    network: WalkingNetwork,
    edge_pos: int,
    point_m: Point,
    to_wgs: pyproj.Transformer,
    *,
    site_id: str,
    kind: str = "",
    name: str = "",
    osm_id: str = "",
    location: tuple[float, float] | None = None,
    snap_distance_m: float | None = None,
) -> Entry:
    """Place ``point_m`` (metric CRS) on edge ``edge_pos`` of the network."""
    u, v, key = network.edge_uvk[edge_pos].tolist()
    line = network.edge_geometry_m[edge_pos]
    fraction = float(line.project(point_m, normalized=True))
    on_line = line.interpolate(fraction, normalized=True)
    length = float(network.edge_length[edge_pos])
    lon, lat = to_wgs.transform(on_line.x, on_line.y)
    edge: EdgeKey = (int(u), int(v), int(key))
    # a two-way street is one edge in each direction: always snap to the same one, so
    # that sites on the same street see each other (see _augmented_csr)
    twin = int(network.edge_reverse[edge_pos])
    if twin >= 0 and int(network.edge_uvk[twin, 0]) < edge[0]:
        a, b, c = network.edge_uvk[twin].tolist()
        edge, fraction = (int(a), int(b), int(c)), 1.0 - fraction
    return Entry(
        site_id=site_id,
        kind=kind,
        name=name,
        osm_id=osm_id,
        location=location if location is not None else (float(lon), float(lat)),
        edge=edge,
        offset_m=fraction * length,
        edge_length_m=length,
        snap_distance_m=(
            float(point_m.distance(on_line)) if snap_distance_m is None else snap_distance_m
        ),
        point=(float(lon), float(lat)),
    )


def _area_entries(
    network: WalkingNetwork,
    to_m: pyproj.Transformer,
    to_wgs: pyproj.Transformer,
    *,
    site_id: str,
    area: Polygon | MultiPolygon,
    doors: tuple[Any, ...] | list[Any],
    display: Point,
    max_distance_m: float,
) -> tuple[tuple[Entry, ...], float]:
    """Return an area site's entries (nearest to ``display`` first) and its street distance.

    The distance is the outline's distance to the nearest street. Mapped entrances
    near a street win; else the crossings of walkable ways with the outline; else the
    street point nearest to the outline, if within ``max_distance_m``.
    """
    tree, lines = network.tree, network.edge_geometry_m
    area_m = shapely.transform(area, to_m.transform, interleaved=False)
    boundary = area_m.boundary
    found: list[Entry] = []
    for door in doors:
        point = Point(to_m.transform(door.lon, door.lat))
        (edge_pos,), (distance,) = tree.query_nearest(
            point, return_distance=True, all_matches=False
        )
        if distance <= max_distance_m:
            found.append(
                _on_edge(
                    network,
                    int(edge_pos),
                    point,
                    to_wgs,
                    site_id=site_id,
                    kind="entrance",
                    name=str(door.name),
                    osm_id=str(door.osm_id),
                    location=(float(door.lon), float(door.lat)),
                )
            )
    if not found:
        seen: set[tuple[EdgeKey, float]] = set()
        for edge_pos in sorted(int(k) for k in tree.query(boundary, predicate="intersects")):
            meet = lines[edge_pos].intersection(boundary)
            for part in shapely.get_parts(meet):
                ends = (
                    [part]
                    if part.geom_type == "Point"
                    else [Point(c) for c in part.boundary.geoms]
                    if not part.is_empty
                    else []
                )
                for point in ends:
                    lon, lat = to_wgs.transform(point.x, point.y)
                    entry = _on_edge(
                        network,
                        edge_pos,
                        point,
                        to_wgs,
                        site_id=site_id,
                        kind="crossing",
                        location=(float(lon), float(lat)),
                    )
                    mark = (entry.edge, round(entry.offset_m, 1))
                    if mark not in seen:
                        seen.add(mark)
                        found.append(entry)
    (edge_pos,), (distance,) = tree.query_nearest(boundary, return_distance=True, all_matches=False)
    if not found and distance <= max_distance_m:
        on_street, on_outline = nearest_points(lines[int(edge_pos)], boundary)
        lon, lat = to_wgs.transform(on_outline.x, on_outline.y)
        found.append(
            _on_edge(
                network,
                int(edge_pos),
                on_street,
                to_wgs,
                site_id=site_id,
                kind="nearest",
                location=(float(lon), float(lat)),
                snap_distance_m=float(distance),
            )
        )

    def from_display(entry: Entry) -> tuple[float, EdgeKey, float]:
        x, y = to_m.transform(*entry.point)
        return (float(display.distance(Point(x, y))), entry.edge, entry.offset_m)

    return tuple(sorted(found, key=from_display)), float(distance)


def _layout(snapping: Snapping, n_nodes: int) -> _Layout:
    """Return the access points (a site's point, or an area's entries) numbered after the nodes.

    A site with one access point starts and ends there; one with several gets a
    source node with an edge to each and a target node with an edge from each
    (both one-way, so no walk passes through them), numbered after the access points.
    """
    # site k's first access point is node n_nodes + k (catchments start there), the
    # other entries of area sites follow
    access: list[SnappedSite | Entry] = []
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
    return _Layout(tuple(access), sources, targets)


def _augmented_csr(
    graph: WalkingNetwork | nx.MultiDiGraph, snapping: Snapping
) -> tuple[csr_matrix, npt.NDArray[np.int64]]:
    """Build the sparse distance matrix of the graph plus the sites' virtual nodes.

    Site ``k``'s (first) access point is node ``len(nodes) + k``.
    """
    matrix, nodes, _ = _augmented(graph, snapping)
    return matrix, nodes


def _augmented(
    graph: WalkingNetwork | nx.MultiDiGraph, snapping: Snapping
) -> tuple[csr_matrix, npt.NDArray[np.int64], _Layout]:
    """Return :func:`_augmented_csr`'s matrix and nodes and where each site sits in it."""
    index = as_network(graph)
    nodes, position = index.nodes, index.position
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []

    def add(a: int, b: int, w: float) -> None:
        rows.append(a)
        cols.append(b)
        weights.append(max(w, _EPS))  # explicit zeros would be dropped as non-edges

    n_nodes = len(nodes)
    layout = _layout(snapping, n_nodes)
    by_edge: dict[EdgeKey, list[tuple[float, int]]] = {}
    for k, snapped in enumerate(layout.access):
        s = n_nodes + k
        u, v, _ = snapped.edge
        forward = snapped.edge_length_m
        offset = snapped.offset_m
        add(position[u], s, offset)
        add(s, position[v], forward - offset)
        if _reverse_edge(index, snapped.edge) is not None:
            add(position[v], s, forward - offset)
            add(s, position[u], offset)
        by_edge.setdefault(snapped.edge, []).append((offset, s))
    # sites on the same edge reach each other directly along it
    for edge, members in by_edge.items():
        members.sort()
        two_way = _reverse_edge(index, edge) is not None
        for (oa, sa), (ob, sb) in itertools.pairwise(members):
            add(sa, sb, ob - oa)
            if two_way:
                add(sb, sa, ob - oa)
    size = n_nodes + len(layout.access)
    for k, (source, target) in enumerate(zip(layout.sources, layout.targets, strict=True)):
        if source == target:
            continue
        size = max(size, int(target) + 1)
        site_id = snapping.sites[k].site_id
        for a, point in enumerate(layout.access):
            if point.site_id == site_id:
                add(int(source), n_nodes + a, 0.0)
                add(n_nodes + a, int(target), 0.0)
    # every added entry touches a site's node, so only they can repeat: keep the minimum
    # of repeated entries (csr_matrix would add them up); the streets' entries are unique
    extra_w = np.asarray(weights, dtype=np.float64)
    extra_r = np.asarray(rows, dtype=np.int64)
    extra_c = np.asarray(cols, dtype=np.int64)
    order = np.lexsort((extra_w, extra_c, extra_r))
    extra_r, extra_c, extra_w = extra_r[order], extra_c[order], extra_w[order]
    first = np.ones(len(extra_r), dtype=bool)
    first[1:] = (extra_r[1:] != extra_r[:-1]) | (extra_c[1:] != extra_c[:-1])
    data = np.concatenate([index.weights, extra_w[first]])
    r = np.concatenate([index.rows, extra_r[first]])
    c = np.concatenate([index.cols, extra_c[first]])
    matrix = csr_matrix((data, (r, c)), shape=(size, size))
    return matrix, nodes, layout


#: A walk between two sites is searched up to this many times their straight-line
#: spread (plus :data:`_LIMIT_SLACK_M`); a longer one is searched again without limit.
_LIMIT_FACTOR: Final = 3.0
_LIMIT_SLACK_M: Final = 2000.0


def _search_limit(network: WalkingNetwork, layout: _Layout, crs: str) -> float:
    """Return how far the searches among the sites go (metres; inf: everywhere).

    Three times the diagonal of the sites' bounding box plus 2 km holds every
    walk among them with a detour factor up to 3; sites close together in a big
    network are then searched only around them.
    """
    if not layout.access:
        return math.inf
    to_m = _transformer(4326, crs)
    lon, lat = np.asarray([a.point for a in layout.access], dtype=np.float64).T
    x, y = to_m.transform(lon, lat)
    spread = math.hypot(float(np.ptp(x)), float(np.ptp(y)))
    reach = _LIMIT_FACTOR * spread + _LIMIT_SLACK_M
    nodes = network.node_xy_m
    extent = math.hypot(*(np.ptp(nodes, axis=0).tolist())) if len(nodes) else 0.0
    return reach if reach < extent else math.inf


#: Sources searched per call: the search's (sources x nodes) distances stay small.
_SEARCH_CHUNK: Final = 16


def _searched(
    matrix: csr_matrix, sources: npt.NDArray[np.int64], targets: npt.NDArray[np.int64], limit: float
) -> npt.NDArray[np.float64]:
    """Return the metres from each source to each target, a few sources at a time."""
    distance = np.empty((len(sources), len(targets)), dtype=np.float64)
    for start in range(0, len(sources), _SEARCH_CHUNK):
        chunk = sources[start : start + _SEARCH_CHUNK]
        found = dijkstra(matrix, directed=True, indices=chunk, limit=limit)
        distance[start : start + len(chunk)] = found[:, targets]
    return distance


def _site_distances(matrix: csr_matrix, layout: _Layout, limit: float) -> npt.NDArray[np.float64]:
    """Return the walking metres among the sites: bounded searches, exact where cut."""
    distance = _searched(matrix, layout.sources, layout.targets, limit)
    if math.isfinite(limit):
        cut = np.flatnonzero(~np.isfinite(distance).all(axis=1))
        if len(cut):  # a walk longer than the limit, or none at all: search without limit
            distance[cut] = _searched(matrix, layout.sources[cut], layout.targets, math.inf)
    return distance


def walk_matrix(graph: WalkingNetwork | nx.MultiDiGraph, snapping: Snapping) -> WalkMatrix:
    """Compute walking distances and times among all snapped sites.

    One call of :func:`scipy.sparse.csgraph.dijkstra` with every site as a
    source, bounded by three times the sites' spread plus 2 km (rows that
    reach a site beyond it are searched again without bound, so the result is
    exact). The paths themselves are traced only for the legs asked for
    (:func:`leg_between`: one search bounded by the row's longest walk, kept
    by the matrix).

    Parameters
    ----------
    graph
        The walking network (or its graph: ``length`` on every edge, the
        walking speed in ``graph.graph["walking_speed_kmh"]``, set by ``load_graph``).
    snapping
        The sites snapped to ``graph``.

    Returns
    -------
    WalkMatrix
        Distances in metres and durations in seconds.
    """
    network = as_network(graph)
    matrix, nodes, layout = _augmented(network, snapping)
    distance = _site_distances(matrix, layout, _search_limit(network, layout, snapping.crs))
    np.fill_diagonal(distance, 0.0)
    speed = network.speed_kmh
    return WalkMatrix(
        site_ids=snapping.site_ids,
        distance_m=distance,
        duration_s=distance / (speed / 3.6),
        _nodes=nodes,
        _search=matrix,
        _layout=layout,
    )


def walks_to(
    graph: WalkingNetwork | nx.MultiDiGraph, snapping: Snapping, destinations: Sequence[str]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Compute the walk from every snapped site to each of a few destinations.

    One multi-source :func:`scipy.sparse.csgraph.dijkstra` from the
    destinations only, on the reversed graph: ``len(destinations)`` searches
    instead of one per site, and an ``(n, len(destinations))`` result instead
    of ``(n, n)``. The values equal the matching columns of
    :func:`walk_matrix`.

    Parameters
    ----------
    graph
        The walking graph the sites were snapped to.
    snapping
        The snapped sites.
    destinations
        Site ids among ``snapping.sites`` (e.g. the stations).

    Returns
    -------
    tuple of numpy.ndarray
        Distances in metres and durations in seconds, ``(n_sites,
        n_destinations)``, rows in ``snapping.site_ids`` order; ``inf`` where
        a destination cannot be reached.

    Raises
    ------
    TourError
        If a destination is not a snapped site.
    """
    columns = [snapping.index(site_id) for site_id in destinations]
    network = as_network(graph)
    matrix, _, layout = _augmented(network, snapping)
    reverse = matrix.transpose().tocsr()
    if columns:
        dist = dijkstra(reverse, directed=True, indices=layout.targets[columns])
        distance = np.asarray(dist[:, layout.sources].T, dtype=np.float64)
    else:
        distance = np.zeros((len(snapping.sites), 0), dtype=np.float64)
    for j, row in enumerate(columns):
        distance[row, j] = 0.0
    speed = network.speed_kmh
    return distance, distance / (speed / 3.6)


def leg_between(
    graph: WalkingNetwork | nx.MultiDiGraph,
    snapping: Snapping,
    matrix: WalkMatrix,
    from_id: str,
    to_id: str,
) -> Leg:
    """Return the walk from one site to another with its street geometry.

    Parameters
    ----------
    graph
        The network (or graph) the matrix was computed on.
    snapping
        The snapping the matrix was computed from.
    matrix
        The walking matrix.
    from_id, to_id
        Site ids.

    Returns
    -------
    Leg
        Distance, duration, geometry in WGS-84 and the edges walked.

    Raises
    ------
    UnreachableSiteError
        If ``to_id`` cannot be reached from ``from_id``.
    """
    i, j = snapping.index(from_id), snapping.index(to_id)
    distance = float(matrix.distance_m[i, j])
    if not math.isfinite(distance):
        msg = f"site {to_id} cannot be reached on foot from {from_id}: check the street network"
        raise UnreachableSiteError(msg)
    n_nodes = len(matrix._nodes)
    layout = matrix._layout or _layout(snapping, n_nodes)
    access = layout.access
    a = snapping.sites[i]
    if i == j:
        point = Point(a.point)
        return Leg(from_id, to_id, 0.0, 0.0, LineString([point, point]), ())
    source, target = int(layout.sources[i]), int(layout.targets[j])
    path = [target]
    row = matrix._predecessors(i)
    while path[-1] != source:
        path.append(int(row[path[-1]]))
    path.reverse()
    virtual_end = n_nodes + len(access)
    path = [p for p in path if p < virtual_end]  # drop the sources and targets of areas
    first, last = access[path[0] - n_nodes], access[path[-1] - n_nodes]
    from_entry = first if isinstance(first, Entry) else None
    to_entry = last if isinstance(last, Entry) else None

    to_wgs = _transformer(snapping.crs, 4326).transform
    network = as_network(graph)
    if network.crs != snapping.crs:  # pragma: no cover - a snapping belongs to its network
        msg = "the snapping was made on another walking network: snap the sites on this one"
        raise TourError(msg)
    lines = network.edge_geometry_m

    def node_of(index: int) -> int:
        return int(matrix._nodes[index])

    def edge_line(u: int, v: int, key: int) -> LineString:
        line: LineString = lines[network.edge_position([(u, v, key)])[0]]
        return line

    steps = np.asarray(list(itertools.pairwise(path)), dtype=np.int64).reshape(-1, 2)
    on_streets: npt.NDArray[np.bool_] = np.all(steps < n_nodes, axis=1)
    street_edges = iter(network.shortest_edges(steps[on_streets, 0], steps[on_streets, 1]).tolist())
    pieces: list[LineString] = []
    walked: list[tuple[int, int, int, float]] = []
    street_flags = [bool(x) for x in on_streets]
    for (p, q), on_street in zip(steps.tolist(), street_flags, strict=True):
        if on_street:
            e = next(street_edges)
            u, v, key = (int(x) for x in network.edge_uvk[e])
            pieces.append(lines[e])
            walked.append((u, v, key, float(network.edge_length[e])))
            continue
        # a piece of a snapped edge: express both ends as offsets along it
        site = access[(p if p >= n_nodes else q) - n_nodes]
        u, v, key = site.edge
        full = edge_line(u, v, key)
        total = site.edge_length_m

        def offset_of(index: int, edge: EdgeKey = site.edge, total: float = total) -> float:
            if index >= n_nodes:
                return access[index - n_nodes].offset_m
            return 0.0 if node_of(index) == edge[0] else total

        start_off, end_off = offset_of(p), offset_of(q)
        scale = full.length / total if total > 0 else 0.0
        piece = substring(full, start_off * scale, end_off * scale)
        if isinstance(piece, Point):
            piece = LineString([piece, piece])
        pieces.append(piece)
        forward = end_off >= start_off
        reverse = _reverse_edge(network, site.edge)
        walked.append(
            (u, v, key, abs(end_off - start_off))
            if forward or reverse is None
            else (*reverse, abs(end_off - start_off))
        )
    coords: list[tuple[float, float]] = []
    for piece in pieces:
        piece_coords = list(piece.coords)
        if coords and piece_coords and coords[-1] == piece_coords[0]:
            piece_coords = piece_coords[1:]
        coords.extend(piece_coords)
    if len(coords) < 2:
        coords = coords * 2 if coords else [first.point, last.point]
    geometry = shapely.transform(LineString(coords), to_wgs, interleaved=False)
    return Leg(
        from_id=from_id,
        to_id=to_id,
        distance_m=distance,
        duration_s=float(matrix.duration_s[i, j]),
        geometry=geometry,
        edges=_merge_walked(walked),
        from_entry=from_entry,
        to_entry=to_entry,
    )


def _merge_walked(
    walked: list[tuple[int, int, int, float]],
) -> tuple[tuple[int, int, int, float], ...]:
    """Drop empty pieces and join consecutive pieces of the same edge (split by a site)."""
    merged: list[tuple[int, int, int, float]] = []
    for u, v, key, metres in walked:
        if metres <= 0:
            continue
        if merged and merged[-1][:3] == (u, v, key):
            merged[-1] = (u, v, key, merged[-1][3] + metres)
        else:
            merged.append((u, v, key, metres))
    return tuple(merged)


def _reverse_edge(network: WalkingNetwork, edge: EdgeKey) -> EdgeKey | None:
    """Return the edge ``(v, u, key)`` that is ``edge`` walked backwards, if any."""
    twin = int(network.edge_reverse[network.edge_position([edge])[0]])
    if twin < 0:
        return None
    u, v, key = network.edge_uvk[twin].tolist()
    return (int(u), int(v), int(key))
