"""Building the walking network from an extract's ways, as arrays (private).

The same steps as osmnx's ``graph_from_xml(..., bidirectional=True,
simplify=False, retain_all=True)`` followed by tourplanner's clipping and
preparation (:func:`tourplanner.graph.graph_from_osm_file` and
:func:`tourplanner.graph.prepare_graph`), done on NumPy arrays instead of a
networkx graph, so that a city's network builds in seconds and in a fraction
of the memory:

1. every way becomes its straight segments in both directions (a walking
   network is bidirectional), each with the great-circle length osmnx gives;
2. nodes outside the study area grown by 500 m are dropped unless a neighbour
   is inside (osmnx's ``truncate_graph_polygon(..., truncate_by_edge=True)``);
3. the topology is simplified by osmnx's rules: a node is an endpoint if it
   has a self-loop, no incoming or no outgoing edge, or not exactly two
   neighbours with degree 2 or 4; the chain of segments between two
   endpoints becomes one edge with the chain's geometry, summed length and
   the unique values of the segments' attributes; components that are a
   single ring with no endpoint are dropped;
4. nodes outside the study area are dropped the same way as in step 2;
5. the largest strongly connected component is kept.

The result, a :class:`tourplanner.network.NetworkData`, has the same nodes,
edges (keys included), lengths, geometries and attributes as the graph the
osmnx steps give (attribute lists of several values are unordered sets
there, as here); ``tests/test_osmbuild.py`` checks it against them. The
attributes are made only when the networkx graph is asked for.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from typing import Any, Final

import networkx as nx
import numpy as np
import numpy.typing as npt
import osmnx as ox
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from tourplanner._text import xml_text
from tourplanner.network import NetworkData

__all__ = ["network_from_ways"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
_NO_NODE: Final = -1


class _NothingInside(Exception):
    """No node of the graph lies inside the clipping area."""


def _kept_nodes(
    present: npt.NDArray[np.bool_],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    u: IntArray,
    v: IntArray,
    *,
    area: BaseGeometry,
) -> npt.NDArray[np.bool_]:
    """Nodes inside ``area``, or with a neighbour inside (``truncate_by_edge=True``).

    Raises :class:`_NothingInside` when no node is inside (osmnx's ValueError).
    """
    inside = np.zeros(len(present), dtype=bool)
    candidates = np.flatnonzero(present)
    inside[candidates] = shapely.intersects_xy(area, lon[candidates], lat[candidates])
    if not inside.any():
        raise _NothingInside
    near = inside.copy()
    near[u[inside[v]]] = True  # a predecessor of an inside node
    near[v[inside[u]]] = True  # a successor of an inside node
    return present & near


def _endpoints(n_nodes: int, u: IntArray, v: IntArray) -> npt.NDArray[np.bool_]:
    """Osmnx's ``_is_endpoint`` (rules 1-3) for every node of the graph ``u -> v``."""
    out_degree = np.bincount(u, minlength=n_nodes)
    in_degree = np.bincount(v, minlength=n_nodes)
    self_loop = np.zeros(n_nodes, dtype=bool)
    self_loop[u[u == v]] = True
    a, b = np.concatenate([u, v]), np.concatenate([v, u])
    pairs = np.unique(a * n_nodes + b)  # each (node, neighbour) once
    neighbours = np.bincount(pairs // n_nodes, minlength=n_nodes)
    degree = in_degree + out_degree
    through = (neighbours == 2) & ((degree == 2) | (degree == 4))
    ends = self_loop | (out_degree == 0) | (in_degree == 0) | ~through
    return np.asarray(ends, dtype=np.bool_)


def _empty() -> NetworkData:
    """No graph at all (every node clipped away)."""
    return NetworkData(
        node_id=np.empty(0, dtype=np.int64),
        node_xy=np.empty((0, 2), dtype=np.float64),
        edge_uvk=np.empty((0, 3), dtype=np.int64),
        edge_length=np.empty(0, dtype=np.float64),
        geom_offsets=np.zeros(1, dtype=np.int64),
        geom_coords=np.empty((0, 2), dtype=np.float64),
        graph_attrs={"crs": ox.settings.default_crs},
        attributes=lambda: ([], []),
    )


def _first_largest(
    ids: IntArray,
    nodes: npt.NDArray[np.bool_],
    u: IntArray,
    v: IntArray,
    edges: IntArray,
) -> npt.NDArray[np.bool_]:
    """The largest strongly connected component networkx yields first (for ties)."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(ids[nodes].tolist())
    graph.add_edges_from(zip(ids[u[edges]].tolist(), ids[v[edges]].tolist(), strict=True))
    chosen = max(nx.strongly_connected_components(graph), key=len)
    return nodes & np.isin(ids, np.fromiter(chosen, dtype=np.int64, count=len(chosen)))


def network_from_ways(
    document: Mapping[str, Any],
    area: BaseGeometry,
    buffered: BaseGeometry,
    *,
    useful_tags_way: Sequence[str],
    useful_tags_node: Sequence[str] = ("highway", "junction", "railway", "ref"),
) -> NetworkData:
    """Build the prepared walking network from an Overpass-style document of ways.

    Parameters
    ----------
    document
        ``{"elements": [...]}``: nodes (``id``, ``lat``, ``lon``, ``tags``)
        and ways (``id``, ``nodes``, ``tags``), as
        :func:`tourplanner._osmfile.extract_ways` returns.
    area
        The study area (WGS-84).
    buffered
        The area grown by osmnx's query buffer (the first clip).
    useful_tags_way, useful_tags_node
        The tags kept on edges and nodes (osmnx's ``settings``).

    Returns
    -------
    tourplanner.network.NetworkData
        The largest strongly connected component; empty if nothing is left.
    """
    elements = document["elements"]
    node_elements = [e for e in elements if e["type"] == "node"]
    way_elements = {e["id"]: e for e in elements if e["type"] == "way"}  # last wins, as osmnx
    ids = np.array([e["id"] for e in node_elements], dtype=np.int64)
    lon = np.array([e["lon"] for e in node_elements], dtype=np.float64)
    lat = np.array([e["lat"] for e in node_elements], dtype=np.float64)
    position = dict(zip(ids.tolist(), range(len(ids)), strict=True))
    n = len(ids)

    # 1. segments, in the order osmnx adds them: per way, forward then reverse
    ways = list(way_elements.values())
    refs: list[int] = []
    way_of: list[int] = []
    for w, way in enumerate(ways):
        nodes = [k for k, _ in itertools.groupby(way["nodes"])]
        refs.extend(position[r] for r in nodes)
        way_of.extend([w] * len(nodes))
    ref = np.asarray(refs, dtype=np.int64)
    owner = np.asarray(way_of, dtype=np.int64)
    joined = np.flatnonzero(owner[1:] == owner[:-1]) if len(owner) else np.array([], dtype=np.int64)
    fu, fv, fw = ref[joined], ref[joined + 1], owner[joined]
    # per way: its forward segments, then the same segments reversed
    direction = np.concatenate(
        [np.zeros(len(fu), dtype=np.int64), np.ones(len(fu), dtype=np.int64)]
    )
    seg_way = np.concatenate([fw, fw])
    order = np.lexsort((np.arange(2 * len(fu)), direction, seg_way))
    seg_u = np.concatenate([fu, fv])[order]
    seg_v = np.concatenate([fv, fu])[order]
    seg_way, seg_rev = seg_way[order], direction[order].astype(bool)
    seg_length = np.asarray(
        ox.distance.great_circle(lat[seg_u], lon[seg_u], lat[seg_v], lon[seg_v]), dtype=np.float64
    )
    seg_length[np.isnan(seg_length)] = 0.0

    # 2. clip to the buffered area
    present = np.ones(n, dtype=bool)
    try:
        keep = _kept_nodes(present, lon, lat, seg_u, seg_v, area=buffered)
    except _NothingInside:
        return _empty()
    alive = keep[seg_u] & keep[seg_v]
    seg_u, seg_v, seg_way, seg_rev, seg_length = (
        seg_u[alive],
        seg_v[alive],
        seg_way[alive],
        seg_rev[alive],
        seg_length[alive],
    )
    n_seg = len(seg_u)
    pair = seg_u * n + seg_v
    # keys: the k-th segment of a pair (in insertion order) has key k
    by_pair = np.lexsort((np.arange(n_seg), pair))
    sorted_pair = pair[by_pair]
    starts = np.ones(n_seg, dtype=bool)
    starts[1:] = sorted_pair[1:] != sorted_pair[:-1]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(n_seg), 0))
    seg_key = np.empty(n_seg, dtype=np.int64)
    seg_key[by_pair] = np.arange(n_seg) - group_start
    first_of_pair = dict(zip(sorted_pair[starts].tolist(), by_pair[starts].tolist(), strict=True))
    pair_count = dict(
        zip(
            sorted_pair[starts].tolist(),
            np.diff(np.flatnonzero(np.r_[starts, True])).tolist(),
            strict=True,
        )
    )

    # 3. simplify
    endpoint = _endpoints(n, seg_u, seg_v)
    endpoint &= keep  # dropped nodes are not in the graph
    neighbours: dict[int, list[int]] = {}
    # each node's successors in the order osmnx meets them (first insertion of the pair)
    for s in np.sort(by_pair[starts]).tolist():
        neighbours.setdefault(int(seg_u[s]), []).append(int(seg_v[s]))
    chains: list[list[int]] = []
    warned = 0
    for e in np.flatnonzero(endpoint).tolist():
        for s in neighbours.get(e, ()):
            if endpoint[s]:
                continue
            path, seen = [e, s], {e, s}
            nxt = next((x for x in neighbours.get(s, ()) if x not in seen), None)
            if nxt is not None:
                path.append(nxt)
                seen.add(nxt)
                current = nxt
                while not endpoint[current]:
                    ahead = [x for x in neighbours.get(current, ()) if x not in seen]
                    if len(ahead) == 1:
                        current = ahead[0]
                        path.append(current)
                        seen.add(current)
                    elif not ahead:
                        if e in neighbours.get(current, ()):
                            path.append(e)
                        else:
                            warned += 1
                        break
                    else:  # pragma: no cover - osmnx raises GraphSimplificationError
                        msg = f"impossible simplify pattern near node {ids[current]}"
                        raise ValueError(msg)
            chains.append(path)
    if warned:
        logger.debug("%d chains ended at a node that is not an endpoint", warned)
    removed = np.zeros(n, dtype=bool)
    for path in chains:
        removed[path[1:-1]] = True
    nodes_alive = keep & ~removed
    raw = nodes_alive[seg_u] & nodes_alive[seg_v]

    # the simplified graph's edges: surviving segments, then one edge per chain
    chain_u = np.array([p[0] for p in chains], dtype=np.int64)
    chain_v = np.array([p[-1] for p in chains], dtype=np.int64)
    chain_key = np.empty(len(chains), dtype=np.int64)
    added: dict[int, int] = {}
    for c, (a, b) in enumerate(zip(chain_u.tolist(), chain_v.tolist(), strict=True)):
        code = a * n + b
        chain_key[c] = pair_count.get(code, 0) + added.get(code, 0)
        added[code] = added.get(code, 0) + 1
    chain_segments: list[list[int]] = [
        [first_of_pair[a * n + b] for a, b in itertools.pairwise(p)] for p in chains
    ]
    chain_length = np.array(
        [float(seg_length[s].sum()) for s in chain_segments], dtype=np.float64
    ).reshape(-1)
    raw_index = np.flatnonzero(raw)
    edge_u = np.concatenate([seg_u[raw_index], chain_u])
    edge_v = np.concatenate([seg_v[raw_index], chain_v])
    edge_key = np.concatenate([seg_key[raw_index], chain_key])
    edge_length = np.concatenate([seg_length[raw_index], chain_length])
    # adjacency order: a pair keeps the rank of its first segment; new pairs follow
    # in the order their chains were added (per node, its successors' order)
    rank_of_pair = dict(first_of_pair)
    chain_rank = np.empty(len(chains), dtype=np.int64)
    for c, (a, b) in enumerate(zip(chain_u.tolist(), chain_v.tolist(), strict=True)):
        chain_rank[c] = rank_of_pair.setdefault(a * n + b, n_seg + c)
    edge_rank = np.concatenate(
        [
            np.array([rank_of_pair[int(c)] for c in pair[raw_index].tolist()], dtype=np.int64),
            chain_rank,
        ]
    )
    # what each edge is made of (for its attributes): >= 0 a segment, < 0 chain -1 - c
    source = np.concatenate([raw_index, -1 - np.arange(len(chains), dtype=np.int64)])

    # remove rings: components (weakly connected) with no endpoint
    present_edges = nodes_alive[edge_u] & nodes_alive[edge_v]
    if present_edges.any():
        su, sv = edge_u[present_edges], edge_v[present_edges]
        final_endpoint = _endpoints(n, su, sv)
        links = csr_matrix((np.ones(len(su)), (su, sv)), shape=(n, n))
        _, label = connected_components(links, directed=True, connection="weak")
        with_endpoint = np.zeros(label.max() + 1, dtype=bool)
        np.logical_or.at(with_endpoint, label, final_endpoint & nodes_alive)
        nodes_alive &= with_endpoint[label]

    # 4. clip to the area
    live_edges = nodes_alive[edge_u] & nodes_alive[edge_v]
    try:
        keep2 = _kept_nodes(
            nodes_alive, lon, lat, edge_u[live_edges], edge_v[live_edges], area=area
        )
    except _NothingInside:
        return _empty()
    live_edges &= keep2[edge_u] & keep2[edge_v]

    # order as networkx iterates: nodes in document order; edges by node, pair rank, key
    def ordered(edges: npt.NDArray[np.bool_]) -> IntArray:
        chosen = np.flatnonzero(edges)
        return chosen[np.lexsort((edge_key[chosen], edge_rank[chosen], edge_u[chosen]))]

    # 5. the largest strongly connected component (none without edges: no graph is left)
    kept_nodes = keep2
    if live_edges.any():
        links = csr_matrix(
            (np.ones(int(live_edges.sum())), (edge_u[live_edges], edge_v[live_edges])), shape=(n, n)
        )
        _, label = connected_components(links, directed=True, connection="strong")
        sizes = np.bincount(label[kept_nodes], minlength=label.max() + 1)
        largest = np.flatnonzero(sizes == sizes.max())
        if len(largest) == 1:
            kept_nodes = kept_nodes & (label == int(largest[0]))
        else:  # a tie: the component networkx meets first, as osmnx takes it
            kept_nodes = _first_largest(ids, kept_nodes, edge_u, edge_v, ordered(live_edges))
        live_edges &= kept_nodes[edge_u] & kept_nodes[edge_v]
    chosen = ordered(live_edges)
    node_pos = np.flatnonzero(kept_nodes)
    new_position = np.full(n, _NO_NODE, dtype=np.int64)
    new_position[node_pos] = np.arange(len(node_pos))

    eu, ev = edge_u[chosen], edge_v[chosen]
    counts = np.zeros(len(chosen), dtype=np.int64)
    coords: list[npt.NDArray[np.float64]] = []
    for i, s in enumerate(source[chosen].tolist()):
        if s < 0:
            path = chains[-1 - s]
            coords.append(np.column_stack([lon[path], lat[path]]))
            counts[i] = len(path)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    geom_coords = np.concatenate(coords) if coords else np.empty((0, 2), dtype=np.float64)
    picked_sources = source[chosen]

    def attributes() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        tags_way = list(useful_tags_way)
        way_attrs: list[dict[str, Any]] = []
        for way in ways:
            attrs: dict[str, Any] = {"osmid": way["id"]}
            tags = way.get("tags", {})
            for tag in tags_way:
                if tag in tags:
                    attrs[tag] = xml_text(tags[tag])
            attrs["oneway"] = False
            way_attrs.append(attrs)

        def segment(s: int) -> dict[str, Any]:
            return {**way_attrs[int(seg_way[s])], "reversed": bool(seg_rev[s])}

        edges: list[dict[str, Any]] = []
        for s in picked_sources.tolist():
            if s >= 0:
                edges.append(segment(s))
                continue
            values: dict[str, list[Any]] = {}
            for part in chain_segments[-1 - s]:
                for name, value in segment(part).items():
                    values.setdefault(name, []).append(value)
            edges.append(
                {
                    name: found[0] if len(set(found)) == 1 else list(set(found))
                    for name, found in values.items()
                }
            )
        tags_node = list(useful_tags_node)
        nodes: list[dict[str, Any]] = []
        for p in node_pos.tolist():
            tags = node_elements[p].get("tags", {})
            nodes.append({t: xml_text(tags[t]) for t in tags_node if t in tags})
        return nodes, edges

    return NetworkData(
        node_id=ids[node_pos],
        node_xy=np.column_stack([lon[node_pos], lat[node_pos]]).astype(np.float64).reshape(-1, 2),
        edge_uvk=np.column_stack([ids[eu], ids[ev], edge_key[chosen]])
        .astype(np.int64)
        .reshape(-1, 3),
        edge_length=edge_length[chosen],
        geom_offsets=offsets,
        geom_coords=np.asarray(geom_coords, dtype=np.float64).reshape(-1, 2),
        graph_attrs={
            "created_date": ox.utils.ts(),
            "created_with": f"OSMnx {version('osmnx')}",
            "crs": ox.settings.default_crs,
            "simplified": True,
        },
        attributes=attributes,
    )
