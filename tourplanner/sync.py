"""Keep a catalogue true to OpenStreetMap: match sites to OSM features and propose changes.

For each catalogue site the sync takes the audit's matcher
(:func:`tourplanner.audit.match_candidates`, the same names, radius and
ranking as :func:`tourplanner.audit.audit`) and decides:

``matched``
    One OSM feature is named like the site and lies within what the site's
    ``position_accuracy_m`` allows (at least 100 m, as the audit's
    ``far_from_osm``): its geometry (the outline of an area), ``osm_id``, the
    entrances on its outline and its useful tags are proposed.
``datum_mistake``
    Named like the site, but our point is the GCJ-02 shift away from OSM's
    (a Chinese web-map coordinate used as WGS-84): OSM's position is proposed
    and the mistake reported.
``too_far``
    Named like the site but farther than its accuracy allows and not explained
    by the datum: reported, not applied (a look-alike elsewhere, or our point
    is badly wrong: check by hand).
``ambiguous``
    Two different features are named as well as each other and both lie
    within reach: reported, not applied.
``unmatched``
    No feature named like the site within the search radius.

Every applied change updates the site's provenance: ``source`` names the OSM
element, where it was read and the date of the OSM data; ``datum`` is WGS-84;
``position_accuracy_m`` comes from the geometry (5 m for an OSM node, for an
area the farthest its outline lies from the display point, as
``scripts/make_helsinki_sites.py`` computes it); ``osm_data_date`` is set.

The readers (:func:`read_osm`) touch disk or network; :func:`sync` and
:func:`apply_osm_positions` are pure.

Examples
--------
>>> import pyrosm
>>> from tourplanner.demo import demo_sites_path
>>> from tourplanner.graph import study_area
>>> from tourplanner.sites import load_sites
>>> sites = load_sites(demo_sites_path())
>>> data = read_osm(pyrosm.get_data("helsinki_pbf"), study_area(sites))
>>> result = sync(sites, data)
>>> result.report.loc["ateneum", ["status", "osm_id"]].tolist()
['matched', 'way/8033120']
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import pyproj
import shapely
from shapely import MultiPolygon, Point, Polygon
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from tourplanner import settings
from tourplanner._osmfile import check_osm_file, osm_file, unreadable
from tourplanner._text import markdown_text
from tourplanner.audit import (
    MatchCandidate,
    features_from_records,
    is_datum_mistake,
    match_candidates,
    osm_features_from_file,
    osm_features_from_overpass,
)
from tourplanner.errors import CatalogueError, NetworkDataError
from tourplanner.graph import _configure_osmnx, overpass_errors
from tourplanner.hours import check_opening_hours
from tourplanner.sites import Entrance

__all__ = [
    "ENTRANCE_TAGS",
    "REPORT_COLUMNS",
    "STATUSES",
    "OsmData",
    "SyncResult",
    "apply_osm_positions",
    "entrances_on_outline",
    "read_osm",
    "read_osm_export",
    "report_markdown",
    "sync",
    "synced_catalogue",
]

logger = logging.getLogger(__name__)

#: What a site's sync can end in.
STATUSES: Final = ("matched", "datum_mistake", "too_far", "ambiguous", "unmatched")

#: Columns of the review report (indexed by site id).
REPORT_COLUMNS: Final = (
    "name",
    "status",
    "applied",
    "osm_id",
    "osm_name",
    "match_score",
    "distance_m",
    "moved_m",
    "geometry_type",
    "entrances",
    "changed",
    "note",
)

#: The OSM tags of the ways into a place.
ENTRANCE_TAGS: Final[dict[str, bool | list[str]]] = {
    "entrance": True,
    "barrier": ["entrance", "gate"],
}

_NODE_ACCURACY_M: Final = 5.0
_ON_OUTLINE_M: Final = 1.5
_SAME_PLACE_M: Final = 50.0
_AMBIGUITY: Final = 0.05
_GEOD: Final = pyproj.Geod(ellps="WGS84")
_CJK: Final = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class OsmData:
    """OpenStreetMap features and entrances of a study area, and where they came from.

    Attributes
    ----------
    features
        The named, tourist-relevant features (see
        :func:`tourplanner.audit.osm_features_from_file`).
    entrances
        ``entrance=*`` and ``barrier=gate|entrance`` nodes: columns ``osm_id``
        (``"node/123"``), ``name``, ``kind``, Point geometry.
    origin
        Where they were read ("Overpass API", a file name).
    data_date
        The date of the OSM data (``YYYY-MM-DD``), or ``""`` if unknown.
    """

    features: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame
    origin: str
    data_date: str = ""


@dataclass(frozen=True)
class SyncResult:
    """What the sync proposes.

    Attributes
    ----------
    report
        One row per site (:data:`REPORT_COLUMNS`), indexed by site id.
    changes
        Site id -> the proposed new feature (``geometry`` as GeoJSON and the
        properties that change), for the applied sites only.
    data
        The OSM data the sites were matched against.
    """

    report: pd.DataFrame
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: OsmData | None = None


# --- reading ----------------------------------------------------------------------------


def _empty_entrances() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ("osm_id", "name", "kind")})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def _entrance_kind(tags: Mapping[str, Any]) -> str | None:
    entrance = tags.get("entrance")
    if isinstance(entrance, str) and entrance != "no":
        return f"entrance={entrance}"
    barrier = tags.get("barrier")
    if barrier in ("gate", "entrance"):
        return f"barrier={barrier}"
    return None


def _entrances_frame(
    records: Sequence[tuple[int, Mapping[str, Any], float, float]], area: Polygon | MultiPolygon
) -> gpd.GeoDataFrame:
    rows = []
    points = []
    for osm_id, tags, lon, lat in records:
        kind = _entrance_kind(tags)
        if kind is None or not shapely.contains_xy(area, lon, lat):
            continue
        name = next((str(tags[k]) for k in ("name", "name:en", "ref") if tags.get(k)), "")
        rows.append({"osm_id": f"node/{osm_id}", "name": name, "kind": kind})
        points.append(Point(lon, lat))
    if not rows:
        return _empty_entrances()
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=points, crs=4326)


def _file_entrances(path: Path, area: Polygon | MultiPolygon) -> gpd.GeoDataFrame:
    records = []
    processor = osmium.FileProcessor(osm_file(path), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("entrance", "barrier")
    )
    for node in processor:
        if isinstance(node, osmium.osm.Node) and node.location.valid():
            tags = {t.k: t.v for t in node.tags}
            records.append((node.id, tags, node.location.lon, node.location.lat))
    return _entrances_frame(records, area)


def _file_date(path: Path) -> str:
    try:
        header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
        stamp = header.get("osmosis_replication_timestamp", "")
    except RuntimeError:
        return ""
    return stamp[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", stamp) else ""


def _export_elements(doc: Mapping[str, Any]) -> list[tuple[str, int, dict[str, Any], BaseGeometry]]:
    """Elements of an Overpass export: a GeoJSON FeatureCollection or Overpass JSON."""
    records: list[tuple[str, int, dict[str, Any], BaseGeometry]] = []
    if doc.get("type") == "FeatureCollection":
        for feature in doc.get("features") or []:
            props = feature.get("properties") or {} if isinstance(feature, dict) else {}
            ref = props.get("@id") or feature.get("id") if isinstance(feature, dict) else None
            match = re.match(r"^(node|way|relation)/(\d+)$", str(ref or ""))
            if match is None or not isinstance(feature.get("geometry"), dict):
                continue
            try:
                geometry = shape(feature["geometry"])
            except (ValueError, TypeError, KeyError, AttributeError, IndexError):
                continue
            tags = {k: v for k, v in props.items() if isinstance(v, str) and not k.startswith("@")}
            records.append((match.group(1), int(match.group(2)), tags, geometry))
        return records
    nodes = {
        e["id"]: (e["lon"], e["lat"])
        for e in doc.get("elements") or []
        if isinstance(e, dict) and e.get("type") == "node" and "lat" in e and "lon" in e
    }
    for element in doc.get("elements") or []:
        if not isinstance(element, dict) or element.get("type") not in ("node", "way", "relation"):
            continue
        kind, tags = str(element["type"]), dict(element.get("tags") or {})
        if not tags:
            continue
        geom: BaseGeometry | None = None
        if kind == "node" and "lat" in element:
            geom = Point(element["lon"], element["lat"])
        elif kind == "way":
            if isinstance(element.get("geometry"), list):
                coords = [(p["lon"], p["lat"]) for p in element["geometry"] if p]
            else:
                coords = [nodes[r] for r in element.get("nodes") or [] if r in nodes]
            if len(coords) >= 4 and coords[0] == coords[-1]:
                geom = Polygon(coords)
            elif len(coords) >= 2:
                geom = shapely.LineString(coords)
        if geom is None and isinstance(element.get("center"), dict):
            geom = Point(element["center"]["lon"], element["center"]["lat"])
        if geom is not None:
            records.append((kind, int(element["id"]), tags, geom))
    return records


def read_osm_export(path: str | Path, area: Polygon | MultiPolygon) -> OsmData:
    """Read an Overpass export: GeoJSON (overpass-turbo/-ide) or Overpass JSON.

    Parameters
    ----------
    path
        A ``.geojson`` FeatureCollection whose features carry ``@id``
        (``"way/477987787"``) and the tags as properties, or an Overpass JSON
        answer (``{"elements": [...]}``, with ``out geom``, ``out center`` or
        the ways' nodes).
    area
        The study area in WGS-84.

    Returns
    -------
    OsmData
        Its features and entrances; ``data_date`` from the export's
        ``timestamp`` (GeoJSON) or ``osm3s.timestamp_osm_base`` (Overpass JSON).

    Raises
    ------
    NetworkDataError
        If the file is missing or is not such an export.
    """
    path = Path(path)
    hint = "give an Overpass GeoJSON or JSON export (or an .osm.pbf with --osm-file)"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"OSM export {path} does not exist: {hint}"
        raise NetworkDataError(msg) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"OSM export {path} cannot be read ({type(exc).__name__}): {hint}"
        raise NetworkDataError(msg) from None
    if not isinstance(doc, dict) or not (
        doc.get("type") == "FeatureCollection" or isinstance(doc.get("elements"), list)
    ):
        msg = f"OSM export {path} is neither a GeoJSON FeatureCollection nor Overpass JSON: {hint}"
        raise NetworkDataError(msg)
    records = _export_elements(doc)
    if not records:
        msg = f"OSM export {path} holds no OpenStreetMap elements with ids: {hint}"
        raise NetworkDataError(msg)
    stamp = str(doc.get("timestamp") or (doc.get("osm3s") or {}).get("timestamp_osm_base") or "")
    points = [
        (osm_id, tags, geom.x, geom.y)
        for kind, osm_id, tags, geom in records
        if kind == "node" and geom.geom_type == "Point"
    ]
    return OsmData(
        features=features_from_records(records, area),
        entrances=_entrances_frame(points, area),
        origin=path.name,
        data_date=stamp[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", stamp) else "",
    )


def read_osm(
    source: str | Path | None,
    area: Polygon | MultiPolygon,
    *,
    cache_folder: str | Path | None = None,
) -> OsmData:
    """Read the OSM features and entrances of ``area`` from a file or the Overpass API.

    Parameters
    ----------
    source
        An ``.osm.pbf``/``.osm``/``.osm.bz2`` extract, an Overpass export
        (``.geojson``/``.json``, see :func:`read_osm_export`), or ``None`` for
        the Overpass API (cached by osmnx under ``cache_folder``).
    area
        The study area in WGS-84.
    cache_folder
        osmnx's HTTP cache (default :func:`tourplanner.settings.cache_dir`).

    Returns
    -------
    OsmData
        The features and entrances; for Overpass, ``data_date`` is today's
        date (UTC).

    Raises
    ------
    NetworkDataError
        If the source is missing, unreadable or unreachable.
    """
    if source is None:
        features = osm_features_from_overpass(area, cache_folder=cache_folder)
        _configure_osmnx(Path(cache_folder) if cache_folder is not None else settings.cache_dir())
        try:
            with overpass_errors("OpenStreetMap entrances", "use --osm-file FILE"):
                gdf = ox.features_from_polygon(area, tags=dict(ENTRANCE_TAGS))
        except ox._errors.InsufficientResponseError:
            gdf = gpd.GeoDataFrame()
        records = []
        if not gdf.empty:
            tag_columns = [c for c in gdf.columns if c != gdf.geometry.name]
            for (element, osm_id), tags, geom in zip(
                gdf.index, gdf[tag_columns].to_dict(orient="records"), gdf.geometry, strict=True
            ):
                if element == "node":
                    clean = {k: v for k, v in tags.items() if isinstance(v, str)}
                    records.append((int(osm_id), clean, geom.x, geom.y))
        today = dt.datetime.now(dt.UTC).date().isoformat()
        return OsmData(features, _entrances_frame(records, area), "Overpass API", today)
    path = Path(source)
    if path.suffix.lower() in (".geojson", ".json"):
        return read_osm_export(path, area)
    check_osm_file(path)
    features = osm_features_from_file(path, area)
    try:
        entrances = _file_entrances(path, area)
    except (RuntimeError, ValueError, OSError) as exc:
        raise unreadable(path, exc) from None
    return OsmData(features, entrances, path.name, _file_date(path))


# --- the pure core ----------------------------------------------------------------------


def _local(geometry: BaseGeometry) -> pyproj.Transformer:
    point = geometry.representative_point()
    crs = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={point.y} +lon_0={point.x} +datum=WGS84 +units=m"
    )
    return pyproj.Transformer.from_crs(4326, crs, always_xy=True)


def _to_local(geometry: BaseGeometry, transformer: pyproj.Transformer) -> BaseGeometry:
    return shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def entrances_on_outline(
    outline: Polygon | MultiPolygon, entrances: gpd.GeoDataFrame, *, tolerance_m: float = 1.5
) -> tuple[Entrance, ...]:
    """Return the entrance nodes that lie on ``outline`` (within ``tolerance_m``).

    Parameters
    ----------
    outline
        An area in WGS-84.
    entrances
        As :attr:`OsmData.entrances`.
    tolerance_m
        How far from the outline's rings a node may lie (OSM draws a gate as a
        node of the fence way, so 0 m in a clean extract).

    Returns
    -------
    tuple of Entrance
        Sorted by OSM id.
    """
    if entrances.empty:
        return ()
    west, south, east, north = outline.bounds
    near = entrances.cx[west - 0.001 : east + 0.001, south - 0.001 : north + 0.001]
    if near.empty:
        return ()
    transformer = _local(outline)
    rings = _to_local(outline.boundary, transformer)
    found = []
    for osm_id, name, point in zip(near["osm_id"], near["name"], near.geometry, strict=True):
        if rings.distance(_to_local(point, transformer)) <= tolerance_m:
            found.append(Entrance(float(point.x), float(point.y), str(name), str(osm_id)))
    return tuple(sorted(found, key=lambda e: int(e.osm_id.split("/")[1])))


def _accuracy_m(geometry: BaseGeometry) -> float:
    """5 m for a node; for an area, the farthest its outline lies from its display point."""
    if geometry.geom_type == "Point":
        return _NODE_ACCURACY_M
    transformer = _local(geometry)
    local = _to_local(geometry, transformer)
    point = _to_local(geometry.representative_point(), transformer)
    return float(max(_NODE_ACCURACY_M, round(local.hausdorff_distance(point))))


def _distance_m(a: Point, b: Point) -> float:
    return float(_GEOD.inv(a.x, a.y, b.x, b.y)[2])


def _same_place(features: gpd.GeoDataFrame, a: MatchCandidate, b: MatchCandidate) -> bool:
    """Return whether two candidates are one place mapped twice (a node in a building)."""
    pa, pb = features.geometry.iloc[a.position], features.geometry.iloc[b.position]
    pairs = ((features["outline"].iloc[a.position], pb), (features["outline"].iloc[b.position], pa))
    for outline, point in pairs:
        if isinstance(outline, Polygon | MultiPolygon) and outline.covers(point):
            return True
    return _distance_m(pa, pb) <= _SAME_PLACE_M


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _proposed_tags(
    site: pd.Series, tags: Mapping[str, str], *, where: str
) -> tuple[dict[str, Any], list[str]]:
    """Return the property changes OSM's useful tags propose, and what was not taken (why)."""
    props: dict[str, Any] = {}
    skipped: list[str] = []
    hours = tags.get("opening_hours")
    if hours and hours != site.get("opening_hours") and ", " in hours:
        skipped.append(
            f"OSM opening_hours {hours!r} not taken: ', ' starts an additional rule "
            '("Tu, Fr 10:00-18:00" opens Tuesday all day); check it and write e.g. Tu,Fr'
        )
    elif hours and hours != site.get("opening_hours"):
        try:
            check_opening_hours(
                hours, where=where, lat=float(site.geometry.y), lon=float(site.geometry.x)
            )
        except CatalogueError:
            skipped.append(f"OSM opening_hours {hours!r} not taken: it does not parse")
        else:
            props["opening_hours"] = hours
    zh = tags.get("name:zh", "")
    if not _text(site.get("name_zh")) and zh:
        props["name_zh"] = zh
    for key, prop in (("name:en", "name_en"), ("website", "website"), ("wikidata", "wikidata")):
        value = tags.get(key)
        if value and value != site.get(prop):
            props[prop] = value
    return props, skipped


def _compass(a: Point, b: Point) -> str:
    azimuth = _GEOD.inv(a.x, a.y, b.x, b.y)[0] % 360.0
    names = ("north", "north-east", "east", "south-east", "south", "south-west", "west")
    return (*names, "north-west")[round(azimuth / 45.0) % 8]


def sync(
    sites: gpd.GeoDataFrame,
    data: OsmData,
    *,
    match_radius_m: float = 2000.0,
    name_threshold: float = 0.75,
    shift_m: tuple[float, float] | None = None,
) -> SyncResult:
    """Match each site to OSM and propose OSM's geometry, id, entrances and tags.

    Parameters
    ----------
    sites
        A catalogue (:func:`tourplanner.sites.load_sites`).
    data
        OSM data of the study area (:func:`read_osm`).
    match_radius_m, name_threshold
        The matcher's search radius and lowest name score (as
        :func:`tourplanner.audit.audit`).
    shift_m
        The GCJ-02 shift ``(east, north)`` in metres for the datum check;
        default: computed at each matched OSM point (zero outside China).

    Returns
    -------
    SyncResult
        The report (every non-waypoint site, in catalogue order) and the
        changes of the applied sites (``matched`` and ``datum_mistake``).
    """
    features = data.features
    if "outline" not in features.columns:
        features = features.assign(outline=None)
    candidates = match_candidates(
        sites, features, match_radius_m=match_radius_m, name_threshold=name_threshold
    )
    rows: list[dict[str, Any]] = []
    changes: dict[str, dict[str, Any]] = {}
    for site_id, found in candidates.items():
        site = sites.loc[site_id]
        row: dict[str, Any] = dict.fromkeys(REPORT_COLUMNS)
        row.update(id=site_id, name=_text(site["name"]), applied=False, changed="", entrances=0)
        accuracy = float(site.get("position_accuracy_m", math.nan))
        allowed = max(accuracy if math.isfinite(accuracy) else 0.0, 100.0)
        if not found:
            row.update(
                status="unmatched",
                note=f"no OpenStreetMap feature within {match_radius_m:.0f} m has a name like it",
            )
            rows.append(row)
            continue
        best = found[0]
        own = _text(site.get("osm_id"))
        pick = next((c for c in found if f"{c.osm_type}/{c.osm_id}" == own), best)
        j = pick.position
        osm_name = str(features["name"].iloc[j])
        ref = f"{pick.osm_type}/{pick.osm_id}"
        row.update(
            osm_id=ref,
            osm_name=osm_name,
            match_score=pick.score,
            distance_m=pick.distance_m,
        )
        rivals = [
            c
            for c in found
            if c is not pick
            and c.rank >= pick.rank - _AMBIGUITY
            and c.distance_m <= allowed
            and not _same_place(features, pick, c)
        ]
        if pick is best and rivals:
            names = ", ".join(
                f"{features['name'].iloc[c.position]} ({c.osm_type}/{c.osm_id} "
                f"at {c.distance_m:.0f} m)"
                for c in rivals[:3]
            )
            row.update(
                status="ambiguous",
                note=f"named like {osm_name} ({ref} at {pick.distance_m:.0f} m) and also like "
                f"{names}: not applied, choose one and set osm_id",
            )
            rows.append(row)
            continue
        point = features.geometry.iloc[j]
        datum = is_datum_mistake(
            float(site.geometry.x),
            float(site.geometry.y),
            float(point.x),
            float(point.y),
            shift_m=shift_m,
        )
        if not datum and pick.distance_m > allowed:
            row.update(
                status="too_far",
                note=f"named like {osm_name} ({ref}) but {pick.distance_m:.0f} m away, more "
                f"than the {allowed:.0f} m its position may be off: not applied, check by hand",
            )
            rows.append(row)
            continue
        outline = features["outline"].iloc[j]
        geometry: BaseGeometry = (
            outline if isinstance(outline, Polygon | MultiPolygon) else features.geometry.iloc[j]
        )
        doors = (
            entrances_on_outline(geometry, data.entrances) if geometry.geom_type != "Point" else ()
        )
        display = geometry.representative_point() if geometry.geom_type != "Point" else geometry
        old = site.geometry
        moved = _distance_m(old, display)
        tags = json.loads(features["tags"].iloc[j]) if "tags" in features.columns else {}
        props, skipped = _proposed_tags(site, tags, where=f"OSM {ref} for site {site_id}")
        when = f", OSM data of {data.data_date}" if data.data_date else ""
        props.update(
            osm_id=ref,
            source=(
                f"OpenStreetMap {ref} ({osm_name}), read from {data.origin}{when}; "
                f"before: {_text(site.get('source')) or 'no source given'}"
            ),
            datum="WGS-84",
            position_accuracy_m=_accuracy_m(geometry),
            osm_data_date=data.data_date or None,
        )
        if doors:
            props["entrances"] = [
                {
                    k: v
                    for k, v in (
                        ("coordinates", [e.lon, e.lat]),
                        ("name", e.name),
                        ("osm_id", e.osm_id),
                    )
                    if v
                }
                for e in doors
            ]
        changed = [k for k in props if k not in ("source", "osm_data_date")]
        changed = [k for k in changed if props[k] != site.get(k) or k in ("entrances",)]
        if moved > 0.5 or geometry.geom_type != "Point":
            changed.insert(0, "geometry")
        notes = []
        if datum:
            notes.append(
                f"our point was {pick.distance_m:.0f} m {_compass(display, old)} of OSM's, "
                "the GCJ-02 shift: a Chinese web-map coordinate used as WGS-84"
            )
        if moved > 0.5:
            notes.append(f"moved {moved:.0f} m {_compass(old, display)}")
        notes.extend(skipped)
        row.update(
            status="datum_mistake" if datum else "matched",
            applied=True,
            moved_m=moved,
            geometry_type=geometry.geom_type,
            entrances=len(doors),
            changed=", ".join(changed),
            note="; ".join(notes),
        )
        changes[site_id] = {"geometry": mapping(geometry), "properties": props}
        rows.append(row)
    report = pd.DataFrame(rows, columns=["id", *REPORT_COLUMNS]).set_index("id")
    report["applied"] = report["applied"].astype(bool)
    report["entrances"] = report["entrances"].astype(int)
    for column in ("match_score", "distance_m", "moved_m"):
        report[column] = report[column].astype(float)
    return SyncResult(report=report, changes=changes, data=data)


def synced_catalogue(doc: Mapping[str, Any], result: SyncResult) -> dict[str, Any]:
    """Return the catalogue document with the applied changes (the input is not modified).

    Parameters
    ----------
    doc
        The input catalogue as a GeoJSON FeatureCollection.
    result
        From :func:`sync`.

    Returns
    -------
    dict
        A new FeatureCollection, marked ``"generator": "tourplanner"``; the
        changed features get OSM's geometry and the proposed properties, every
        other feature is copied unchanged.
    """
    out: dict[str, Any] = {"type": "FeatureCollection", "generator": "tourplanner"}
    out.update({k: v for k, v in doc.items() if k not in ("type", "generator", "features")})
    features = []
    for feature in doc.get("features") or []:
        props = dict(feature.get("properties") or {})
        change = result.changes.get(str(props.get("id")))
        if change is None:
            features.append(json.loads(json.dumps(feature)))
            continue
        props.update({k: v for k, v in change["properties"].items() if v is not None})
        if "datum" in doc and doc["datum"] != "WGS-84":
            props["datum"] = "WGS-84"  # OSM's geometry is WGS-84 whatever the file declares
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": json.loads(json.dumps(change["geometry"])),
            }
        )
    out["features"] = features
    return out


def report_markdown(result: SyncResult, *, title: str = "Catalogue sync") -> str:
    """Render the review report as Markdown (moved, changed, unmatched and why).

    Parameters
    ----------
    result
        From :func:`sync`.
    title
        The heading.

    Returns
    -------
    str
        The Markdown text (with a ``generator: tourplanner`` marker).
    """
    report = result.report
    data = result.data
    lines = [f"<!-- generator: tourplanner -->\n# {title}", ""]
    if data is not None:
        when = f", OSM data of {data.data_date}" if data.data_date else ""
        lines.append(
            f"Matched against the {len(data.features)} named, tourist-relevant OpenStreetMap "
            f"feature(s) and {len(data.entrances)} entrance node(s) of the study area in "
            f"{data.origin}{when} (© OpenStreetMap contributors, ODbL 1.0). A site is "
            "unmatched when none of them is named like it within the search radius: with a "
            "thin source that says more about the source than about the site."
        )
        lines.append("")
    counts = report["status"].value_counts()
    lines.append(
        ", ".join(f"{int(counts.get(s, 0))} {s.replace('_', ' ')}" for s in STATUSES)
        + f" (of {len(report)} sites). Applied: {int(report['applied'].sum())}."
    )

    def fmt(value: Any, pattern: str = "{:.0f}") -> str:
        return (
            "-"
            if value is None or (isinstance(value, float) and math.isnan(value))
            else (pattern.format(value))
        )

    sections = (
        ("Applied (OSM geometry and tags proposed)", report[report["applied"]]),
        ("Reported, not applied", report[~report["applied"] & (report["status"] != "unmatched")]),
        ("Unmatched", report[report["status"] == "unmatched"]),
    )
    for heading, part in sections:
        lines += ["", f"## {heading}", ""]
        if part.empty:
            lines.append("None.")
            continue
        lines.append("| id | name | status | OSM | score | distance m | moved m | changed | note |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for site_id, row in part.iterrows():
            cells = [
                str(site_id),  # a validated slug
                markdown_text(row["name"]),
                str(row["status"]),
                markdown_text(f"{row['osm_id']} {row['osm_name']}")
                if isinstance(row["osm_id"], str)
                else "-",
                fmt(row["match_score"], "{:.2f}"),
                fmt(row["distance_m"]),
                fmt(row["moved_m"]),
                markdown_text(_text(row["changed"])) or "-",
                markdown_text(_text(row["note"])) or "-",
            ]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def apply_osm_positions(
    sites: gpd.GeoDataFrame, data: OsmData
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Use OSM's positions, areas and entrances for the confidently matched sites.

    Parameters
    ----------
    sites
        A loaded catalogue.
    data
        OSM data of the same source as the walking network.

    Returns
    -------
    (geopandas.GeoDataFrame, pandas.DataFrame)
        The catalogue with the applied sites moved to OSM's display point, their
        ``area``, ``entrances``, ``osm_id``, ``source`` and
        ``position_accuracy_m`` replaced and a boolean column
        ``positioned_from_osm``; and the sync report.
    """
    result = sync(sites, data)
    out = sites.copy()
    out["positioned_from_osm"] = False
    for site_id, change in result.changes.items():
        geometry = shape(change["geometry"])
        props = change["properties"]
        out.loc[site_id, "positioned_from_osm"] = True
        out.loc[site_id, "area"] = geometry if geometry.geom_type != "Point" else None
        out.loc[site_id, "entrances"] = tuple(
            Entrance(e["coordinates"][0], e["coordinates"][1], e.get("name", ""), e["osm_id"])
            for e in props.get("entrances", [])
        )
        for key in ("osm_id", "source", "position_accuracy_m"):
            out.loc[site_id, key] = props[key]
        display = geometry.representative_point() if geometry.geom_type != "Point" else geometry
        out.loc[site_id, out.geometry.name] = display
    return out, result.report
