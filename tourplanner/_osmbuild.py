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
from collections.abc import Sequence
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

from tourplanner._osmfile import WayData
from tourplanner._text import xml_text
from tourplanner.network import NetworkData, _ranges

__all__ = ["network_from_ways"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
_NO_NODE: Final = -1


class _NothingInsideError(Exception):
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

    Raises :class:`_NothingInsideError` when no node is inside (osmnx's ValueError).
    """
    inside = np.zeros(len(present), dtype=bool)
    candidates = np.flatnonzero(present)
    inside[candidates] = shapely.intersects_xy(area, lon[candidates], lat[candidates])
    if not inside.any():
        raise _NothingInsideError
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
    """Return the largest strongly connected component networkx yields first (for ties)."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(ids[nodes].tolist())
    graph.add_edges_from(zip(ids[u[edges]].tolist(), ids[v[edges]].tolist(), strict=True))
    chosen = max(nx.strongly_connected_components(graph), key=len)
    return nodes & np.isin(ids, np.fromiter(chosen, dtype=np.int64, count=len(chosen)))


def _segment_positions(
    codes: IntArray, unique_codes: IntArray
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Where each code is among the sorted unique codes, and whether it is there."""
    where = np.searchsorted(unique_codes, codes)
    found = where < len(unique_codes)
    found[found] = unique_codes[where[found]] == codes[found]
    return np.minimum(where, max(len(unique_codes) - 1, 0)), found


def _walk_chains(
    endpoint: list[bool], ptr: list[int], nb: list[int], ids: IntArray
) -> tuple[list[int], list[int]]:
    """Osmnx's ``_build_path`` from every endpoint through every successor that is not one.

    Returns the chains' nodes, flat, and where each chain starts (plus the end).
    """
    flat: list[int] = []
    starts: list[int] = []
    for e, is_end in enumerate(endpoint):
        if not is_end:
            continue
        for s in nb[ptr[e] : ptr[e + 1]]:
            if endpoint[s]:
                continue
            path, seen = [e, s], {e, s}
            ahead = [x for x in nb[ptr[s] : ptr[s + 1]] if x not in seen]
            if ahead:
                current = ahead[0]
                path.append(current)
                seen.add(current)
                while not endpoint[current]:
                    ahead = [x for x in nb[ptr[current] : ptr[current + 1]] if x not in seen]
                    if len(ahead) == 1:
                        current = ahead[0]
                        path.append(current)
                        seen.add(current)
                    elif not ahead:
                        if e in nb[ptr[current] : ptr[current + 1]]:
                            path.append(e)  # a loop back to where it started
                        break
                    else:  # pragma: no cover - osmnx raises GraphSimplificationError
                        msg = f"impossible simplify pattern near node {ids[current]}"
                        raise ValueError(msg)
            starts.append(len(flat))
            flat.extend(path)
    starts.append(len(flat))
    return flat, starts


def network_from_ways(
    data: WayData,
    area: BaseGeometry,
    buffered: BaseGeometry,
    *,
    useful_tags_way: Sequence[str],
    useful_tags_node: Sequence[str] = ("highway", "junction", "railway", "ref"),
) -> NetworkData:
    """Build the prepared walking network from an extract's walkable ways.

    Parameters
    ----------
    data
        The ways and their nodes (:func:`tourplanner._osmfile.read_ways`).
    area
        The study area (WGS-84).
    buffered
        The area grown by osmnx's query buffer (the first clip).
    useful_tags_way, useful_tags_node
        The tags kept on edges and nodes (osmnx's ``settings``).

    Returns
    -------
    tourplanner.network.NetworkData
        The largest strongly connected component; no nodes if the clipping
        leaves none, no edges if no street is left.
    """
    ids, lon, lat = data.node_id, data.lon, data.lat
    n = len(ids)
    by_id = np.argsort(ids, kind="stable")
    sorted_ids = ids[by_id]
    ways = list({way[0]: way for way in data.ways}.values())  # a repeated id: the last, as osmnx
    tags_way = list(useful_tags_way)
    way_attrs: list[dict[str, Any]] = []
    for way_id, _, tags in ways:
        attrs: dict[str, Any] = {"osmid": way_id}
        attrs.update((t, xml_text(tags[t])) for t in tags_way if t in tags)
        attrs["oneway"] = False
        way_attrs.append(attrs)

    # 1. segments, in the order osmnx adds them: per way, forward then reverse
    counts = np.fromiter((len(way[1]) for way in ways), dtype=np.int64, count=len(ways))
    raw = np.fromiter(
        itertools.chain.from_iterable(way[1] for way in ways), dtype=np.int64, count=counts.sum()
    )
    owner = np.repeat(np.arange(len(ways), dtype=np.int64), counts)
    ref = by_id[np.searchsorted(sorted_ids, raw)]
    del raw, ways
    distinct = np.ones(len(ref), dtype=bool)  # consecutive repeats count once (groupby)
    distinct[1:] = (ref[1:] != ref[:-1]) | (owner[1:] != owner[:-1])
    ref, owner = ref[distinct], owner[distinct]
    joined = np.flatnonzero(owner[1:] == owner[:-1])
    fu, fv, fw = ref[joined], ref[joined + 1], owner[joined]
    del ref, owner, joined
    direction = np.repeat(np.array([False, True]), len(fu))
    seg_way = np.concatenate([fw, fw])
    order = np.lexsort((np.arange(2 * len(fu)), direction, seg_way))
    seg_u = np.concatenate([fu, fv])[order]
    seg_v = np.concatenate([fv, fu])[order]
    seg_way, seg_rev = seg_way[order], direction[order]
    del fu, fv, fw, order, direction
    seg_length = np.asarray(
        ox.distance.great_circle(lat[seg_u], lon[seg_u], lat[seg_v], lon[seg_v]), dtype=np.float64
    )
    seg_length[np.isnan(seg_length)] = 0.0

    # 2. clip to the area grown by the query buffer
    try:
        keep = _kept_nodes(np.ones(n, dtype=bool), lon, lat, seg_u, seg_v, area=buffered)
    except _NothingInsideError:
        return _empty()
    alive = keep[seg_u] & keep[seg_v]
    seg_u, seg_v, seg_way = seg_u[alive], seg_v[alive], seg_way[alive]
    seg_rev, seg_length = seg_rev[alive], seg_length[alive]
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
    pair_codes = sorted_pair[starts]  # sorted, each pair once
    pair_first = by_pair[starts]  # its first segment (key 0)
    pair_count = np.diff(np.flatnonzero(np.concatenate([starts, [True]])))
    del by_pair, sorted_pair, starts, group_start

    # 3. simplify: each node's successors in the order osmnx meets them
    endpoint = _endpoints(n, seg_u, seg_v) & keep  # dropped nodes are not in the graph
    first_segments = np.sort(pair_first)
    successor_of = seg_u[first_segments]
    by_node = np.argsort(successor_of, kind="stable")
    nb = seg_v[first_segments][by_node]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(successor_of, minlength=n))])
    del first_segments, successor_of, by_node
    flat_list, chain_list = _walk_chains(endpoint.tolist(), ptr.tolist(), nb.tolist(), ids)
    del nb, ptr
    flat = np.asarray(flat_list, dtype=np.int64)
    chain_ptr = np.asarray(chain_list, dtype=np.int64)
    del flat_list, chain_list
    n_chains = len(chain_ptr) - 1
    inner = np.ones(len(flat), dtype=bool)  # path[1:-1]
    inner[chain_ptr[:-1]] = False
    inner[chain_ptr[1:] - 1] = False
    removed = np.zeros(n, dtype=bool)
    removed[flat[inner]] = True
    nodes_alive = keep & ~removed
    raw_index = np.flatnonzero(nodes_alive[seg_u] & nodes_alive[seg_v])

    chain_u = flat[chain_ptr[:-1]]
    chain_v = flat[chain_ptr[1:] - 1]
    # the segments along each chain (the key-0 edge of each pair, as osmnx takes)
    step = np.ones(max(len(flat) - 1, 0), dtype=bool)
    step[chain_ptr[1:-1] - 1] = False  # not across two chains
    where, _ = _segment_positions(flat[:-1][step] * n + flat[1:][step], pair_codes)
    chain_segments = pair_first[where]
    segment_ptr = chain_ptr - np.arange(n_chains + 1)
    chain_length = (
        np.add.reduceat(seg_length[chain_segments], segment_ptr[:-1])
        if n_chains
        else np.empty(0, dtype=np.float64)
    )
    chain_code = chain_u * n + chain_v
    where, existing = _segment_positions(chain_code, pair_codes)
    by_code = np.lexsort((np.arange(n_chains), chain_code))
    code_starts = np.ones(n_chains, dtype=bool)
    code_starts[1:] = chain_code[by_code][1:] != chain_code[by_code][:-1]
    first_in_group = np.maximum.accumulate(np.where(code_starts, np.arange(n_chains), 0))
    rank_in_group = np.empty(n_chains, dtype=np.int64)
    rank_in_group[by_code] = np.arange(n_chains) - first_in_group
    group_first_chain = np.empty(n_chains, dtype=np.int64)
    group_first_chain[by_code] = by_code[first_in_group]
    chain_key = np.where(existing, pair_count[where], 0) + rank_in_group
    # adjacency order: a pair keeps the rank of its first segment; a new pair comes
    # after every segment, in the order its first chain was added
    chain_rank = np.where(existing, pair_first[where], n_seg + group_first_chain)
    raw_where, _ = _segment_positions(pair[raw_index], pair_codes)

    edge_u = np.concatenate([seg_u[raw_index], chain_u])
    edge_v = np.concatenate([seg_v[raw_index], chain_v])
    edge_key = np.concatenate([seg_key[raw_index], chain_key])
    edge_length = np.concatenate([seg_length[raw_index], chain_length])
    edge_rank = np.concatenate([pair_first[raw_where], chain_rank])
    # what each edge is made of: >= 0 a segment, < 0 the chain -1 - c
    source = np.concatenate([raw_index, -1 - np.arange(n_chains, dtype=np.int64)])
    del pair, raw_where, chain_code, where, existing

    # remove rings: weakly connected components with no endpoint
    present = nodes_alive[edge_u] & nodes_alive[edge_v]
    if present.any():
        su, sv = edge_u[present], edge_v[present]
        final_endpoint = _endpoints(n, su, sv)
        links = csr_matrix((np.ones(len(su)), (su, sv)), shape=(n, n))
        _, label = connected_components(links, directed=True, connection="weak")
        with_endpoint = np.zeros(label.max() + 1, dtype=bool)
        np.logical_or.at(with_endpoint, label, final_endpoint & nodes_alive)
        nodes_alive &= with_endpoint[label]

    # 4. clip to the area
    live_edges = nodes_alive[edge_u] & nodes_alive[edge_v]
    try:
        kept_nodes = _kept_nodes(
            nodes_alive, lon, lat, edge_u[live_edges], edge_v[live_edges], area=area
        )
    except _NothingInsideError:
        return _empty()
    live_edges &= kept_nodes[edge_u] & kept_nodes[edge_v]

    # networkx's order: nodes in the extract's order; edges by node, pair rank, key
    def ordered(edges: npt.NDArray[np.bool_]) -> IntArray:
        chosen = np.flatnonzero(edges)
        return chosen[np.lexsort((edge_key[chosen], edge_rank[chosen], edge_u[chosen]))]

    # 5. the largest strongly connected component (none without edges: no graph is left)
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
    picked = source[chosen]

    # geometry: the chain's nodes for a simplified edge, none for a plain segment
    is_chain = picked < 0
    chain_of = -1 - picked[is_chain]
    lengths = np.zeros(len(chosen), dtype=np.int64)
    lengths[is_chain] = chain_ptr[chain_of + 1] - chain_ptr[chain_of]
    along = flat[_ranges(chain_ptr[chain_of], chain_ptr[chain_of + 1])]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    coords = np.column_stack([lon[along], lat[along]]).astype(np.float64).reshape(-1, 2)

    # attributes, for the networkx graph only: keep just what they are made from
    part_ptr = segment_ptr
    chain_parts = chain_segments
    tags_node = list(useful_tags_node)
    node_tags = {
        int(p): {t: xml_text(found[t]) for t in tags_node if t in found}
        for p in node_pos.tolist()
        if (found := data.node_tags.get(int(ids[p]))) is not None
    }

    def attributes() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        def segment(s: int) -> dict[str, Any]:
            return {**way_attrs[int(seg_way[s])], "reversed": bool(seg_rev[s])}

        edges: list[dict[str, Any]] = []
        for s in picked.tolist():
            if s >= 0:
                edges.append(segment(s))
                continue
            values: dict[str, list[Any]] = {}
            c = -1 - s
            for part in chain_parts[part_ptr[c] : part_ptr[c + 1]].tolist():
                for name, value in segment(part).items():
                    values.setdefault(name, []).append(value)
            edges.append(
                {
                    name: found[0] if len(set(found)) == 1 else list(set(found))
                    for name, found in values.items()
                }
            )
        nodes = [node_tags.get(p, {}) for p in node_pos.tolist()]
        return nodes, edges

    eu, ev = edge_u[chosen], edge_v[chosen]
    return NetworkData(
        node_id=ids[node_pos],
        node_xy=np.column_stack([lon[node_pos], lat[node_pos]]).astype(np.float64).reshape(-1, 2),
        edge_uvk=np.column_stack([ids[eu], ids[ev], edge_key[chosen]])
        .astype(np.int64)
        .reshape(-1, 3),
        edge_length=edge_length[chosen],
        geom_offsets=offsets,
        geom_coords=coords,
        graph_attrs={
            "created_date": ox.utils.ts(),
            "created_with": f"OSMnx {version('osmnx')}",
            "crs": ox.settings.default_crs,
            "simplified": True,
        },
        attributes=attributes,
    )
