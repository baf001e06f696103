"""Tests of tourplanner.directions: constructed junctions, then real Helsinki legs."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, Polygon, box

from tourplanner.directions import (
    MIN_STEP_M,
    NamedArea,
    Stretch,
    bearing_name,
    leg_destinations,
    leg_directions,
    main_road_share,
    merge_stretches,
    modifier_for,
    narrate,
    round_distance,
    tour_directions,
)
from tourplanner.routing import Leg, leg_between

LAT0, LON0 = 60.17, 24.94
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_540.0


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Local metres (east, north) -> lon/lat near Helsinki."""
    return (LON0 + x / KX, LAT0 + y / KY)


class Town:
    """A constructed street graph: nodes at local metre positions, two-way ways."""

    def __init__(self, nodes: dict[str, tuple[float, float]]) -> None:
        self.graph = nx.MultiDiGraph()
        self.ids = {name: i for i, name in enumerate(nodes)}
        self.xy = nodes
        for name, (x, y) in nodes.items():
            lon, lat = lonlat(x, y)
            self.graph.add_node(self.ids[name], x=lon, y=lat)

    def way(self, a: str, b: str, via: list[tuple[float, float]] | None = None, **tags) -> None:
        points = [self.xy[a], *(via or []), self.xy[b]]
        length = sum(math.dist(p, q) for p, q in itertools.pairwise(points))
        line = LineString([lonlat(*p) for p in points])
        u, v = self.ids[a], self.ids[b]
        self.graph.add_edge(u, v, key=0, length=length, geometry=line, **tags)
        self.graph.add_edge(
            v, u, key=0, length=length, geometry=LineString(line.coords[::-1]), **tags
        )

    def leg(self, *names: str) -> Leg:
        coords: list[tuple[float, float]] = []
        edges = []
        for a, b in itertools.pairwise(names):
            u, v = self.ids[a], self.ids[b]
            data = self.graph.edges[u, v, 0]
            piece = list(data["geometry"].coords)
            coords += piece if not coords else piece[1:]
            edges.append((u, v, 0, float(data["length"])))
        total = sum(e[3] for e in edges)
        return Leg(names[0], names[-1], total, total / 1.25, LineString(coords), tuple(edges))


def kinds(steps) -> list[tuple[str, str | None]]:
    return [(s.maneuver, s.modifier) for s in steps]


def assert_sums(steps, leg: Leg) -> None:
    assert sum(s.distance_m for s in steps) == pytest.approx(leg.distance_m, abs=1e-6)


# --- the building blocks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("angle", "modifier"),
    [
        (0.0, "straight"),
        (19.9, "straight"),
        (-20.0, "straight"),
        (25.0, "slight right"),
        (-39.0, "slight left"),
        (45.0, "right"),
        (-90.0, "left"),
        (119.0, "right"),
        (135.0, "sharp right"),
        (-150.0, "sharp left"),
        (175.0, "uturn"),
        (-180.0, "uturn"),
        (270.0, "left"),  # bearings wrap around
        (-330.0, "slight right"),
    ],
)
def test_modifier_thresholds_follow_osrm(angle: float, modifier: str) -> None:
    assert modifier_for(angle) == modifier


@given(st.floats(-720.0, 720.0))
@settings(max_examples=60)
def test_modifier_is_symmetric_left_right(angle: float) -> None:
    right, left = modifier_for(angle), modifier_for(-angle)
    if right in {"straight", "uturn"}:
        assert left in {right, "straight", "uturn"}
    else:
        assert left == right.replace("right", "left") or right == left.replace("right", "left")


@pytest.mark.parametrize(
    ("metres", "text"),
    [(3.0, "10 m"), (83.0, "80 m"), (86.0, "90 m"), (194.0, "190 m"), (436.0, "450 m")]
    + [(960.0, "950 m"), (1260.0, "1.3 km"), (2049.0, "2.0 km")],
)
def test_distances_are_rounded_as_people_say_them(metres: float, text: str) -> None:
    assert round_distance(metres) == text


def test_bearing_names() -> None:
    assert [bearing_name(b) for b in (0, 44, 46, 90, 181, 270, 316, 359)] == [
        "north",
        "north-east",
        "north-east",
        "east",
        "south",
        "west",
        "north-west",
        "north",
    ]


def test_stretch_labels_name_unnamed_ways_by_what_they_are() -> None:
    park = NamedArea("Esplanadi", "park", box(0, 0, 1, 1), name_en="Esplanade Park")
    square = NamedArea("Senaatintori", "square", box(0, 0, 1, 1))
    assert Stretch("", None, "footway", 5.0).label() == "the footpath"
    assert Stretch("", None, "steps", 5.0).label() == "the steps"
    assert Stretch("", None, "footway", 5.0, footway="crossing").label() == "the crossing"
    assert Stretch("", None, "bridleway", 5.0).label() == "the bridleway"
    assert Stretch("", None, "weird_way", 5.0).label() == "the unnamed weird way"
    assert Stretch("", None, "path", 5.0, area=park).label() == "the path through Esplanade Park"
    assert Stretch("", None, "path", 5.0, area=park).label("local") == "the path through Esplanadi"
    assert Stretch("", None, "footway", 5.0, area=square).label() == (
        "the footpath across Senaatintori"
    )
    plaza = Stretch("Narinkka", None, "pedestrian", 5.0, pedestrian_area=True)
    assert plaza.label() == "across Narinkka"


def test_street_names_follow_the_map_language() -> None:
    street = Stretch("兴华北街", "Xinghua North Street", "primary", 7.0, name_zh="兴华北街")
    assert street.street("en") == "Xinghua North Street"
    assert street.label("en") == "Xinghua North Street (兴华北街)"  # as on the signs
    assert street.label("zh") == "兴华北街"
    assert street.label("local") == "兴华北街"
    finnish = Stretch("Postikatu", None, "residential", 7.0, name_zh="邮政街")
    assert finnish.label("en") == "Postikatu"  # no name:en: the local name
    assert finnish.label("zh") == "邮政街"


def test_merge_stretches_joins_one_way_and_drops_empty_pieces() -> None:
    merged = merge_stretches(
        [
            Stretch("Postikatu", None, "residential", 15.0),
            Stretch("Postikatu", None, "residential", 83.0),
            Stretch("", None, "footway", 0.0),
            Stretch("", None, "footway", 8.0),
            Stretch("", None, "footway", 2.0),
            Stretch("Postikatu", None, "residential", 4.0),
        ]
    )
    assert [(s.label(), s.distance_m) for s in merged] == [
        ("Postikatu", 98.0),
        ("the footpath", 10.0),
        ("Postikatu", 4.0),
    ]


# --- constructed junctions ----------------------------------------------------------------


@pytest.fixture
def crossroads() -> Town:
    """Alpha runs north A-B-D; Beta runs east from B to C; Gamma west from B to W."""
    town = Town({"A": (0, 0), "B": (0, 100), "C": (100, 100), "D": (0, 220), "W": (-80, 100)})
    town.way("A", "B", name="Alpha", highway="residential")
    town.way("B", "D", name="Alpha", highway="residential")
    town.way("B", "C", name="Beta", highway="residential")
    town.way("B", "W", name="Gamma", highway="residential")
    return town


def test_right_angle_turn(crossroads: Town) -> None:
    leg = crossroads.leg("A", "B", "C")
    steps = leg_directions(crossroads.graph, leg)
    assert kinds(steps) == [("depart", None), ("turn", "right"), ("arrive", "straight")]
    assert [s.street() for s in steps[:2]] == ["Alpha", "Beta"]
    assert [round(s.distance_m) for s in steps] == [100, 100, 0]
    assert steps[0].bearing_after == pytest.approx(0.0, abs=1.0)
    assert steps[1].bearing_before == pytest.approx(0.0, abs=1.0)
    assert steps[1].bearing_after == pytest.approx(90.0, abs=1.0)
    assert steps[1].location == pytest.approx(lonlat(0, 100), abs=1e-6)
    assert narrate(steps, destination="Beta Museum") == [
        "Head north on Alpha",
        "After 100 m, turn right onto Beta",
        "After 100 m, arrive at Beta Museum",
    ]
    assert_sums(steps, leg)


def test_t_junction_left_and_straight_on(crossroads: Town) -> None:
    left = leg_directions(crossroads.graph, crossroads.leg("A", "B", "W"))
    assert kinds(left)[1] == ("turn", "left")
    assert left[1].street() == "Gamma"
    # straight on along one street through the junction: one step
    straight = crossroads.leg("A", "B", "D")
    steps = leg_directions(crossroads.graph, straight)
    assert kinds(steps) == [("depart", None), ("arrive", "straight")]
    assert steps[0].distance_m == pytest.approx(220.0)
    # and the way back is the same, facing south
    back = leg_directions(crossroads.graph, crossroads.leg("D", "B", "A"))
    assert len(back) == 2 and bearing_name(back[0].bearing_after) == "south"


def test_arrival_side(crossroads: Town) -> None:
    leg = crossroads.leg("A", "B", "C")  # walking east at the end
    north_of_end = lonlat(100, 130)
    south_of_end = lonlat(100, 70)
    assert leg_directions(crossroads.graph, leg, destination=north_of_end)[-1].modifier == "left"
    assert leg_directions(crossroads.graph, leg, destination=south_of_end)[-1].modifier == "right"
    text = narrate(leg_directions(crossroads.graph, leg, destination=south_of_end), destination="X")
    assert text[-1] == "After 100 m, arrive at X, on the right"


def test_y_fork_is_a_slight_turn() -> None:
    # from B the two branches leave 30 degrees either side of straight on
    dx, dy = 100 * math.sin(math.radians(30)), 100 * math.cos(math.radians(30))
    town = Town({"A": (0, 0), "B": (0, 100), "L": (-dx, 100 + dy), "R": (dx, 100 + dy)})
    town.way("A", "B", name="Stem", highway="residential")
    town.way("B", "L", name="Left Fork", highway="residential")
    town.way("B", "R", name="Right Fork", highway="residential")
    left = leg_directions(town.graph, town.leg("A", "B", "L"))
    right = leg_directions(town.graph, town.leg("A", "B", "R"))
    assert kinds(left)[1] == ("turn", "slight left")
    assert kinds(right)[1] == ("turn", "slight right")
    assert narrate(right)[1] == "After 100 m, turn slight right onto Right Fork"


def test_zigzag_footpath_is_one_step() -> None:
    # an unnamed footpath zig-zagging up a slope: sharp bends inside one way, and
    # bends at nodes where nothing else joins: nothing to decide, so one step
    zig = [(20 * (i % 2), 15 * i) for i in range(1, 8)]
    town = Town({"A": (0, 0), "B": (0, 120), "C": (40, 150), "D": (0, 190)})
    town.way("A", "B", via=zig, highway="footway")
    town.way("B", "C", highway="footway")
    town.way("C", "D", highway="steps")
    leg = town.leg("A", "B", "C", "D")
    steps = leg_directions(town.graph, leg)
    assert kinds(steps) == [("depart", None), ("arrive", "straight")]
    assert steps[0].label() == "the footpath"
    assert [s.highway for s in steps[0].stretches] == ["footway", "footway", "steps"]
    assert_sums(steps, leg)


def test_a_turn_to_stay_on_a_street_at_a_junction() -> None:
    town = Town({"A": (0, 0), "B": (0, 100), "C": (100, 100), "D": (0, 200)})
    town.way("A", "B", name="Postikatu", highway="residential")
    town.way("B", "C", name="Postikatu", highway="residential")
    town.way("B", "D", name="Other", highway="residential")
    steps = leg_directions(town.graph, town.leg("A", "B", "C"))
    assert kinds(steps)[1] == ("continue", "right")
    assert narrate(steps)[1] == "After 100 m, turn right to stay on Postikatu"


def test_roundabout_is_one_step_with_its_exit() -> None:
    r = 20.0
    town = Town(
        {
            "S": (0, -100),
            "R1": (0, -r),
            "R2": (r, 0),
            "R3": (0, r),
            "R4": (-r, 0),
            "E": (100, 0),
            "N": (0, 100),
        }
    )
    ring = {"highway": "residential", "junction": "roundabout"}
    town.way("S", "R1", name="South Road", highway="residential")
    for a, b in (("R1", "R2"), ("R2", "R3"), ("R3", "R4"), ("R4", "R1")):
        mid = ((town.xy[a][0] + town.xy[b][0]) / 2, (town.xy[a][1] + town.xy[b][1]) / 2)
        norm = math.hypot(*mid)
        town.way(a, b, via=[(mid[0] / norm * r, mid[1] / norm * r)])  # on the circle
        town.graph.edges[town.ids[a], town.ids[b], 0].update(ring)
        town.graph.edges[town.ids[b], town.ids[a], 0].update(ring)
    town.way("R2", "E", name="East Road", highway="residential")
    town.way("R3", "N", name="North Road", highway="residential")
    leg = town.leg("S", "R1", "R2", "R3", "N")
    steps = leg_directions(town.graph, leg)
    assert kinds(steps) == [("depart", None), ("roundabout", "straight"), ("arrive", "straight")]
    assert steps[1].exit == 2
    assert steps[1].street() == "North Road"
    assert narrate(steps)[1] == "After 80 m, at the roundabout take the 2nd exit onto North Road"
    east = leg_directions(town.graph, town.leg("S", "R1", "R2", "E"))
    assert east[1].maneuver == "roundabout" and east[1].exit == 1
    assert east[1].modifier in {"right", "slight right"}
    assert_sums(steps, leg)


def test_u_turn_on_a_dead_end() -> None:
    town = Town({"A": (0, 0), "B": (0, 100), "C": (60, 100)})
    town.way("A", "B", name="Cul", highway="residential")
    town.way("B", "C", name="Side", highway="residential")
    leg = town.leg("C", "B", "A", "B")  # a site on the dead end, walked past and back
    steps = leg_directions(town.graph, leg)
    assert ("continue", "uturn") in kinds(steps)
    assert "turn back to stay on Cul" in " ".join(narrate(steps))
    assert_sums(steps, leg)


def test_a_footpath_in_a_named_park() -> None:
    town = Town({"A": (0, 0), "B": (0, 100), "C": (150, 100)})
    town.way("A", "B", name="Street", highway="residential")
    town.way("B", "C", highway="footway")
    park = NamedArea(
        "Esplanadi", "park", Polygon([lonlat(10, 80), lonlat(200, 80), lonlat(200, 120),
                                      lonlat(10, 120)])
    )  # fmt: skip
    steps = leg_directions(town.graph, town.leg("A", "B", "C"), areas=[park])
    assert narrate(steps)[1] == "After 100 m, turn right onto the footpath through Esplanadi"


def test_a_short_jog_across_a_street_is_merged() -> None:
    # walking north on a pavement, stepping 6 m east over a crossing, on north again
    town = Town({"A": (0, 0), "B": (0, 100), "C": (6, 100), "D": (6, 200), "X": (-50, 100)})
    town.way("A", "B", highway="footway", footway="sidewalk")
    town.way("B", "C", highway="footway", footway="crossing")
    town.way("C", "D", highway="footway", footway="sidewalk")
    town.way("B", "X", name="Cross Street", highway="residential")
    leg = town.leg("A", "B", "C", "D")
    steps = leg_directions(town.graph, leg)
    assert kinds(steps) == [("depart", None), ("arrive", "straight")]
    assert_sums(steps, leg)


# --- real Helsinki legs -------------------------------------------------------------------


@pytest.fixture(scope="module")
def legs(helsinki_graph, helsinki_snapping, helsinki_matrix):
    ids = helsinki_snapping.site_ids
    return [
        leg_between(helsinki_graph, helsinki_snapping, helsinki_matrix, a, b)
        for a, b in itertools.permutations(ids, 2)
    ]


@pytest.fixture(scope="module")
def all_steps(helsinki_graph, helsinki_sites, legs):
    ends = [tuple(helsinki_sites.loc[leg.to_id].geometry.coords[0]) for leg in legs]
    return tour_directions(helsinki_graph, legs, destinations=ends)


def test_every_helsinki_legs_steps_sum_to_its_length(legs, all_steps) -> None:
    assert len(legs) > 200
    for leg, steps in zip(legs, all_steps, strict=True):
        assert steps[0].maneuver == "depart" and steps[-1].maneuver == "arrive"
        assert sum(s.distance_m for s in steps) == pytest.approx(leg.distance_m, rel=1e-9)
        ways = [x for s in steps for x in s.stretches]
        assert len(ways) == len(leg.edges)  # every edge walked is in exactly one step


def test_no_short_step_unless_it_is_a_turn(all_steps) -> None:
    for steps in all_steps:
        for step in steps[:-1]:
            if step.distance_m < MIN_STEP_M:
                assert step.maneuver in {"turn", "continue", "roundabout"}, steps


def test_helsinki_directions_name_real_streets_and_turn(helsinki_graph, all_steps) -> None:
    names = {
        str(n)
        for *_, data in helsinki_graph.edges(keys=True, data=True)
        for n in (data.get("name") if isinstance(data.get("name"), list) else [data.get("name")])
        if n
    }
    streets = {s.street() for steps in all_steps for s in steps if s.street()}
    assert streets and streets <= names
    modifiers = {s.modifier for steps in all_steps for s in steps if s.maneuver == "turn"}
    assert {"left", "right"} <= modifiers
    # consecutive steps on one street are one step, unless a turn separates them
    for steps in all_steps:
        for a, b in itertools.pairwise(steps[:-1]):
            if a.way and b.way and a.way.identity == b.way.identity:
                assert b.maneuver == "continue" and b.modifier not in {"straight", None}


def test_a_straight_walk_along_one_helsinki_street_is_one_step(helsinki_graph) -> None:
    graph = helsinki_graph
    leg = _straight_named_walk(graph)
    steps = leg_directions(graph, leg)
    assert len(leg.edges) >= 3  # through at least two junctions
    assert kinds(steps) == [("depart", None), ("arrive", "straight")]
    assert steps[0].distance_m == pytest.approx(leg.distance_m)


def _straight_named_walk(graph: nx.MultiDiGraph) -> Leg:
    """The longest walk along one named street that goes straight through its junctions."""

    def line(u, v, k):
        data = graph.edges[u, v, k]
        geometry = data.get("geometry")
        start = (graph.nodes[u]["x"], graph.nodes[u]["y"])
        if geometry is None:
            return LineString([start, (graph.nodes[v]["x"], graph.nodes[v]["y"])])
        coords = list(geometry.coords)
        return LineString(coords if coords[0] == start else coords[::-1])

    def bearing(p, q):
        dx = (q[0] - p[0]) * KX
        dy = (q[1] - p[1]) * KY
        return math.degrees(math.atan2(dx, dy))

    best: list[tuple[int, int, int]] = []
    for u, v, k, data in graph.edges(keys=True, data=True):
        name = data.get("name")
        if not isinstance(name, str):
            continue
        chain = [(u, v, k)]
        while len(chain) < 12:
            a, b, c = chain[-1]
            out = list(line(a, b, c).coords)
            nxt = None
            for _, w, key, d2 in graph.out_edges(b, keys=True, data=True):
                if w == a or d2.get("name") != name or (b, w, key) in chain:
                    continue
                coords = list(line(b, w, key).coords)
                turn = bearing(coords[0], coords[1]) - bearing(out[-2], out[-1])
                if (
                    modifier_for(turn) == "straight"
                    and modifier_for(bearing(coords[0], coords[-1]) - bearing(out[0], out[-1]))
                    == "straight"
                ):
                    nxt = (b, w, key)
            if nxt is None:
                break
            chain.append(nxt)
        if len(chain) > len(best):
            best = chain
    coords: list[tuple[float, float]] = []
    edges = []
    for u, v, k in best:
        piece = list(line(u, v, k).coords)
        coords += piece if not coords else piece[1:]
        edges.append((u, v, k, float(graph.edges[u, v, k]["length"])))
    total = sum(e[3] for e in edges)
    return Leg("a", "b", total, total / 1.25, LineString(coords), tuple(edges))


def test_leg_destinations_follow_the_days(helsinki_graph, helsinki_sites) -> None:
    import datetime as dt

    from tourplanner.planner import plan_tour

    plan = plan_tour(
        helsinki_graph,
        helsinki_sites,
        stops=["ateneum", "kiasma", "helsinki_cathedral"],
        start_time=dt.datetime(2026, 6, 2, 10, 0),
    )
    ends = leg_destinations(plan.tour)
    assert [s.site_id for s in ends] == [leg.to_id for leg in plan.tour.legs]


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


@st.composite
def walks(draw):
    """A random walk through junctions: bends, names from a small set, side streets."""
    n = draw(st.integers(2, 9))
    heading = draw(st.floats(0, 360))
    x = y = 0.0
    nodes = {"n0": (0.0, 0.0)}
    ways = []
    for i in range(1, n + 1):
        heading += draw(st.sampled_from([0, 0, 10, -10, 30, -30, 60, -60, 90, -90, 150, -150]))
        length = draw(st.floats(3.0, 150.0))
        x += length * math.sin(math.radians(heading))
        y += length * math.cos(math.radians(heading))
        nodes[f"n{i}"] = (x, y)
        name = draw(st.sampled_from(["Postikatu", "Mikonkatu", "", ""]))
        highway = "residential" if name else draw(st.sampled_from(["footway", "steps", "path"]))
        ways.append((f"n{i - 1}", f"n{i}", name, highway))
    sides = draw(st.sets(st.integers(1, n - 1), max_size=n - 1)) if n > 1 else set()
    for i in sides:  # a side street at junction i gives the walker a choice there
        px, py = nodes[f"n{i}"]
        nodes[f"s{i}"] = (px + 40.0, py - 40.0)
        ways.append((f"n{i}", f"s{i}", "Side", "residential"))
    return nodes, ways, n


@given(walks())
@settings(max_examples=60, deadline=None)
def test_random_walks_keep_the_invariants(walk) -> None:
    nodes, ways, n = walk
    town = Town(nodes)
    for a, b, name, highway in ways:
        tags = {"highway": highway, **({"name": name} if name else {})}
        town.way(a, b, **tags)
    leg = town.leg(*[f"n{i}" for i in range(n + 1)])
    steps = leg_directions(town.graph, leg)
    assert steps[0].maneuver == "depart" and steps[-1].maneuver == "arrive"
    assert sum(s.distance_m for s in steps) == pytest.approx(leg.distance_m, rel=1e-9)
    # every way walked is in exactly one step, in walking order
    walked = [x.distance_m for s in steps for x in s.stretches]
    assert walked == pytest.approx([e[3] for e in leg.edges])
    for step in steps[1:-1]:
        assert step.maneuver in {"turn", "continue", "new name", "roundabout"}
        if step.distance_m < MIN_STEP_M:
            assert step.maneuver in {"turn", "continue", "roundabout"}
    assert len(narrate(steps)) == len(steps)


def test_a_turn_over_a_crossing_says_so() -> None:
    # turn right over a 12 m zebra crossing, then along the footpath on the other side
    town = Town({"A": (0, 0), "B": (0, 100), "C": (12, 100), "D": (12, 200), "E": (80, 100)})
    town.way("A", "B", name="Main Street", highway="secondary")
    town.way("B", "C", highway="footway", footway="crossing")
    town.way("C", "D", highway="footway")
    town.way("C", "E", highway="footway")
    steps = leg_directions(town.graph, town.leg("A", "B", "C", "E"))
    assert kinds(steps)[1] == ("turn", "right")
    assert steps[1].crosses and steps[1].label() == "the footpath"
    assert (
        narrate(steps)[1]
        == "After 100 m, turn right, cross the street and continue on the footpath"
    )
