"""Tests of tourplanner.maps and tourplanner.export: render and inspect the outputs."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from shapely.geometry import shape

from tourplanner.export import tour_to_geojson, write_geojson
from tourplanner.maps import format_minutes, tour_map, write_map
from tourplanner.planner import plan_tour

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def evil_sites(helsinki_sites):
    sites = helsinki_sites.copy()
    sites.loc["kiasma", "name"] = EVIL
    sites.loc["kiasma", "description"] = "</script><script>alert(2)</script> `${alert(3)}`"
    return sites


@pytest.fixture(scope="module")
def plan(helsinki_graph, evil_sites):
    return plan_tour(
        helsinki_graph,
        evil_sites,
        stops=["station_rautatientori", "kiasma", "ateneum", "helsinki_cathedral"],
        start_time=dt.datetime(2026, 6, 2, 10, 0),
    )


@pytest.fixture(scope="module")
def html(plan, evil_sites) -> str:
    return (
        tour_map(plan.tour, evil_sites, title="Test tour", notice="Not Tiexi").get_root().render()
    )


def test_map_has_one_marker_per_stop_and_one_line_per_leg(html, plan) -> None:
    assert len(re.findall(r"L\.marker\(", html)) == len(plan.tour.stops) == 4
    assert len(re.findall(r"L\.polyline\(", html)) == len(plan.tour.legs) == 3
    for number in range(1, 5):
        assert f"\\u003e{number}\\u003c/div\\u003e" in html  # numbered icons (JSON-escaped)


def test_map_popups_and_tooltips_carry_the_stop_facts(html, plan) -> None:
    ateneum = next(s for s in plan.tour.stops if s.site_id == "ateneum")
    assert "Ateneum" in html
    assert f"Arrive {ateneum.arrival:%H:%M}" in html
    assert "90 min on site" in html
    cathedral = next(s for s in plan.tour.stops if s.site_id == "helsinki_cathedral")
    assert cathedral.name_zh and cathedral.name_zh in html
    for number, leg in enumerate(plan.tour.legs, start=1):
        assert f"Leg {number}:" in html
        assert format_minutes(leg.duration_s) in html
    assert "Not Tiexi" in html and "Test tour" in html


def test_map_attribution_and_generator(html) -> None:
    assert "OpenStreetMap</a> contributors" in html
    assert '<meta name="generator" content="tourplanner">' in html


def test_catalogue_text_is_escaped(html) -> None:
    assert EVIL not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert(2)" not in html
    assert "${alert(3)}" not in html


def test_geojson_export_matches_the_tour(plan) -> None:
    doc = tour_to_geojson(plan.tour, title="t")
    json.dumps(doc)  # serialisable
    stops = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    legs = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    assert [f["properties"]["order"] for f in stops] == [1, 2, 3, 4]
    assert [f["properties"]["site_id"] for f in stops] == [s.site_id for s in plan.tour.stops]
    for feature, stop in zip(stops, plan.tour.stops, strict=True):
        props = feature["properties"]
        assert dt.datetime.fromisoformat(props["arrival"]) == stop.arrival.replace(microsecond=0)
        assert props["name"] == stop.name
        assert set(props) >= {"order", "site_id", "name", "arrival", "departure"}
    for feature, leg in zip(legs, plan.tour.legs, strict=True):
        props = feature["properties"]
        assert (props["from_id"], props["to_id"]) == (leg.from_id, leg.to_id)
        assert props["distance_m"] == pytest.approx(leg.distance_m, abs=0.05)
        assert props["duration_s"] == pytest.approx(leg.duration_s, abs=0.05)
        line = shape(feature["geometry"])
        assert line.coords[0] == pytest.approx(leg.geometry.coords[0], abs=1e-7)
        lon, lat = line.coords[0]
        assert 24.9 < lon < 25.0 and 60.1 < lat < 60.2  # WGS-84 lon/lat order
    assert doc["totals"]["distance_m"] == pytest.approx(plan.tour.distance_m, abs=0.1)


def test_writers_are_atomic_and_refuse_foreign_files(tmp_path, plan, evil_sites) -> None:
    from tourplanner.errors import OutputError

    fmap = tour_map(plan.tour, evil_sites)
    out = tmp_path / "tour.html"
    write_map(fmap, out)
    write_map(fmap, out)  # ours: replaced without asking
    foreign = tmp_path / "notes.html"
    foreign.write_text("my notes", encoding="utf-8")
    with pytest.raises(OutputError, match="--force"):
        write_map(fmap, foreign)
    assert foreign.read_text(encoding="utf-8") == "my notes"
    write_map(fmap, foreign, force=True)
    assert "tourplanner" in foreign.read_text(encoding="utf-8")
    with pytest.raises(OutputError, match="is a directory"):
        write_geojson(tour_to_geojson(plan.tour), tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        write_geojson(tour_to_geojson(plan.tour), tmp_path / "missing" / "t.geojson")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.html", "tour.html"]


def test_format_minutes() -> None:
    assert format_minutes(0) == "0 min"
    assert format_minutes(29.9) == "0 min"
    assert format_minutes(3600) == "1 h 00 min"
    assert format_minutes(2 * 3600 + 5 * 60) == "2 h 05 min"


def test_stops_at_one_place_share_one_marker(helsinki_graph, evil_sites) -> None:
    from tourplanner.maps import _colocated

    plan = plan_tour(
        helsinki_graph,
        evil_sites,
        stops=["station_rautatientori", "ateneum", "helsinki_cathedral", "cathedral_crypt"],
        round_trip=True,
        start_time=dt.datetime(2026, 6, 2, 10, 0),
    )
    groups = _colocated(plan.tour.stops)
    orders = [[s.order for s in g] for g in groups]
    assert sorted(o for g in orders for o in g) == [s.order for s in plan.tour.stops]
    assert [1, 5] in orders  # the round trip's end is where it started
    assert [3, 4] in orders  # the cathedral and its crypt, 34 m apart
    html = tour_map(plan.tour, evil_sites).get_root().render()
    assert len(re.findall(r"L\.marker\(", html)) == len(groups)
    assert 'data-orders=\\"1 5\\"' in html
    assert "<title>Walking tour</title>" in html


def test_page_data_cannot_close_its_script() -> None:
    from tourplanner.maps import _json_for_script

    text = _json_for_script({"a": "</script><script>alert(1)</script>", "b": "&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>", "b": "&"}
