"""The walking street network: study area, sources, cache and preparation.

A walking network (osmnx ``network_type="walk"``) for a study area comes from
one of three sources:

- the Overpass API, through osmnx (the default; needs the internet once);
- a local OpenStreetMap extract (``.osm.pbf``, ``.osm``, ``.osm.xml``,
  ``.osm.bz2``), read with pyosmium, filtered with osmnx's own walking filter,
  built into a graph by osmnx and clipped to the study area;
- the project's cache of a graph built before, keyed by study area and source.

Every graph is reduced to its largest strongly connected component and each
edge gets a ``travel_time`` in seconds from the walking speed.

Examples
--------
>>> import pyrosm
>>> from tourplanner.sites import load_sites
>>> area = study_area_from_bbox(24.935, 60.165, 24.945, 60.170)
>>> G = load_graph(area, osm_file=pyrosm.get_data("helsinki_pbf"), use_cache=False)
>>> G.number_of_nodes() > 100
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import os
import socket
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, cast

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pyproj
import requests
from shapely import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from tourplanner import settings
from tourplanner._cache import CACHE_FORMAT, CacheEntryError, read_network, write_network
from tourplanner._osmbuild import network_from_ways
from tourplanner._osmfile import (
    check_osm_file,
    extract_ways,
    parse_way_filter,
    read_ways,
    write_osm_xml,
)
from tourplanner.errors import NetworkDataError
from tourplanner.network import NetworkData, WalkingNetwork

__all__ = [
    "CACHE_FORMAT",
    "MAX_AREA_KM2",
    "add_travel_times",
    "cache_key",
    "check_study_area",
    "graph_from_osm_file",
    "graph_from_overpass",
    "load_graph",
    "load_network",
    "network_from_osm_file",
    "overpass_errors",
    "prepare_graph",
    "study_area",
    "study_area_from_bbox",
]

logger = logging.getLogger(__name__)

#: Largest study area accepted without ``max_area_km2`` raised (km²).
MAX_AREA_KM2: Final = 400.0
#: Latitudes with a UTM zone (the metric projection the study area is built in).
_UTM_LATITUDES: Final = (-80.0, 84.0)
#: Seconds to wait for the Overpass API to answer its status check.
_PROBE_TIMEOUT_S: Final = 8.0
_NETWORK_TYPE: Final = "walk"
#: Keep edges that cross the area's boundary (a site near the edge keeps its street).
_TRUNCATE_BY_EDGE: Final = True
#: osmnx queries the area grown by this much, then clips (so we do the same offline).
_QUERY_BUFFER_M: Final = 500.0
#: Way tags kept on edges (osmnx defaults plus what directions need).
_USEFUL_TAGS_WAY: Final = (
    "bridge",
    "tunnel",
    "oneway",
    "lanes",
    "ref",
    "name",
    "name:en",
    "name:zh",
    "highway",
    "maxspeed",
    "service",
    "access",
    "area",
    "landuse",
    "width",
    "est_width",
    "junction",
    "footway",
    "surface",
)


def study_area(sites: gpd.GeoDataFrame, *, margin_m: float = 500.0) -> Polygon:
    """Return the study area: the sites' convex hull grown by ``margin_m``.

    Parameters
    ----------
    sites
        A site catalogue (any CRS with a known definition).
    margin_m
        Margin around the sites in metres, so that routes may leave the hull.

    Returns
    -------
    shapely.Polygon
        The area in WGS-84 (EPSG:4326).
    """
    if sites.empty:
        msg = "no sites to build a study area from: give at least one site"
        raise NetworkDataError(msg)
    points = sites.to_crs(4326)
    south, north = float(points.geometry.y.min()), float(points.geometry.y.max())
    if south < _UTM_LATITUDES[0] or north > _UTM_LATITUDES[1]:
        msg = (
            f"sites at latitude {north if north > _UTM_LATITUDES[1] else south:.4f} lie outside "
            "the UTM zones (80 S to 84 N) that tourplanner measures in: plan between 80 S and 84 N"
        )
        raise NetworkDataError(msg)
    if float(points.geometry.x.max()) - float(points.geometry.x.min()) > 180.0:
        msg = (
            "the sites lie on both sides of the antimeridian (180 degrees longitude): "
            "plan each side separately"
        )
        raise NetworkDataError(msg)
    projected = points.to_crs(points.estimate_utm_crs())
    # a buffer polygon's edges cut inside the circle: grow the radius so that the
    # whole margin is kept (within 0.1 %)
    segments = 16
    radius = margin_m / math.cos(math.pi / (4 * segments))
    hull = projected.union_all().convex_hull.buffer(radius, quad_segs=segments)
    area = gpd.GeoSeries([hull], crs=projected.crs).to_crs(4326).iloc[0]
    if not isinstance(area, Polygon):  # pragma: no cover - a buffered hull is a polygon
        area = area.convex_hull
    return area


def study_area_from_bbox(west: float, south: float, east: float, north: float) -> Polygon:
    """Return a rectangular study area from WGS-84 bounds.

    Parameters
    ----------
    west, south, east, north
        Bounds in degrees.

    Returns
    -------
    shapely.Polygon
        The rectangle.
    """
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        msg = f"bounding box ({west}, {south}, {east}, {north}) is not finite: give degrees"
        raise NetworkDataError(msg)
    if not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
    ):
        msg = (
            f"bounding box ({west}, {south}, {east}, {north}) is outside -180..180, -90..90: "
            "give WEST,SOUTH,EAST,NORTH in degrees"
        )
        raise NetworkDataError(msg)
    if not (west < east and south < north):
        msg = (
            f"bounding box ({west}, {south}, {east}, {north}) is empty: "
            "give west < east and south < north"
        )
        raise NetworkDataError(msg)
    return box(west, south, east, north)


def area_km2(area: BaseGeometry) -> float:
    """Return the geodesic area of a WGS-84 polygon in km² (on the WGS-84 ellipsoid)."""
    geod = pyproj.Geod(ellps="WGS84")
    value, _ = geod.geometry_area_perimeter(area)
    return abs(float(value)) / 1e6


def check_study_area(area: BaseGeometry, *, max_area_km2: float = MAX_AREA_KM2) -> None:
    """Refuse a study area that is not finite WGS-84 degrees or larger than ``max_area_km2``.

    Parameters
    ----------
    area
        The study area in WGS-84.
    max_area_km2
        The largest area accepted (km²).

    Raises
    ------
    NetworkDataError
        If the area is empty, outside -180..180/-90..90, or too large.
    """
    if area.is_empty:
        msg = "the study area is empty: give sites, --bbox or --area"
        raise NetworkDataError(msg)
    west, south, east, north = area.bounds
    if not all(math.isfinite(v) for v in area.bounds) or not (
        west >= -180 and east <= 180 and south >= -90 and north <= 90
    ):
        msg = "the study area is not within -180..180, -90..90 degrees: give WGS-84 coordinates"
        raise NetworkDataError(msg)
    size = area_km2(area)
    if size > max_area_km2:
        msg = (
            f"the study area is {size:,.0f} km², more than the {max_area_km2:,.0f} km² allowed "
            "(a walking network that large is a huge download and does not fit a walk): "
            "give a smaller --area/--bbox or --margin-m, or raise --max-area-km2"
        )
        raise NetworkDataError(msg)


def _configure_osmnx(cache: Path) -> None:
    ox.settings.useful_tags_way = list(_USEFUL_TAGS_WAY)
    ox.settings.cache_folder = cache / "http"
    ox.settings.overpass_url = settings.overpass_url()


def _host_resolves(url: str) -> bool:
    """Return whether the host of ``url`` resolves, or a proxy is configured."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    host = urllib.parse.urlparse(url).hostname
    if not host:
        return False
    try:
        socket.getaddrinfo(host, 443)
    except (socket.gaierror, UnicodeError):
        return False
    return True


@contextlib.contextmanager
def _offline_osmnx() -> Iterator[None]:
    """Let osmnx answer from its HTTP cache, and fail at once instead of waiting.

    Without a network osmnx would ask a DNS-over-HTTPS server and then sleep
    60 s for the Overpass status endpoint before failing.
    """
    saved = (ox.settings.doh_url_template, ox.settings.overpass_rate_limit)
    ox.settings.doh_url_template = None
    ox.settings.overpass_rate_limit = False
    try:
        yield
    finally:
        ox.settings.doh_url_template, ox.settings.overpass_rate_limit = saved


@contextlib.contextmanager
def overpass_errors(what: str, fix: str) -> Iterator[None]:
    """Run an osmnx Overpass call, turning network failures into one-line errors.

    Offline (the endpoint's host does not resolve), osmnx may still answer
    from its HTTP cache, and otherwise fails at once instead of waiting.

    Parameters
    ----------
    what
        What is being downloaded, for the message (e.g. ``"the street network"``).
    fix
        What the user can do instead.

    Raises
    ------
    NetworkDataError
        If the API cannot be reached or refuses the request.
    """
    online = _host_resolves(ox.settings.overpass_url)
    try:
        if online and ox.settings.overpass_rate_limit:
            # osmnx sleeps 60 s when its status check cannot connect: find out first, quickly
            requests.get(ox.settings.overpass_url.rstrip("/") + "/status", timeout=_PROBE_TIMEOUT_S)
        with contextlib.nullcontext() if online else _offline_osmnx():
            yield
    except requests.RequestException as exc:
        reason = type(exc).__name__ if online else "no network: the host does not resolve"
        msg = (
            f"cannot download {what} from {ox.settings.overpass_url} ({reason}) "
            f"and no cached copy exists: {fix}"
        )
        raise NetworkDataError(msg) from None
    except ox._errors.ResponseStatusCodeError as exc:
        first = (str(exc).splitlines() or [""])[0][:200]
        msg = f"the Overpass API refused the request ({first}): try again later or use --osm-file"
        raise NetworkDataError(msg) from None


def _buffered(area: Polygon | MultiPolygon, metres: float) -> Polygon | MultiPolygon:
    """Grow a WGS-84 area by ``metres`` (in its UTM zone), as osmnx does before a query."""
    projected, crs = ox.projection.project_geometry(area)
    grown, _ = ox.projection.project_geometry(projected.buffer(metres), crs=crs, to_latlong=True)
    return cast("Polygon | MultiPolygon", grown)


def _clip_and_simplify(
    graph: nx.MultiDiGraph, area: Polygon | MultiPolygon, buffered: Polygon | MultiPolygon
) -> nx.MultiDiGraph:
    """Clip to the buffered area, simplify, clip to the area (osmnx's own sequence)."""
    try:
        graph = ox.truncate.truncate_graph_polygon(
            graph, buffered, truncate_by_edge=_TRUNCATE_BY_EDGE
        )
        graph = ox.simplify_graph(graph)
        graph = ox.truncate.truncate_graph_polygon(graph, area, truncate_by_edge=_TRUNCATE_BY_EDGE)
    except ValueError:  # osmnx: "found no graph nodes within the requested polygon"
        msg = "the study area has no walkable streets in OpenStreetMap: check the sites or area"
        raise NetworkDataError(msg) from None
    return graph


def graph_from_overpass(
    area: Polygon | MultiPolygon, *, cache_folder: str | Path | None = None
) -> nx.MultiDiGraph:
    """Download the walking network inside ``area`` from the Overpass API with osmnx.

    Parameters
    ----------
    area
        The study area in WGS-84.
    cache_folder
        Where osmnx caches HTTP responses (under ``http/``); default
        :func:`tourplanner.settings.cache_dir`.

    Returns
    -------
    networkx.MultiDiGraph
        The unprepared osmnx graph (all components).

    Raises
    ------
    NetworkDataError
        If the API cannot be reached or the area has no walkable streets.
    """
    cache = Path(cache_folder) if cache_folder is not None else settings.cache_dir()
    with contextlib.suppress(OSError):  # osmnx would create it world-readable
        _private_folder(cache / "http")
    _configure_osmnx(cache)
    logger.info("Downloading the walking network from %s", ox.settings.overpass_url)
    fix = "use --osm-file FILE with a local extract, or run 'tourplanner demo' for the offline demo"
    try:
        with overpass_errors("the street network", fix):
            graph = ox.graph_from_polygon(
                area,
                network_type=_NETWORK_TYPE,
                simplify=True,
                retain_all=True,
                truncate_by_edge=_TRUNCATE_BY_EDGE,
            )
    except (ox._errors.InsufficientResponseError, ValueError):
        msg = "the study area has no walkable streets in OpenStreetMap: check the sites or area"
        raise NetworkDataError(msg) from None
    logger.info(
        "Downloaded %d nodes and %d edges", graph.number_of_nodes(), graph.number_of_edges()
    )
    return graph


def graph_from_osm_file(path: str | Path, area: Polygon | MultiPolygon) -> nx.MultiDiGraph:
    """Build the walking network inside ``area`` from a local OSM extract.

    The same steps as a download: ways admitted by osmnx's walking filter within
    the area grown by 500 m, built by osmnx, clipped, simplified, clipped to
    the area.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.osm``, ``.osm.xml`` or ``.osm.bz2`` file.
    area
        The study area in WGS-84; the graph is clipped to it.

    Returns
    -------
    networkx.MultiDiGraph
        The unprepared osmnx graph (all components).

    Raises
    ------
    NetworkDataError
        If the file is missing, empty, corrupt, or has no walkable streets
        in the area.
    """
    path = Path(path)
    check_osm_file(path)
    _configure_osmnx(settings.cache_dir())
    keep = parse_way_filter(ox._overpass._get_network_filter(_NETWORK_TYPE))
    buffered = _buffered(area, _QUERY_BUFFER_M)
    west, south, east, north = buffered.bounds
    logger.info("Reading walkable ways from %s", path)
    document = extract_ways(path, keep, (west, south, east, north))
    n_ways = sum(1 for e in document["elements"] if e["type"] == "way")
    logger.info("Read %d walkable ways; building the graph with osmnx", n_ways)
    if n_ways == 0:
        msg = (
            f"OSM file {path} has no walkable streets in the study area "
            f"({south:.4f}..{north:.4f} N, {west:.4f}..{east:.4f} E): "
            "use an extract that covers the sites"
        )
        raise NetworkDataError(msg)
    with tempfile.TemporaryDirectory(prefix="tourplanner-") as tmp:
        xml_path = Path(tmp) / "walk.osm"
        write_osm_xml(document, xml_path)
        graph = ox.graph_from_xml(xml_path, bidirectional=True, simplify=False, retain_all=True)
    return _clip_and_simplify(graph, area, buffered)


def network_from_osm_file(path: str | Path, area: Polygon | MultiPolygon) -> NetworkData:
    """Build the prepared walking network inside ``area`` from a local OSM extract.

    The steps of :func:`graph_from_osm_file` followed by :func:`prepare_graph`
    (osmnx's walking filter, graph building, clipping, simplification and the
    largest strongly connected component), done on arrays
    (:mod:`tourplanner._osmbuild`): the same nodes, edges, lengths and
    attributes, several times faster and in a fraction of the memory.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.osm``, ``.osm.xml`` or ``.osm.bz2`` file.
    area
        The study area in WGS-84.

    Returns
    -------
    tourplanner.network.NetworkData
        The network's arrays.

    Raises
    ------
    NetworkDataError
        If the file is missing, empty, corrupt, or has no walkable streets
        in the area.
    """
    path = Path(path)
    check_osm_file(path)
    _configure_osmnx(settings.cache_dir())
    keep = parse_way_filter(ox._overpass._get_network_filter(_NETWORK_TYPE))
    buffered = _buffered(area, _QUERY_BUFFER_M)
    west, south, east, north = buffered.bounds
    logger.info("Reading walkable ways from %s", path)
    ways = read_ways(path, keep, (west, south, east, north))
    n_ways = len(ways.ways)
    logger.info("Read %d walkable ways; building the network", n_ways)
    no_streets = (
        f"OSM file {path} has no walkable streets in the study area "
        f"({south:.4f}..{north:.4f} N, {west:.4f}..{east:.4f} E): "
        "use an extract that covers the sites"
    )
    if n_ways == 0:
        raise NetworkDataError(no_streets)
    data = network_from_ways(
        ways,
        area,
        buffered,
        useful_tags_way=ox.settings.useful_tags_way,
        useful_tags_node=ox.settings.useful_tags_node,
    )
    if data.n_nodes == 0:
        msg = "the study area has no walkable streets in OpenStreetMap: check the sites or area"
        raise NetworkDataError(msg)
    if data.n_edges == 0:
        msg = "the study area has no walkable streets: check the sites or the OSM source"
        raise NetworkDataError(msg)
    logger.info("Built the walking network: %d nodes, %d edges", data.n_nodes, data.n_edges)
    return data


def add_travel_times(graph: nx.MultiDiGraph, speed_kmh: float) -> nx.MultiDiGraph:
    """Set each edge's ``travel_time`` (seconds) from its ``length`` (metres).

    Parameters
    ----------
    graph
        A graph whose edges have ``length``; modified in place and returned.
    speed_kmh
        Walking speed in km/h (> 0).

    Returns
    -------
    networkx.MultiDiGraph
        The same graph.
    """
    if not speed_kmh > 0:
        msg = f"walking speed {speed_kmh} km/h is not positive: give a speed such as 4.5"
        raise ValueError(msg)
    metres_per_second = speed_kmh / 3.6
    for _, _, data in graph.edges(data=True):
        data["travel_time"] = float(data["length"]) / metres_per_second
    graph.graph["walking_speed_kmh"] = float(speed_kmh)
    return graph


def prepare_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Keep the largest strongly connected component of a walking graph.

    Parameters
    ----------
    graph
        An osmnx graph.

    Returns
    -------
    networkx.MultiDiGraph
        The largest strongly connected component.

    Raises
    ------
    NetworkDataError
        If the graph has no edges.
    """
    if graph.number_of_edges() == 0:
        msg = "the study area has no walkable streets: check the sites or the OSM source"
        raise NetworkDataError(msg)
    largest = ox.truncate.largest_component(graph, strongly=True)
    logger.info(
        "Kept the largest strongly connected component: %d of %d nodes",
        largest.number_of_nodes(),
        graph.number_of_nodes(),
    )
    return largest


def cache_key(area: BaseGeometry, source: str | Path | None) -> str:
    """Return the cache key of a graph: a hash of the area, source and versions.

    A local file is identified by its absolute path, size and modification
    time, so a replaced extract is read again.

    Parameters
    ----------
    area
        The study area.
    source
        ``None`` for the Overpass API, else the path of an OSM extract.

    Returns
    -------
    str
        A hexadecimal digest.
    """
    if source is None:
        origin: dict[str, Any] = {"overpass": settings.overpass_url()}
    else:
        path = Path(source).resolve()
        stat = path.stat()
        origin = {"file": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    payload = {
        "area": area.normalize().wkt if hasattr(area, "normalize") else area.wkt,
        "origin": origin,
        "network_type": _NETWORK_TYPE,
        "tags": list(_USEFUL_TAGS_WAY),
        "osmnx": ox.__version__,
        "format": CACHE_FORMAT,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def _cache_path(key: str, cache: Path) -> Path:
    return cache / "graphs" / f"walk-{key}.npz"


def _read_cache(path: Path) -> NetworkData | None:
    """Return the cached network at ``path``, or ``None`` (absent, or invalid: then rebuilt)."""
    try:
        return read_network(path)
    except FileNotFoundError:
        return None
    except (CacheEntryError, OSError, MemoryError) as exc:
        logger.warning("Rebuilding the cached walking network %s: %s", path.name, exc)
        return None


def _private_folder(folder: Path) -> None:
    """Create ``folder`` (and a missing parent) readable by the user only (0700)."""
    for level in (folder.parent, folder):
        if not level.is_dir():
            level.mkdir(mode=0o700, parents=True, exist_ok=True)
            level.chmod(0o700)


def _write_cache(data: NetworkData, path: Path) -> bool:
    """Write the cache entry; return whether it was written (a failure is only a warning)."""
    try:
        _private_folder(path.parent)
        write_network(data, path)
    except (CacheEntryError, OSError) as exc:
        logger.warning("Could not cache the street graph in %s (%s)", path.parent, exc)
        return False
    return True


def load_network(
    area: Polygon | MultiPolygon,
    *,
    osm_file: str | Path | None = None,
    speed_kmh: float = settings.DEFAULT_WALKING_SPEED_KMH,
    use_cache: bool = True,
    cache_folder: str | Path | None = None,
    max_area_km2: float = MAX_AREA_KM2,
) -> WalkingNetwork:
    """Return the prepared walking network for ``area``, from cache or source.

    A cached network is loaded as arrays, without building a networkx graph
    (:attr:`~tourplanner.network.WalkingNetwork.graph` builds it on first
    use); every part the searches need (adjacency, reverse twins, metric
    geometry and its STRtree) is derived before it is returned.

    Parameters
    ----------
    area
        The study area in WGS-84 (see :func:`study_area`).
    osm_file
        A local OSM extract; ``None`` downloads from the Overpass API.
    speed_kmh
        Walking speed for edge ``travel_time``.
    use_cache
        Read and write the project's graph cache.
    cache_folder
        Cache folder; default :func:`tourplanner.settings.cache_dir`.
    max_area_km2
        Largest study area accepted (km²), checked before any request.

    Returns
    -------
    tourplanner.network.WalkingNetwork
        The largest strongly connected component of the walking network.

    Raises
    ------
    NetworkDataError
        If no network can be had from the source or the cache.
    """
    return _load(
        area,
        osm_file=osm_file,
        speed_kmh=speed_kmh,
        use_cache=use_cache,
        cache_folder=cache_folder,
        max_area_km2=max_area_km2,
    ).prepare()


def _load(
    area: Polygon | MultiPolygon,
    *,
    osm_file: str | Path | None,
    speed_kmh: float,
    use_cache: bool,
    cache_folder: str | Path | None,
    max_area_km2: float,
    read: bool = True,
) -> WalkingNetwork:
    check_study_area(area, max_area_km2=max_area_km2)
    if not speed_kmh > 0:
        msg = f"walking speed {speed_kmh} km/h is not positive: give a speed such as 4.5"
        raise ValueError(msg)
    if osm_file is not None and not Path(osm_file).is_file():
        graph_from_osm_file(osm_file, area)  # raises the precise error
    cache = Path(cache_folder) if cache_folder is not None else settings.cache_dir()
    path = _cache_path(cache_key(area, osm_file), cache)
    data = _read_cache(path) if use_cache and read else None
    graph: nx.MultiDiGraph | None = None
    if data is not None:
        logger.info("Loaded the walking network from the cache %s", path)
    else:
        if osm_file:
            data = network_from_osm_file(osm_file, area)
        else:
            graph = prepare_graph(graph_from_overpass(area, cache_folder=cache))
            data = NetworkData.from_graph(graph)
        if use_cache and _write_cache(data, path):
            logger.info("Cached the walking network in %s", path)
    extra = {"walking_speed_kmh": float(speed_kmh), "study_area": area.wkt}
    data = dataclasses.replace(data, graph_attrs={**data.graph_attrs, **extra})
    if graph is None:
        return WalkingNetwork(data)
    graph = add_travel_times(graph, speed_kmh)
    graph.graph["study_area"] = extra["study_area"]  # where the streets end (catchments check it)
    return WalkingNetwork.from_parts(data, graph)


def load_graph(
    area: Polygon | MultiPolygon,
    *,
    osm_file: str | Path | None = None,
    speed_kmh: float = settings.DEFAULT_WALKING_SPEED_KMH,
    use_cache: bool = True,
    cache_folder: str | Path | None = None,
    max_area_km2: float = MAX_AREA_KM2,
) -> nx.MultiDiGraph:
    """Return the prepared walking network for ``area`` as a networkx graph.

    The graph of :func:`load_network` (same parameters); prefer that for
    snapping, matrices, catchments and planning.

    Parameters
    ----------
    area
        The study area in WGS-84 (see :func:`study_area`).
    osm_file
        A local OSM extract; ``None`` downloads from the Overpass API.
    speed_kmh
        Walking speed for edge ``travel_time``.
    use_cache
        Read and write the project's graph cache.
    cache_folder
        Cache folder; default :func:`tourplanner.settings.cache_dir`.
    max_area_km2
        Largest study area accepted (km²), checked before any request.

    Returns
    -------
    networkx.MultiDiGraph
        The largest strongly connected component with ``length`` (m) and
        ``travel_time`` (s) on every edge.

    Raises
    ------
    NetworkDataError
        If no network can be had from the source or the cache.
    """
    options: dict[str, Any] = {
        "osm_file": osm_file,
        "speed_kmh": speed_kmh,
        "use_cache": use_cache,
        "cache_folder": cache_folder,
        "max_area_km2": max_area_km2,
    }
    network = _load(area, **options)
    try:
        return network.graph
    except NetworkDataError as exc:  # the cached attributes fail their checks
        logger.warning("Rebuilding the cached walking network: %s", exc)
        return _load(area, **options, read=False).graph
