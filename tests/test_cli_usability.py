"""The command line as a newcomer types and reads it (issue 13), on real Helsinki data.

Global options before or after the command, friendly times and budgets,
plurals and left-out wording, tables that fit 80 and 120 columns, help texts
whose stated defaults are the real ones, and ``--version``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tourplanner import __version__, planner
from tourplanner._terminal import display_width
from tourplanner.cli import _parser, main
from tourplanner.demo import demo_sites_path

MONDAY, TUESDAY = "2026-06-01", "2026-06-02"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("usability-cache")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], cache_dir: Path, helsinki_pbf: Path) -> Any:
    def _run(*argv: str) -> tuple[int, str, str]:
        args = list(argv)
        if {"plan", "coverage", "audit"} & set(args):
            args += ["--sites", str(demo_sites_path()), "--osm-file", str(helsinki_pbf)]
            args += ["--cache-dir", str(cache_dir)]
        code = main(args)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def _one_line_error(code: int, err: str, needle: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert needle in lines[0], lines[0]
    assert "Traceback" not in err


def _stops(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text("utf-8"))
    return [f["properties"] for f in doc["features"] if f["properties"]["kind"] == "stop"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_works_before_or_after_the_command(run, tmp_path: Path, where: str) -> None:
    argv = ["plan", "--stops", "ateneum", "--date", TUESDAY, "-o", str(tmp_path / "t.html")]
    argv = ["-q", *argv] if where == "before" else [*argv, "-q"]
    code, out, err = run(*argv)
    assert code == 0, err
    assert err == ""  # no info lines, no progress
    assert "1 stop," in out
    code, _, err = run(*argv[:-1] if where == "after" else argv[1:], "--force")
    assert code == 0
    assert "Walking network:" in err  # without -q the log is there
    assert "\r" not in err  # stderr is not a terminal: log lines only, no progress line


def test_verbose_and_quiet_contradict(run, tmp_path: Path) -> None:
    code, _, err = run("plan", "-q", "-v", "--stops", "ateneum", "-o", str(tmp_path / "t.html"))
    _one_line_error(code, err, "-q and -v contradict")
    assert not (tmp_path / "t.html").exists()


@pytest.mark.parametrize(
    ("given", "expected"), [("9:00", "09:00"), ("9am", "09:00"), ("2pm", "14:00")]
)
def test_start_time_forms_on_a_real_run(run, tmp_path: Path, given: str, expected: str) -> None:
    path = tmp_path / "t.geojson"
    code, _, err = run(
        "-q", "plan", "--stops", "ateneum,kiasma", "--date", TUESDAY, "--start-time", given,
        "-o", str(tmp_path / "t.html"), "--geojson", str(path),
    )  # fmt: skip
    assert code == 0, err
    assert _stops(path)[0]["arrival"] == f"{TUESDAY}T{expected}:00"


def test_budget_forms_bound_the_day(run, tmp_path: Path) -> None:
    ends = {}
    for budget in ("2h", "2h30", "150m", "2.5h"):
        path = tmp_path / f"{budget}.geojson"
        code, _, err = run(
            "-q", "plan", "--date", TUESDAY, "--start-time", "10", "--budget", budget,
            "--time-limit", "1", "-o", str(tmp_path / f"{budget}.html"), "--geojson", str(path),
        )  # fmt: skip
        assert code == 0, err
        ends[budget] = max(dt.datetime.fromisoformat(s["departure"]) for s in _stops(path))
    day = dt.datetime.fromisoformat(f"{TUESDAY}T10:00")
    assert ends["2h"] <= day + dt.timedelta(hours=2)
    for same in ("2h30", "150m", "2.5h"):
        assert ends[same] <= day + dt.timedelta(hours=2, minutes=30)
    assert ends["2h30"] == ends["150m"] == ends["2.5h"]  # the same budget, the same tour


def test_refused_forms_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for argv, needle in [
        (["--start-time", "25:00"], "out of range"),
        (["--start-time", "noon"], "give e.g. 9:00"),
        (["--end-time", "13pm"], "12-hour clock"),
        (["--budget", "90"], "no unit"),
        (["--budget", "18:00"], "--end-time"),
    ]:
        with pytest.raises(SystemExit) as info:
            main(["plan", *argv, "--output", str(tmp_path / "t.html")])
        err = capsys.readouterr().err
        assert info.value.code == 2
        assert err.count("\n") == 1 and needle in err, err
    assert not (tmp_path / "t.html").exists()


def test_monday_stops_say_closed_on_mondays(run, tmp_path: Path) -> None:
    code, _, err = run(
        "plan", "--stops", "ateneum,kiasma", "--date", MONDAY, "-o", str(tmp_path / "t.html")
    )
    assert code == 0, err
    assert "Ateneum is closed on Mondays" in err
    assert "Museum of Modern Art Kiasma is closed on Mondays" in err
    assert "cannot be visited when you arrive" not in err


def test_left_out_says_closed_or_does_not_fit(run, tmp_path: Path) -> None:
    # Tuesday 09:00-10:30: Kiasma opens at 10:00 (75-min visit), G12 only at 12:00
    code, out, err = run(
        "-q", "plan", "--date", TUESDAY, "--start-time", "9", "--budget", "1h30",
        "--time-limit", "1", "-o", str(tmp_path / "t.html"),
    )  # fmt: skip
    assert code == 0, err
    assert (
        "Museum of Modern Art Kiasma: open 10:00-17:00, but a 75-min visit does not fit "
        "between 10:00 and 10:30" in " ".join(out.split())
    )
    assert "G12 Galleria: closed during your hours 09:00-10:30" in " ".join(out.split())


def test_misspelt_category_gets_did_you_mean(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(demo_sites_path().read_text("utf-8").replace('"museum"', '"musuem"'), "utf-8")
    code, _, err = run("-q", "sites", "--sites", str(bad))
    _one_line_error(code, err, "unknown category 'musuem': did you mean 'museum'?")


def test_one_site_catalogue_is_singular(run, tmp_path: Path) -> None:
    doc = json.loads(demo_sites_path().read_text("utf-8"))
    doc["features"] = doc["features"][:1]
    one = tmp_path / "one.geojson"
    one.write_text(json.dumps(doc), "utf-8")
    code, out, _ = run("sites", "--sites", str(one))
    assert code == 0
    assert "\n1 site;" in out


def test_tiles_with_offline_is_refused(run, tmp_path: Path) -> None:
    code, _, err = run(
        "plan", "--offline", "--tiles", "Gaode.Normal", "-o", str(tmp_path / "t.html")
    )
    _one_line_error(code, err, "--tiles Gaode.Normal has no effect with --offline")
    assert not (tmp_path / "t.html").exists()


def test_multi_day_summary_has_day_headers(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("-q", "demo", "--days", "2", "--date", TUESDAY, "--time-limit", "1")
    assert code == 0, err
    assert "Day 1, Tue 02 Jun 2026" in out
    assert "Day 2, Wed 03 Jun 2026" in out
    assert out.index("Day 1,") < out.index("Day 2,") < out.index("2 days:")


@pytest.mark.parametrize("columns", [80, 120])
def test_tables_fit_the_terminal(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    tours = []
    for seed in ("1", "2"):
        tours.append(tmp_path / f"tour_with_a_long_name_{seed}.geojson")
        code, _, err = run(
            "-q", "plan", "--seed", seed, "--time-limit", "1", "--date", TUESDAY,
            "-o", str(tmp_path / f"{seed}.html"), "--geojson", str(tours[-1]),
        )  # fmt: skip
        assert code == 0, err
    outputs = {
        "sites": run("sites"),
        "compare": run("-q", "compare", *map(str, tours), "-o", str(tmp_path / "c.html")),
        "coverage": run("-q", "coverage", "-o", str(tmp_path / "cov.html")),
        "audit": run("-q", "audit", "--json", str(tmp_path / "audit.json")),
    }
    for name, (code, out, err) in outputs.items():
        assert code in (0, 1), (name, err)
        widest = max(display_width(line) for line in out.splitlines())
        assert widest <= columns, (name, widest)
    # compare: the visit order is given in full below the table, wrapped
    compare = " ".join(outputs["compare"][1].split())
    for path in tours:
        order = [s["site_id"] for s in _stops(path) if s["stop_kind"] == "visit"]
        assert f"{path.stem}: " + " > ".join(order) in compare
    # audit's features missing from the catalogue: one per line, no duplicates
    out = outputs["audit"][1]
    if "not in the catalogue" in out:
        tail = out.split("not in the catalogue", 1)[1].splitlines()[1:]
        listed = [line.strip() for line in tail if line.startswith("  ") and line.strip()]
        assert len(listed) == len(set(listed))
    # --json gives the full report, every site
    report = json.loads((tmp_path / "audit.json").read_text("utf-8"))
    assert report["generator"] == "tourplanner"
    assert len(report["rows"]) == len(json.loads(demo_sites_path().read_text("utf-8"))["features"])


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"tourplanner {__version__}"


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _stated(value: object) -> str:
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    if isinstance(value, list):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return str(value)


#: Defaults the help states that are not argparse's own default (None: computed later).
_COMPUTED = {
    "--start",
    "--end",
    "--end-time",
    "--tiles",
    "--date",
    "--cache-dir",
    "--sites",
    "--from",
    "--report",  # sync: beside --output
    "--csv",  # sync: beside --output
}


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_help_states_the_real_defaults(command: str) -> None:
    parser = _subparsers()[command]
    for action in parser._actions:
        if not action.help or action.help == argparse.SUPPRESS:
            continue
        assert action.help.strip(), action.option_strings
        match = re.search(r"\(default:? ([^;)]+)", action.help)
        option = max(action.option_strings, key=len, default=action.dest)
        if match is None or option in _COMPUTED:
            continue
        stated = match.group(1).split()[0].rstrip(",")
        assert stated == _stated(action.default), (command, option, stated, action.default)
    # every option a newcomer can give is explained
    for action in parser._actions:
        assert action.help, (command, action.option_strings or action.dest)


def test_end_time_default_is_the_later_of_18_and_start_plus_9h(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    help_text = _subparsers()["plan"].format_help()
    assert "the later of 18:00 and --start-time + 9 h" in " ".join(help_text.split())
    seen: list[float] = []
    real = planner.Request

    def spy(**kwargs: Any) -> Any:
        request = real(**kwargs)
        seen.append(request.day_end_s)
        return request

    monkeypatch.setattr(planner, "Request", spy)
    for start in ("8:00", "10:30"):
        code, _, err = run(
            "-q", "plan", "--stops", "ateneum", "--start-time", start, "--date", TUESDAY,
            "-o", str(tmp_path / "t.html"), "--force",
        )  # fmt: skip
        assert code == 0, err
    assert seen == [18 * 3600, (19 * 60 + 30) * 60]


def test_audit_honours_bbox_as_its_help_says(run, tmp_path: Path) -> None:
    code, _, err = run("-q", "audit", "--json", str(tmp_path / "all.json"))
    assert code == 0, err  # the demo sites are OSM features of the same extract
    # a box of Helsinki's western harbour holds none of the demo sites' features
    code, _, err = run(
        "-q", "audit", "--bbox", "24.900,60.150,24.910,60.156", "--json", str(tmp_path / "box.json")
    )
    assert code == 1, err
    rows = json.loads((tmp_path / "box.json").read_text("utf-8"))["rows"]
    assert rows and all(row["flagged"] for row in rows)
