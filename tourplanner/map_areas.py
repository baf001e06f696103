"""The map layer of area sites: their outlines and the entries a tour uses.

Self-contained so that the tour map (:mod:`tourplanner.maps`) can add it with
one call: ``area_layer(sites, tour.legs, gcj02=...).add_to(fmap)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import shapely
from shapely import MultiPolygon, Polygon

from tourplanner._text import html_text
from tourplanner.datum import wgs84_to_gcj02
from tourplanner.routing import Entry, Leg

__all__ = ["area_layer"]


def _shifted(geometry: Polygon | MultiPolygon, gcj02: bool) -> Polygon | MultiPolygon:
    if not gcj02:
        return geometry
    return shapely.transform(
        geometry, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    )


def _latlon(lon: float, lat: float, gcj02: bool) -> tuple[float, float]:
    if gcj02:
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        return float(g_lat), float(g_lon)
    return lat, lon


def area_layer(
    sites: gpd.GeoDataFrame,
    legs: Sequence[Leg],
    *,
    gcj02: bool = False,
    name: str = "Areas and entrances",
) -> folium.FeatureGroup:
    """Draw the outlines of the area sites and the entries the legs use.

    Parameters
    ----------
    sites
        A catalogue with the ``area`` column of :func:`tourplanner.sites.load_sites`
        (rows without an area are skipped).
    legs
        The tour's legs; each :attr:`~tourplanner.routing.Leg.to_entry` and
        :attr:`~tourplanner.routing.Leg.from_entry` is marked.
    gcj02
        Shift the drawing to GCJ-02 (for Amap/Gaode tiles).
    name
        The layer's name in the layer control.

    Returns
    -------
    folium.FeatureGroup
        The layer (add it to a map).
    """
    layer = folium.FeatureGroup(name=name)
    areas = sites["area"] if "area" in sites.columns else []
    for site_id, area in zip(sites.index, areas, strict=False):
        if not isinstance(area, Polygon | MultiPolygon):
            continue
        row = sites.loc[site_id]
        osm = row.get("osm_id")
        where = f"outline from OpenStreetMap {osm}" if isinstance(osm, str) else "outline"
        folium.GeoJson(
            _shifted(area, gcj02).__geo_interface__,
            style_function=lambda _f: {"color": "#6a1b9a", "weight": 2, "fillOpacity": 0.12},
            tooltip=html_text(f"{row['name']}: {where}"),
        ).add_to(layer)
    used: dict[tuple[str, str, tuple[float, float]], list[str]] = {}
    for leg in legs:
        for entry, verb in ((leg.to_entry, "enter by"), (leg.from_entry, "leave by")):
            if isinstance(entry, Entry):
                key = (entry.site_id, entry.label, entry.location)
                used.setdefault(key, []).append(verb)
    for (site_id, label, (lon, lat)), verbs in used.items():
        site = str(sites.loc[site_id, "name"]) if site_id in sites.index else site_id
        text = f"{site}: {' and '.join(dict.fromkeys(verbs))} {label}"
        folium.CircleMarker(
            _latlon(lon, lat, gcj02),
            radius=5,
            color="#6a1b9a",
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            tooltip=html_text(text),
        ).add_to(layer)
    return layer
