"""The prepared walking network: built once, owned by one object, equal to networkx."""

from __future__ import annotations

import datetime as dt
import weakref

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

import tourplanner as tp
from tourplanner import routing
from tourplanner.catchments import catchments, coverage


@pytest.fixture(scope="module")
def network(helsinki_graph) -> tp.WalkingNetwork:
    return tp.WalkingNetwork(helsinki_graph)


def test_no_hidden_global_cache() -> None:
    for value in vars(routing).values():
        assert not isinstance(value, weakref.WeakKeyDictionary | weakref.WeakValueDictionary)
    assert not hasattr(routing, "_graph_index")


def test_the_network_owns_the_graph_and_its_parts(network, helsinki_graph) -> None:
    assert network.graph is helsinki_graph
    assert tp.WalkingNetwork(helsinki_graph) is not network  # nothing shared behind the scenes
    assert routing.as_network(network) is network
    assert len(network.nodes) == helsinki_graph.number_of_nodes()
    assert network.crs.startswith("EPSG:326")  # the local UTM zone (north)
    assert len(network.edges_m) == helsinki_graph.number_of_edges()
    # derived once: the same objects on every use
    assert network.tree is network.tree and network.edges_m is network.edges_m
    assert network.adjacency is network.adjacency


def test_adjacency_distances_equal_networkx(network, helsinki_graph) -> None:
    pairs = {(u, v) for u, v in helsinki_graph.edges()}
    assert network.adjacency.nnz == len(pairs)
    for source in list(helsinki_graph.nodes)[:: max(1, len(network.nodes) // 5)][:5]:
        expected = nx.single_source_dijkstra_path_length(helsinki_graph, source, weight="length")
        got = dijkstra(network.adjacency, directed=True, indices=network.position[source])
        for node, metres in expected.items():
            assert got[network.position[node]] == pytest.approx(metres, rel=1e-9, abs=1e-6)
        unreached = np.isinf(got).sum()
        assert unreached == len(network.nodes) - len(expected)


def test_snapping_and_matrix_through_the_network_equal_the_graph_path(
    network, helsinki_graph, helsinki_sites, helsinki_snapping, helsinki_matrix
) -> None:
    snapping = tp.snap_sites(network, helsinki_sites)
    assert snapping.site_ids == helsinki_snapping.site_ids
    assert snapping.crs == helsinki_snapping.crs == network.crs
    for a, b in zip(snapping.sites, helsinki_snapping.sites, strict=True):
        assert (a.edge, a.offset_m, a.point) == (b.edge, b.offset_m, b.point)
    matrix = tp.walk_matrix(network, snapping)
    np.testing.assert_array_equal(matrix.distance_m, helsinki_matrix.distance_m)
    leg = routing.leg_between(network, snapping, matrix, "kiasma", "ateneum")
    old = routing.leg_between(
        helsinki_graph, helsinki_snapping, helsinki_matrix, "kiasma", "ateneum"
    )
    assert leg.edges == old.edges and leg.geometry.equals(old.geometry)


def test_catchments_coverage_and_plans_through_the_network(
    network, helsinki_graph, helsinki_sites, helsinki_snapping
) -> None:
    origins = ["station_rautatientori", "kiasma"]
    a = catchments(network, helsinki_snapping, origins, (5, 10))
    b = catchments(helsinki_graph, helsinki_snapping, origins, (5, 10))
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert all(x.equals(y) for x, y in zip(a.geometry, b.geometry, strict=True))
    assert coverage(helsinki_snapping, helsinki_sites, graph=network).equals(
        coverage(helsinki_snapping, helsinki_sites, graph=helsinki_graph)
    )
    start = dt.datetime(2026, 6, 2, 10, 0)
    stops = ["station_rautatientori", "kiasma", "ateneum"]
    p1 = tp.plan_tour(network, helsinki_sites, stops=stops, start_time=start)
    p2 = tp.plan_tour(helsinki_graph, helsinki_sites, stops=stops, start_time=start)
    assert [(s.site_id, s.arrival) for s in p1.tour.stops] == [
        (s.site_id, s.arrival) for s in p2.tour.stops
    ]
    assert p1.graph is helsinki_graph  # the plan keeps the networkx graph for osmnx users


# --- the arrays: what the cache stores, what the searches use ----------------------------------


@pytest.fixture(scope="module")
def cached(helsinki_pbf, helsinki_sites, tmp_path_factory) -> tuple[tp.WalkingNetwork, object]:
    """A network loaded from the cache (its graph not built yet), and the area."""
    folder = tmp_path_factory.mktemp("cache")
    area = tp.study_area(helsinki_sites)
    tp.load_network(area, osm_file=helsinki_pbf, cache_folder=folder)  # builds and caches
    return tp.load_network(area, osm_file=helsinki_pbf, cache_folder=folder), area


def test_no_hidden_global_cache_in_the_network_module() -> None:
    from tourplanner import network as module

    for name, value in vars(module).items():
        if name.startswith("__"):
            continue  # the module's own namespace
        assert not isinstance(value, weakref.WeakKeyDictionary | weakref.WeakValueDictionary | dict)
        assert not hasattr(value, "cache_info"), name  # no functools caches either


def test_a_cached_network_is_the_built_one(cached, helsinki_graph) -> None:
    network, area = cached
    fresh = tp.WalkingNetwork(helsinki_graph)
    assert network._graph is None  # loaded as arrays
    for name in ("node_id", "node_xy", "edge_uvk", "edge_length", "geom_offsets", "geom_coords"):
        np.testing.assert_array_equal(getattr(network.data, name), getattr(fresh.data, name))
    assert network.study_area.equals(area) and network.speed_kmh == fresh.speed_kmh
    graph = network.graph  # built from the arrays on first use
    assert list(graph.nodes(data=True)) == list(helsinki_graph.nodes(data=True))
    assert list(graph.edges(keys=True)) == list(helsinki_graph.edges(keys=True))
    for u, v, k, data in helsinki_graph.edges(keys=True, data=True):
        other = graph.edges[u, v, k]
        assert other.keys() == data.keys()
        assert other["travel_time"] == pytest.approx(data["travel_time"], rel=1e-12)
        if "geometry" in data:
            assert other["geometry"].equals_exact(data["geometry"], 0)
    assert graph.graph["study_area"] == helsinki_graph.graph["study_area"]


def test_planning_on_a_cached_network_never_builds_the_graph(
    helsinki_pbf, helsinki_sites, tmp_path
) -> None:
    area = tp.study_area(helsinki_sites)
    tp.load_network(area, osm_file=helsinki_pbf, cache_folder=tmp_path)
    network = tp.load_network(area, osm_file=helsinki_pbf, cache_folder=tmp_path)
    snapping = tp.snap_sites(network, helsinki_sites)
    matrix = tp.walk_matrix(network, snapping)
    routing.leg_between(network, snapping, matrix, "kiasma", "ateneum")
    coverage(snapping, helsinki_sites, graph=network)
    plan = tp.plan_tour(network, helsinki_sites, start_time=dt.datetime(2026, 6, 2, 10, 0))
    assert plan.tour.stops and network._graph is None
    assert plan.network is network and plan.graph is network.graph  # built when asked for


def test_reverse_twins_and_shortest_edges_equal_a_networkx_reading(network, helsinki_graph) -> None:
    edges = list(helsinki_graph.edges(keys=True, data="length"))
    for i, (u, v, k, length) in enumerate(edges):
        twins = [
            key
            for key, data in (helsinki_graph.get_edge_data(v, u) or {}).items()
            if abs(data["length"] - length) <= max(1e-6 * max(data["length"], length), 1e-6)
        ]
        twin = network.edge_reverse[i]
        if twins:
            assert tuple(network.edge_uvk[twin]) == (v, u, twins[0])
        else:
            assert twin == -1
        assert network.edge_position([(u, v, k)])[0] == i
    for u, v in {(u, v) for u, v, _, _ in edges}:
        key, _ = min(helsinki_graph[u][v].items(), key=lambda item: item[1]["length"])
        (best,) = network.shortest_edges(
            np.array([network.position[u]]), np.array([network.position[v]])
        )
        assert tuple(network.edge_uvk[best]) == (u, v, key)
    u0, v0 = edges[0][0], edges[0][1]
    for wrong in ((u0, v0, 99), (u0, v0, -1), (u0, v0, 2**62), (u0, u0 + 10**15, 0)):
        with pytest.raises(KeyError, match="not in the walking network"):
            network.edge_position([wrong])


def test_the_bounded_matrix_search_is_exact(network, helsinki_sites, monkeypatch) -> None:
    snapping = tp.snap_sites(network, helsinki_sites)
    exact = tp.walk_matrix(network, snapping)
    # a limit far too short: every row is cut, searched again, and comes out the same
    monkeypatch.setattr(routing, "_LIMIT_FACTOR", 0.0)
    monkeypatch.setattr(routing, "_LIMIT_SLACK_M", 50.0)
    assert (
        routing._search_limit(network, routing._layout(snapping, network.n_nodes), network.crs)
        == 50.0
    )
    again = tp.walk_matrix(network, snapping)
    np.testing.assert_array_equal(again.distance_m, exact.distance_m)
    # and the legs traced from it are the same walks
    leg = routing.leg_between(network, snapping, again, "kiasma", "ateneum")
    assert leg.edges == routing.leg_between(network, snapping, exact, "kiasma", "ateneum").edges


def test_damaged_cached_attributes_are_one_clear_error(cached, tmp_path) -> None:
    network, _ = cached
    from tourplanner._cache import read_network, write_network

    path = tmp_path / "walk.npz"
    write_network(network.data, path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["attributes"] = np.frombuffer(b'{"nodes": 1}', dtype=np.uint8)
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    damaged = tp.WalkingNetwork(read_network(path))  # the arrays are fine: it loads
    assert damaged.n_edges == network.n_edges
    with pytest.raises(tp.NetworkDataError, match=r"damaged .*walk\.npz.*delete that file"):
        _ = damaged.graph
