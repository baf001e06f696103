"""The demo is the path for people without internet: its map is self-contained by default."""

from __future__ import annotations

import re

from tourplanner.cli import main
from tourplanner.demo import DEMO_NOTICE, demo_osm_path, demo_sites_path
from tourplanner.offline import external_references


def test_demo_writes_a_self_contained_map_by_default(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "demo", "--time-limit", "1"]) == 0
    out = capsys.readouterr().out
    assert DEMO_NOTICE in out
    page = (tmp_path / "demo.html").read_text("utf-8")
    assert external_references(page) == []
    assert "tile.openstreetmap.org" not in page
    assert "tp-street" in page  # streets drawn instead of tiles
    assert "<title>Demo: central Helsinki museums and monuments</title>" in page
    assert "NOT Tiexi" in page


def test_demo_online_uses_tiles(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "demo", "--online", "--time-limit", "1", "--output", "on.html"]) == 0
    page = (tmp_path / "on.html").read_text("utf-8")
    assert "tile.openstreetmap.org" in page
    assert re.search(r'<script\s+src="https://', page)


def test_demo_online_and_offline_together_is_refused(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "demo", "--online", "--offline"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "--online" in lines[0] and "Traceback" not in err
    assert not (tmp_path / "demo.html").exists()


def test_demo_data_ships_with_the_packages() -> None:
    assert demo_osm_path().is_file() and demo_sites_path().is_file()
