"""Tests of tourplanner.export: GPX round trips, directions, itineraries and safe writers.

Tours are planned on the real Helsinki extract; one catalogue name is an HTML
injection attempt, and a two-day tour checks the per-day parts of the documents.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import itertools
import os
import re
import zoneinfo
from pathlib import Path

import gpxpy
import pytest
from markdown_it import MarkdownIt

from tourplanner.directions import leg_destinations, merge_stretches, narrate, tour_directions
from tourplanner.errors import OutputError
from tourplanner.export import (
    _md,
    itinerary_html,
    itinerary_markdown,
    tour_to_geojson,
    tour_to_gpx,
    write_text,
)
from tourplanner.maps import format_minutes
from tourplanner.optimise import Request, check_user_order
from tourplanner.planner import plan_tour
from tourplanner.routing import OffNetworkSite
from tourplanner.tour import LeftOut, Tour, assemble_tour

EVIL = "<img src=x onerror=alert(1)>"
GPX_NS = "http://www.topografix.com/GPX/1/1"


@pytest.fixture(scope="module")
def evil_sites(helsinki_sites):
    sites = helsinki_sites.copy()
    sites.loc["kiasma", "name"] = EVIL
    return sites


@pytest.fixture(scope="module")
def tour(helsinki_graph, evil_sites) -> Tour:
    stops = ["station_rautatientori", "ateneum", "kiasma", "amos_rex", "helsinki_cathedral"]
    plan = plan_tour(
        helsinki_graph, evil_sites, stops=stops, start_time=dt.datetime(2026, 6, 2, 10, 0)
    )
    return plan.tour


def _timed(sites, matrix, order, start):
    request = Request(
        date=start.date(), start=order[0], start_time=start.time(), end_time=dt.timedelta(hours=23)
    )
    return check_user_order(sites, matrix, request, order)[0]


@pytest.fixture(scope="module")
def two_days(helsinki_graph, evil_sites, helsinki_snapping, helsinki_matrix) -> Tour:
    """A two-day tour with a left-out and a skipped site."""
    days = [
        _timed(
            evil_sites,
            helsinki_matrix,
            ["station_rautatientori", "ateneum", "kiasma"],
            dt.datetime(2026, 6, 2, 10, 0),
        ),
        _timed(
            evil_sites,
            helsinki_matrix,
            ["helsinki_cathedral", "old_market_hall", "amos_rex"],
            dt.datetime(2026, 6, 3, 9, 30),
        ),
    ]
    return assemble_tour(
        helsinki_graph,
        evil_sites,
        helsinki_snapping,
        helsinki_matrix,
        days,
        left_out=[LeftOut("g12_gallery", "G12 Galleria", "closed", "closed on the tour's dates")],
        skipped=[OffNetworkSite("far_away", "Far Away Folly", 950.0)],
    )


# --- GPX ----------------------------------------------------------------------------------


def _track_points(day) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for leg in day.legs:
        for lon, lat in leg.geometry.coords:
            if not points or points[-1] != (lat, lon):
                points.append((lat, lon))
    return points


@pytest.mark.parametrize("which", ["tour", "two_days"])
def test_gpx_round_trip(which, request) -> None:
    tour = request.getfixturevalue(which)
    gpx = gpxpy.parse(tour_to_gpx(tour, title="Helsinki"))
    assert gpx.name == "Helsinki"
    assert len(gpx.waypoints) == len(tour.stops)
    for waypoint, stop in zip(gpx.waypoints, tour.stops, strict=True):
        assert waypoint.name == f"{stop.order}. {stop.name}"
        assert waypoint.latitude == pytest.approx(stop.position[1], abs=1e-7)
        assert waypoint.longitude == pytest.approx(stop.position[0], abs=1e-7)
        # GPX times are UTC: the arrival is Helsinki local time (EEST in June, UTC+3)
        helsinki = zoneinfo.ZoneInfo("Europe/Helsinki")
        assert waypoint.time == stop.arrival.replace(tzinfo=helsinki)
        assert waypoint.time.utcoffset() == dt.timedelta(0)
        assert waypoint.time.hour == (stop.arrival.hour - 3) % 24
    assert len(gpx.tracks) == len(tour.days)
    for track, day in zip(gpx.tracks, tour.days, strict=True):
        assert track.name == f"Day {day.index + 1}, {day.date.isoformat()}"
        assert len(track.segments) == 1
        got = [(p.latitude, p.longitude) for p in track.segments[0].points]
        want = _track_points(day)
        assert len(got) == len(want) > len(day.legs)
        for (lat, lon), (want_lat, want_lon) in zip(got, want, strict=True):
            assert lat == pytest.approx(want_lat, abs=1e-7)
            assert lon == pytest.approx(want_lon, abs=1e-7)
        assert all(a != b for a, b in itertools.pairwise(got))  # consecutive duplicates dropped


def test_gpx_tracks_follow_the_legs_end_to_end(two_days) -> None:
    gpx = gpxpy.parse(tour_to_gpx(two_days))
    for track, day in zip(gpx.tracks, two_days.days, strict=True):
        points = track.segments[0].points
        first = day.legs[0].geometry.coords[0]
        last = day.legs[-1].geometry.coords[-1]
        assert (points[0].longitude, points[0].latitude) == pytest.approx(first, abs=1e-7)
        assert (points[-1].longitude, points[-1].latitude) == pytest.approx(last, abs=1e-7)
        # the track is as long as the walk (geodesic length vs. routed street length)
        assert track.length_2d() == pytest.approx(sum(leg.distance_m for leg in day.legs), rel=0.02)


def test_gpx_declares_version_1_1(tour) -> None:
    text = tour_to_gpx(tour)
    root = re.search(r"<gpx\b[^>]*>", text)
    assert root is not None
    assert f'xmlns="{GPX_NS}"' in root.group(0)
    assert 'version="1.1"' in root.group(0)
    assert 'creator="tourplanner"' in root.group(0)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert EVIL not in text and html.escape(EVIL, quote=False) in text


def test_gpx_validates_against_the_schema(tour) -> None:
    etree = pytest.importorskip("lxml.etree", reason="lxml is not installed")
    candidates = [
        Path(__file__).parent / "data" / "gpx.xsd",
        Path("/usr/share/xml/gpx/1.1/gpx.xsd"),
        Path("/usr/share/xml/gpx/gpx.xsd"),
    ]
    xsd = next((p for p in candidates if p.is_file()), None)
    if xsd is None:
        pytest.skip("no GPX 1.1 XSD available offline (nothing is downloaded)")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.fromstring(tour_to_gpx(tour).encode("utf-8"))
    assert schema.validate(document), schema.error_log


# --- directions ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def steps(helsinki_graph, two_days):
    ends = [stop.position for stop in leg_destinations(two_days)]
    return tour_directions(helsinki_graph, two_days.legs, destinations=ends)


def test_directions_add_up_to_each_leg(two_days, steps) -> None:
    assert len(steps) == len(two_days.legs) == 4
    for leg, leg_steps in zip(two_days.legs, steps, strict=True):
        assert leg_steps
        total = sum(step.distance_m for step in leg_steps)
        assert total == pytest.approx(leg.distance_m, rel=0.01)


def test_geojson_carries_the_directions(two_days, steps) -> None:
    doc = tour_to_geojson(two_days, directions=steps)
    legs = [f for f in doc["features"] if f["properties"]["kind"] == "leg"]
    assert [f["properties"]["day"] for f in legs] == [1, 1, 2, 2]
    ends = leg_destinations(two_days)
    for feature, leg_steps, end in zip(legs, steps, ends, strict=True):
        props = feature["properties"]
        # the ways walked (what compare counts): one per way, summing to the leg
        ways = merge_stretches(x for step in leg_steps for x in step.stretches)
        assert props["directions"] == [
            {
                "street": w.label(),
                "name": w.name,
                "name_en": w.name_en,
                "highway": w.highway,
                "distance_m": round(w.distance_m, 1),
            }
            for w in ways
        ]
        # the maneuvers, with the sentence shown in the panel
        assert [s["maneuver"] for s in props["steps"]] == [s.maneuver for s in leg_steps]
        assert props["steps"][0]["maneuver"] == "depart"
        assert props["steps"][-1]["maneuver"] == "arrive"
        assert sum(s["distance_m"] for s in props["steps"]) == pytest.approx(
            props["distance_m"], abs=0.1 * len(leg_steps)
        )
        for item, step, text in zip(
            props["steps"], leg_steps, narrate(leg_steps, destination=end.name), strict=True
        ):
            assert item["instruction"] == text
            assert item["modifier"] == step.modifier
            assert item["bearing_after"] == step.bearing_after
            assert item["street"] == step.street()
            assert item["location"] == list(step.location)
        assert end.name in props["steps"][-1]["instruction"]
    without = tour_to_geojson(two_days)
    assert all(
        f["properties"]["directions"] == [] and f["properties"]["steps"] == []
        for f in without["features"]
        if f["properties"]["kind"] == "leg"
    )


def test_gpx_route_points_carry_the_instructions(two_days, steps) -> None:
    gpx = gpxpy.parse(tour_to_gpx(two_days, directions=steps))
    assert [r.name for r in gpx.routes] == ["Directions, day 1", "Directions, day 2"]
    points = [p for r in gpx.routes for p in r.points]
    expected = [
        (text, step)
        for leg_steps, end in zip(steps, leg_destinations(two_days), strict=True)
        for text, step in zip(narrate(leg_steps, destination=end.name), leg_steps, strict=True)
    ]
    assert [p.name for p in points] == [text for text, _ in expected]
    assert [p.type for p in points] == [step.maneuver for _, step in expected]
    for point, (_, step) in zip(points, expected, strict=True):
        assert (point.longitude, point.latitude) == pytest.approx(step.location)
    assert not gpxpy.parse(tour_to_gpx(two_days)).routes


# --- itineraries --------------------------------------------------------------------------


def _totals(tour: Tour) -> str:
    return (
        f"{len(tour.visits)} visits, {tour.distance_m / 1000:.2f} km, "
        f"{format_minutes(tour.walking_s)} walking, {format_minutes(tour.visiting_s)} on site"
    )


def _times(stop) -> tuple[str, str]:
    return f"{stop.arrival:%H:%M}", f"{stop.departure:%H:%M}"


def test_markdown_itinerary_lists_the_stops_in_order(two_days, steps) -> None:
    text = itinerary_markdown(two_days, title="Two days", directions=steps)
    assert text.startswith("<!-- generator: tourplanner -->\n# Two days\n")
    rows = re.findall(r"^(\d+)\. \*\*(.*?)\*\*.*?: (\d\d:\d\d)-(\d\d:\d\d)", text, re.MULTILINE)
    # catalogue text is escaped in Markdown, so the evil name cannot become live HTML
    expected = [(str(s.order), _md(s.name), *_times(s)) for s in two_days.stops]
    assert rows == expected
    assert "<img" not in MarkdownIt().render(text)  # escaped: shown as text, not an element
    assert _totals(two_days) in text
    assert "## Day 1: Tuesday 02 June 2026" in text
    assert "## Day 2: Wednesday 03 June 2026" in text
    assert text.index("## Day 2") > text.index(f"**{_md(two_days.days[0].stops[-1].name)}**")
    assert "## Not visited\n\n- G12 Galleria: closed on the tour's dates" in text
    assert "Off the street network, skipped: Far Away Folly" in text
    for leg_steps, end in zip(steps, leg_destinations(two_days), strict=True):
        for sentence in narrate(leg_steps, destination=end.name):
            assert f"        - {_md(sentence)}\n" in text


def test_html_itinerary_lists_the_stops_in_order(two_days, steps) -> None:
    page = itinerary_html(two_days, title="Two <days>", directions=steps)
    assert '<meta name="generator" content="tourplanner">' in page
    assert "<h1>Two &lt;days&gt;</h1>" in page
    rows = re.findall(
        r'<p class="stop"><b>(\d+)\. (.*?)</b>.*?: (\d\d:\d\d)&ndash;(\d\d:\d\d)', page
    )
    assert rows == [(str(s.order), html.escape(s.name), *_times(s)) for s in two_days.stops]
    assert _totals(two_days) in page
    assert page.count("<h2>Day ") == 2
    assert "<h2>Not visited</h2><ul><li>G12 Galleria: closed on the tour&#x27;s dates</li>" in page


def test_html_itinerary_escapes_catalogue_text(two_days) -> None:
    page = itinerary_html(two_days)
    assert EVIL not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in page


def test_html_itinerary_lists_skipped_sites(two_days) -> None:
    assert "Far Away Folly" in itinerary_html(two_days)


def test_itineraries_show_waiting(tour) -> None:
    waiting = dataclasses.replace(
        tour,
        days=(
            dataclasses.replace(
                tour.days[0],
                stops=tuple(
                    dataclasses.replace(s, wait_s=600.0) if s.order == 2 else s
                    for s in tour.days[0].stops
                ),
            ),
        ),
    )
    assert "wait 10 min" in itinerary_markdown(waiting)
    assert "wait 10 min" in itinerary_html(waiting)
    assert "wait" not in itinerary_markdown(tour)


# --- writers ------------------------------------------------------------------------------


def test_write_text_replaces_its_own_markdown_and_html(tmp_path, tour, two_days) -> None:
    for name, render in (("tour.md", itinerary_markdown), ("tour.html", itinerary_html)):
        out = tmp_path / name
        write_text(render(tour), out)
        assert out.read_text(encoding="utf-8") == render(tour)
        write_text(render(two_days), out)  # ours: replaced without --force
        assert out.read_text(encoding="utf-8") == render(two_days)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tour.html", "tour.md"]


def test_write_text_replaces_its_own_gpx(tmp_path, tour, two_days) -> None:
    out = tmp_path / "tour.gpx"
    write_text(tour_to_gpx(tour), out)
    write_text(tour_to_gpx(two_days), out)
    assert out.read_text(encoding="utf-8") == tour_to_gpx(two_days)


@pytest.mark.parametrize("name", ["notes.gpx", "notes.md"])
def test_write_text_refuses_a_foreign_file(tmp_path, tour, name) -> None:
    foreign = tmp_path / name
    foreign.write_text("my own notes\n", encoding="utf-8")
    with pytest.raises(OutputError, match="--force"):
        write_text(tour_to_gpx(tour), foreign)
    assert foreign.read_text(encoding="utf-8") == "my own notes\n"
    write_text(tour_to_gpx(tour), foreign, force=True)
    assert foreign.read_text(encoding="utf-8") == tour_to_gpx(tour)
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_write_text_rejects_bad_destinations(tmp_path, tour) -> None:
    text = tour_to_gpx(tour)
    with pytest.raises(OutputError, match="is a directory"):
        write_text(text, tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        write_text(text, tmp_path / "missing" / "tour.gpx")
    with pytest.raises(OutputError, match="not writable"):
        write_text(text, "/proc/x.gpx")
    assert list(tmp_path.iterdir()) == []
    assert not Path("/proc/x.gpx").exists()


def _failing_replace(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("target", ["os.replace", "Path.replace"])
def test_failed_write_leaves_no_temporary_file(tmp_path, tour, two_days, monkeypatch, target):
    out = tmp_path / "tour.md"
    write_text(itinerary_markdown(tour), out)
    before = out.read_bytes()
    if target == "os.replace":
        monkeypatch.setattr(os, "replace", _failing_replace)
    else:
        monkeypatch.setattr(Path, "replace", _failing_replace)
    with pytest.raises(OutputError, match=r"cannot write .*tour\.md \(No space left on device\)"):
        write_text(itinerary_markdown(two_days), out)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["tour.md"]
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*"))
    assert out.read_bytes() == before


def test_itineraries_carry_the_positions_notice_escaped(two_days) -> None:
    notice = "Estimated positions: <b>Fengtian</b> [x](javascript:alert(1))."
    markdown = itinerary_markdown(two_days, notice=notice)
    html = itinerary_html(two_days, notice=notice)
    assert "Estimated positions" in markdown and "Estimated positions" in html
    assert "<b>" not in markdown and "](javascript:" not in markdown
    assert "&lt;b&gt;Fengtian&lt;/b&gt;" in html and "<b>Fengtian" not in html
    assert markdown.index("Estimated positions") < markdown.index("## Day 1")
