"""The offline tour map in a real browser (headless Debian chromium, Playwright sync API).

The page is opened from ``file://`` with every other request aborted and recorded:
an offline map must initialise Leaflet, draw the streets, the stops, the legs and the
panel with no network at all, and the catalogue's text must never run as script.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tourplanner.directions import tour_directions
from tourplanner.maps import tour_map, write_map
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
    plan = plan_tour(
        helsinki_graph, evil_sites, stops=STOPS, start_time=dt.datetime(2026, 6, 2, 10, 0)
    )
    return plan.tour


@pytest.fixture(scope="module")
def offline_page(tmp_path_factory, browser, helsinki_graph, evil_sites, tour):
    """The offline map, loaded with the network blocked; what the page tried and raised."""
    steps = tour_directions(helsinki_graph, tour.legs)
    fmap = tour_map(
        tour, evil_sites, offline=True, graph=helsinki_graph, directions=dict(enumerate(steps))
    )
    folder = tmp_path_factory.mktemp("browser")
    out = folder / "tour.html"
    write_map(fmap, out)

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    record = {"network": [], "page_errors": [], "console_errors": [], "dialogs": []}

    def route(route_) -> None:
        url = route_.request.url
        if url.startswith("file:"):
            route_.continue_()
        else:
            record["network"].append(url)
            route_.abort()

    def dialog(dialog_) -> None:
        record["dialogs"].append(dialog_.message)
        dialog_.dismiss()

    page.route("**/*", route)
    page.on("pageerror", lambda error: record["page_errors"].append(str(error)))
    page.on(
        "console",
        lambda msg: record["console_errors"].append(msg.text) if msg.type == "error" else None,
    )
    page.on("dialog", dialog)
    page.goto(out.as_uri(), wait_until="load")
    page.wait_for_selector(".tp-stop")
    yield page, record, folder
    context.close()


def test_leaflet_map_initialises_with_streets_instead_of_tiles(offline_page) -> None:
    page, _, _ = offline_page
    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("window.L.version") == "1.9.3"
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator(".leaflet-tile").count() == 0
    streets = page.locator("path.tp-street")
    assert streets.count() >= 1
    # the street layer really draws something: a long SVG path of many segments
    d = streets.first.get_attribute("d") or ""
    assert d.count("M") > 100


def test_one_marker_per_stop_and_one_line_per_leg(offline_page, tour) -> None:
    page, _, _ = offline_page
    assert len(tour.stops) == len(STOPS)
    assert page.locator(".tp-stop").count() == len(tour.stops)
    assert page.locator("path.tp-leg").count() == len(tour.legs) == len(STOPS) - 1
    orders = [el.get_attribute("data-order") for el in page.locator(".tp-stop").all()]
    assert sorted(orders, key=int) == [str(s.order) for s in tour.stops]


def test_clicking_a_marker_opens_its_popup(offline_page, tour) -> None:
    page, _, _ = offline_page
    second = tour.stops[1]
    page.locator(f'.tp-stop[data-order="{second.order}"]').click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_have_count(1)  # another popup open before fades out and is removed
    text = popup.inner_text()
    assert f"{second.order}. {second.name}" in text
    assert f"Arrive {second.arrival:%H:%M}" in text


def test_panel_lists_the_stops_in_order_and_shows_the_evil_name_as_text(offline_page, tour):
    page, _, _ = offline_page
    rows = page.locator("#tp-panel tr.tp-row")
    assert [row.get_attribute("data-site") for row in rows.all()] == [s.site_id for s in tour.stops]
    assert EVIL in page.locator("#tp-panel").inner_text()
    assert page.locator('img[src="x"]').count() == 0
    # the evil stop's tooltip and popup text never became elements either
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_no_network_no_errors_no_script_injection(offline_page, tour) -> None:
    page, record, _ = offline_page
    # show every piece of catalogue text: each stop's popup and tooltip (events are
    # dispatched: an opened popup pans the map and may put markers under the panel)
    evil = next(s for s in tour.stops if s.site_id == "kiasma")
    for stop in tour.stops:
        marker = page.locator(f'.tp-stop[data-order="{stop.order}"]')
        marker.dispatch_event("click")
        expect(page.locator(".leaflet-popup-content")).to_have_count(1)
        expect(page.locator(".leaflet-popup-content")).to_contain_text(f"{stop.order}. ")
        marker.dispatch_event("mouseover")
        if stop is evil:
            expect(page.locator(".leaflet-popup-content")).to_contain_text(EVIL)
            expect(page.locator(".leaflet-tooltip").last).to_contain_text(EVIL)
    assert record["network"] == []
    assert record["page_errors"] == []
    assert record["console_errors"] == []
    assert record["dialogs"] == []  # an alert would mean the evil name ran as script
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_screenshot(offline_page, tmp_path) -> None:
    page, _, _ = offline_page
    shot = tmp_path / "tour.png"
    page.screenshot(path=str(shot), full_page=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000, f"screenshot is only {len(data)} bytes"


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


def test_layer_control_does_not_cover_the_panel(offline_page) -> None:
    page, _, _ = offline_page
    control = page.locator(".leaflet-control-layers").bounding_box()
    panel = page.locator("#tp-panel").bounding_box()
    assert control is not None and panel is not None
    overlap_x = min(control["x"] + control["width"], panel["x"] + panel["width"]) - max(
        control["x"], panel["x"]
    )
    overlap_y = min(control["y"] + control["height"], panel["y"] + panel["height"]) - max(
        control["y"], panel["y"]
    )
    assert overlap_x <= 0 or overlap_y <= 0, (control, panel)
