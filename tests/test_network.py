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
