"""The bureau's maps: catchments, coverage and tour comparison, each explaining itself.

Every map has a title, a legend and (in its panel, the same side panel / bottom
sheet as the tour map) the table it shows; with ``offline`` it is
self-contained like ``plan --offline``: no tiles, the walking network drawn as a
light base layer. Catchments get one switchable layer per origin in its own
colour, the walking bands as shades of it (darkest nearest), the origin marked;
coverage colours each site by its walk to the nearest station on a colour scale;
the comparison links each colour to its tour.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import folium
import geopandas as gpd
import networkx as nx
import pandas as pd

from tourplanner.maps import CATEGORY_COLOURS, MapPage, _text, map_page
from tourplanner.network import WalkingNetwork
from tourplanner.offline import streets_around

__all__ = ["ORIGIN_COLOURS", "catchments_map", "compare_map", "coverage_map", "walk_colour"]

#: One colour per catchment origin or compared tour (distinct hues).
ORIGIN_COLOURS: Final[tuple[str, ...]] = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)
#: Walking-time scale of the coverage map: green (close) to red (far), as (fraction, colour).
_WALK_SCALE: Final[tuple[tuple[float, tuple[int, int, int]], ...]] = (
    (0.0, (26, 152, 80)),
    (0.5, (254, 224, 139)),
    (1.0, (215, 48, 39)),
)


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _shade(colour: str, lightness: float) -> str:
    """Mix ``colour`` with white (``lightness`` 0: the colour, 1: white)."""
    return _hex([c + (255 - c) * lightness for c in _rgb(colour)])


def walk_colour(minutes: float, top_minutes: float) -> str:
    """Return the coverage scale's colour for a walk of ``minutes`` (scale 0..top).

    Parameters
    ----------
    minutes
        Walking time (``inf``: unreachable, the far end of the scale).
    top_minutes
        The time at the red end of the scale.

    Returns
    -------
    str
        A ``#rrggbb`` colour.
    """
    t = 1.0 if not math.isfinite(minutes) else max(0.0, min(1.0, minutes / top_minutes))
    for (t0, c0), (t1, c1) in itertools.pairwise(_WALK_SCALE):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return _hex([a + (b - a) * f for a, b in zip(c0, c1, strict=True)])
    return _hex(_WALK_SCALE[-1][1])


def _table_html(frame: pd.DataFrame, *, index: bool = True) -> str:
    """Render a table with every cell escaped."""
    head = ([_text(frame.index.name or "")] if index else []) + [_text(c) for c in frame.columns]
    rows = []
    for key, row in frame.iterrows():
        cells = [f"<th>{_text(key)}</th>"] if index else []
        for value in row:
            if isinstance(value, float):
                text = "" if math.isnan(value) else ("∞" if math.isinf(value) else f"{value:.1f}")
            else:
                text = "" if value is None or value is pd.NA else str(value)
            cells.append(f"<td>{_text(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    header = "".join(f"<th>{h}</th>" for h in head)
    return f'<table class="tp-table"><tr>{header}</tr>{"".join(rows)}</table>'


def _page(
    title: str,
    points: Sequence[tuple[float, float]],
    *,
    offline: bool,
    graph: WalkingNetwork | nx.MultiDiGraph | None,
    tiles: str,
) -> MapPage:
    streets = streets_around(graph, points, margin_m=300.0) if offline and graph else []
    return map_page(title, tiles=tiles, offline=offline, streets=streets)


def _bounds(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def _station_marker(page: MapPage, lon: float, lat: float, name: str, colour: str) -> Any:
    """Return a diamond marking an origin or station."""
    return folium.Marker(
        page.latlon(lon, lat),
        icon=folium.DivIcon(
            html=f'<div class="tp-origin" style="--c:{colour}"></div>',
            icon_size=(18, 18),
            icon_anchor=(9, 9),
            class_name="tp-origin-icon",
        ),
        tooltip=folium.Tooltip(_text(name)),
    )


def catchments_map(
    result: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    offline: bool = False,
    graph: WalkingNetwork | nx.MultiDiGraph | None = None,
    tiles: str = "OpenStreetMap.Mapnik",
) -> folium.Map:
    """Draw walking catchments: one switchable layer per origin.

    Parameters
    ----------
    result
        From :func:`tourplanner.catchments.catchments`.
    sites
        The catalogue (origin positions, the sites layer).
    offline
        A self-contained map with ``graph``'s streets instead of tiles.
    graph
        The walking network (drawn offline).
    tiles
        Tile provider when online.

    Returns
    -------
    folium.Map
        The map.
    """
    origins = list(dict.fromkeys(str(o) for o in result["origin_id"]))
    limits = sorted({float(m) for m in result["minutes"]})
    west, south, east, north = result.total_bounds if len(result) else sites.total_bounds
    points = [(west, south), (east, north)]
    points += [(g.x, g.y) for g in sites.geometry]
    page = _page("Walking catchments", points, offline=offline, graph=graph, tiles=tiles)
    colours = {o: ORIGIN_COLOURS[i % len(ORIGIN_COLOURS)] for i, o in enumerate(origins)}
    # darkest band nearest the origin
    lightness = {m: 0.65 * i / max(1, len(limits) - 1) for i, m in enumerate(limits)}
    legend = []
    for origin in origins:
        colour = colours[origin]
        name = str(sites.loc[origin, "name"]) if origin in sites.index else origin
        layer = folium.FeatureGroup(
            name=f'<span class="tp-swatch" style="background:{colour}"></span>{_text(name)}'
        ).add_to(page.fmap)
        part = result[result["origin_id"] == origin].sort_values("minutes", ascending=False)
        for _, row in part.iterrows():
            minutes = float(row["minutes"])
            fill = _shade(colour, lightness[minutes])
            folium.GeoJson(
                row.geometry.__geo_interface__,
                style_function=lambda _f, fill=fill, colour=colour: {
                    "fillColor": fill,
                    "fillOpacity": 0.45,
                    "color": colour,
                    "weight": 1,
                },
                tooltip=folium.Tooltip(f"{_text(name)}: {minutes:g} min walk"),
            ).add_to(layer)
        if origin in sites.index:
            point = sites.loc[origin].geometry
            _station_marker(page, point.x, point.y, name, colour).add_to(layer)
        legend.append(
            f'<div><span class="tp-swatch tp-square" style="background:{colour}"></span>'
            f"{_text(name)}</div>"
        )
    grey = "#555555"
    shades = "".join(
        f'<span class="tp-swatch tp-square" style="background:{_shade(grey, lightness[m])}">'
        f"</span>{m:g}&nbsp; "
        for m in limits
    )
    legend.append(f"<div>{shades}min walk (darker: nearer)</div>")
    legend.append(
        '<div><span class="tp-swatch tp-square" style="background:#fff;border:2px solid #000;'
        'transform:rotate(45deg)"></span>origin</div>'
    )
    _sites_layer(page, sites)
    table = pd.DataFrame(
        {
            f"{m:g} min, km²": [
                float(
                    result[(result["origin_id"] == o) & (result["minutes"] == m)]["area_km2"].sum()
                )
                for o in origins
            ]
            for m in limits
        },
        index=pd.Index(
            [str(sites.loc[o, "name"]) if o in sites.index else o for o in origins], name="origin"
        ),
    )
    body = (
        "<p>The area reachable on foot from each origin along the streets, in "
        + ", ".join(f"{m:g}" for m in limits)
        + " minutes. Switch origins on and off in the layer control.</p>"
        + _table_html(table)
    )
    return page.finish(
        body_html=body, legend_html="".join(legend), bounds=_bounds(points[:2] or points)
    )


def _sites_layer(page: MapPage, sites: gpd.GeoDataFrame, name: str = "Sites") -> None:
    layer = folium.FeatureGroup(name=name).add_to(page.fmap)
    for _, row in sites.iterrows():
        folium.CircleMarker(
            page.latlon(row.geometry.x, row.geometry.y),
            radius=4,
            color=CATEGORY_COLOURS.get(str(row["category"]), "#333"),
            fill=True,
            fill_opacity=0.8,
            weight=1,
            tooltip=folium.Tooltip(_text(row["name"])),
        ).add_to(layer)


def coverage_map(
    table: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    *,
    limit_minutes: float,
    offline: bool = False,
    graph: WalkingNetwork | nx.MultiDiGraph | None = None,
    tiles: str = "OpenStreetMap.Mapnik",
) -> folium.Map:
    """Draw each site coloured by its walk to the nearest station, with the table.

    Parameters
    ----------
    table
        From :func:`tourplanner.catchments.coverage`.
    sites
        The catalogue.
    limit_minutes
        The walk considered close (the middle of the colour scale).
    offline
        A self-contained map with ``graph``'s streets instead of tiles.
    graph
        The walking network (drawn offline).
    tiles
        Tile provider when online.

    Returns
    -------
    folium.Map
        The map.
    """
    points = [(g.x, g.y) for g in sites.geometry]
    page = _page("Station coverage", points, offline=offline, graph=graph, tiles=tiles)
    top = 2.0 * limit_minutes
    layer = folium.FeatureGroup(name="Sites by walk to a station").add_to(page.fmap)
    for site_id, row in table.iterrows():
        point = sites.loc[site_id].geometry
        minutes = float(row["walk_minutes"])
        station = row["station_name"]
        where = (
            f"{minutes:.0f} min from {_text(station)}"
            if math.isfinite(minutes)
            else "no station reachable on foot"
        )
        folium.CircleMarker(
            page.latlon(point.x, point.y),
            radius=8,
            color="#222" if bool(row["within_limit"]) else "#000",
            weight=1 if bool(row["within_limit"]) else 3,
            fill=True,
            fill_color=walk_colour(minutes, top),
            fill_opacity=0.95,
            tooltip=folium.Tooltip(f"{_text(row['name'])}: {where}"),
        ).add_to(layer)
    stations = sites[sites["category"] == "station"]
    station_layer = folium.FeatureGroup(name="Stations").add_to(page.fmap)
    for _, row in stations.iterrows():
        _station_marker(page, row.geometry.x, row.geometry.y, str(row["name"]), "#ffffff").add_to(
            station_layer
        )
    ramp = ", ".join(walk_colour(top * i / 10, top) for i in range(11))
    legend = (
        f'<div>Walk to the nearest station</div><div class="tp-ramp" '
        f'style="background:linear-gradient(to right,{ramp})"></div>'
        f'<div class="tp-ramp-labels"><span>0</span><span>{limit_minutes:g} min</span>'
        f"<span>&ge;{top:g} min</span></div>"
        '<div><span class="tp-swatch" style="background:#ccc;border:3px solid #000"></span>'
        f"beyond {limit_minutes:g} min</div>"
        '<div><span class="tp-swatch tp-square" style="background:#fff;border:2px solid #000;'
        'transform:rotate(45deg)"></span>station</div>'
    )
    outside = int((~table["within_limit"].astype(bool)).sum())
    shown = pd.DataFrame(
        {
            "nearest station": table["station_name"],
            "min": table["walk_minutes"].astype(float).round(1),
        },
    )
    shown.index = pd.Index([str(n) for n in table["name"]], name="site")
    body = (
        f"<p>{outside} of {len(table)} sites are more than {limit_minutes:g} min on foot from "
        "any station (thick ring).</p>" + _table_html(shown)
    )
    return page.finish(body_html=body, legend_html=legend, bounds=_bounds(points))


def compare_map(
    docs: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    table: pd.DataFrame,
    *,
    offline: bool = False,
    tiles: str = "OpenStreetMap.Mapnik",
) -> folium.Map:
    """Draw several tours, each a switchable layer in its own colour, with the table.

    Parameters
    ----------
    docs
        Tour documents (from ``plan --geojson``).
    labels
        Their names.
    table
        From :func:`tourplanner.compare.comparison_table`.
    offline
        A self-contained map; the tours carry no street network, so only the
        tours are drawn.
    tiles
        Tile provider when online.

    Returns
    -------
    folium.Map
        The map.
    """
    points = [
        tuple(c)
        for doc in docs
        for f in doc["features"]
        for c in (
            f["geometry"]["coordinates"]
            if f["geometry"]["type"] == "LineString"
            else [f["geometry"]["coordinates"]]
        )
    ]
    page = _page("Tour comparison", points, offline=offline, graph=None, tiles=tiles)
    legend = []
    for number, (doc, label) in enumerate(zip(docs, labels, strict=True)):
        colour = ORIGIN_COLOURS[number % len(ORIGIN_COLOURS)]
        layer = folium.FeatureGroup(
            name=f'<span class="tp-swatch" style="background:{colour}"></span>{_text(label)}'
        ).add_to(page.fmap)
        for feature in doc["features"]:
            props, geometry = feature["properties"], feature["geometry"]
            if props.get("kind") == "leg":
                folium.PolyLine(  # type: ignore[no-untyped-call]
                    [page.latlon(lon, lat) for lon, lat in geometry["coordinates"]],
                    color=colour,
                    weight=5,
                    opacity=0.75,
                    tooltip=folium.Tooltip(
                        f"{_text(label)}: {float(props['distance_m']):.0f} m, "
                        f"{float(props['duration_s']) / 60:.0f} min"
                    ),
                    class_name="tp-compare-leg",
                ).add_to(layer)
            else:
                lon, lat = geometry["coordinates"]
                folium.CircleMarker(
                    page.latlon(lon, lat),
                    radius=7,
                    color="#000",
                    weight=1,
                    fill=True,
                    fill_color=colour,
                    fill_opacity=0.9,
                    tooltip=folium.Tooltip(
                        f"{_text(label)} {props.get('order', '')}. {_text(props.get('name', ''))}"
                    ),
                ).add_to(layer)
        legend.append(
            f'<div><span class="tp-swatch tp-line" style="background:{colour}"></span>'
            f"{_text(label)}</div>"
        )
    note = (
        "<p>Offline: the tours carry no street network, so only the tours are drawn.</p>"
        if offline
        else ""
    )
    body = note + _table_html(table)
    return page.finish(body_html=body, legend_html="".join(legend), bounds=_bounds(points))
