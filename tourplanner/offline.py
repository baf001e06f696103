"""Self-contained HTML: inlined scripts and styles, and streets instead of tiles.

An offline map must open with no network at all (a kiosk, a phone in airplane
mode). :func:`inline_assets` replaces folium's CDN references with the same
files from installed packages (Leaflet and jQuery, packaged by XStatic, the
versions folium links to) and drops the ones a tour map does not use
(Bootstrap, Font Awesome, awesome-markers). Since tiles need a network too, the
walking network of the tour's surroundings is drawn as a light vector layer
(:func:`street_lines`).
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
import xstatic.pkg.jquery
import xstatic.pkg.leaflet
from shapely import LineString, box

from tourplanner.network import WalkingNetwork
from tourplanner.tour import Tour

__all__ = ["external_references", "inline_assets", "street_lines", "streets_around"]

_LEAFLET: Final = Path(xstatic.pkg.leaflet.BASE_DIR)
_JQUERY: Final = Path(xstatic.pkg.jquery.BASE_DIR)
_SCRIPT: Final = re.compile(r'<script\s+src="(https?://[^"]+)"\s*>\s*</script>', re.IGNORECASE)
_STYLE: Final = re.compile(
    r'<link\s+rel="stylesheet"\s+href="(https?://[^"]+)"\s*/?>', re.IGNORECASE
)
_ASSET_REF: Final = re.compile(
    r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*"(https?:)?//[^"]*"',
    re.IGNORECASE,
)
_CSS_URL: Final = re.compile(r"url\((['\"]?)images/([^)'\"]+)\1\)")


def _leaflet_css() -> str:
    css = (_LEAFLET / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        image = _LEAFLET / "images" / match.group(2)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return _CSS_URL.sub(data_uri, css)


def _script(text: str) -> str:
    return "<script>" + text.replace("</script", "<\\/script") + "</script>"


def inline_assets(page: str) -> str:
    """Inline Leaflet and jQuery into ``page`` and drop the other CDN assets.

    Parameters
    ----------
    page
        HTML rendered by folium.

    Returns
    -------
    str
        The page with no external script or style sheet.
    """

    def script(match: re.Match[str]) -> str:
        url = match.group(1)
        if "leaflet" in url and url.endswith("/leaflet.js"):
            return _script((_LEAFLET / "leaflet.js").read_text(encoding="utf-8"))
        if "jquery" in url:
            return _script((_JQUERY / "jquery.min.js").read_text(encoding="utf-8"))
        return ""  # bootstrap, awesome-markers: not used by tour maps

    def style(match: re.Match[str]) -> str:
        url = match.group(1)
        if url.endswith("/leaflet.css"):
            return f"<style>{_leaflet_css()}</style>"
        return ""

    return _STYLE.sub(style, _SCRIPT.sub(script, page))


def external_references(page: str) -> list[str]:
    """Return the tags of ``page`` that would load something over the network.

    Parameters
    ----------
    page
        HTML.

    Returns
    -------
    list of str
        Offending tag openings (empty for a self-contained page). Links in
        ``<a href>`` (attribution) are not loads and are not listed.
    """
    return [m.group(0) for m in _ASSET_REF.finditer(page)]


def street_lines(
    graph: nx.MultiDiGraph, tour: Tour, *, margin_m: float = 400.0, tolerance_m: float = 2.0
) -> list[list[tuple[float, float]]]:
    """Return the streets around ``tour`` as simplified lon/lat lines.

    Each street is drawn once (not once per direction); the streets kept are
    those that meet the tour's bounding box grown by ``margin_m`` (whole, not
    cut at the box), simplified to ``tolerance_m`` and rounded to 1e-5 degrees
    (about a metre).

    Parameters
    ----------
    graph
        The walking network.
    tour
        The tour whose surroundings to draw.
    margin_m
        Margin around the tour.
    tolerance_m
        Simplification tolerance.

    Returns
    -------
    list of list of (lon, lat)
        One coordinate list per street segment.
    """
    points = [p for leg in tour.legs for p in leg.geometry.coords]
    points += [stop.position for stop in tour.stops]
    return streets_around(graph, points, margin_m=margin_m, tolerance_m=tolerance_m)


def _edge_lines(graph: WalkingNetwork | nx.MultiDiGraph) -> npt.NDArray[np.object_]:
    """Return every edge's line (lon/lat), in the graph's edge order."""
    if isinstance(graph, WalkingNetwork):
        return graph.edge_geometry
    lines = []
    for u, v, data in graph.edges(data=True):
        geometry = data.get("geometry")
        if geometry is None:
            a, b = graph.nodes[u], graph.nodes[v]
            geometry = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        lines.append(geometry)
    array = np.empty(len(lines), dtype=object)
    array[:] = lines
    return array


def streets_around(
    graph: WalkingNetwork | nx.MultiDiGraph,
    points: Sequence[tuple[float, float]],
    *,
    margin_m: float = 400.0,
    tolerance_m: float = 2.0,
) -> list[list[tuple[float, float]]]:
    """Return the streets around ``points`` (lon, lat) as simplified lon/lat lines.

    As :func:`street_lines`, for any set of points (the bureau's maps).

    Parameters
    ----------
    graph
        The walking network (a prepared one is drawn from its arrays, without
        building its networkx graph), or its graph.
    points
        The points whose bounding box, grown by ``margin_m``, is drawn.
    margin_m
        Margin around the points.
    tolerance_m
        Simplification tolerance.

    Returns
    -------
    list of list of (lon, lat)
        One coordinate list per street segment.
    """
    if not points:
        return []
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    mid_lat = (min(lats) + max(lats)) / 2.0
    d_lat = margin_m / 111_320.0
    d_lon = margin_m / (111_320.0 * max(0.1, math.cos(math.radians(mid_lat))))
    frame = box(min(lons) - d_lon, min(lats) - d_lat, max(lons) + d_lon, max(lats) + d_lat)
    tolerance_deg = tolerance_m / 111_320.0
    seen: set[tuple[tuple[float, float], ...]] = set()
    lines: list[list[tuple[float, float]]] = []
    every = _edge_lines(graph)
    near = every[shapely.intersects(every, frame)]
    for simple in shapely.simplify(near, tolerance_deg):
        coords = [(round(x, 5), round(y, 5)) for x, y in simple.coords]
        # each street once: the two directions of a way (and parallel edges that
        # coincide) share their coordinates, up to the direction
        key = min(tuple(coords), tuple(coords[::-1]))
        if len(coords) < 2 or key in seen:
            continue
        seen.add(key)
        lines.append(coords)
    return lines
