"""The maps in a real browser (headless Debian chromium, Playwright sync API).

Pages are opened from ``file://`` with every other request aborted and recorded. At
each of four screen sizes (two phones, a tablet, a desktop) the panel or bottom
sheet, the map controls, the legend and an opened popup must not overlap and must lie
inside the screen; tapping an itinerary row flies the map to its stop and opens its
popup; tapping a marker highlights its row; the bottom sheet collapses and expands;
print hides the controls. Every offline map (plan, demo, catchments, coverage,
compare) must make zero network requests. Screenshots are written under each test's
temporary folder for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tourplanner import cli
from tourplanner.directions import leg_destinations, tour_directions
from tourplanner.maps import tour_map, write_map
from tourplanner.offline import external_references
from tourplanner.planner import plan_tour

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
EVIL = "<img src=x onerror=alert(1)>"
STOPS = [
    "station_rautatientori",
    "ateneum",
    "kiasma",
    "amos_rex",
    "old_market_hall",
    "helsinki_cathedral",
]
VIEWPORTS = [(360, 740), (390, 844), (768, 1024), (1400, 900)]
PHONES = [v for v in VIEWPORTS if v[0] < 600]
TITLE = "Test walk: central Helsinki"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def evil_sites(helsinki_sites):
    sites = helsinki_sites.copy()
    sites.loc["kiasma", "name"] = EVIL
    return sites


@pytest.fixture(scope="module")
def tour(helsinki_graph, evil_sites):
    """A round trip: the station is stop 1 and the last stop, at one place."""
    plan = plan_tour(
        helsinki_graph,
        evil_sites,
        stops=STOPS,
        round_trip=True,
        start_time=dt.datetime(2026, 6, 2, 10, 0),
    )
    return plan.tour


@pytest.fixture(scope="module")
def map_file(tmp_path_factory, helsinki_graph, evil_sites, tour) -> Path:
    ends = [stop.position for stop in leg_destinations(tour)]
    steps = tour_directions(helsinki_graph, tour.legs, destinations=ends)
    fmap = tour_map(
        tour,
        evil_sites,
        title=TITLE,
        offline=True,
        graph=helsinki_graph,
        directions=dict(enumerate(steps)),
    )
    out = tmp_path_factory.mktemp("browser") / "tour.html"
    write_map(fmap, out)
    return out


class Visit:
    """A page opened with the network blocked, and what it tried and raised."""

    def __init__(self, browser, path: Path, size: tuple[int, int]) -> None:
        width, height = size
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, has_touch=width < 600
        )
        self.page: Page = self.context.new_page()
        self.network: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )
        self.page.on("dialog", self._dialog)
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.wait_for_selector(".leaflet-container")
        self.page.wait_for_timeout(150)

    def _route(self, route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.network.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def boxes(self, selector: str) -> list[dict]:
        out = []
        for element in self.page.locator(selector).all():
            if element.is_visible():
                box = element.bounding_box()
                if box and box["width"] > 0 and box["height"] > 0:
                    out.append(box)
        return out

    def map_state(self) -> dict:
        return self.page.evaluate(
            """() => {
              const data = JSON.parse(document.getElementById('tp-data').textContent);
              const map = window[data.map];
              const c = map.getCenter(), s = map.getSize();
              return {lat: c.lat, lon: c.lng, zoom: map.getZoom(), w: s.x, h: s.y,
                      stops: data.stops.map(st => {
                        const p = map.latLngToContainerPoint([st.lat, st.lon]);
                        return {orders: st.orders, x: p.x, y: p.y};
                      })};
            }"""
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def open_(path: Path, size: tuple[int, int]) -> Visit:
        v = Visit(browser, path, size)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.close()


def intersect(a: dict, b: dict) -> bool:
    return (
        min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"]) > 0.5
        and min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"]) > 0.5
    )


def inside(box: dict, size: tuple[int, int]) -> bool:
    w, h = size
    return (
        box["x"] >= -0.5
        and box["y"] >= -0.5
        and box["x"] + box["width"] <= w + 0.5
        and box["y"] + box["height"] <= h + 0.5
    )


def assert_apart(named: dict[str, list[dict]], size: tuple[int, int]) -> None:
    flat = [(name, box) for name, boxes in named.items() for box in boxes]
    for name, box in flat:
        assert inside(box, size), (name, box, size)
    for (n1, b1), (n2, b2) in itertools.combinations(flat, 2):
        assert not intersect(b1, b2), (n1, b1, n2, b2)


def layout(v: Visit) -> dict[str, list[dict]]:
    return {
        "panel": v.boxes("#tp-panel"),
        "controls": v.boxes(".leaflet-control-container .leaflet-control:not(.tp-legend)"),
        "legend": v.boxes(".tp-legend"),
        "popup": v.boxes(".leaflet-popup-content-wrapper"),
    }


def wait_for_popup(v: Visit, text: str) -> None:
    popup = v.page.locator(".leaflet-popup-content")
    expect(popup).to_have_count(1)
    expect(popup).to_contain_text(text)
    v.page.wait_for_timeout(700)  # the fly and the popup's auto-pan are animated


def show_rows(v: Visit, size: tuple[int, int]) -> None:
    """On a phone, open the bottom sheet so that the itinerary rows can be tapped."""
    if size[0] < 600:
        v.page.locator("#tp-head .tp-title").click()
        expect(v.page.locator("body")).to_have_class(re.compile("tp-expanded"))
        v.page.wait_for_timeout(200)


# --- the page ------------------------------------------------------------------------------


def test_leaflet_map_initialises_with_streets_instead_of_tiles(visit, map_file) -> None:
    v = visit(map_file, (1280, 800))
    page = v.page
    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("window.L.version") == "1.9.3"
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator(".leaflet-tile").count() == 0
    streets = page.locator("path.tp-street")
    assert streets.count() >= 1
    d = streets.first.get_attribute("d") or ""
    assert d.count("M") > 100
    assert page.title() == TITLE
    assert v.network == [] and v.errors == []


def test_one_numbering_and_colocated_stops_share_a_marker(visit, map_file, tour) -> None:
    v = visit(map_file, (1280, 800))
    page = v.page
    first, last = tour.stops[0], tour.stops[-1]
    assert first.site_id == last.site_id  # a round trip
    assert last.kind == "end"
    markers = page.locator(".tp-stop-icon .tp-stop")
    assert markers.count() == len(tour.stops) - 1  # start and end at one place: one marker
    orders = [int(o) for el in markers.all() for o in el.get_attribute("data-orders").split()]
    assert sorted(orders) == [s.order for s in tour.stops]
    shared = page.locator(f'.tp-stop[data-orders="{first.order} {last.order}"]')
    assert shared.inner_text() == f"{first.order}\u00b7{last.order}"
    # the same numbers in the panel: no "S"/"E"
    rows = page.locator("#tp-panel .tp-row")
    assert [r.get_attribute("data-order") for r in rows.all()] == [str(s.order) for s in tour.stops]
    assert [r.locator(".tp-stop").inner_text() for r in rows.all()] == [
        str(s.order) for s in tour.stops
    ]
    assert "S" not in [m.inner_text() for m in markers.all()]
    # numbers are centred in their circles
    for marker in markers.all()[:3]:
        centred = marker.evaluate(
            """el => { const r = el.getBoundingClientRect();
                       const t = document.createRange(); t.selectNodeContents(el);
                       const q = t.getBoundingClientRect();
                       return [Math.abs((q.top + q.bottom) / 2 - (r.top + r.bottom) / 2),
                               Math.abs((q.left + q.right) / 2 - (r.left + r.right) / 2)]; }"""
        )
        assert max(centred) <= 1.5, centred


def test_panel_shows_turn_by_turn_directions(visit, map_file, tour, helsinki_graph) -> None:
    v = visit(map_file, (1400, 900))
    legs = v.page.locator("#tp-panel .tp-leg")
    assert legs.count() == len(tour.legs)
    legs.nth(1).locator("summary").click()
    items = legs.nth(1).locator("ol.tp-directions li")
    texts = [t.inner_text() for t in items.all()]
    assert texts[0].startswith("Head ")
    assert texts[-1].startswith("After ") and "arrive at" in texts[-1]
    assert all(t.startswith("After ") for t in texts[1:])


def test_catalogue_text_stays_text(visit, map_file, tour) -> None:
    v = visit(map_file, (1400, 900))
    page = v.page
    assert EVIL in page.locator("#tp-panel").inner_text()
    evil = next(s for s in tour.stops if s.site_id == "kiasma")
    for stop in tour.stops:
        marker = page.locator(f'.tp-stop-icon .tp-stop[data-orders~="{stop.order}"]')
        marker.dispatch_event("click")
        expect(page.locator(".leaflet-popup-content")).to_have_count(1)
        expect(page.locator(".leaflet-popup-content")).to_contain_text(f"{stop.order}. ")
        marker.dispatch_event("mouseover")
        if stop is evil:
            expect(page.locator(".leaflet-popup-content")).to_contain_text(EVIL)
            expect(page.locator(".leaflet-tooltip").last).to_contain_text(EVIL)
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert v.dialogs == [] and v.errors == [] and v.network == []


# --- layout at four sizes ------------------------------------------------------------------


@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_nothing_overlaps_at_any_size(visit, map_file, tour, size, tmp_path) -> None:
    v = visit(map_file, size)
    page = v.page
    v.page.screenshot(path=str(tmp_path / f"tour_{size[0]}x{size[1]}.png"))
    boxes = layout(v)
    assert boxes["panel"] and boxes["legend"]
    assert len(boxes["controls"]) >= 4  # zoom, layers, scale, attribution
    assert page.locator(".leaflet-control-scale").is_visible()
    assert_apart(boxes, size)
    # no marker hides another, at this zoom and two levels out (close ones fan out)
    for _ in range(3):
        markers = v.boxes(".tp-stop-icon .tp-stop")
        assert len(markers) == len(tour.stops) - 1
        for a, b in itertools.combinations(markers, 2):
            assert not intersect(a, b), (a, b)
        page.evaluate(
            "() => { const d = JSON.parse(document.getElementById('tp-data').textContent);"
            " window[d.map].setZoom(window[d.map].getZoom() - 1, {animate: false}); }"
        )
        page.wait_for_timeout(100)
    page.evaluate(
        "() => { const d = JSON.parse(document.getElementById('tp-data').textContent);"
        " window[d.map].setZoom(window[d.map].getZoom() + 3, {animate: false}); }"
    )
    page.wait_for_timeout(100)
    # a popup, opened from its marker, fits between the controls, clear of the panel
    for stop in (tour.stops[1], tour.stops[4]):
        page.locator(f'.tp-stop-icon .tp-stop[data-orders~="{stop.order}"]').dispatch_event("click")
        wait_for_popup(v, f"{stop.order}. {stop.name}")
        boxes = layout(v)
        assert len(boxes["popup"]) == 1
        assert_apart(boxes, size)
    page.screenshot(path=str(tmp_path / f"tour_{size[0]}x{size[1]}_popup.png"))
    if size[0] < 600:
        show_rows(v, size)
        page.screenshot(path=str(tmp_path / f"tour_{size[0]}x{size[1]}_sheet.png"))
        assert_apart(layout(v), size)
    assert v.network == [] and v.errors == []


@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_tapping_a_row_flies_to_its_stop_and_opens_its_popup(visit, map_file, tour, size):
    v = visit(map_file, size)
    before = v.map_state()
    for k in (3, 5):
        stop = tour.stops[k - 1]
        show_rows(v, size)
        v.page.locator(f'#tp-panel .tp-row[data-order="{k}"]').click()
        wait_for_popup(v, f"{k}. ")
        state = v.map_state()
        assert state["zoom"] >= 17 > before["zoom"] or state["zoom"] >= before["zoom"]
        here = next(s for s in state["stops"] if k in s["orders"])
        # the stop is near the middle of the map (the popup's auto-pan may move it a little)
        assert abs(here["x"] - state["w"] / 2) <= 0.25 * state["w"], (here, state)
        assert abs(here["y"] - state["h"] / 2) <= 0.35 * state["h"], (here, state)
        assert 0 <= here["x"] <= state["w"] and 0 <= here["y"] <= state["h"]
        content = v.page.locator(".leaflet-popup-content").inner_text()
        assert f"{k}. " in content and f"Arrive {stop.arrival:%H:%M}" in content
        assert_apart(layout(v), size)  # the popup is fully visible
        row = v.page.locator(f'#tp-panel .tp-row[data-order="{k}"]')
        expect(row).to_have_class(re.compile("tp-active"))
        if size[0] < 600:  # the sheet made way for the map and shows that stop
            assert "tp-expanded" not in (v.page.locator("body").get_attribute("class") or "")
            expect(v.page.locator(f'.tp-next-item[data-order="{k}"]')).to_be_visible()
    assert v.network == [] and v.errors == []


@pytest.mark.parametrize("size", [(390, 844), (1400, 900)], ids=["phone", "desktop"])
def test_tapping_a_marker_highlights_its_row(visit, map_file, tour, size) -> None:
    v = visit(map_file, size)
    stop = tour.stops[3]
    v.page.locator(f'.tp-stop-icon .tp-stop[data-orders~="{stop.order}"]').dispatch_event("click")
    wait_for_popup(v, f"{stop.order}. ")
    active = v.page.locator("#tp-panel .tp-row.tp-active")
    assert [r.get_attribute("data-order") for r in active.all()] == [str(stop.order)]
    if size[0] < 600:
        expect(v.page.locator(f'.tp-next-item[data-order="{stop.order}"]')).to_be_visible()


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}x{h}" for w, h in PHONES])
def test_bottom_sheet_collapses_and_expands(visit, map_file, tour, size, tmp_path) -> None:
    v = visit(map_file, size)
    page = v.page
    width, height = size

    def sheet() -> dict:
        return page.locator("#tp-panel").bounding_box()

    def map_box() -> dict:
        return page.locator(".folium-map").bounding_box()

    collapsed = sheet()
    assert collapsed["width"] == pytest.approx(width, abs=1)
    assert collapsed["y"] + collapsed["height"] == pytest.approx(height, abs=1)
    assert collapsed["height"] < 0.2 * height
    # collapsed, it shows the next stop: name, time and walk
    shown = page.locator(".tp-next-item:visible")
    assert shown.count() == 1
    assert tour.stops[0].name in shown.inner_text()
    assert f"{tour.stops[0].arrival:%H:%M}" in shown.inner_text()
    page.locator("#tp-nextbtn").click()
    wait_for_popup(v, f"{tour.stops[1].order}. ")
    assert "walk" in page.locator(".tp-next-item:visible").inner_text()
    # the map never lies under the sheet
    assert map_box()["y"] + map_box()["height"] <= sheet()["y"] + 1
    # tap: expands
    page.locator("#tp-head .tp-title").click()
    page.wait_for_timeout(300)
    assert sheet()["height"] > 0.5 * height
    assert map_box()["y"] + map_box()["height"] <= sheet()["y"] + 1
    assert page.locator("#tp-panel .tp-row").first.is_visible()
    page.screenshot(path=str(tmp_path / "sheet_open.png"))
    # the button collapses it again
    page.locator("#tp-toggle").click()
    page.wait_for_timeout(300)
    assert sheet()["height"] == pytest.approx(collapsed["height"], abs=1)
    # drag the handle up: expands; drag it down: collapses
    head = page.locator("#tp-head").bounding_box()
    x, y = head["x"] + head["width"] * 0.7, head["y"] + head["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 200, steps=8)
    page.mouse.move(x, y - 400, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert sheet()["height"] > 0.5 * height
    head = page.locator("#tp-head").bounding_box()
    x, y = head["x"] + head["width"] * 0.7, head["y"] + head["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 300, steps=8)
    page.mouse.move(x, height - 10, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert sheet()["height"] == pytest.approx(collapsed["height"], abs=1)
    assert v.errors == []


def test_side_panel_collapses_on_wide_screens(visit, map_file) -> None:
    v = visit(map_file, (1400, 900))
    page = v.page
    wide = page.locator(".folium-map").bounding_box()["width"]
    panel = page.locator("#tp-panel").bounding_box()
    assert wide + panel["width"] == pytest.approx(1400, abs=1)
    page.locator("#tp-toggle").click()
    page.wait_for_timeout(200)
    assert page.locator("#tp-panel").bounding_box()["width"] < 80
    assert page.locator(".folium-map").bounding_box()["width"] > wide + 250
    assert not page.locator("#tp-panel .tp-row").first.is_visible()
    page.locator("#tp-toggle").click()
    page.wait_for_timeout(200)
    assert page.locator("#tp-panel .tp-row").first.is_visible()


@pytest.mark.parametrize("size", [(390, 844), (1400, 900)], ids=["phone", "desktop"])
def test_print_is_a_clean_itinerary_with_the_map_on_top(visit, map_file, size, tmp_path) -> None:
    v = visit(map_file, size)
    page = v.page
    page.emulate_media(media="print")
    page.wait_for_timeout(200)
    assert not page.locator(".leaflet-control-zoom").is_visible()
    assert not page.locator(".leaflet-control-layers").is_visible()
    assert not page.locator("#tp-toggle").is_visible()
    assert not page.locator(".tp-legend").is_visible()
    map_box = page.locator(".folium-map").bounding_box()
    panel = page.locator("#tp-panel").bounding_box()
    assert map_box["y"] + map_box["height"] <= panel["y"] + 1  # map on top
    assert panel["width"] >= 0.9 * size[0]  # one column
    assert page.locator("#tp-panel .tp-row").first.is_visible()
    # every walk's directions are printed, and the whole route is on the printed map
    assert page.locator("#tp-panel ol.tp-directions li").first.is_visible()
    route = page.locator("path.tp-leg").all()
    assert route
    for leg in route:
        box = leg.bounding_box()
        assert (
            box["x"] >= map_box["x"] - 1
            and box["x"] + box["width"] <= map_box["x"] + map_box["width"] + 1
        )
        assert (
            box["y"] >= map_box["y"] - 1
            and box["y"] + box["height"] <= map_box["y"] + map_box["height"] + 1
        )
    page.screenshot(path=str(tmp_path / "print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.wait_for_timeout(200)
    assert page.locator(".leaflet-control-zoom").is_visible()


# --- every offline map makes no request ----------------------------------------------------


@pytest.fixture(scope="module")
def offline_files(tmp_path_factory, helsinki_pbf, helsinki_sites) -> dict[str, Path]:
    """demo (offline by default), plan --offline, and the bureau's maps with --offline."""
    folder = tmp_path_factory.mktemp("offline_maps")
    sites = str(Path(__file__).resolve().parents[1] / "tourplanner" / "_data")
    sites_file = f"{sites}/helsinki_sites.geojson"
    common = ["--sites", sites_file, "--osm-file", str(helsinki_pbf), "--force"]
    files = {name: folder / f"{name}.html" for name in ("demo", "plan", "catch", "cov", "cmp")}
    a, b = folder / "a.geojson", folder / "b.geojson"
    runs = [
        ["-q", "demo", "--output", str(files["demo"]), "--time-limit", "1", "--geojson", str(a)],
        ["-q", "plan", *common, "--offline", "--output", str(files["plan"]), "--time-limit", "1"]
        + ["--geojson", str(b), "--start-time", "14:00", "--budget", "3h"],
        ["-q", "catchments", *common, "--offline", "--output", str(files["catch"])],
        ["-q", "coverage", *common, "--offline", "--output", str(files["cov"])],
        ["-q", "compare", str(a), str(b), "--offline", "--output", str(files["cmp"])],
    ]
    for argv in runs:
        assert cli.main(argv) == 0, argv
    return files


@pytest.mark.parametrize("name", ["demo", "plan", "catch", "cov", "cmp"])
def test_every_offline_map_makes_no_request(visit, offline_files, name, tmp_path) -> None:
    path = offline_files[name]
    assert external_references(path.read_text(encoding="utf-8")) == []
    for size in ((390, 844), (1400, 900)):
        v = visit(path, size)
        v.page.wait_for_timeout(300)
        v.page.screenshot(path=str(tmp_path / f"{name}_{size[0]}x{size[1]}.png"))
        assert v.network == [], v.network
        assert v.errors == [], v.errors
        assert v.page.title()
        boxes = layout(v)
        assert boxes["legend"] and boxes["panel"]
        assert_apart(boxes, size)
        assert v.page.locator(".leaflet-control-scale").is_visible()


def test_bureau_maps_explain_themselves(visit, offline_files, helsinki_sites) -> None:
    stations = helsinki_sites[helsinki_sites["category"] == "station"]
    v = visit(offline_files["catch"], (1400, 900))
    page = v.page
    assert page.title() == "Walking catchments"
    # one switchable layer per origin, each named after its station
    labels = [
        t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    ]
    for name in stations["name"]:
        assert name in labels
        assert name in page.locator(".tp-legend").inner_text()
    assert page.locator(".tp-origin").count() == len(stations)
    colours = page.evaluate(
        "() => [...document.querySelectorAll('.tp-legend .tp-swatch')]"
        f".slice(0, {len(stations)}).map(e => getComputedStyle(e).backgroundColor)"
    )
    assert len(set(colours)) == len(stations)
    assert page.locator("#tp-panel table.tp-table tr").count() == len(stations) + 1
    # switching one origin off removes its areas
    paths = page.locator("path.leaflet-interactive").count()
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays input").first.uncheck()
    assert page.locator("path.leaflet-interactive").count() < paths

    v = visit(offline_files["cov"], (1400, 900))
    assert v.page.title() == "Station coverage"
    assert v.page.locator(".tp-ramp").is_visible()
    rows = v.page.locator("#tp-panel table.tp-table tr")
    assert rows.count() == (helsinki_sites["category"] != "station").sum() + 1  # sites + head

    v = visit(offline_files["cmp"], (1400, 900))
    assert v.page.title() == "Tour comparison"
    legend = v.page.locator(".tp-legend").inner_text()
    assert "a" in legend and "b" in legend
    assert v.page.locator("#tp-panel table.tp-table").is_visible()
    assert "walking km" in v.page.locator("#tp-panel table.tp-table").inner_text()


def test_online_map_keeps_folium_cdn_scripts(tmp_path, evil_sites, tour) -> None:
    out = tmp_path / "online.html"
    write_map(tour_map(tour, evil_sites), out)
    page = out.read_text(encoding="utf-8")
    sources = re.findall(r'<script\s+src="([^"]+)"', page)
    assert sources, "an online map loads its scripts from CDNs"
    assert all(src.startswith("https://") for src in sources), sources
    assert any(re.search(r"leaflet@1\.9\.3/dist/leaflet\.js$", src) for src in sources)
    assert '<meta name="tourplanner-offline"' not in page
    assert "Leaflet 1.9.3, a JS library" not in page  # not inlined
    assert "tile.openstreetmap.org" in page
    json.dumps(sources)
