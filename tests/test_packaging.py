"""The package installs as a regular wheel with its data: the catalogue ships inside it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tourplanner.sites import bundled_catalogue_path, load_sites

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    build = pytest.importorskip("hatchling.build")
    out = tmp_path_factory.mktemp("wheel")
    cwd = Path.cwd()
    import os

    os.chdir(ROOT)
    try:
        name = build.build_wheel(str(out))
    finally:
        os.chdir(cwd)
    return out / name


def test_wheel_ships_catalogues_and_type_marker(wheel) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "tourplanner/_data/tiexi_sites.geojson" in names
        assert "tourplanner/_data/helsinki_sites.geojson" in names
        assert "tourplanner/py.typed" in names
        packaged = json.loads(zf.read("tourplanner/_data/tiexi_sites.geojson"))
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "tourplanner = tourplanner.cli:main" in zf.read(entry_points).decode()
    source = json.loads((ROOT / "data" / "tiexi_sites.geojson").read_text("utf-8"))
    assert packaged == source


def test_bundled_catalogue_resolves_and_loads() -> None:
    path = bundled_catalogue_path()
    assert path.is_file()
    assert len(load_sites(path)) >= 15
