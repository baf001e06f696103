"""Tests of tourplanner.offline and the tile handling of tourplanner.maps.

Offline pages are checked by structure (no external reference, inlined Leaflet and
jQuery, data-URI images, a size budget) and the street layer by its invariants on the
real Helsinki graph. The GCJ-02 shift is checked on the rendered HTML: every geometry
is shifted exactly when the tiles are Chinese, and left exactly as is otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re

import numpy as np
import pytest
import shapely
from shapely import affinity, box
from shapely.geometry import LineString

from tourplanner.datum import wgs84_to_gcj02
from tourplanner.errors import OutputError
from tourplanner.maps import _colocated, resolve_tiles, tour_map, write_map
from tourplanner.offline import external_references, street_lines
from tourplanner.planner import plan_tour
from tourplanner.tour import Tour

MARGIN_M = 400.0
# Central Helsinki moved to Shenyang's Tiexi district, where GCJ-02 differs from WGS-84.
TO_SHENYANG = (123.36 - 24.94, 41.79 - 60.17)


@pytest.fixture(scope="module")
def ten_stops(helsinki_sites) -> list[str]:
    museums = [i for i in helsinki_sites.index if helsinki_sites.loc[i, "category"] != "station"]
    stops = ["station_rautatientori", *museums[:9]]
    assert len(set(stops)) == 10
    return stops


@pytest.fixture(scope="module")
def tour(helsinki_graph, helsinki_sites, ten_stops) -> Tour:
    plan = plan_tour(
        helsinki_graph, helsinki_sites, stops=ten_stops, start_time=dt.datetime(2026, 6, 2, 10)
    )
    return plan.tour


@pytest.fixture(scope="module")
def pages(tmp_path_factory, helsinki_graph, helsinki_sites, tour) -> dict[str, str]:
    """The offline and the online map of the 10-stop tour, as written to disk."""
    folder = tmp_path_factory.mktemp("offline")
    out = {}
    for mode in ("offline", "online"):
        fmap = tour_map(
            tour, helsinki_sites, offline=mode == "offline", graph=helsinki_graph, title=mode
        )
        write_map(fmap, folder / f"{mode}.html")
        out[mode] = (folder / f"{mode}.html").read_text(encoding="utf-8")
    return out


# --- self-contained pages ---------------------------------------------------------------


def test_offline_page_has_no_external_reference(pages) -> None:
    assert external_references(pages["offline"]) == []


def test_online_page_references_the_cdns(pages) -> None:
    refs = external_references(pages["online"])
    assert any("leaflet@1.9.3/dist/leaflet.js" in ref for ref in refs), refs
    assert any("leaflet@1.9.3/dist/leaflet.css" in ref for ref in refs), refs
    assert any("jquery" in ref for ref in refs), refs


def test_external_references_ignores_links_and_finds_protocol_relative_loads() -> None:
    page = (
        '<a href="https://www.openstreetmap.org/copyright">OSM</a>'
        '<img src="//example.org/x.png"><script src="local.js"></script>'
    )
    assert external_references(page) == ['<img src="//example.org/x.png"']


def test_offline_page_inlines_leaflet_and_jquery(pages) -> None:
    page = pages["offline"]
    assert "Leaflet 1.9.3, a JS library for interactive maps" in page
    assert "jQuery v3.7.1" in page
    assert page.index("Leaflet 1.9.3, a JS library") < page.index("L.map(")
    assert page.index("jQuery v3.7.1") < page.index("L.map(")
    assert ".leaflet-container" in page  # the style sheet
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r'<link\s+rel="stylesheet"\s+href="https?:', page, re.IGNORECASE)
    assert "bootstrap" not in page.lower()


def test_offline_css_images_are_data_uris(pages) -> None:
    page = pages["offline"]
    urls = re.findall(r"url\(\s*['\"]?([^)'\"]+)", page)
    images = [u for u in urls if not u.startswith("#default#VML")]
    assert len(images) >= 3  # layers.png, layers-2x.png, marker-icon.png...
    assert all(u.startswith("data:image/png;base64,") for u in images), images
    assert "url(images/" not in page


def test_offline_map_of_ten_stops_fits_the_size_budget(pages, tour) -> None:
    assert len(tour.stops) == 10
    size = len(pages["offline"].encode("utf-8"))
    assert size < 2_500_000, f"offline map of a 10-stop tour is {size:,} bytes"
    # the budget is spent on the streets: far more than the online page
    assert size > len(pages["online"].encode("utf-8")) + 100_000, f"{size:,} bytes"


def test_offline_page_draws_streets_instead_of_tiles(pages) -> None:
    offline, online = pages["offline"], pages["online"]
    assert "L.tileLayer(" not in offline
    assert '"className": "tp-street"' in offline
    assert "L.tileLayer(" in online and "tile.openstreetmap.org" in online
    assert '"className": "tp-street"' not in online


# --- street lines ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lines(helsinki_graph, tour) -> list[list[tuple[float, float]]]:
    return street_lines(helsinki_graph, tour, margin_m=MARGIN_M)


def _frame(tour: Tour, margin_m: float):
    points = [p for leg in tour.legs for p in leg.geometry.coords]
    points += [stop.position for stop in tour.stops]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    d_lat = margin_m / 111_320.0
    d_lon = d_lat / math.cos(math.radians((min(lats) + max(lats)) / 2))
    return box(min(lons) - d_lon, min(lats) - d_lat, max(lons) + d_lon, max(lats) + d_lat)


def _edge_lines(graph, frame) -> list[tuple[tuple[float, float], ...]]:
    """Every directed edge meeting ``frame``, simplified and rounded as street_lines does."""
    out = []
    for u, v, data in graph.edges(data=True):
        geometry = data.get("geometry")
        if geometry is None:
            ends = (graph.nodes[u], graph.nodes[v])
            geometry = LineString([(n["x"], n["y"]) for n in ends])
        if frame.intersects(geometry):
            simple = geometry.simplify(2.0 / 111_320.0)
            out.append(tuple((round(x, 5), round(y, 5)) for x, y in simple.coords))
    return out


def test_street_lines_draw_each_street_once(lines, tour, helsinki_graph) -> None:
    keys = [tuple(line) for line in lines]
    assert len(set(keys)) == len(keys)
    drawn = set(keys)
    twins = [key for key in keys if key[::-1] != key and key[::-1] in drawn]
    # distinct sub-metre edges can round to the same two points; real streets never do
    assert all(LineString(key).length < 3e-5 for key in twins), twins
    # the walking graph has both directions of almost every street: half the edges
    directed = _edge_lines(helsinki_graph, _frame(tour, MARGIN_M))
    assert len(directed) > 1000
    assert len(lines) <= 0.55 * len(directed), (len(lines), len(directed))


def test_street_lines_draw_every_street_around_the_tour(lines, tour, helsinki_graph) -> None:
    drawn = {tuple(line) for line in lines}
    directed = _edge_lines(helsinki_graph, _frame(tour, MARGIN_M))
    missing = [key for key in directed if key not in drawn and key[::-1] not in drawn]
    assert missing == []


def test_street_lines_are_lines_rounded_to_five_decimals(lines) -> None:
    assert len(lines) > 500
    for line in lines:
        assert len(line) >= 2
        for lon, lat in line:
            assert round(lon, 5) == lon and round(lat, 5) == lat
            assert 24.8 < lon < 25.1 and 60.1 < lat < 60.25  # lon/lat order, Helsinki


@pytest.fixture(scope="module")
def short_tour(helsinki_graph, helsinki_sites) -> Tour:
    stops = ["ateneum", "kiasma"]
    return plan_tour(
        helsinki_graph, helsinki_sites, stops=stops, start_time=dt.datetime(2026, 6, 2, 10)
    ).tour


@pytest.mark.parametrize("margin_m", [100.0, 400.0])
def test_street_lines_stay_around_the_tour(helsinki_graph, short_tour, margin_m) -> None:
    lines = street_lines(helsinki_graph, short_tour, margin_m=margin_m)
    frame = _frame(short_tour, margin_m).buffer(1e-5)  # 1e-5: the rounding of the coordinates
    assert len(lines) > 20
    assert all(LineString(line).intersects(frame) for line in lines)
    points = np.array([p for line in lines for p in line])
    inside = shapely.contains_xy(frame, points[:, 0], points[:, 1])
    assert inside.mean() > 0.9, f"only {inside.sum()}/{len(points)} points inside the frame"
    # the graph reaches beyond the frame, and those streets are not drawn
    everything = street_lines(helsinki_graph, short_tour, margin_m=50_000.0)
    assert len(lines) < 0.9 * len(everything)


def test_street_lines_grow_with_the_margin(helsinki_graph, short_tour) -> None:
    near = street_lines(helsinki_graph, short_tour, margin_m=50.0)
    far = street_lines(helsinki_graph, short_tour, margin_m=400.0)
    assert 0 < len(near) < len(far)
    assert {tuple(line) for line in near} <= {tuple(line) for line in far}


def test_offline_street_coordinates_keep_five_decimals(pages) -> None:
    match = re.search(
        r"L\.polyline\(\s*(\[.*?\]),\s*(\{[^{}]*\"className\": \"tp-street\"[^{}]*\})",
        pages["offline"],
        re.DOTALL,
    )
    assert match is not None
    parts = json.loads(match.group(1))
    numbers = [c for part in parts for point in part for c in point]
    assert len(numbers) > 2000
    assert all(len(repr(c).split(".")[1]) <= 5 for c in numbers)


# --- the GCJ-02 shift -------------------------------------------------------------------


def _moved(tour: Tour, dx: float, dy: float) -> Tour:
    days = tuple(
        dataclasses.replace(
            day,
            stops=tuple(
                dataclasses.replace(s, position=(s.position[0] + dx, s.position[1] + dy))
                for s in day.stops
            ),
            legs=tuple(
                dataclasses.replace(leg, geometry=affinity.translate(leg.geometry, dx, dy))
                for leg in day.legs
            ),
        )
        for day in tour.days
    )
    return dataclasses.replace(tour, days=days)


def _moved_graph(graph, dx: float, dy: float):
    moved = graph.copy()
    for _, data in moved.nodes(data=True):
        data["x"] += dx
        data["y"] += dy
    for _, _, data in moved.edges(data=True):
        if data.get("geometry") is not None:
            data["geometry"] = affinity.translate(data["geometry"], dx, dy)
    return moved


@pytest.fixture(scope="module")
def shenyang(helsinki_graph, helsinki_sites):
    stops = ["station_rautatientori", "ateneum", "kiasma", "helsinki_cathedral"]
    plan = plan_tour(
        helsinki_graph, helsinki_sites, stops=stops, start_time=dt.datetime(2026, 6, 2, 10)
    )
    sites = helsinki_sites.copy()
    sites["geometry"] = sites.geometry.translate(*TO_SHENYANG)
    return _moved(plan.tour, *TO_SHENYANG), sites, _moved_graph(helsinki_graph, *TO_SHENYANG)


def _geometry(page: str) -> dict[str, list]:
    """Parse (lat, lon) of stop markers, other-site circles and leg polylines from HTML."""
    number = r"(-?\d+(?:\.\d+)?(?:e-?\d+)?)"
    markers = re.findall(rf"L\.marker\(\s*\[{number},\s*{number}\]", page)
    circles = re.findall(rf"L\.circleMarker\(\s*\[{number},\s*{number}\]", page)
    legs = []
    for coords, options in re.findall(
        r"L\.polyline\(\s*(\[.*?\]),\s*(\{[^{}]*\})\s*\)", page, re.DOTALL
    ):
        if '"tp-leg ' in options:
            legs.append(json.loads(coords))
    return {
        "markers": [(float(a), float(b)) for a, b in markers],
        "circles": [(float(a), float(b)) for a, b in circles],
        "legs": legs,
    }


def _expected(tour: Tour, sites, shift) -> dict[str, list]:
    def latlon(lon: float, lat: float) -> tuple[float, float]:
        x, y = shift(lon, lat)
        return (float(y), float(x))

    in_tour = {s.site_id for s in tour.stops}
    return {
        # stops at one place share a marker, drawn at the first stop of the group
        "markers": [latlon(*group[0].position) for group in _colocated(tour.stops)],
        "circles": [latlon(g.x, g.y) for i, g in sites.geometry.items() if i not in in_tour],
        "legs": [[latlon(*p) for p in leg.geometry.coords] for leg in tour.legs],
    }


def _assert_same(found: dict[str, list], expected: dict[str, list]) -> None:
    for key in ("markers", "circles"):
        assert len(found[key]) == len(expected[key]) > 0, key
        assert np.allclose(found[key], expected[key], rtol=0, atol=1e-7), key
    assert len(found["legs"]) == len(expected["legs"]) > 0
    for got, want in zip(found["legs"], expected["legs"], strict=True):
        assert len(got) == len(want)
        assert np.allclose(got, want, rtol=0, atol=1e-7)


def _gcj02(lon: float, lat: float) -> tuple[float, float]:
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    return float(g_lon), float(g_lat)


def _wgs84(lon: float, lat: float) -> tuple[float, float]:
    return lon, lat


def test_gaode_tiles_shift_every_geometry_to_gcj02(shenyang) -> None:
    tour, sites, _ = shenyang
    page = tour_map(tour, sites, tiles="Gaode.Normal").get_root().render()
    found = _geometry(page)
    _assert_same(found, _expected(tour, sites, _gcj02))
    # the shift is real here (hundreds of metres), so the check above means something
    wgs = _expected(tour, sites, _wgs84)
    assert np.abs(np.subtract(found["markers"], wgs["markers"])).max() > 2e-3
    assert "autonavi.com" in page


def test_osm_tiles_keep_wgs84_exactly(shenyang) -> None:
    tour, sites, _ = shenyang
    page = tour_map(tour, sites).get_root().render()
    _assert_same(_geometry(page), _expected(tour, sites, _wgs84))


def test_offline_map_is_never_shifted(shenyang) -> None:
    # offline pages draw OpenStreetMap streets (WGS-84), not Gaode tiles
    tour, sites, graph = shenyang
    page = tour_map(tour, sites, tiles="Gaode.Normal", offline=True, graph=graph).get_root()
    page = page.render()
    assert "autonavi.com" not in page
    _assert_same(_geometry(page), _expected(tour, sites, _wgs84))
    streets = re.search(
        r"L\.polyline\(\s*(\[.*?\]),\s*\{[^{}]*\"className\": \"tp-street\"", page, re.DOTALL
    )
    assert streets is not None
    drawn = {tuple(map(tuple, part)) for part in json.loads(streets.group(1))}
    expected = {tuple((lat, lon) for lon, lat in line) for line in street_lines(graph, tour)}
    assert drawn == expected


def test_helsinki_is_outside_china_so_gaode_does_not_move_it(tour, helsinki_sites) -> None:
    page = tour_map(tour, helsinki_sites, tiles="Gaode.Normal").get_root().render()
    _assert_same(_geometry(page), _expected(tour, helsinki_sites, _wgs84))


# --- resolve_tiles --------------------------------------------------------------------


def test_resolve_tiles_returns_the_provider() -> None:
    provider = resolve_tiles("OpenStreetMap.Mapnik")
    assert provider is not None
    assert provider.name == "OpenStreetMap.Mapnik"
    assert "tile.openstreetmap.org" in provider.build_url()


def test_resolve_tiles_offline_returns_none() -> None:
    assert resolve_tiles("OpenStreetMap.Mapnik", offline=True) is None
    assert resolve_tiles("Gaode.Normal", offline=True) is None


def test_resolve_tiles_unknown_name() -> None:
    with pytest.raises(OutputError, match=r"unknown tile provider 'No\.Such'.*OpenStreetMap"):
        resolve_tiles("No.Such")
    with pytest.raises(OutputError, match="unknown tile provider"):
        resolve_tiles("No.Such", offline=True)


def test_resolve_tiles_refuses_providers_needing_a_key() -> None:
    with pytest.raises(OutputError, match="needs an API key") as online:
        resolve_tiles("Thunderforest.OpenCycleMap")
    with pytest.raises(OutputError, match="needs an API key") as offline:
        resolve_tiles("Thunderforest.OpenCycleMap", offline=True)
    assert str(online.value) != str(offline.value)
    assert "--offline" in str(offline.value)
    assert "--offline" not in str(online.value)
    assert "'Thunderforest.OpenCycleMap'" in str(online.value)


def test_tour_map_rejects_a_key_provider(tour, helsinki_sites) -> None:
    with pytest.raises(OutputError, match="needs an API key"):
        tour_map(tour, helsinki_sites, tiles="Thunderforest.OpenCycleMap")


def test_offline_map_needs_the_graph(tour, helsinki_sites) -> None:
    with pytest.raises(ValueError, match="street graph"):
        tour_map(tour, helsinki_sites, offline=True)


def test_streets_drawn_from_a_prepared_network_are_the_graphs(helsinki_graph) -> None:
    from tourplanner.network import WalkingNetwork
    from tourplanner.offline import streets_around

    points = [(24.9414, 60.1712), (24.9500, 60.1690)]
    from_graph = streets_around(helsinki_graph, points, margin_m=200.0)
    network = WalkingNetwork(helsinki_graph)
    from_network = streets_around(network, points, margin_m=200.0)

    def keys(lines: list[list[tuple[float, float]]]) -> set[tuple[tuple[float, float], ...]]:
        return {min(tuple(line), tuple(line[::-1])) for line in lines}

    assert len(from_graph) > 50
    assert len(from_network) == len(from_graph)
    assert keys(from_network) == keys(from_graph)
