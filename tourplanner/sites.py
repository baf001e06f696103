"""Site catalogues: loading, validating and converting them to a GeoDataFrame.

A catalogue is a GeoJSON FeatureCollection with one Point feature per site, or a
CSV file with ``lat`` and ``lon`` columns. Both are validated on load and every
error names the file, the site and the fix. Coordinates declared in the GCJ-02
or BD-09 datum (Chinese web maps) are converted to WGS-84; the original datum is
kept in the ``source_datum`` column.

The loaded catalogue is a :class:`geopandas.GeoDataFrame` in EPSG:4326 indexed
by site ``id`` with the columns of :data:`COLUMNS`.

Examples
--------
>>> sites = load_sites(bundled_catalogue_path())
>>> sites.crs.to_epsg(), sites.loc["station_tiexi_square", "category"]
(4326, 'station')
"""

from __future__ import annotations

import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from tourplanner.datum import DATUMS, Datum, to_wgs84
from tourplanner.errors import CatalogueError
from tourplanner.hours import check_opening_hours

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "REQUIRED",
    "bundled_catalogue_path",
    "load_sites",
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
)

_ID_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DEFAULT_VISIT_MINUTES: Final = 30.0
_DEFAULT_SCORE: Final = 50.0
_SWAP_DISTANCE_M: Final = 100_000.0
_BUNDLED: Final = "tiexi_sites.geojson"


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


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        msg = f"site catalogue {path} is not UTF-8 text ({exc.reason}): save it as UTF-8"
        raise CatalogueError(msg) from None
    except OSError as exc:
        msg = f"site catalogue {path} cannot be read ({exc.strerror}): check the path"
        raise CatalogueError(msg) from None


def _records_from_geojson(path: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        msg = (
            f"site catalogue {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}): fix the file"
        )
        raise CatalogueError(msg) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        msg = f"site catalogue {path} is not a GeoJSON FeatureCollection: wrap the sites in one"
        raise CatalogueError(msg)
    features = doc.get("features")
    if not isinstance(features, list):
        msg = f"site catalogue {path} has no 'features' list: add one Point feature per site"
        raise CatalogueError(msg)
    file_datum = doc.get("datum", "WGS-84")
    records: list[dict[str, Any]] = []
    for number, feature in enumerate(features, start=1):
        where = f"site catalogue {path}, feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            msg = f"{where} is not a GeoJSON Feature: give each site as a Feature"
            raise CatalogueError(msg)
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            msg = f"{where} has properties that are not an object: use a JSON object"
            raise CatalogueError(msg)
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            label = props.get("id", f"#{number}")
            msg = f"{where} ({label}) has no Point geometry: give each site a Point [lon, lat]"
            raise CatalogueError(msg)
        coords = geometry.get("coordinates")
        if (
            not isinstance(coords, list)
            or len(coords) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
        ):
            label = props.get("id", f"#{number}")
            msg = f"{where} ({label}) has invalid coordinates {coords!r}: use [lon, lat] numbers"
            raise CatalogueError(msg)
        record = dict(props)
        record["lon"], record["lat"] = float(coords[0]), float(coords[1])
        record.setdefault("datum", file_datum)
        records.append(record)
    return records


def _records_from_csv(path: Path) -> list[dict[str, Any]]:
    text = _read_text(path)
    if not text.strip():
        msg = f"site catalogue {path} is empty: add a header line and one row per site"
        raise CatalogueError(msg)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
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
    try:
        number = float(value)
    except (TypeError, ValueError):
        msg = f"{where}: {field} {value!r} is not a number: give a number"
        raise CatalogueError(msg) from None
    if math.isnan(number):
        return default
    return number


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
        site_id = str(record["id"]).strip()
        if not _ID_RE.match(site_id):
            msg = f"{where}: id {site_id!r} is not a slug: use letters, digits, '_', '-' or '.'"
            raise CatalogueError(msg)
        if site_id in seen:
            msg = f"site catalogue {origin}: duplicate id {site_id!r}: make every id unique"
            raise CatalogueError(msg)
        seen.add(site_id)
        category = str(record["category"]).strip()
        if category not in CATEGORIES:
            msg = f"{where}: unknown category {category!r}: use one of {', '.join(CATEGORIES)}"
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
        if visit < 0:
            msg = f"{where}: visit_minutes {visit:g} is negative: give minutes >= 0"
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
        if accuracy < 0:
            msg = f"{where}: position_accuracy_m {accuracy:g} is negative: give metres >= 0"
            raise CatalogueError(msg)
        hours = record.get("opening_hours")
        if hours is not None and not isinstance(hours, str):
            msg = f"{where}: opening_hours {hours!r} is not text: use OSM opening_hours syntax"
            raise CatalogueError(msg)
        extra = {
            k: v
            for k, v in record.items()
            if k not in (*REQUIRED, *COLUMNS, "lat", "lon", "geometry")
        }
        clean.append(
            {
                "id": site_id,
                "name": str(record["name"]).strip(),
                "name_zh": str(record.get("name_zh") or "").strip(),
                "category": category,
                "visit_minutes": visit,
                "opening_hours": hours.strip()
                if isinstance(hours, str) and hours.strip()
                else None,
                "score": score,
                "description": str(record.get("description") or "").strip(),
                "source": str(record.get("source") or "").strip(),
                "datum": "WGS-84",
                "source_datum": datum,
                "position_accuracy_m": accuracy,
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
    geometry = [Point(x, y) for x, y in zip(lon, lat, strict=True)]
    frame = frame.drop(columns=["lat", "lon"]).set_index("id")
    # missing hours stay None (not NaN) so that "absent means always open" is explicit
    frame["opening_hours"] = pd.Series(
        [h if isinstance(h, str) else None for h in frame["opening_hours"]],
        index=frame.index,
        dtype=object,
    )
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
