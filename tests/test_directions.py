"""Tests of tourplanner.directions on real Helsinki legs."""

from __future__ import annotations

import itertools

import pytest

from tourplanner.directions import _KIND_LABELS, Step, leg_directions, main_road_share, merge_steps
from tourplanner.routing import leg_between

KIND_LABELS = set(_KIND_LABELS.values())


@pytest.fixture(scope="module")
def legs(helsinki_graph, helsinki_snapping, helsinki_matrix):
    ids = helsinki_snapping.site_ids
    return [
        leg_between(helsinki_graph, helsinki_snapping, helsinki_matrix, a, b)
        for a, b in itertools.permutations(ids, 2)
    ]


def test_directions_sum_to_the_leg_distance(helsinki_graph, legs) -> None:
    for leg in legs:
        steps = leg_directions(helsinki_graph, leg)
        assert steps
        total = sum(step.distance_m for step in steps)
        assert total == pytest.approx(leg.distance_m, rel=0.01)


def test_consecutive_steps_are_different_streets(helsinki_graph, legs) -> None:
    for leg in legs:
        steps = leg_directions(helsinki_graph, leg)
        for a, b in itertools.pairwise(steps):
            assert (a.name, a.name_en, a.label) != (b.name, b.name_en, b.label)


def test_directions_name_real_streets(helsinki_graph, helsinki_snapping, helsinki_matrix) -> None:
    leg = leg_between(
        helsinki_graph, helsinki_snapping, helsinki_matrix, "ateneum", "helsinki_cathedral"
    )
    labels = [step.label for step in leg_directions(helsinki_graph, leg)]
    names = {
        str(n)
        for *_, data in helsinki_graph.edges(keys=True, data=True)
        for n in (data.get("name") if isinstance(data.get("name"), list) else [data.get("name")])
        if n
    }
    assert any(label in names for label in labels)
    # every named step is a name that occurs on the graph's edges
    for label in labels:
        base = label.split(" (")[0]
        assert base in names or base in KIND_LABELS or base.startswith("unnamed ")


def test_merge_and_labels() -> None:
    steps = merge_steps(
        [
            Step("Aleksanterinkatu", None, "secondary", 50.0),
            Step("Aleksanterinkatu", None, "secondary", 25.0),
            Step("", None, "footway", 10.0),
            Step("", None, "footway", 0.0),
            Step("", None, "footway", 5.0),
            Step("兴华北街", "Xinghua North Street", "primary", 7.0),
            Step("", None, "bridleway", 3.0),
        ]
    )
    assert [(s.label, s.distance_m) for s in steps] == [
        ("Aleksanterinkatu", 75.0),
        ("footway", 15.0),
        ("兴华北街 (Xinghua North Street)", 7.0),
        ("unnamed bridleway", 3.0),
    ]


def test_main_road_share_is_a_fraction_consistent_with_the_edges(helsinki_graph, legs) -> None:
    share = main_road_share(helsinki_graph, legs[:20])
    assert 0.0 <= share <= 1.0
    main = total = 0.0
    for leg in legs[:20]:
        for u, v, k, metres in leg.edges:
            highway = helsinki_graph.edges[u, v, k]["highway"]
            highway = highway[0] if isinstance(highway, list) else highway
            total += metres
            main += (
                metres
                if highway
                in {"primary", "secondary", "trunk", "primary_link", "secondary_link", "trunk_link"}
                else 0.0
            )
    assert share == pytest.approx(main / total)
    assert main_road_share(helsinki_graph, []) == 0.0
