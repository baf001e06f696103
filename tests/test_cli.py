"""Tests of the command line: the whole pipeline offline, and every bad input.

Every bad input must end in one line on stderr, exit status 2, no traceback and
no output file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tourplanner.cli import main
from tourplanner.demo import demo_sites_path


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """One graph cache for the module, so the Helsinki graph is built once."""
    return tmp_path_factory.mktemp("cli-cache")


@pytest.fixture
def run(capsys, cache_dir, helsinki_pbf):
    def _run(*argv: str, osm: bool = True) -> tuple[int, str, str]:
        args = list(argv)
        if osm and "plan" in args:
            args += ["--osm-file", str(helsinki_pbf), "--cache-dir", str(cache_dir)]
        code = main(args)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def _catalogue(tmp_path: Path, features: list[dict], name: str = "sites.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def _site(site_id: str, lon: float, lat: float, **props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"id": site_id, "name": site_id.title(), "category": "museum", **props},
    }


def _assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("tourplanner: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_sites_lists_the_bundled_catalogue(run) -> None:
    code, out, _ = run("sites")
    assert code == 0
    assert "china_industrial_museum" in out and "中国工业博物馆" in out
    assert "station_tiexi_square" in out


def test_plan_on_helsinki_writes_map_and_geojson(run, tmp_path) -> None:
    out_html, out_json = tmp_path / "t.html", tmp_path / "t.geojson"
    code, out, err = run(
        "plan",
        "--sites",
        str(demo_sites_path()),
        "--stops",
        "ateneum,kiasma,helsinki_cathedral",
        "--start-time",
        "10:30",
        "--date",
        "2026-06-03",
        "--output",
        str(out_html),
        "--geojson",
        str(out_json),
    )
    assert code == 0, err
    assert "Ateneum" in out and "3 stops" in out
    doc = json.loads(out_json.read_text("utf-8"))
    stops = [f["properties"] for f in doc["features"] if f["properties"]["kind"] == "stop"]
    assert [s["site_id"] for s in stops] == ["ateneum", "kiasma", "helsinki_cathedral"]
    assert stops[0]["arrival"] == "2026-06-03T10:30:00"
    assert "L.polyline(" in out_html.read_text("utf-8")


def test_plan_speed_scales_durations(run, tmp_path) -> None:
    docs = []
    for speed in ("3", "6"):
        path = tmp_path / f"s{speed}.geojson"
        code, _, err = run(
            "plan",
            "--sites",
            str(demo_sites_path()),
            "--stops",
            "ateneum,kiasma",
            "--speed-kmh",
            speed,
            "--output",
            str(tmp_path / f"s{speed}.html"),
            "--geojson",
            str(path),
        )
        assert code == 0, err
        docs.append(json.loads(path.read_text("utf-8")))
    slow, fast = ([f for f in d["features"] if f["properties"]["kind"] == "leg"][0] for d in docs)
    assert slow["properties"]["distance_m"] == fast["properties"]["distance_m"]
    assert slow["properties"]["duration_s"] == pytest.approx(
        2 * fast["properties"]["duration_s"], rel=1e-3
    )


def test_demo_runs_offline_and_says_it_is_not_tiexi(run, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("demo", "--geojson", "demo.geojson", "--time-limit", "1")
    assert code == 0, err
    assert "NOT Tiexi" in out
    html = (tmp_path / "demo.html").read_text("utf-8")
    assert "NOT Tiexi" in html
    doc = json.loads((tmp_path / "demo.geojson").read_text("utf-8"))
    assert len([f for f in doc["features"] if f["properties"]["kind"] == "stop"]) >= 4


def test_plan_without_network_or_cache_names_the_ways_out(run, tmp_path) -> None:
    code, _, err = run("-q", "plan", "--output", str(tmp_path / "x.html"), osm=False)
    _assert_one_line_error(code, err, "--osm-file", "demo")
    assert not (tmp_path / "x.html").exists()


def test_partly_off_network_sites_are_skipped_with_a_warning(run, tmp_path, helsinki_sites) -> None:
    features = json.loads(demo_sites_path().read_text("utf-8"))["features"][:4]
    features.append(_site("sea_fort", 24.9850, 60.1450))  # Suomenlinna sea, no streets nearby
    sites = _catalogue(tmp_path, features)
    out = tmp_path / "t.geojson"
    code, _, err = run(
        "plan",
        "--sites",
        str(sites),
        "--bbox",
        "24.92,60.14,24.99,60.18",
        "--output",
        str(tmp_path / "t.html"),
        "--geojson",
        str(out),
        "--stops",
        ",".join([f["properties"]["id"] for f in features]),
    )
    assert code == 0, err
    assert "sea_fort" in err and "Sea_Fort" in err
    doc = json.loads(out.read_text("utf-8"))
    assert [s["site_id"] for s in doc["skipped"]] == ["sea_fort"]
    assert "sea_fort" not in {f["properties"].get("site_id") for f in doc["features"]}


def _bad_catalogues(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = [_site("a", 24.94, 60.17), _site("b", 24.945, 60.171), _site("c", 24.942, 60.169)]
    non_utf8 = tmp_path / "latin1.geojson"
    non_utf8.write_bytes('{"name": "Caf\xe9"}'.encode("latin-1"))
    invalid = tmp_path / "invalid.geojson"
    invalid.write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    nan_csv = tmp_path / "nan.csv"
    nan_csv.write_text("id,name,category,lat,lon\na,A,museum,,24.9\n", "utf-8")
    return {
        "missing": (tmp_path / "nope.geojson", "does not exist"),
        "directory": (tmp_path, "is a directory"),
        "non-utf8": (non_utf8, "UTF-8"),
        "invalid json": (invalid, "not valid JSON"),
        "no name": (
            _catalogue(
                tmp_path,
                [
                    *good,
                    {**_site("d", 24.94, 60.17), "properties": {"id": "d", "category": "museum"}},
                ],
                "noname.geojson",
            ),
            "missing required field(s) name",
        ),
        "duplicate": (
            _catalogue(tmp_path, [*good, _site("a", 24.94, 60.17)], "dup.geojson"),
            "duplicate id 'a'",
        ),
        "lat range": (
            _catalogue(tmp_path, [_site("a", 24.94, 95.0)], "lat.geojson"),
            "latitude 95.0 out of range",
        ),
        "lon range": (
            _catalogue(tmp_path, [_site("a", 194.0, 60.0)], "lon.geojson"),
            "longitude 194.0 out of range",
        ),
        "swapped": (
            _catalogue(tmp_path, [*good, _site("d", 60.17, 24.94)], "swap.geojson"),
            "swapped",
        ),
        "nan": (nan_csv, "missing or not finite"),
        "category": (
            _catalogue(tmp_path, [_site("a", 24.94, 60.17, category="zoo")], "cat.geojson"),
            "unknown category 'zoo'",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "directory",
        "non-utf8",
        "invalid json",
        "no name",
        "duplicate",
        "lat range",
        "lon range",
        "swapped",
        "nan",
        "category",
    ],
)
def test_bad_catalogues_fail_cleanly(run, tmp_path, case) -> None:
    path, needle = _bad_catalogues(tmp_path)[case]
    out = tmp_path / "out.html"
    code, _, err = run("-q", "plan", "--sites", str(path), "--output", str(out))
    _assert_one_line_error(code, err, needle)
    assert not out.exists()
    code, _, err = run("-q", "sites", "--sites", str(path))
    _assert_one_line_error(code, err, needle)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--stops", "ateneum,louvre"], "unknown stop id 'louvre'"),
        (["--stops", "ateneum,kiasma", "--start", "atheneum"], "did you mean 'ateneum'"),
        (["--stops", "ateneum,kiasma,ateneum"], "listed twice"),
    ],
)
def test_unknown_ids_fail_cleanly(run, tmp_path, args, needle) -> None:
    out = tmp_path / "out.html"
    code, _, err = run("-q", "plan", "--sites", str(demo_sites_path()), "--output", str(out), *args)
    _assert_one_line_error(code, err, needle)
    assert not out.exists()


def test_bad_osm_files_fail_cleanly(run, tmp_path, helsinki_pbf) -> None:
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(helsinki_pbf.read_bytes()[:5000])
    cases = [
        (tmp_path / "missing.osm.pbf", "does not exist"),
        (empty, "is empty"),
        (corrupt, "cannot be read as OpenStreetMap data"),
    ]
    for path, needle in cases:
        out = tmp_path / "out.html"
        code, _, err = run(
            "-q",
            "plan",
            "--sites",
            str(demo_sites_path()),
            "--osm-file",
            str(path),
            "--no-cache",
            "--output",
            str(out),
            osm=False,
        )
        _assert_one_line_error(code, err, needle)
        assert not out.exists()


def test_area_without_streets_and_all_sites_off_network(run, tmp_path) -> None:
    out = tmp_path / "out.html"
    code, _, err = run(
        "-q",
        "plan",
        "--sites",
        str(demo_sites_path()),
        "--bbox",
        "25.30,60.30,25.31,60.31",
        "--no-cache",
        "--output",
        str(out),
    )
    _assert_one_line_error(code, err, "no walkable streets")
    sea = _catalogue(tmp_path, [_site("fort", 24.985, 60.145), _site("isle", 24.99, 60.146)])
    code, _, err = run(
        "-q", "plan", "--sites", str(sea), "--bbox", "24.92,60.14,24.99,60.18", "--output", str(out)
    )
    _assert_one_line_error(code, err, "more than 300 m from the walking network", "fort (Fort")
    assert not out.exists()


def test_bad_outputs_fail_before_any_work(run, tmp_path) -> None:
    mine = tmp_path / "mine.html"
    mine.write_text("precious", "utf-8")
    cases = [
        (["--output", str(tmp_path)], "is a directory"),
        (["--output", str(tmp_path / "no" / "t.html")], "does not exist"),
        (["--output", str(mine)], "--force"),
        (
            ["--output", str(tmp_path / "a.html"), "--geojson", str(tmp_path / "a.html")],
            "same file",
        ),
        (["--output", "/proc/tour.html"], "not writable"),
        (["--output", str(tmp_path / "t.html"), "--gpx", "/proc/t.gpx"], "not writable"),
        (
            ["--output", str(tmp_path / "t.html"), "--tiles", "Nowhere.Tiles"],
            "unknown tile provider",
        ),
        (
            [
                "--output",
                str(tmp_path / "t.html"),
                "--tiles",
                "Thunderforest.Transport",
                "--offline",
            ],
            "needs an API key",
        ),
        (
            ["--output", str(tmp_path / "t.html"), "--itinerary", str(tmp_path / "i.pdf")],
            ".md or .html",
        ),
    ]
    for args, needle in cases:
        code, _, err = run("-q", "plan", "--sites", str(demo_sites_path()), *args)
        _assert_one_line_error(code, err, needle)
    assert mine.read_text("utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.html"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["plan", "--speed-kmh", "fast"], "not a number"),
        (["plan", "--speed-kmh", "80"], "implausible"),
        (["plan", "--start-time", "25:00"], "not HH:MM"),
        (["plan", "--bbox", "1,2,3"], "WEST,SOUTH,EAST,NORTH"),
        (["plan", "--stops", ","], "no site ids"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_malformed_options_are_one_line(run, args, needle) -> None:
    with pytest.raises(SystemExit) as exc:
        run(*args, osm=False)
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--start-time", "15:00", "--end-time", "14:00"], "is not after the start time"),
        (["--budget", "5m", "--date", "2026-06-02"], "no site can be visited"),
        (["--must", "louvre"], "unknown must-visit id 'louvre'"),
        (["--exclude", "louvre"], "unknown excluded id 'louvre'"),
        (["--must", "ateneum", "--date", "2026-06-01"], "is closed on 2026-06-01"),
        (["--start", "60.1450,24.9850", "--date", "2026-06-02"], "off the walking network"),
        (["--must", "kiasma", "--exclude", "kiasma"], "both in --must and --exclude"),
    ],
)
def test_bad_tour_requests_fail_cleanly(run, tmp_path, args, needle) -> None:
    out = tmp_path / "out.html"
    code, _, err = run(
        "-q",
        "plan",
        "--sites",
        str(demo_sites_path()),
        "--output",
        str(out),
        "--time-limit",
        "1",
        *args,
    )
    _assert_one_line_error(code, err, needle)
    assert not out.exists()


def test_days_below_one_is_a_usage_error(run) -> None:
    with pytest.raises(SystemExit) as exc:
        run("plan", "--days", "0", osm=False)
    assert exc.value.code == 2


def test_optimised_plan_writes_waits_and_left_out_sites(run, tmp_path) -> None:
    out = tmp_path / "t.geojson"
    code, _, err = run(
        "plan",
        "--sites",
        str(demo_sites_path()),
        "--date",
        "2026-06-01",
        "--start-time",
        "13:00",
        "--budget",
        "4h",
        "--start",
        "station_rautatientori",
        "--round-trip",
        "--seed",
        "3",
        "--time-limit",
        "2",
        "--output",
        str(tmp_path / "t.html"),
        "--geojson",
        str(out),
        "--gpx",
        str(tmp_path / "t.gpx"),
        "--itinerary",
        str(tmp_path / "t.md"),
    )
    assert code == 0, err
    doc = json.loads(out.read_text("utf-8"))
    kinds = [
        f["properties"]["stop_kind"] for f in doc["features"] if f["properties"]["kind"] == "stop"
    ]
    assert kinds[0] == "start" and kinds[-1] == "end"
    left = {item["site_id"]: item["reason"] for item in doc["left_out"]}
    assert left["ateneum"] == "closed"  # Ateneum does not open on Mondays
    last = [f for f in doc["features"] if f["properties"]["kind"] == "stop"][-1]["properties"]
    assert last["arrival"] <= "2026-06-01T17:00:00"
    assert (tmp_path / "t.gpx").read_text("utf-8").count("<wpt") == len(kinds)
    assert "Not visited" in (tmp_path / "t.md").read_text("utf-8")


def test_compare_and_audit_commands(run, tmp_path, helsinki_pbf, cache_dir) -> None:
    paths = []
    for day in ("2026-06-01", "2026-06-02"):
        path = tmp_path / f"{day}.geojson"
        code, _, err = run(
            "-q",
            "plan",
            "--sites",
            str(demo_sites_path()),
            "--date",
            day,
            "--start-time",
            "13:00",
            "--budget",
            "3h",
            "--time-limit",
            "1",
            "--output",
            str(tmp_path / f"{day}.html"),
            "--geojson",
            str(path),
        )
        assert code == 0, err
        paths.append(str(path))
    code, out, err = run(
        "-q",
        "compare",
        *paths,
        "--output",
        str(tmp_path / "c.html"),
        "--csv",
        str(tmp_path / "c.csv"),
    )
    assert code == 0, err
    assert "walking km" in out and "2026-06-01" in out
    assert (tmp_path / "c.csv").read_text("utf-8").startswith(",2026-06-01,2026-06-02\n")
    code, _, err = run(
        "-q", "compare", paths[0], str(demo_sites_path()), "--output", str(tmp_path / "d.html")
    )
    _assert_one_line_error(code, err, "not a tour written by tourplanner")
    code, _, err = run("-q", "compare", paths[0], "--output", str(tmp_path / "e.html"))
    _assert_one_line_error(code, err, "at least two tours")
    # the demo sites are OSM features of the same extract: nothing is flagged -> exit 0
    code, out, err = run(
        "-q",
        "audit",
        "--sites",
        str(demo_sites_path()),
        "--osm-file",
        str(helsinki_pbf),
        "--cache-dir",
        str(cache_dir),
        osm=False,
    )
    assert code == 0, err
    assert "0 of 16 sites flagged" in out
    assert "In OpenStreetMap but not in the catalogue" in out  # the thin side
    # a site moved by the Tiexi GCJ-02 shift is flagged -> exit 1 (no datum flag outside China,
    # but it is far from OpenStreetMap's position)
    doc = json.loads(demo_sites_path().read_text("utf-8"))
    doc["features"][0]["geometry"]["coordinates"][0] += 0.0061
    doc["features"][0]["geometry"]["coordinates"][1] += 0.0024
    moved = tmp_path / "moved.geojson"
    moved.write_text(json.dumps(doc), "utf-8")
    code, out, err = run(
        "-q",
        "audit",
        "--sites",
        str(moved),
        "--osm-file",
        str(helsinki_pbf),
        "--cache-dir",
        str(cache_dir),
        osm=False,
    )
    assert code == 1, err
    assert "ateneum (Ateneum)" in out
    code, _, err = run("-q", "audit", "--sites", str(demo_sites_path()), osm=False)
    _assert_one_line_error(code, err, "no OpenStreetMap source")


def test_catchments_and_coverage_commands(run, tmp_path, helsinki_pbf, cache_dir) -> None:
    common = [
        "--sites",
        str(demo_sites_path()),
        "--osm-file",
        str(helsinki_pbf),
        "--cache-dir",
        str(cache_dir),
    ]
    code, out, err = run(
        "-q",
        "catchments",
        *common,
        "--minutes",
        "5,10",
        "--output",
        str(tmp_path / "c.html"),
        "--geojson",
        str(tmp_path / "c.geojson"),
        osm=False,
    )
    assert code == 0, err
    doc = json.loads((tmp_path / "c.geojson").read_text("utf-8"))
    assert doc["generator"] == "tourplanner"
    assert len(doc["features"]) == 3 * 2  # three stations, two limits
    assert {f["properties"]["minutes"] for f in doc["features"]} == {5.0, 10.0}
    code, out, err = run(
        "-q",
        "coverage",
        *common,
        "--limit-minutes",
        "5",
        "--output",
        str(tmp_path / "v.html"),
        "--csv",
        str(tmp_path / "v.csv"),
        osm=False,
    )
    assert code == 0, err
    assert "sites are more than 5 min on foot from any station" in out
    csv = (tmp_path / "v.csv").read_text("utf-8")
    assert csv.splitlines()[0].startswith("id,name,") and "nearest_station" in csv  # header first
    code, _, err = run(
        "-q",
        "catchments",
        *common,
        "--from",
        "louvre",
        "--output",
        str(tmp_path / "x.html"),
        osm=False,
    )
    _assert_one_line_error(code, err, "unknown origin id 'louvre'")
    assert not (tmp_path / "x.html").exists()
    with pytest.raises(SystemExit) as exc:
        run("catchments", "--minutes", "0,5", osm=False)
    assert exc.value.code == 2
