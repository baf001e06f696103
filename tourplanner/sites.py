"""Site catalogues: loading, validating and converting them to a GeoDataFrame.

A catalogue is a GeoJSON FeatureCollection with one feature per site, or a
CSV file with ``lat`` and ``lon`` columns. A GeoJSON site is a Point, or an area
(Polygon or MultiPolygon: a park, a factory complex); it may carry an
OpenStreetMap ``osm_id`` (``"way/477987787"``) and ``entrances`` (a list of
``{"coordinates": [lon, lat], "name": ..., "osm_id": ...}`` objects or bare
``[lon, lat]`` pairs). Both formats are validated on load and every error names
the file, the site and the fix. Coordinates declared in the GCJ-02 or BD-09
datum (Chinese web maps) are converted to WGS-84, outlines and entrances
included; the original datum is kept in the ``source_datum`` column.

The loaded catalogue is a :class:`geopandas.GeoDataFrame` in EPSG:4326 indexed
by site ``id`` with the columns of :data:`COLUMNS`. Its geometry is always the
site's display point: the Point itself, or a representative point of the area
(always inside it). The outline is in the ``area`` column (``None`` for a
point site) and the entrances in ``entrances`` (a tuple of :class:`Entrance`).

Examples
--------
>>> sites = load_sites(bundled_catalogue_path())
>>> sites.crs.to_epsg(), sites.loc["station_tiexi_square", "category"]
(4326, 'station')
"""

from __future__ import annotations

import contextlib
import difflib
import io
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from tourplanner._input import check_json_value, parse_json, read_text_bounded
from tourplanner.datum import DATUMS, Datum, to_wgs84
from tourplanner.errors import CatalogueError
from tourplanner.hours import check_opening_hours

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "OSM_ID_RE",
    "REQUIRED",
    "Entrance",
    "bundled_catalogue_path",
    "load_sites",
    "sites_from_frame",
    "sites_from_records",
]

#: The fixed vocabulary of site categories.
CATEGORIES: Final[tuple[str, ...]] = (
    "creative_park",
    "museum",
    "heritage",
    "monument",
    "park",
    "square",
    "greenway",
    "market",
    "landmark",
    "station",
    "waypoint",
)

#: Properties every site must have (besides its coordinates).
REQUIRED: Final[tuple[str, ...]] = ("id", "name", "category")

#: Columns of a loaded catalogue, in order (``id`` is the index).
COLUMNS: Final[tuple[str, ...]] = (
    "name",
    "name_zh",
    "category",
    "visit_minutes",
    "opening_hours",
    "score",
    "description",
    "source",
    "datum",
    "source_datum",
    "position_accuracy_m",
    "osm_id",
    "area",
    "entrances",
)

#: The form of an OpenStreetMap reference: ``node/123``, ``way/477987787``, ``relation/9``.
OSM_ID_RE: Final = re.compile(r"^(node|way|relation)/[1-9][0-9]{0,18}$")


@dataclass(frozen=True)
class Entrance:
    """A way into an area site (a gate, a door, a gap in the fence).

    Attributes
    ----------
    lon, lat
        WGS-84 degrees.
    name
        What the visitor reads ("East gate"), or ``""``.
    osm_id
        The OpenStreetMap node it comes from (``"node/123"``), or ``""``.
    """

    lon: float
    lat: float
    name: str = ""
    osm_id: str = ""


_ID_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DEFAULT_VISIT_MINUTES: Final = 30.0
_DEFAULT_SCORE: Final = 50.0
_SWAP_DISTANCE_M: Final = 100_000.0
_BUNDLED: Final = "tiexi_sites.geojson"
#: Longest visit accepted (a day), and the largest stated position error.
_MAX_VISIT_MINUTES: Final = 24 * 60.0
_MAX_ACCURACY_M: Final = 100_000.0
#: Longest text accepted per field (characters).
_MAX_TEXT: Final = {"id": 200, "name": 500, "name_zh": 500, "description": 20_000, "source": 5_000}


def bundled_catalogue_path() -> Path:
    """Return the path of the bundled Tiexi catalogue.

    In an installed package the catalogue ships as package data
    (``tourplanner/_data``); in a source checkout it is ``data/`` at the top
    of the repository.

    Returns
    -------
    pathlib.Path
        Path to ``tiexi_sites.geojson``.
    """
    packaged = resources.files("tourplanner") / "_data" / _BUNDLED
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "data" / _BUNDLED


def load_sites(path: str | Path) -> gpd.GeoDataFrame:
    """Load and validate a site catalogue from GeoJSON or CSV.

    Parameters
    ----------
    path
        A ``.geojson``/``.json`` FeatureCollection of Points, or a ``.csv``
        with ``lat`` and ``lon`` columns (``latitude``/``longitude`` also
        accepted). A top-level GeoJSON member ``"datum"`` or a per-site
        ``datum`` property/column declares ``GCJ-02`` or ``BD-09``
        coordinates, which are converted to WGS-84.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per site, indexed by ``id``, in EPSG:4326.

    Raises
    ------
    CatalogueError
        If the file is missing, unreadable or invalid.
    """
    path = Path(path)
    if not path.exists():
        msg = f"site catalogue {path} does not exist: give an existing file with --sites"
        raise CatalogueError(msg)
    if path.is_dir():
        msg = f"site catalogue {path} is a directory: give a .geojson or .csv file"
        raise CatalogueError(msg)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records = _records_from_csv(path)
    elif suffix in {".geojson", ".json"}:
        records = _records_from_geojson(path)
    else:
        msg = f"site catalogue {path} has unknown type {suffix!r}: use .geojson or .csv"
        raise CatalogueError(msg)
    return sites_from_records(records, origin=str(path))


def _json_value(value: Any) -> Any:
    """JSON form of a cell json cannot write (dates as ISO text, numpy scalars as numbers)."""
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def sites_from_frame(frame: Any, *, origin: str = "the GeoDataFrame") -> gpd.GeoDataFrame:
    """Return a validated catalogue from a GeoDataFrame an analyst has at hand.

    A catalogue from :func:`load_sites` (indexed by ``id``) is returned as it
    is, converted to WGS-84 if it was reprojected. Any other GeoDataFrame,
    e.g. ``geopandas.read_file("sites.geojson")``, is validated like a file:
    its ``id`` column (or an index named ``id``) becomes the index, its
    geometry is converted from the frame's CRS to WGS-84 (EPSG:4326), and
    Polygon outlines become area sites.

    Parameters
    ----------
    frame
        A GeoDataFrame of sites with a CRS, ``id``, ``name`` and ``category``.
    origin
        How the frame is named in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The catalogue, indexed by ``id``, in EPSG:4326.

    Raises
    ------
    CatalogueError
        If ``frame`` is not a GeoDataFrame, has no CRS or no ``id`` column, or
        a site is invalid (as for a file).
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = (
            f"sites must be a GeoDataFrame, not {type(frame).__name__}: load them with "
            "tourplanner.load_sites or geopandas.read_file"
        )
        raise CatalogueError(msg)
    if frame.crs is None:
        msg = f"{origin} has no CRS: set it, e.g. frame.set_crs(4326) for degrees in WGS-84"
        raise CatalogueError(msg)
    if frame.index.name == "id" and all(c in frame.columns for c in COLUMNS):
        return frame if frame.crs.equals("EPSG:4326") else frame.to_crs(4326)
    if "id" not in frame.columns:
        if frame.index.name != "id":
            columns = ", ".join(map(str, frame.columns[:8]))
            msg = (
                f"{origin} has no 'id' column (columns: {columns}): add one with a unique "
                "slug per site, or index the frame by id"
            )
            raise CatalogueError(msg)
        frame = frame.reset_index()
    frame = frame.to_crs(4326)
    features = json.loads(frame.to_json(na="drop", drop_id=True, default=_json_value))["features"]
    for feature in features:
        props = feature.get("properties") or {}
        if isinstance(props.get("entrances"), str):  # read_file leaves nested lists as text
            with contextlib.suppress(ValueError):
                props["entrances"] = json.loads(props["entrances"])
    return sites_from_records(
        _records_from_features(features, "WGS-84", origin=origin), origin=origin
    )


def _read_text(path: Path) -> str:
    return read_text_bounded(path, what="site catalogue", error=CatalogueError)


def _records_from_geojson(path: Path) -> list[dict[str, Any]]:
    doc = parse_json(
        _read_text(path), where=f"site catalogue {path}", error=CatalogueError, fix="fix the file"
    )
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        msg = f"site catalogue {path} is not a GeoJSON FeatureCollection: wrap the sites in one"
        raise CatalogueError(msg)
    features = doc.get("features")
    if not isinstance(features, list):
        msg = f"site catalogue {path} has no 'features' list: add one Point feature per site"
        raise CatalogueError(msg)
    return _records_from_features(features, doc.get("datum", "WGS-84"), origin=str(path))


def _records_from_features(
    features: list[Any], file_datum: Any, *, origin: str
) -> list[dict[str, Any]]:
    """Return one record per GeoJSON Feature (properties plus ``lat``/``lon``/``area``)."""
    records: list[dict[str, Any]] = []
    for number, feature in enumerate(features, start=1):
        where = f"site catalogue {origin}, feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            msg = f"{where} is not a GeoJSON Feature: give each site as a Feature"
            raise CatalogueError(msg)
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            msg = f"{where} has properties that are not an object: use a JSON object"
            raise CatalogueError(msg)
        label = props.get("id", f"#{number}")
        record = dict(props)
        record.update(_geometry_record(feature.get("geometry"), where=f"{where} ({label})"))
        record.setdefault("datum", file_datum)
        records.append(record)
    return records


_AREA_TYPES: Final = ("Polygon", "MultiPolygon")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _geometry_record(geometry: Any, *, where: str) -> dict[str, Any]:
    """Return ``lat``/``lon`` (and ``area`` for a Polygon/MultiPolygon) of a feature's geometry."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Point":
        coords = geometry.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2 or not all(map(_is_number, coords[:2])):
            msg = f"{where} has invalid coordinates {coords!r}: use [lon, lat] numbers"
            raise CatalogueError(msg)
        return {"lon": float(coords[0]), "lat": float(coords[1])}
    if kind not in _AREA_TYPES:
        msg = (
            f"{where} has no Point, Polygon or MultiPolygon geometry: "
            "give each site a Point [lon, lat] or its outline"
        )
        raise CatalogueError(msg)
    try:
        area = shape(geometry)
    except (
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        shapely.errors.ShapelyError,
    ):
        area = None
    if not isinstance(area, Polygon | MultiPolygon) or area.is_empty:
        msg = f"{where} has an unreadable {kind}: give rings of [lon, lat] numbers"
        raise CatalogueError(msg)
    xy = shapely.get_coordinates(area)
    if not np.isfinite(xy).all():
        msg = f"{where} has a {kind} with missing or infinite coordinates: fix its rings"
        raise CatalogueError(msg)
    if not area.is_valid:
        reason = shapely.is_valid_reason(area)
        msg = f"{where} has an invalid {kind} ({reason}): fix the outline (e.g. shapely make_valid)"
        raise CatalogueError(msg)
    point = area.representative_point()
    return {"lon": float(point.x), "lat": float(point.y), "area": area}


def _entrances(value: Any, *, where: str) -> list[tuple[float, float, str, str]]:
    """Validate an ``entrances`` property: ``(lon, lat, name, osm_id)`` per entrance."""
    if value is None:
        return []
    if not isinstance(value, list):
        msg = f"{where}: entrances {value!r} is not a list: give a list of [lon, lat] points"
        raise CatalogueError(msg)
    found: list[tuple[float, float, str, str]] = []
    for number, item in enumerate(value, start=1):
        name = osm_id = ""
        coords = item
        if isinstance(item, dict):
            coords = item.get("coordinates")
            name = item.get("name") or ""
            osm_id = item.get("osm_id") or ""
            if not isinstance(name, str) or not isinstance(osm_id, str):
                msg = f"{where}: entrance {number} has a name or osm_id that is not text"
                raise CatalogueError(msg)
            if osm_id and not OSM_ID_RE.match(osm_id):
                msg = f"{where}: entrance {number} osm_id {osm_id!r} is not like node/123"
                raise CatalogueError(msg)
        if (
            not isinstance(coords, list)
            or len(coords) != 2
            or not all(map(_is_number, coords))
            or not all(math.isfinite(c) for c in coords)
            or not (-180 <= coords[0] <= 180 and -90 <= coords[1] <= 90)
        ):
            msg = (
                f"{where}: entrance {number} has invalid coordinates {coords!r}: "
                "give [lon, lat] in degrees"
            )
            raise CatalogueError(msg)
        found.append((float(coords[0]), float(coords[1]), name.strip(), osm_id))
    return found


def _osm_id(value: Any, *, where: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not OSM_ID_RE.match(value.strip()):
        msg = (
            f"{where}: osm_id {value!r} is not an OpenStreetMap reference: "
            "write it like way/477987787 (node/, way/ or relation/ and the number)"
        )
        raise CatalogueError(msg)
    return value.strip()


def _records_from_csv(path: Path) -> list[dict[str, Any]]:
    text = _read_text(path)
    if not text.strip():
        msg = f"site catalogue {path} is empty: add a header line and one row per site"
        raise CatalogueError(msg)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        msg = f"site catalogue {path} is not valid CSV ({first}): fix the file"
        raise CatalogueError(msg) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    renames = {"latitude": "lat", "longitude": "lon", "lng": "lon"}
    frame = frame.rename(
        columns={c: renames[c.lower()] for c in frame.columns if c.lower() in renames}
    )
    for column in ("lat", "lon"):
        if column not in frame.columns:
            msg = f"site catalogue {path} has no {column!r} column: add 'lat' and 'lon' columns"
            raise CatalogueError(msg)
    records: list[dict[str, Any]] = []
    for number, row in enumerate(frame.to_dict(orient="records"), start=2):
        record: dict[str, Any] = {str(k): (v if v != "" else None) for k, v in row.items()}
        for column in ("lat", "lon"):
            raw = record[column]
            try:
                record[column] = float(raw) if raw is not None else math.nan
            except ValueError:
                label = record.get("id") or f"line {number}"
                msg = (
                    f"site catalogue {path}, site {label}: {column} {raw!r} is not a number: "
                    "give decimal degrees"
                )
                raise CatalogueError(msg) from None
        records.append(record)
    return records


def _number(value: Any, *, field: str, where: str, default: float) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        msg = f"{where}: {field} {value!r} is not a number: give a number"
        raise CatalogueError(msg)
    if isinstance(value, str) and len(value) > 64:
        msg = f"{where}: {field} is a text of {len(value)} characters, not a number: give a number"
        raise CatalogueError(msg)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:40]}..."
        msg = f"{where}: {field} {shown} is not a number: give a number"
        raise CatalogueError(msg) from None
    if math.isnan(number):
        return default
    if not math.isfinite(number):
        msg = f"{where}: {field} {value!r} is not finite: give a finite number"
        raise CatalogueError(msg)
    return number


def _text_field(record: dict[str, Any], field: str, where: str) -> str:
    """Return a text field of a record, stripped; refuse values that are not text."""
    value = record.get(field)
    if value is None:
        return ""
    if (
        isinstance(value, bool)
        or not isinstance(value, str | int)
        or (isinstance(value, int) and field != "id")
    ):
        msg = f"{where}: {field} is {type(value).__name__}, not text: give a JSON string"
        raise CatalogueError(msg)
    text = str(value).strip()
    if check_json_value(text) is not None:
        msg = f"{where}: {field} holds a lone surrogate (\\ud800-\\udfff): give valid text"
        raise CatalogueError(msg)
    limit = _MAX_TEXT.get(field, 5_000)
    if len(text) > limit:
        msg = f"{where}: {field} has {len(text)} characters, more than {limit}: shorten it"
        raise CatalogueError(msg)
    return text


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _check_coordinates(records: list[dict[str, Any]], origin: str) -> None:
    for record in records:
        where = f"site catalogue {origin}, site {record['id']}"
        lat, lon = record["lat"], record["lon"]
        if math.isnan(lat) or math.isnan(lon) or math.isinf(lat) or math.isinf(lon):
            msg = f"{where}: latitude/longitude missing or not finite ({lat}, {lon}): give both"
            raise CatalogueError(msg)
        if not -90.0 <= lat <= 90.0:
            hint = (
                "latitude and longitude look swapped: put lat in 'lat' (GeoJSON: [lon, lat])"
                if -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0
                else "latitude must be within [-90, 90]"
            )
            msg = f"{where}: latitude {lat} out of range: {hint}"
            raise CatalogueError(msg)
        if not -180.0 <= lon <= 180.0:
            msg = f"{where}: longitude {lon} out of range: longitude must be within [-180, 180]"
            raise CatalogueError(msg)
        if not -80.0 <= lat <= 84.0:
            msg = (
                f"{where}: latitude {lat} is beyond 80 S or 84 N, outside the UTM zones "
                "tourplanner measures walks in: give sites between 80 S and 84 N"
            )
            raise CatalogueError(msg)
    if len(records) < 3:
        return
    med_lon = float(np.median([r["lon"] for r in records]))
    med_lat = float(np.median([r["lat"] for r in records]))
    for record in records:
        lat, lon = record["lat"], record["lon"]
        here = _haversine_m(lon, lat, med_lon, med_lat)
        swapped = _haversine_m(lat, lon, med_lon, med_lat) if -90 <= lon <= 90 else math.inf
        if here > _SWAP_DISTANCE_M and swapped < _SWAP_DISTANCE_M:
            msg = (
                f"site catalogue {origin}, site {record['id']}: ({lat}, {lon}) lies "
                f"{here / 1000:.0f} km from the other sites but swapped it would be among "
                "them: latitude and longitude look swapped"
            )
            raise CatalogueError(msg)


def sites_from_records(
    records: list[dict[str, Any]], *, origin: str = "<records>"
) -> gpd.GeoDataFrame:
    """Validate site records and build the catalogue GeoDataFrame.

    This is the pure core of :func:`load_sites`; each record is a mapping of
    site properties plus ``lat`` and ``lon`` in the record's ``datum``.

    Parameters
    ----------
    records
        One mapping per site.
    origin
        Where the records come from, for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The validated catalogue, indexed by ``id``, in EPSG:4326 (WGS-84).

    Raises
    ------
    CatalogueError
        On missing fields, duplicate ids, unknown categories or datums, bad
        numbers or coordinates.
    """
    if not records:
        msg = f"site catalogue {origin} has no sites: add at least one"
        raise CatalogueError(msg)
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        label = record.get("id") or f"#{number}"
        where = f"site catalogue {origin}, site {label}"
        missing = [f for f in REQUIRED if record.get(f) in (None, "")]
        if missing:
            msg = f"{where}: missing required field(s) {', '.join(missing)}: add them"
            raise CatalogueError(msg)
        site_id = _text_field(record, "id", where)
        name = _text_field(record, "name", where)
        texts = {f: _text_field(record, f, where) for f in ("name_zh", "description", "source")}
        if not _ID_RE.match(site_id):
            msg = f"{where}: id {site_id!r} is not a slug: use letters, digits, '_', '-' or '.'"
            raise CatalogueError(msg)
        if site_id in seen:
            msg = f"site catalogue {origin}: duplicate id {site_id!r}: make every id unique"
            raise CatalogueError(msg)
        seen.add(site_id)
        category = record["category"].strip() if isinstance(record["category"], str) else None
        if category not in CATEGORIES:
            close = difflib.get_close_matches(category or "", CATEGORIES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            known = ", ".join(CATEGORIES)
            msg = f"{where}: unknown category {category!r}: {hint}use one of {known}"
            raise CatalogueError(msg)
        datum = str(record.get("datum") or "WGS-84").strip().upper().replace("WGS84", "WGS-84")
        datum = {"GCJ02": "GCJ-02", "BD09": "BD-09"}.get(datum, datum)
        if datum not in DATUMS:
            msg = f"{where}: unknown datum {record.get('datum')!r}: use one of {', '.join(DATUMS)}"
            raise CatalogueError(msg)
        station = category == "station"
        visit = _number(
            record.get("visit_minutes"),
            field="visit_minutes",
            where=where,
            default=0.0 if station else _DEFAULT_VISIT_MINUTES,
        )
        if not 0 <= visit <= _MAX_VISIT_MINUTES:
            what = "is negative" if visit < 0 else "is more than a day (1440)"
            msg = f"{where}: visit_minutes {visit:g} {what}: give minutes from 0 to 1440"
            raise CatalogueError(msg)
        score = _number(
            record.get("score"), field="score", where=where, default=0.0 if station else 50.0
        )
        if not 0.0 <= score <= 100.0:
            msg = f"{where}: score {score:g} is outside 0-100: give a score from 0 to 100"
            raise CatalogueError(msg)
        accuracy = _number(
            record.get("position_accuracy_m"),
            field="position_accuracy_m",
            where=where,
            default=math.nan,
        )
        if not math.isnan(accuracy) and not 0 <= accuracy <= _MAX_ACCURACY_M:
            what = "is negative" if accuracy < 0 else "is more than 100 km"
            msg = f"{where}: position_accuracy_m {accuracy:g} {what}: give metres >= 0"
            raise CatalogueError(msg)
        hours = record.get("opening_hours")
        if hours is not None and (not isinstance(hours, str) or len(hours) > 2_000):
            msg = f"{where}: opening_hours is not text: use OSM opening_hours syntax"
            raise CatalogueError(msg)
        extra = {
            k: v
            for k, v in record.items()
            if k not in (*REQUIRED, *COLUMNS, "lat", "lon", "geometry")
        }
        area = record.get("area")
        if area is not None and not isinstance(area, Polygon | MultiPolygon):
            msg = f"{where}: area is not a Polygon or MultiPolygon: give the outline"
            raise CatalogueError(msg)
        clean.append(
            {
                "id": site_id,
                "name": name,
                "name_zh": texts["name_zh"],
                "category": category,
                "visit_minutes": visit,
                "opening_hours": hours.strip()
                if isinstance(hours, str) and hours.strip()
                else None,
                "score": score,
                "description": texts["description"],
                "source": texts["source"],
                "datum": "WGS-84",
                "source_datum": datum,
                "position_accuracy_m": accuracy,
                "osm_id": _osm_id(record.get("osm_id"), where=where),
                "area": area,
                "entrances": _entrances(record.get("entrances"), where=where),
                "lat": _number(record.get("lat"), field="lat", where=where, default=math.nan),
                "lon": _number(record.get("lon"), field="lon", where=where, default=math.nan),
                **extra,
            }
        )
    _check_coordinates(clean, origin)
    for record in clean:
        if record["opening_hours"] is not None:
            check_opening_hours(
                record["opening_hours"],
                where=f"site catalogue {origin}, site {record['id']} ({record['name']})",
                lat=record["lat"],
                lon=record["lon"],
            )
    frame = pd.DataFrame(clean)
    lon = frame["lon"].to_numpy(dtype=float).copy()
    lat = frame["lat"].to_numpy(dtype=float).copy()
    converted: tuple[Datum, ...] = ("GCJ-02", "BD-09")
    for datum in converted:
        mask = (frame["source_datum"] == datum).to_numpy()
        if mask.any():
            lon[mask], lat[mask] = to_wgs84(lon[mask], lat[mask], datum)
    geometry: list[Point] = []
    areas: list[Polygon | MultiPolygon | None] = []
    entrances: list[tuple[Entrance, ...]] = []
    for i, record in enumerate(clean):
        datum = record["source_datum"]
        area, doors = record["area"], record["entrances"]
        if datum != "WGS-84":
            if area is not None:
                area = shapely.transform(
                    area, lambda xy, d=datum: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], d))
                )
            if doors:
                d_lon, d_lat = to_wgs84(
                    np.array([d[0] for d in doors]), np.array([d[1] for d in doors]), datum
                )
                doors = [
                    (float(x), float(y), d[2], d[3])
                    for x, y, d in zip(d_lon, d_lat, doors, strict=True)
                ]
        areas.append(area)
        entrances.append(tuple(Entrance(x, y, name, ref) for x, y, name, ref in doors))
        point = area.representative_point() if area is not None else Point(lon[i], lat[i])
        geometry.append(point)
    frame["osm_id"] = pd.Series(
        [v if isinstance(v, str) else None for v in frame["osm_id"]],
        index=frame.index,
        dtype=object,
    )
    frame["area"] = pd.Series(areas, index=frame.index, dtype=object)
    frame["entrances"] = pd.Series(entrances, index=frame.index, dtype=object)
    frame = frame.drop(columns=["lat", "lon"]).set_index("id")
    # missing hours stay None (not NaN) so that "absent means always open" is explicit
    frame["opening_hours"] = pd.Series(
        [h if isinstance(h, str) else None for h in frame["opening_hours"]],
        index=frame.index,
        dtype=object,
    )
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
