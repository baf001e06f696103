"""Hostile input: every promise of the command line holds off the tested path (issue 10).

One test per class of the issue (exit statuses, bounded input, all-or-nothing
outputs, neutralised text, a cache that cannot run code, guards before the
network), and a hypothesis fuzzer that mutates valid catalogues, area files,
tours and option values and runs the real command line on each. The fuzzer
runs ``TOURPLANNER_FUZZ_EXAMPLES`` examples per target (default 25).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import pickle
import re
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gpxpy
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import tourplanner._cache
import tourplanner._io
import tourplanner.cli
import tourplanner.graph
from tourplanner import _input
from tourplanner._cache import CacheEntryError, read_graph, write_graph, write_network
from tourplanner._text import csv_cell, html_text, markdown_text, terminal_text, xml_text
from tourplanner.cli import main
from tourplanner.demo import demo_sites_path
from tourplanner.graph import _cache_path, cache_key, load_graph, study_area
from tourplanner.network import NetworkData

FUZZ_EXAMPLES = int(os.environ.get("TOURPLANNER_FUZZ_EXAMPLES", "25"))
HOSTILE_NAME = (
    '=HYPERLINK("http://evil.example/?x")<script>alert(1)</script>'
    "<img src=x onerror=alert(2)>[click](javascript:alert(3))![i](http://evil.example/i.png)"
    "\x1b]0;pwned\x07\x1b[31mred\x01\x0b\u202eesrever 铁西 Töölö 🏭"
)


# --- helpers ----------------------------------------------------------------------------------


def _names(folder: Path | str) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir())


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the real command line in-process; return (status, stdout, stderr)."""
    try:
        status = main(["-q", *argv])
    except SystemExit as exc:  # argparse's usage errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def assert_clean_failure(status: int, err: str, folder: Path, before: set[str]) -> None:
    assert status == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    # one line names the problem, and it comes last; any line before it is a logged warning
    errors = [line for line in lines if re.match(r"tourplanner( [a-z]+)?: error: ", line)]
    assert len(errors) == 1 and lines[-1] == errors[0], err
    assert all(line.startswith("tourplanner") for line in lines), err
    assert set(_names(folder)) == before, "an output or temporary file was left behind"


def base_catalogue() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(demo_sites_path().read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory, helsinki_pbf: Path) -> Path:
    """A cache folder holding the Helsinki demo graph (built once for the module)."""
    cache = tmp_path_factory.mktemp("hostile-cache")
    sites = tourplanner.sites.load_sites(demo_sites_path())
    load_graph(study_area(sites), osm_file=helsinki_pbf, cache_folder=cache)
    return cache


@pytest.fixture
def cached(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOURPLANNER_CACHE_DIR", str(shared_cache))
    return shared_cache


@pytest.fixture(scope="module")
def tour_file(
    tmp_path_factory: pytest.TempPathFactory, shared_cache: Path, helsinki_pbf: Path
) -> Path:
    """A tour GeoJSON written by ``plan --geojson`` on the Helsinki demo data."""
    folder = tmp_path_factory.mktemp("tour")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOURPLANNER_CACHE_DIR", str(shared_cache))
        status = main(
            [
                "-q",
                "plan",
                "--sites",
                str(demo_sites_path()),
                "--osm-file",
                str(helsinki_pbf),
                "--date",
                "2026-05-16",
                "--time-limit",
                "0.3",
                "-o",
                str(folder / "t.html"),
                "--geojson",
                str(folder / "t.geojson"),
            ]
        )
    assert status == 0
    return folder / "t.geojson"


# --- 1. exit statuses -------------------------------------------------------------------------


def test_internal_error_is_one_line_exit_3_and_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Any) -> Any:
        raise RuntimeError("something unexpected")

    monkeypatch.setattr(tourplanner.cli, "load_sites", broken)
    status, _, err = run(["sites"], capsys)
    assert status == 3
    assert len(err.strip().splitlines()) == 1
    assert "--debug" in err and "TOURPLANNER_DEBUG=1" in err and "Traceback" not in err
    status = main(["--debug", "sites"])
    assert status == 3
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("TOURPLANNER_DEBUG", "1")
    assert main(["sites"]) == 3
    assert "RuntimeError: something unexpected" in capsys.readouterr().err


def test_ctrl_c_is_one_line_and_exit_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def interrupted(path: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(tourplanner.cli, "load_sites", interrupted)
    status, _, err = run(["plan", "-o", str(tmp_path / "t.html")], capsys)
    assert status == 130
    assert err.strip() == "tourplanner: interrupted"
    assert _names(tmp_path) == []


def test_sigterm_while_building_the_network_leaves_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    helsinki_pbf: Path,
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tourplanner.graph.tempfile, "tempdir", str(scratch))
    cache = tmp_path / "cache"
    seen: list[int] = []

    def terminated(ways: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(len(ways.ways))
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the program")

    monkeypatch.setattr(tourplanner.graph, "network_from_ways", terminated)
    out = tmp_path / "out"
    out.mkdir()
    argv = ["plan", "--sites", str(demo_sites_path()), "--osm-file", str(helsinki_pbf)]
    status, _, err = run([*argv, "--cache-dir", str(cache), "-o", str(out / "t.html")], capsys)
    assert seen and seen[0] > 100  # the ways were read when the signal came
    assert status == 143
    assert err.strip() == "tourplanner: terminated"
    assert _names(scratch) == []
    assert _names(out) == []
    assert not list(cache.rglob("*.npz"))  # no half-built cache entry


def test_audit_flag_is_the_only_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["audit", "--sites", "/nonexistent.geojson"], capsys)
    assert status == 2 and "does not exist" in err


# --- 2. bounded, validated input --------------------------------------------------------------


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


HOSTILE_CATALOGUES: dict[str, str] = {
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "400-digit coordinate": json.dumps(base_catalogue()).replace("24.9440706", "1" * 400, 1),
    "5,000-digit score": json.dumps(base_catalogue()).replace(
        '"score": 90', '"score": ' + "9" * 5000, 1
    ),
    "lone surrogate": json.dumps(base_catalogue()).replace('"Ateneum"', '"\\ud800"', 1),
    "score Infinity": json.dumps(base_catalogue()).replace('"score": 90', '"score": Infinity', 1),
    "visit 1e308": json.dumps(base_catalogue()).replace(
        '"visit_minutes": 90', '"visit_minutes": 1e308', 1
    ),
    "name is an object": json.dumps(base_catalogue()).replace(
        '"name": "Ateneum"', '"name": {"a": [1]}', 1
    ),
    "latitude 90": json.dumps(base_catalogue()).replace("60.1700237", "90", 1),
    "coordinate 1e400": json.dumps(base_catalogue()).replace("24.9440706", "1e400", 1),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CATALOGUES))
def test_hostile_catalogue_is_one_line_exit_2(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    catalogue = tmp_path / "sites.geojson"
    catalogue.write_text(HOSTILE_CATALOGUES[name], encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    argv = [
        "plan",
        "--sites",
        str(catalogue),
        "--stops",
        "ateneum,kiasma",
        "-o",
        str(out / "t.html"),
    ]
    status, _, err = run(argv, capsys)
    assert_clean_failure(status, err, out, set())
    assert str(catalogue) in err


def _first(kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda doc: next(f for f in doc["features"] if f["properties"]["kind"] == kind)


TOUR_DAMAGE: dict[str, Callable[[dict[str, Any]], None]] = {
    "leg without distance_m": lambda d: _first("leg")(d)["properties"].pop("distance_m"),
    "leg distance a string": lambda d: _first("leg")(d)["properties"].update(distance_m="12"),
    "leg distance negative": lambda d: _first("leg")(d)["properties"].update(distance_m=-1),
    "null geometry": lambda d: _first("leg")(d).update(geometry=None),
    "string coordinates": lambda d: _first("stop")(d)["geometry"].update(coordinates="24,60"),
    "coordinates out of range": lambda d: _first("stop")(d)["geometry"].update(
        coordinates=[500, 60]
    ),
    "directions a string": lambda d: _first("leg")(d)["properties"].update(directions="left"),
    "step without distance": lambda d: _first("leg")(d)["properties"].update(
        directions=[{"highway": "footway"}]
    ),
    "step highway a list": lambda d: _first("leg")(d)["properties"].update(
        directions=[{"highway": ["a"], "distance_m": 1}]
    ),
    "stop without site_id": lambda d: _first("stop")(d)["properties"].pop("site_id"),
    "order a string": lambda d: _first("stop")(d)["properties"].update(order="1"),
    "score a list": lambda d: _first("stop")(d)["properties"].update(score=[1]),
    "day zero": lambda d: _first("stop")(d)["properties"].update(day=0),
    "name an object": lambda d: _first("stop")(d)["properties"].update(name={"x": 1}),
    "feature not an object": lambda d: d["features"].append(3),
    "features not a list": lambda d: d.update(features={}),
    "not ours": lambda d: d.update(generator="someone"),
    "duration missing": lambda d: _first("leg")(d)["properties"].pop("duration_s"),
}


@pytest.mark.parametrize("damage", sorted(TOUR_DAMAGE))
def test_damaged_tours_are_one_line_exit_2(
    damage: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, tour_file: Path
) -> None:
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    TOUR_DAMAGE[damage](doc)
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    argv = ["compare", str(tour_file), str(bad), "-o", str(out / "c.html"), "--csv"]
    status, _, err = run([*argv, str(out / "c.csv")], capsys)
    assert_clean_failure(status, err, out, set())
    assert "bad.geojson" in err


def test_special_and_oversized_input_files_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zero = tmp_path / "zero.geojson"
    zero.symlink_to("/dev/zero")
    status, _, err = run(["sites", "--sites", str(zero)], capsys)
    assert status == 2 and "not a regular file" in err
    fifo = tmp_path / "fifo.geojson"
    os.mkfifo(fifo)
    status, _, err = run(["sites", "--sites", str(fifo)], capsys)  # would block forever
    assert status == 2 and "not a regular file" in err
    big = tmp_path / "big.geojson"
    big.write_text(json.dumps(base_catalogue()), encoding="utf-8")
    monkeypatch.setitem(_input.read_text_bounded.__kwdefaults__, "limit", 1000)
    status, _, err = run(["sites", "--sites", str(big)], capsys)
    assert status == 2 and "more than the" in err and "MB accepted" in err


def test_hostile_area_and_osm_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, helsinki_pbf: Path
) -> None:
    sites = str(demo_sites_path())
    deep = tmp_path / "deep.geojson"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    status, _, err = run(["plan", "--sites", sites, "--area", str(deep)], capsys)
    assert status == 2 and "nested too deeply" in err
    osm = tmp_path / "bad.osm"
    osm.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="600.17" lon="24.94"/>'
        '<node id="2" lat="60.17" lon="24.95"/><way id="3"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="footway"/></way></osm>',
        encoding="utf-8",
    )
    out = tmp_path / "o.html"
    status, _, err = run(["plan", "--sites", sites, "--osm-file", str(osm), "-o", str(out)], capsys)
    assert status == 2 and "600.17" in err and not out.exists()
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "option",
    [
        ["--seed", "-1"],
        ["--seed", "99999999999999999999999"],
        ["--days", "100000000"],
        ["--date", "9999-12-31"],
        ["--margin-m", "1e9"],
        ["--bbox=-inf,-inf,inf,inf"],
        ["--bbox=-200,0,10,10"],
        ["--budget", "999999999999h"],
        ["--time-limit", "inf"],
        ["--max-snap-m", "nan"],
        ["--speed-kmh", "nan"],
        ["--start", "90,0"],  # a study area at the pole
        ["--start", "-33.9,18.4"],  # Cape Town: a point, far away: the area guard refuses
        ["-o", "x" * 300 + ".html"],
    ],
    ids=lambda o: " ".join(o)[:40],
)
@pytest.mark.usefixtures("cached")
def test_option_values_outside_their_range_are_one_line_exit_2(
    option: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    helsinki_pbf: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["plan", "--sites", str(demo_sites_path()), "--osm-file", str(helsinki_pbf), *option]
    status, _, err = run(argv, capsys)
    assert_clean_failure(status, err, tmp_path, set())
    assert "expected one argument" not in err  # a negative point is not taken for an option


def test_negative_start_is_a_point(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = run(["plan", "--start", "-33.9,18.4", "--end", "-33.8,18.5"], capsys)
    assert status == 2
    assert "km²" in err  # the bundled Tiexi sites plus Cape Town: refused as too large


def test_no_site_left_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, helsinki_pbf: Path, cached: Path
) -> None:
    doc = base_catalogue()
    ids = [
        f["properties"]["id"] for f in doc["features"] if f["properties"]["category"] != "station"
    ]
    argv = ["plan", "--sites", str(demo_sites_path()), "--osm-file", str(helsinki_pbf)]
    status, _, err = run(
        [*argv, "--exclude", ",".join(ids), "-o", str(tmp_path / "t.html")], capsys
    )
    assert status == 2
    assert "none given" not in err and "every site is a station or excluded" in err


# --- 3. all-or-nothing outputs ----------------------------------------------------------------


def _plan_argv(helsinki_pbf: Path, folder: Path, sites: Path | None = None) -> list[str]:
    return [
        "plan",
        "--sites",
        str(sites or demo_sites_path()),
        "--osm-file",
        str(helsinki_pbf),
        "--date",
        "2026-05-16",
        "--time-limit",
        "0.2",
        "-o",
        str(folder / "t.html"),
        "--geojson",
        str(folder / "t.geojson"),
        "--gpx",
        str(folder / "t.gpx"),
        "--itinerary",
        str(folder / "t.md"),
    ]


def test_a_failing_third_output_leaves_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    helsinki_pbf: Path,
    cached: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_stage = tourplanner._io.OutputTransaction.stage
    calls: list[Path] = []

    def disk_full(self: Any, path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise tourplanner._io.OutputError(f"cannot write {path} (No space left on device)")
        real_stage(self, path, data)

    monkeypatch.setattr(tourplanner._io.OutputTransaction, "stage", disk_full)
    status, _, err = run(_plan_argv(helsinki_pbf, tmp_path), capsys)
    assert len(calls) == 3
    assert_clean_failure(status, err, tmp_path, set())


def test_a_failing_rename_restores_the_replaced_files(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    helsinki_pbf: Path,
    cached: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run(_plan_argv(helsinki_pbf, tmp_path), capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_replace = Path.replace
    moved: list[Path] = []

    def fail_third(self: Path, target: Any) -> Path:
        if self.name.endswith(".tmp"):
            moved.append(self)
            if len(moved) == 3:
                raise OSError(28, "No space left on device")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", fail_third)
    status, _, err = run([*_plan_argv(helsinki_pbf, tmp_path), "--seed", "5"], capsys)
    assert status == 2 and "nothing was written" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_special_outputs_and_own_inputs_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tour_file: Path
) -> None:
    fifo = tmp_path / "fifo.html"
    os.mkfifo(fifo)
    status, _, err = run(["compare", str(tour_file), str(tour_file), "-o", str(fifo)], capsys)
    assert status == 2 and "FIFO" in err
    status, _, err = run(["compare", str(tour_file), str(tour_file), "-o", "/dev/null"], capsys)
    assert status == 2 and "not a regular file" in err
    a, b = tmp_path / "a.geojson", tmp_path / "b.geojson"
    a.write_bytes(tour_file.read_bytes())
    b.write_bytes(tour_file.read_bytes())
    tourplanner._io._remember([a, b])  # even files tourplanner wrote are not replaced
    status, _, err = run(["compare", str(a), str(b), "-o", str(a), "--csv", str(b)], capsys)
    assert status == 2 and "also an input" in err
    assert a.read_bytes() == b.read_bytes() == tour_file.read_bytes()


def test_only_files_tourplanner_wrote_are_replaced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tour_file: Path
) -> None:
    notes = tmp_path / "c.html"
    notes.write_text('<meta name="generator" content="tourplanner"> generator: tourplanner\n')
    argv = ["compare", str(tour_file), str(tour_file), "-o", str(notes)]
    status, _, err = run(argv, capsys)
    assert status == 2 and "--force" in err
    assert "generator: tourplanner" in notes.read_text()
    assert run([*argv, "--force"], capsys)[0] == 0
    assert run(argv, capsys)[0] == 0  # now it is ours
    with notes.open("a") as handle:
        handle.write("my edit\n")  # edited: the user's again
    assert run(argv, capsys)[0] == 2


def test_umask_is_respected_and_a_replaced_file_keeps_its_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tour_file: Path
) -> None:
    old = os.umask(0o077)
    try:
        out = tmp_path / "c.html"
        assert run(["compare", str(tour_file), str(tour_file), "-o", str(out)], capsys)[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        os.umask(0o022)
        out.chmod(0o640)
        assert run(["compare", str(tour_file), str(tour_file), "-o", str(out)], capsys)[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
    finally:
        os.umask(old)


# --- 4. neutralised text ----------------------------------------------------------------------


def test_neutralisers_keep_ordinary_unicode() -> None:
    ordinary = "铁西区 Töölö Hämeenlinna 🏭 café"
    assert terminal_text(ordinary) == ordinary
    assert xml_text(ordinary) == ordinary
    assert html_text(ordinary) == ordinary
    assert csv_cell(ordinary) == ordinary
    assert MarkdownIt().render(markdown_text(ordinary)).strip() == f"<p>{ordinary}</p>"


def test_injection_round_trips_through_each_reader(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    helsinki_pbf: Path,
    cached: Path,
) -> None:
    doc = base_catalogue()
    for feature in doc["features"]:
        feature["properties"]["name"] = HOSTILE_NAME + " " + feature["properties"]["id"]
    catalogue = tmp_path / "sites.geojson"
    catalogue.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    argv = _plan_argv(helsinki_pbf, out, catalogue)
    status, stdout, err = run([*argv, "--exclude", "ateneum"], capsys)
    assert status == 0, err
    # terminal: no escape or control characters
    assert not any(c in stdout for c in "\x1b\x07\x01\x0b\u202e")
    assert "铁西 Töölö 🏭" in stdout
    # Markdown: rendered, nothing live
    rendered = MarkdownIt().render((out / "t.md").read_text(encoding="utf-8"))
    for live in ("<script", "<img", 'href="javascript', "<a ", "\u202e"):
        assert live not in rendered
    assert "Not visited" in rendered and "铁西 Töölö 🏭" in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered  # shown as text
    # GPX: gpxpy reads it back, names are the text without forbidden characters
    gpx = gpxpy.parse((out / "t.gpx").read_text(encoding="utf-8"))
    assert gpx.waypoints and all("<script>" in w.name for w in gpx.waypoints if w.name)
    assert all(
        "\x01" not in (w.name or "") and "\u202e" not in (w.name or "") for w in gpx.waypoints
    )
    # HTML map: escaped, no bidi override
    page = (out / "t.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "onerror=alert" not in page.replace(
        "onerror=alert(2)&gt;", ""
    )
    assert "\u202e" not in page and "&lt;script&gt;alert(1)" in page
    # CSV through compare: the csv module and pandas read the header first, formulas inert
    csv_path = out / "c.csv"
    status, stdout, err = run(
        [
            "compare",
            str(out / "t.geojson"),
            str(out / "t.geojson"),
            "-o",
            str(out / "c.html"),
            "--csv",
            str(csv_path),
        ],
        capsys,
    )
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert rows[0] == ["", str(out / "t.geojson"), str(out / "t.geojson")]  # the header
    frame = pd.read_csv(csv_path, index_col=0)
    assert "visits" in frame.index
    cells = [str(c) for c in frame.to_numpy().ravel()] + [str(i) for i in frame.index]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_csv_cells_follow_the_owasp_rule() -> None:
    for hostile in ("=1+1", "+1", "-1", "@SUM(1+1)*cmd", "\tx", "\rx"):
        assert csv_cell(hostile) == "'" + hostile
    assert csv_cell(-1.5) == -1.5  # numbers stay numbers


# --- 5. the cache -----------------------------------------------------------------------------


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


SMALL_BBOX = (24.935, 60.165, 24.945, 60.170)


@pytest.fixture(scope="module")
def small_raw(helsinki_pbf: Path) -> nx.MultiDiGraph:
    """The unprepared graph of a small Helsinki area, read once from the pbf."""
    area = tourplanner.graph.study_area_from_bbox(*SMALL_BBOX)
    return tourplanner.graph.graph_from_osm_file(helsinki_pbf, area)


@pytest.fixture
def small_graph(
    small_raw: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, nx.MultiDiGraph]:
    """A small area and its prepared graph; building it again returns the graph read once."""
    prepared = tourplanner.graph.prepare_graph(small_raw.copy())
    data = NetworkData.from_graph(prepared)
    monkeypatch.setattr(tourplanner.graph, "network_from_osm_file", lambda path, area: data)
    area = tourplanner.graph.study_area_from_bbox(*SMALL_BBOX)
    return area, prepared


def test_cache_round_trip_is_identical(
    small_graph: tuple[Any, nx.MultiDiGraph], tmp_path: Path
) -> None:
    _, graph = small_graph
    graph = graph.copy()
    for _, _, data in graph.edges(data=True):
        data.pop("travel_time", None)
    graph.graph.pop("walking_speed_kmh", None)
    path = tmp_path / "g.npz"
    write_graph(graph, path)
    loaded = read_graph(path)
    assert loaded.graph == graph.graph and loaded.graph["crs"] == graph.graph["crs"]
    assert dict(loaded.nodes(data=True)) == dict(graph.nodes(data=True))
    original = {(u, v, k): d for u, v, k, d in graph.edges(keys=True, data=True)}
    again = {(u, v, k): d for u, v, k, d in loaded.edges(keys=True, data=True)}
    assert original.keys() == again.keys()
    for key, data in original.items():
        other = dict(again[key])
        assert set(other) == set(data)
        if "geometry" in data:
            assert other.pop("geometry").equals_exact(data["geometry"], 0)
        assert other == {k: v for k, v in data.items() if k != "geometry"}


def _entry(helsinki_pbf: Path, area: Any, cache: Path) -> Path:
    return _cache_path(cache_key(area, helsinki_pbf), cache)


def test_a_pickle_at_the_cache_key_is_never_executed(
    small_graph: tuple[Any, nx.MultiDiGraph], helsinki_pbf: Path, tmp_path: Path
) -> None:
    area, graph = small_graph
    marker = tmp_path / "pwned"
    cache = tmp_path / "cache"
    entry = _entry(helsinki_pbf, area, cache)
    entry.parent.mkdir(parents=True)
    entry.write_bytes(pickle.dumps(_Payload(marker)))
    entry.with_suffix(".pickle").write_bytes(pickle.dumps(_Payload(marker)))  # the old name
    zipped = io.BytesIO()
    np.savez(zipped, meta=np.array([_Payload(marker)], dtype=object))  # pickle inside the npz
    loaded = load_graph(area, osm_file=helsinki_pbf, cache_folder=cache)
    assert not marker.exists()
    assert set(loaded) == set(graph)
    entry.write_bytes(zipped.getvalue())
    load_graph(area, osm_file=helsinki_pbf, cache_folder=cache)
    assert not marker.exists()


def _corrupt(arrays: dict[str, np.ndarray], name: str, value: np.ndarray) -> dict[str, np.ndarray]:
    changed = dict(arrays)
    changed[name] = value
    return changed


CORRUPTIONS: dict[str, Callable[[dict[str, np.ndarray]], dict[str, np.ndarray] | bytes]] = {
    "garbage": lambda a: b"not a cache entry",
    "empty file": lambda a: b"",
    "negative length": lambda a: _corrupt(a, "edge_length", -a["edge_length"]),
    "NaN length": lambda a: _corrupt(a, "edge_length", a["edge_length"] * np.nan),
    "no lengths": lambda a: {k: v for k, v in a.items() if k != "edge_length"},
    "empty graph": lambda a: {
        **a,
        "node_id": a["node_id"][:0],
        "node_xy": a["node_xy"][:0],
        "edge_uvk": a["edge_uvk"][:0],
        "edge_length": a["edge_length"][:0],
        "geom_offsets": a["geom_offsets"][:1],
    },
    "edge to a missing node": lambda a: _corrupt(
        a, "edge_uvk", np.where(a["edge_uvk"] == a["edge_uvk"][0, 0], -7, a["edge_uvk"])
    ),
    "latitude 600": lambda a: _corrupt(a, "node_xy", a["node_xy"] + [0, 540]),
    "other format": lambda a: _corrupt(a, "meta", np.frombuffer(b'{"format": 1}', dtype=np.uint8)),
    "meta not JSON": lambda a: _corrupt(a, "meta", np.frombuffer(b"\x80\x81", dtype=np.uint8)),
    "not strongly connected": lambda a: _corrupt(a, "edge_uvk", a["edge_uvk"][:, [0, 0, 2]]),
    "repeated edge": lambda a: _corrupt(
        a, "edge_uvk", np.vstack([a["edge_uvk"][:1], a["edge_uvk"][:-1]])
    ),
    "negative key": lambda a: _corrupt(a, "edge_uvk", a["edge_uvk"] * [1, 1, -1] - [0, 0, 1]),
    "attributes not JSON": lambda a: _corrupt(
        a, "attributes", np.frombuffer(b'{"nodes": [', dtype=np.uint8)
    ),
    "attributes of another length": lambda a: _corrupt(
        a, "attributes", np.frombuffer(b'{"nodes": [], "edges": []}', dtype=np.uint8)
    ),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_every_corrupted_entry_is_rebuilt_with_a_warning(
    name: str,
    small_graph: tuple[Any, nx.MultiDiGraph],
    helsinki_pbf: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    area, graph = small_graph
    cache = tmp_path / "cache"
    load_graph(area, osm_file=helsinki_pbf, cache_folder=cache)
    entry = _entry(helsinki_pbf, area, cache)
    with np.load(entry, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    corrupted = CORRUPTIONS[name](arrays)
    if isinstance(corrupted, bytes):
        entry.write_bytes(corrupted)
    else:
        with entry.open("wb") as handle:
            np.savez(handle, **corrupted)  # type: ignore[arg-type]
    with pytest.raises(CacheEntryError):
        read_graph(entry)
    caplog.clear()
    rebuilt = load_graph(area, osm_file=helsinki_pbf, cache_folder=cache)
    assert "Rebuilding the cached walking network" in caplog.text
    assert set(rebuilt) == set(graph) and rebuilt.number_of_edges() == graph.number_of_edges()
    assert read_graph(entry).number_of_edges() == graph.number_of_edges()  # healed


def test_cache_folder_is_private_and_cached_is_logged_only_after_the_write(
    small_graph: tuple[Any, nx.MultiDiGraph],
    helsinki_pbf: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    area, _ = small_graph
    cache = tmp_path / "cache"
    caplog.set_level("INFO", logger="tourplanner")

    def disk_full(graph: Any, path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tourplanner.graph, "write_network", disk_full)
    load_graph(area, osm_file=helsinki_pbf, cache_folder=cache)
    assert "Cached the walking network" not in caplog.text
    assert "No space left on device" in caplog.text
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache / "graphs").stat().st_mode) == 0o700
    monkeypatch.setattr(tourplanner.graph, "write_network", write_network)
    load_graph(area, osm_file=helsinki_pbf, cache_folder=cache)
    assert "Cached the walking network" in caplog.text


# --- 6. guards before the network -------------------------------------------------------------


def test_a_huge_study_area_is_refused_before_any_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        status, _, err = run(
            ["plan", "--bbox=100,20,130,50", "-o", str(tmp_path / "t.html")], capsys
        )
        assert len(mock.calls) == 0
    assert status == 2 and "km²" in err and "--max-area-km2" in err
    assert "8,8" in err or "km²" in err


def test_a_refusing_overpass_fails_at_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tourplanner.graph, "_host_resolves", lambda url: True)
    monkeypatch.setattr(tourplanner.graph.ox.settings, "overpass_rate_limit", True)

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s")

    monkeypatch.setattr("time.sleep", no_sleep)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        status, _, err = run(
            ["plan", "-o", str(tmp_path / "t.html")], capsys
        )  # refused by responses
        assert len(mock.calls) == 1 and mock.calls[0].request.url.endswith("/status")
    assert status == 2 and "cannot download the street network" in err
    assert len(err.strip().splitlines()) == 1


# --- the fuzzer -------------------------------------------------------------------------------

HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["\ud800", "=cmd", "\x1b[2J", "9" * 500, "", "-1", "1e999", "24.9,60.1"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc[:4]):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


def _mutate(doc: Any, data: st.DataObject) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        target = doc
        for key in path[:-1]:
            target = target[key]
        if data.draw(st.booleans()) and isinstance(target, dict):
            del target[path[-1]]
        else:
            target[path[-1]] = data.draw(HOSTILE_VALUES)
    return doc


def _dump(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=True)


def _check_run(status: int, err: str, folder: Path, allowed: set[int]) -> None:
    assert status in allowed, err
    assert "Traceback" not in err
    leftovers = [n for n in _names(folder) if n.startswith(".tourplanner-")]
    assert leftovers == []
    if status != 0:
        assert len(err.strip().splitlines()) == 1, err
        assert not any(n.startswith("out") for n in _names(folder))


@FUZZ
@given(data=st.data())
def test_fuzz_catalogues(
    data: st.DataObject, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = base_catalogue()
    doc["features"] = doc["features"][:5]
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "in.geojson"
    path.write_text(_dump(_mutate(doc, data)), encoding="utf-8", errors="surrogatepass")
    status, _, err = run(["sites", "--sites", str(path)], capsys)
    _check_run(status, err, folder, {0, 2})


@FUZZ
@given(data=st.data())
def test_fuzz_area_files(
    data: st.DataObject, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    area = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[24.93, 60.16], [24.95, 60.16], [24.95, 60.17], [24.93, 60.16]]],
        },
    }
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "area.geojson"
    path.write_text(_dump(_mutate(area, data)), encoding="utf-8", errors="surrogatepass")
    empty = folder / "empty.osm"
    empty.write_text("")
    argv = [
        "plan",
        "--sites",
        str(demo_sites_path()),
        "--area",
        str(path),
        "--osm-file",
        str(empty),
    ]
    status, _, err = run([*argv, "-o", str(folder / "out.html")], capsys)
    _check_run(status, err, folder, {2})


@FUZZ
@given(data=st.data())
def test_fuzz_compare_tours(
    data: st.DataObject, capsys: pytest.CaptureFixture[str], tmp_path: Path, tour_file: Path
) -> None:
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    doc["features"] = (
        doc["features"][:3] + [f for f in doc["features"] if f["properties"]["kind"] == "leg"][:2]
    )
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "b.geojson"
    path.write_text(_dump(_mutate(doc, data)), encoding="utf-8", errors="surrogatepass")
    argv = ["compare", str(tour_file), str(path), "-o", str(folder / "out.html")]
    status, _, err = run([*argv, "--csv", str(folder / "out.csv")], capsys)
    _check_run(status, err, folder, {0, 2})
    if status == 0:
        assert pd.read_csv(folder / "out.csv", index_col=0).shape[1] == 2


OPTIONS = [
    "--seed",
    "--days",
    "--date",
    "--margin-m",
    "--bbox",
    "--start",
    "--end",
    "--budget",
    "--time-limit",
    "--speed-kmh",
    "--max-snap-m",
    "--start-time",
    "--end-time",
    "--stops",
    "--must",
    "--exclude",
    "--max-area-km2",
    "--tiles",
]


@FUZZ
@given(
    option=st.sampled_from(OPTIONS),
    value=st.one_of(
        st.text(max_size=25).filter(lambda t: "\x00" not in t),
        st.integers(-(10**40), 10**40).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(
            ["-1", "0", "1e309", "-inf,-inf,inf,inf", "90,0", "-33.9,18.4", "9999-12-31"]
        ),
    ),
)
def test_fuzz_option_values(
    option: str, value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    empty = folder / "empty.osm"
    empty.write_text("")
    argv = [
        "plan",
        "--sites",
        str(demo_sites_path()),
        "--osm-file",
        str(empty),
        f"{option}={value}",
    ]
    status, _, err = run([*argv, "-o", str(folder / "out.html")], capsys)
    _check_run(status, err, folder, {2})


def test_a_closed_output_pipe_ends_quietly() -> None:
    """``tourplanner sites | head -1``: no 'internal error', no traceback, exit 141."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "tourplanner.cli", "sites"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before the table is printed, as head would
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141, err
    assert "Traceback" not in err and "internal error" not in err
