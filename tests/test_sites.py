"""Tests of tourplanner.sites: the bundled catalogue, formats, datums and every bad input."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tourplanner.datum import DATUMS, bd09_to_wgs84, gcj02_to_wgs84, to_wgs84
from tourplanner.errors import CatalogueError
from tourplanner.sites import CATEGORIES, COLUMNS, bundled_catalogue_path, load_sites

# Metro stations from shared/reference/tiexi_landmarks.md: name_zh -> (lines, lat, lon).
STATIONS = {
    "重工街站": ({"1"}, 41.8026771, 123.3261164),
    "启工街站": ({"1"}, 41.8013629, 123.3373573),
    "保工街站": ({"1"}, 41.7980252, 123.3498907),
    "铁西广场站": ({"1", "9"}, 41.7917107, 123.3646363),
    "云峰北街站": ({"1"}, 41.7941414, 123.3744057),
    "沈阳站站": ({"1"}, 41.7924481, 123.3879307),
    "皇姑屯站": ({"9"}, 41.8187388, 123.3806049),
    "重型文化广场站": ({"9"}, 41.8104963, 123.3777156),
    "北二路站": ({"9"}, 41.8026917, 123.3730123),
    "兴华公园站": ({"9"}, 41.7848958, 123.3595876),
    "沈辽路站": ({"9"}, 41.7801481, 123.3560011),
    "滑翔站": ({"9"}, 41.7698511, 123.3526928),
}
# The landmarks the brief requires, by their Chinese names from the reference note.
REQUIRED_LANDMARKS = {
    "红梅文创园": "creative_park",
    "1905文化创意园": "creative_park",
    "中国工业博物馆": "museum",
    "工人村生活馆": "museum",
    "劳动公园": "park",
    "重型文化广场": "square",
}

# Three real points in Tiexi (WGS-84) used to build small catalogues.
TIEXI = [
    ("station_tiexi_square", "Tiexi Square station", 41.7917107, 123.3646363),
    ("station_qigong_jie", "Qigong Jie station", 41.8013629, 123.3373573),
    ("station_huanggutun", "Huanggutun station", 41.8187388, 123.3806049),
]


def feature(
    site_id: str | None = "a", lat: float = 41.79, lon: float = 123.36, **props: Any
) -> dict[str, Any]:
    properties: dict[str, Any] = {"name": f"Site {site_id}", "category": "museum"}
    if site_id is not None:
        properties["id"] = site_id
    properties.update(props)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def tiexi_features(**props: Any) -> list[dict[str, Any]]:
    return [feature(i, lat, lon, name=name, **props) for i, name, lat, lon in TIEXI]


def write_geojson(path: Path, features: list[dict[str, Any]], **top: Any) -> Path:
    doc = {"type": "FeatureCollection", **top, "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return path


def assert_catalogue_error(path: Path, *fragments: str) -> str:
    with pytest.raises(CatalogueError) as info:
        load_sites(path)
    message = str(info.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


@pytest.fixture(scope="module")
def bundled():
    return load_sites(bundled_catalogue_path())


@pytest.fixture(scope="module")
def bundled_doc() -> dict[str, Any]:
    return json.loads(bundled_catalogue_path().read_text(encoding="utf-8"))


# --- the bundled Tiexi catalogue ---


def test_bundled_catalogue_loads(bundled):
    assert len(bundled) >= 15
    assert bundled.index.is_unique
    assert bundled.crs.to_epsg() == 4326
    assert set(bundled["category"]) <= set(CATEGORIES)
    assert list(bundled.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert (bundled.geometry.geom_type == "Point").all()  # display points, also for areas


def test_bundled_catalogue_has_required_landmarks(bundled):
    by_zh = dict(zip(bundled["name_zh"], bundled["category"], strict=True))
    for name_zh, category in REQUIRED_LANDMARKS.items():
        assert by_zh.get(name_zh) == category, name_zh


def test_bundled_catalogue_has_line_1_and_line_9_stations(bundled):
    stations = bundled[bundled["category"] == "station"]
    by_zh = stations.set_index("name_zh")
    for name_zh, (lines, lat, lon) in STATIONS.items():
        assert name_zh in by_zh.index, name_zh
        row = by_zh.loc[name_zh]
        assert set(str(row["lines"]).split(";")) == lines, name_zh
        # the OSM station nodes are copied exactly (WGS-84, no datum shift)
        assert row.geometry.y == pytest.approx(lat, abs=1e-7)
        assert row.geometry.x == pytest.approx(lon, abs=1e-7)
        assert row["visit_minutes"] == 0.0


def test_bundled_catalogue_has_provenance(bundled, bundled_doc):
    assert (bundled["source"].str.len() > 0).all()
    assert (bundled["datum"] == "WGS-84").all()
    assert (bundled["source_datum"] == "WGS-84").all()
    accuracy = bundled["position_accuracy_m"].to_numpy(dtype=float)
    assert np.isfinite(accuracy).all()
    assert (accuracy > 0).all()
    # the raw file states each site's datum and accuracy (not just the loader's defaults)
    for feat in bundled_doc["features"]:
        props = feat["properties"]
        assert props.get("source"), props["id"]
        assert props.get("datum") in DATUMS, props["id"]
        assert isinstance(props.get("position_accuracy_m"), int | float), props["id"]


def test_bundled_catalogue_lies_in_tiexi(bundled):
    lat, lon = bundled.geometry.y, bundled.geometry.x
    assert lat.between(41.75, 41.84).all(), lat[~lat.between(41.75, 41.84)]
    assert lon.between(123.29, 123.40).all(), lon[~lon.between(123.29, 123.40)]


# --- GeoJSON and CSV are the same catalogue ---


def test_geojson_and_csv_load_the_same_sites(tmp_path, bundled, bundled_doc):
    rows = []
    points = [f for f in bundled_doc["features"] if f["geometry"]["type"] == "Point"]
    for feat in points:  # a CSV holds points only: the area sites are left out
        lon, lat = feat["geometry"]["coordinates"]
        rows.append({**feat["properties"], "lat": repr(lat), "lon": repr(lon)})
    from_csv = load_sites(write_csv(tmp_path / "tiexi.csv", rows))
    bundled = bundled.loc[[f["properties"]["id"] for f in points]]
    bundled = bundled.drop(columns=[c for c in bundled.columns if c not in from_csv.columns])
    assert list(from_csv.index) == list(bundled.index)
    assert list(from_csv.columns) == list(bundled.columns)
    np.testing.assert_array_equal(from_csv.geometry.x, bundled.geometry.x)
    np.testing.assert_array_equal(from_csv.geometry.y, bundled.geometry.y)
    pd.testing.assert_frame_equal(
        pd.DataFrame(from_csv.drop(columns="geometry")),
        pd.DataFrame(bundled.drop(columns="geometry")),
    )


def test_csv_accepts_latitude_longitude_headers(tmp_path):
    rows = [
        {"id": i, "name": n, "category": "station", "Latitude": la, "Longitude": lo}
        for i, n, la, lo in TIEXI
    ]
    sites = load_sites(write_csv(tmp_path / "s.csv", rows))
    assert sites.loc["station_tiexi_square"].geometry.y == 41.7917107
    assert sites.loc["station_tiexi_square"].geometry.x == 123.3646363


# --- datum conversion on load ---


def test_geojson_top_level_datum_is_converted(tmp_path):
    path = write_geojson(tmp_path / "gcj.geojson", tiexi_features(), datum="GCJ-02")
    sites = load_sites(path)
    lon_in = np.array([lon for *_, lon in TIEXI])
    lat_in = np.array([lat for *_, lat, _ in TIEXI])
    exp_lon, exp_lat = gcj02_to_wgs84(lon_in, lat_in)
    np.testing.assert_allclose(sites.geometry.x, exp_lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sites.geometry.y, exp_lat, rtol=0, atol=1e-12)
    # a real shift of ~575 m south-west, not a no-op
    assert (sites.geometry.y.to_numpy() - lat_in) == pytest.approx([-0.0024] * 3, abs=2e-4)
    assert (sites.geometry.x.to_numpy() - lon_in) == pytest.approx([-0.0061] * 3, abs=2e-4)
    assert (sites["source_datum"] == "GCJ-02").all()
    assert (sites["datum"] == "WGS-84").all()


def test_feature_datum_overrides_file_datum(tmp_path):
    features = tiexi_features()
    features[0]["properties"]["datum"] = "WGS-84"
    sites = load_sites(write_geojson(tmp_path / "mixed.geojson", features, datum="BD-09"))
    assert list(sites["source_datum"]) == ["WGS-84", "BD-09", "BD-09"]
    assert sites.geometry.x.iloc[0] == TIEXI[0][3]
    exp_lon, exp_lat = bd09_to_wgs84(TIEXI[1][3], TIEXI[1][2])
    assert sites.geometry.x.iloc[1] == pytest.approx(float(exp_lon), abs=1e-12)
    assert sites.geometry.y.iloc[1] == pytest.approx(float(exp_lat), abs=1e-12)


def test_csv_datum_column_is_converted_per_row(tmp_path):
    datums = ["GCJ-02", "BD-09", "WGS-84", "gcj02", ""]
    rows = [
        {
            "id": f"s{k}",
            "name": f"Site {k}",
            "category": "landmark",
            "lat": 41.79 + 0.003 * k,
            "lon": 123.35 + 0.004 * k,
            "datum": datum,
        }
        for k, datum in enumerate(datums)
    ]
    sites = load_sites(write_csv(tmp_path / "datums.csv", rows))
    expected_datums = ["GCJ-02", "BD-09", "WGS-84", "GCJ-02", "WGS-84"]
    assert list(sites["source_datum"]) == expected_datums
    assert (sites["datum"] == "WGS-84").all()
    for row, datum, (_, site) in zip(rows, expected_datums, sites.iterrows(), strict=True):
        exp_lon, exp_lat = to_wgs84(row["lon"], row["lat"], datum)  # type: ignore[arg-type]
        assert site.geometry.x == pytest.approx(float(exp_lon), abs=1e-12)
        assert site.geometry.y == pytest.approx(float(exp_lat), abs=1e-12)
    # GCJ-02 and BD-09 rows really moved (by ~575 m and ~1.2 km)
    assert abs(sites.geometry.x.iloc[0] - rows[0]["lon"]) > 0.005
    assert abs(sites.geometry.x.iloc[1] - rows[1]["lon"]) > 0.01


# --- every bad input: CatalogueError, one line, naming the problem ---


def test_missing_file(tmp_path):
    assert_catalogue_error(tmp_path / "nope.geojson", "nope.geojson", "does not exist")


def test_directory(tmp_path):
    folder = tmp_path / "sites.geojson"
    folder.mkdir()
    assert_catalogue_error(folder, "is a directory")


def test_non_utf8(tmp_path):
    path = tmp_path / "latin1.geojson"
    doc = json.dumps(
        {"type": "FeatureCollection", "features": [feature(name="Café")]}, ensure_ascii=False
    )
    path.write_bytes(doc.encode("latin-1"))
    assert_catalogue_error(path, "not UTF-8")
    csv_path = tmp_path / "latin1.csv"
    csv_path.write_bytes("id,name,category,lat,lon\na,Café,museum,41.79,123.36\n".encode("cp1252"))
    assert_catalogue_error(csv_path, "not UTF-8")


def test_unreadable(tmp_path, monkeypatch):
    path = write_geojson(tmp_path / "locked.geojson", [feature()])

    def deny(self: Path, *args: Any, **kwargs: Any) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    # chmod 000 does not stop root, so simulate the OS refusing the read
    monkeypatch.setattr(os, "open", deny)
    assert_catalogue_error(path, "cannot be read", "Permission denied")


def test_invalid_json(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    assert_catalogue_error(path, "not valid JSON", "line 1")


@pytest.mark.parametrize(
    "doc",
    [
        [feature()],
        feature(),
        {"type": "GeometryCollection", "geometries": []},
        {"features": [feature()]},
    ],
    ids=["list", "feature", "geometry-collection", "no-type"],
)
def test_not_a_feature_collection(tmp_path, doc):
    path = tmp_path / "not_fc.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert_catalogue_error(path, "not a GeoJSON FeatureCollection")


def test_features_not_a_list(tmp_path):
    path = tmp_path / "no_list.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": {}}), encoding="utf-8")
    assert_catalogue_error(path, "no 'features' list")


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "LineString", "coordinates": [[123.36, 41.79], [123.37, 41.80]]},
        {"type": "Polygon", "coordinates": [[[123.36, 41.79], [123.37, 41.79]]]},  # 2 points
        None,
    ],
    ids=["linestring", "polygon", "null"],
)
def test_non_point_geometry(tmp_path, geometry):
    bad = feature("bad_one")
    bad["geometry"] = geometry
    path = write_geojson(tmp_path / "shapes.geojson", [feature("ok"), bad])
    expected = "unreadable Polygon" if geometry and geometry["type"] == "Polygon" else "no Point"
    assert_catalogue_error(path, "feature 2", "bad_one", expected)


def test_point_with_text_coordinates(tmp_path):
    bad = feature("texty")
    bad["geometry"]["coordinates"] = ["123.36", "41.79"]
    assert_catalogue_error(
        write_geojson(tmp_path / "t.geojson", [bad]), "texty", "invalid coordinates"
    )


@pytest.mark.parametrize("missing", ["id", "name", "category"])
def test_missing_required_field(tmp_path, missing):
    bad = feature("x1")
    del bad["properties"][missing]
    path = write_geojson(tmp_path / "missing.geojson", [bad])
    assert_catalogue_error(path, "missing required field", missing)
    # an empty CSV cell is missing too
    row = {"id": "x1", "name": "X", "category": "museum", "lat": 41.79, "lon": 123.36}
    row[missing] = ""
    assert_catalogue_error(write_csv(tmp_path / "missing.csv", [row]), "missing", missing)


def test_duplicate_ids(tmp_path):
    features = [feature("same"), feature("other", 41.8, 123.37), feature("same", 41.78, 123.35)]
    assert_catalogue_error(write_geojson(tmp_path / "dup.geojson", features), "duplicate id 'same'")


def test_id_not_a_slug(tmp_path):
    path = write_geojson(tmp_path / "slug.geojson", [feature("two words")])
    assert_catalogue_error(path, "'two words'", "not a slug")


def test_latitude_out_of_range(tmp_path):
    path = write_geojson(tmp_path / "lat.geojson", [feature("north", lat=95.0, lon=123.36)])
    message = assert_catalogue_error(path, "north", "latitude 95.0 out of range")
    assert "swapped" not in message
    assert_catalogue_error(
        write_geojson(tmp_path / "lat2.geojson", [feature("south", lat=-91.0, lon=123.36)]),
        "latitude -91.0 out of range",
    )


def test_longitude_out_of_range(tmp_path):
    path = write_geojson(tmp_path / "lon.geojson", [feature("east", lat=41.79, lon=190.0)])
    assert_catalogue_error(path, "east", "longitude 190.0 out of range")


@pytest.mark.parametrize("cell", ["", "nan", "NaN"])
def test_nan_coordinates_in_csv(tmp_path, cell):
    rows = [
        {"id": "ok", "name": "Ok", "category": "park", "lat": 41.79, "lon": 123.36},
        {"id": "hole", "name": "Hole", "category": "park", "lat": cell, "lon": 123.37},
    ]
    path = write_csv(tmp_path / "nan.csv", rows)
    assert_catalogue_error(path, "hole", "missing or not finite")


def test_nan_coordinates_in_geojson(tmp_path):
    path = tmp_path / "nan.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"id": "nanny", "name": "N", "category": "park"}, '
        '"geometry": {"type": "Point", "coordinates": [NaN, 41.79]}}]}',
        encoding="utf-8",
    )
    assert_catalogue_error(path, "nan.geojson", "non-number NaN")  # refused while parsing


def test_non_numeric_coordinate_in_csv(tmp_path):
    rows = [{"id": "w", "name": "W", "category": "park", "lat": "41°47'N", "lon": 123.37}]
    assert_catalogue_error(write_csv(tmp_path / "deg.csv", rows), "w", "is not a number")


def test_swapped_lat_lon_beyond_90(tmp_path):
    # Tiexi written as [lat, lon] in GeoJSON: "latitude" 123.36 cannot be a latitude
    bad = feature("flipped", lat=123.3646363, lon=41.7917107)
    path = write_geojson(tmp_path / "flip.geojson", [bad])
    assert_catalogue_error(path, "flipped", "out of range", "look swapped")
    rows = [{"id": "flipped", "name": "F", "category": "park", "lat": 123.36, "lon": 41.79}]
    assert_catalogue_error(write_csv(tmp_path / "flip.csv", rows), "look swapped")


def test_swapped_lat_lon_far_from_the_others(tmp_path):
    # Helsinki (60.17 N, 24.94 E): swapped, both values are valid, so only the
    # "far from the others but swapped it would be among them" rule can catch it
    helsinki = [
        ("ateneum", 60.1700237, 24.9440706),
        ("kiasma", 60.1720165, 24.9366718),
        ("amos_rex", 60.1706504, 24.9364049),
        ("cathedral", 60.1703781, 24.9521759),
    ]
    features = [feature(i, lat, lon) for i, lat, lon in helsinki]
    features[2]["geometry"]["coordinates"] = [60.1706504, 24.9364049]
    path = write_geojson(tmp_path / "helsinki.geojson", features)
    assert_catalogue_error(path, "amos_rex", "from the other sites", "look swapped")
    # the unswapped catalogue loads
    fixed = write_geojson(tmp_path / "fixed.geojson", [feature(*h) for h in helsinki])
    assert len(load_sites(fixed)) == 4


def test_far_site_that_is_not_swapped_loads(tmp_path):
    # far from the others, but swapping would not bring it closer: not an error
    features = [*tiexi_features(), feature("beijing", lat=39.9042, lon=116.4074)]
    sites = load_sites(write_geojson(tmp_path / "far.geojson", features))
    assert sites.loc["beijing"].geometry.y == 39.9042


def test_unknown_category(tmp_path):
    path = write_geojson(tmp_path / "cat.geojson", [feature("c", category="zoo")])
    message = assert_catalogue_error(path, "unknown category 'zoo'")
    assert "museum" in message  # the fix lists the vocabulary


def test_unknown_datum(tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [feature("d", datum="ED50")])
    assert_catalogue_error(path, "unknown datum 'ED50'")
    path = write_geojson(tmp_path / "d2.geojson", [feature("d")], datum="Krasovsky")
    assert_catalogue_error(path, "unknown datum 'Krasovsky'")


def test_negative_visit_minutes(tmp_path):
    path = write_geojson(tmp_path / "v.geojson", [feature("v", visit_minutes=-5)])
    assert_catalogue_error(path, "visit_minutes -5 is negative")


def test_non_numeric_visit_minutes(tmp_path):
    path = write_geojson(tmp_path / "v.geojson", [feature("v", visit_minutes="an hour")])
    assert_catalogue_error(path, "visit_minutes 'an hour' is not a number")


@pytest.mark.parametrize("score", [-1, 100.5, 250])
def test_score_outside_0_100(tmp_path, score):
    path = write_geojson(tmp_path / "s.geojson", [feature("s", score=score)])
    assert_catalogue_error(path, f"score {score:g} is outside 0-100")


def test_negative_position_accuracy(tmp_path):
    path = write_geojson(tmp_path / "p.geojson", [feature("p", position_accuracy_m=-3)])
    assert_catalogue_error(path, "position_accuracy_m -3 is negative")


@pytest.mark.parametrize("name", ["sites.txt", "sites.xlsx", "sites"])
def test_unknown_suffix(tmp_path, name):
    path = tmp_path / name
    path.write_text("id,name,category,lat,lon\n", encoding="utf-8")
    assert_catalogue_error(path, "unknown type")


@pytest.mark.parametrize("content", ["", "   \n\n"])
def test_empty_csv(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_text(content, encoding="utf-8")
    assert_catalogue_error(path, "is empty")


def test_csv_header_only_has_no_sites(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("id,name,category,lat,lon\n", encoding="utf-8")
    assert_catalogue_error(path, "has no sites")


def test_geojson_without_features_has_no_sites(tmp_path):
    assert_catalogue_error(write_geojson(tmp_path / "none.geojson", []), "has no sites")


@pytest.mark.parametrize("missing", ["lat", "lon"])
def test_csv_without_lat_lon(tmp_path, missing):
    row = {"id": "a", "name": "A", "category": "park", "lat": 41.79, "lon": 123.36}
    del row[missing]
    assert_catalogue_error(write_csv(tmp_path / "nolatlon.csv", [row]), f"no {missing!r} column")


# --- round trip of arbitrary valid records ---

SLUG_HEAD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
slugs = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(SLUG_HEAD),
    st.text(alphabet=SLUG_HEAD + "_.-", max_size=20),
)
texts = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(
        [
            '<script>alert("x")</script>',
            "O'Brien's \"quoted\" site",
            "重型文化广场 & <b>bold</b>",
            "back\\slash",
            "line\nbreak",
        ]
    ),
).map(str.strip)
names = texts.filter(bool)
record = st.fixed_dictionaries(
    {
        "id": slugs,
        "name": names,
        "name_zh": texts,
        "category": st.sampled_from(CATEGORIES),
        "visit_minutes": st.floats(0, 600, allow_nan=False),
        "score": st.floats(0, 100, allow_nan=False),
        "description": texts,
        "source": texts,
        "datum": st.sampled_from(DATUMS),
        "position_accuracy_m": st.floats(0, 5000, allow_nan=False),
        "opening_hours": st.one_of(st.none(), st.sampled_from(["Mo-Su 09:00-17:00", "24/7"])),
        "lat": st.floats(30.0, 50.0),
        "lon": st.floats(100.0, 130.0),
    }
)
catalogues = st.lists(record, min_size=1, max_size=6, unique_by=lambda r: r["id"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=catalogues)
def test_round_trip_through_geojson(tmp_path, records):
    features = [
        {
            "type": "Feature",
            "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")},
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
        }
        for r in records
    ]
    sites = load_sites(write_geojson(tmp_path / "round.geojson", features))
    assert list(sites.index) == [r["id"] for r in records]
    for r in records:
        site = sites.loc[r["id"]]
        for key in ("name", "name_zh", "category", "description", "source"):
            assert site[key] == r[key], key
        if r["opening_hours"] is None:
            assert pd.isna(site["opening_hours"])
        else:
            assert site["opening_hours"] == r["opening_hours"]
        for key in ("visit_minutes", "score", "position_accuracy_m"):
            assert site[key] == r[key], key
        assert site["source_datum"] == r["datum"]
        assert site["datum"] == "WGS-84"
        exp_lon, exp_lat = to_wgs84(r["lon"], r["lat"], r["datum"])
        assert math.isclose(site.geometry.x, float(exp_lon), abs_tol=1e-12)
        assert math.isclose(site.geometry.y, float(exp_lat), abs_tol=1e-12)


def test_unparseable_opening_hours_name_the_site_and_the_string(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [123.349, 41.819]},
                "properties": {
                    "id": "museum",
                    "name": "China Industrial Museum",
                    "category": "museum",
                    "opening_hours": "Tu-Su 9-16h",
                },
            }
        ],
    }
    path = tmp_path / "hours.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_sites(path)
    message = str(info.value)
    assert "museum (China Industrial Museum)" in message
    assert "'Tu-Su 9-16h'" in message
    assert "\n" not in message
