"""Interactive tour maps with folium.

The map shows numbered stop markers coloured by category (ringed by day on
multi-day tours) with popups in English and Chinese, each leg drawn along the
streets with a tooltip, the catalogue's other sites as a switchable layer, an
itinerary panel (stops, times, walks, street-by-street directions, totals), a
legend, a layer control, a scale bar, and attribution for the OpenStreetMap data
and the tiles. Every piece of catalogue text is HTML-escaped.

Tiles come from :mod:`xyzservices` providers (OpenStreetMap by default). Chinese
providers (Amap/Gaode) draw in GCJ-02, so every geometry is shifted to GCJ-02
for them. With ``offline=True`` the page needs no network at all: Leaflet and
jQuery are inlined from installed packages (XStatic) and the walking network is
drawn as a light vector base layer instead of tiles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final, cast

import folium
import geopandas as gpd
import networkx as nx
import xyzservices
import xyzservices.providers
from branca.element import Figure

from tourplanner._io import GENERATOR, check_output_path, write_text_atomic
from tourplanner._text import html_text
from tourplanner.datum import wgs84_to_gcj02
from tourplanner.directions import Step
from tourplanner.errors import OutputError
from tourplanner.offline import inline_assets, street_lines
from tourplanner.tour import Stop, Tour

__all__ = [
    "CATEGORY_COLOURS",
    "DAY_COLOURS",
    "GCJ02_PROVIDERS",
    "format_minutes",
    "resolve_tiles",
    "tour_map",
    "write_map",
]

#: Marker colour per category.
CATEGORY_COLOURS: Final[dict[str, str]] = {
    "creative_park": "#d95f02",
    "museum": "#7570b3",
    "heritage": "#a6761d",
    "park": "#1b9e77",
    "square": "#e7298a",
    "greenway": "#66a61e",
    "market": "#e6ab02",
    "landmark": "#386cb0",
    "station": "#555555",
    "waypoint": "#000000",
}
#: Route and marker-ring colour per day.
DAY_COLOURS: Final[tuple[str, ...]] = ("#c2185b", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a")
#: Tile providers drawn in GCJ-02 (geometry is shifted for them).
GCJ02_PROVIDERS: Final[tuple[str, ...]] = ("Gaode.",)
_OSM_DATA: Final = (
    'Street data &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
    "contributors (ODbL)"
)

_OFFLINE_MARKER: Final = '<meta name="tourplanner-offline" content="1">'

Transform = Callable[[float, float], tuple[float, float]]


def _text(value: object) -> str:
    """Escape text for HTML that folium may also embed in a JavaScript template literal."""
    return html_text(value)


def format_minutes(seconds: float) -> str:
    """Format a duration as ``"1 h 05 min"`` or ``"12 min"``.

    Parameters
    ----------
    seconds
        Duration.

    Returns
    -------
    str
        Rounded to the minute.

    Examples
    --------
    >>> format_minutes(3900), format_minutes(59)
    ('1 h 05 min', '1 min')
    """
    minutes = round(seconds / 60.0)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min"


def _distance(metres: float) -> str:
    return f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"


def resolve_tiles(name: str, *, offline: bool = False) -> xyzservices.TileProvider | None:
    """Return the xyzservices tile provider called ``name`` (``None`` when offline).

    Parameters
    ----------
    name
        A provider name such as ``"OpenStreetMap.Mapnik"`` or ``"Gaode.Normal"``.
    offline
        An offline map draws the street network instead of tiles.

    Returns
    -------
    xyzservices.TileProvider or None
        The provider.

    Raises
    ------
    OutputError
        If the provider is unknown, needs an API key, or is combined with
        ``offline`` while needing a key.
    """
    try:
        provider = xyzservices.providers.query_name(name)
    except ValueError:
        msg = (
            f"unknown tile provider {name!r}: use an xyzservices name such as "
            "'OpenStreetMap.Mapnik' or 'Gaode.Normal'"
        )
        raise OutputError(msg) from None
    if provider.requires_token():
        if offline:
            msg = (
                f"tile provider {name!r} needs an API key, and --offline uses no tiles: "
                "drop --tiles or --offline"
            )
        else:
            msg = (
                f"tile provider {name!r} needs an API key: choose a provider without one, "
                "e.g. 'OpenStreetMap.Mapnik'"
            )
        raise OutputError(msg)
    return None if offline else provider


def needs_gcj02(provider: xyzservices.TileProvider | None) -> bool:
    """Return whether tiles of ``provider`` are drawn in GCJ-02."""
    return provider is not None and str(provider.name).startswith(GCJ02_PROVIDERS)


def _identity(lon: float, lat: float) -> tuple[float, float]:
    return lon, lat


def _to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    return float(g_lon), float(g_lat)


def _latlon(coords: Sequence[tuple[float, float]], shift: Transform) -> list[tuple[float, float]]:
    out = []
    for lon, lat in coords:
        x, y = shift(lon, lat)
        out.append((round(y, 7), round(x, 7)))
    return out


def _popup_html(stop: Stop, sites: gpd.GeoDataFrame) -> str:
    row = sites.loc[stop.site_id]
    description = row.get("description")
    hours = row.get("opening_hours")
    kind = {"start": "Start", "end": "End"}.get(stop.kind)
    lines = [
        f"<b>{stop.order}. {_text(stop.name)}</b>",
        f"<br>{_text(stop.name_zh)}" if stop.name_zh else "",
        f"<br><i>{_text(stop.category.replace('_', ' '))}</i>",
        f" &middot; {kind} of day {stop.day + 1}" if kind else "",
        f"<br>Arrive {stop.arrival:%H:%M}",
        f", wait {format_minutes(stop.wait_s)}" if stop.wait_s >= 30 else "",
        f", {stop.visit_minutes:.0f} min on site" if stop.visit_minutes else "",
        f", leave {stop.departure:%H:%M}",
        f"<br>Opening hours: {_text(hours)}" if isinstance(hours, str) and hours else "",
        f"<br>{_text(description)}" if isinstance(description, str) and description else "",
    ]
    return f'<div class="tp-popup" style="min-width:220px">{"".join(lines)}</div>'


def _marker_icon(stop: Stop, day_colour: str) -> folium.DivIcon:
    colour = CATEGORY_COLOURS.get(stop.category, "#333333")
    label = {"start": "S", "end": "E"}.get(stop.kind, str(stop.order))
    return folium.DivIcon(
        html=(
            f'<div class="tp-stop tp-stop-{stop.kind}" data-order="{stop.order}" '
            f'style="background:{colour};color:#fff;border:3px solid {day_colour};'
            "border-radius:50%;width:28px;height:28px;line-height:22px;text-align:center;"
            f'font:bold 13px sans-serif;box-shadow:0 0 3px #000">{label}</div>'
        ),
        icon_size=(28, 28),
        icon_anchor=(14, 14),
        class_name="tp-stop-icon",
    )


def _steps_html(steps: Sequence[Step]) -> str:
    items = "".join(
        f"<li>{_text(step.label)} &ndash; {_distance(step.distance_m)}</li>" for step in steps
    )
    return f'<ol class="tp-directions">{items}</ol>' if items else ""


def _panel_html(
    tour: Tour,
    title: str,
    notice: str | None,
    directions: Mapping[int, Sequence[Step]],
) -> str:
    parts = [
        '<div id="tp-panel" style="position:absolute;top:10px;right:10px;z-index:1000;'
        "background:rgba(255,255,255,.95);padding:8px 12px;border-radius:6px;"
        "box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px sans-serif;width:330px;"
        'max-height:calc(100% - 40px);overflow:auto">',
        f'<div style="font-size:14px"><b>{_text(title)}</b></div>',
    ]
    if notice:
        parts.append(f'<div class="tp-notice" style="color:#b00020">{_text(notice)}</div>')
    visits = len(tour.visits)
    parts.append(
        f'<div class="tp-totals">{visits} visits &middot; {_distance(tour.distance_m)} '
        f"&middot; {format_minutes(tour.walking_s)} walking &middot; "
        f"{format_minutes(tour.visiting_s)} on site"
        + (f" &middot; {format_minutes(tour.waiting_s)} waiting" if tour.waiting_s >= 60 else "")
        + (f" &middot; score {tour.score:.0f}" if tour.score else "")
        + "</div>"
    )
    leg_number = 0
    for day in tour.days:
        colour = DAY_COLOURS[day.index % len(DAY_COLOURS)]
        if len(tour.days) > 1 or day.stops:
            parts.append(
                f'<div class="tp-day" style="margin-top:6px;border-left:4px solid {colour};'
                f'padding-left:6px"><b>Day {day.index + 1}, {day.date:%a %d %b %Y}</b></div>'
            )
        parts.append('<table class="tp-itinerary" style="border-collapse:collapse;width:100%">')
        for i, stop in enumerate(day.stops):
            wait = f", wait {format_minutes(stop.wait_s)}" if stop.wait_s >= 60 else ""
            stay = f", {stop.visit_minutes:.0f} min" if stop.visit_minutes else ""
            parts.append(
                f'<tr class="tp-row tp-row-{stop.kind}" data-order="{stop.order}" '
                f'data-site="{_text(stop.site_id)}"><td style="vertical-align:top">'
                f"<b>{stop.order}</b></td><td><b>{_text(stop.name)}</b>"
                + (f" {_text(stop.name_zh)}" if stop.name_zh else "")
                + f"<br>{stop.arrival:%H:%M}&ndash;{stop.departure:%H:%M}{wait}{stay}</td></tr>"
            )
            if i < len(day.legs):
                leg = day.legs[i]
                leg_number += 1
                steps = directions.get(leg_number - 1, ())
                parts.append(
                    f'<tr class="tp-leg-row"><td></td><td style="color:#555">&darr; walk '
                    f"{format_minutes(leg.duration_s)}, {_distance(leg.distance_m)}"
                    f"{_steps_html(steps)}</td></tr>"
                )
        parts.append("</table>")
    if tour.left_out:
        items = "".join(
            f"<li>{_text(item.name)}: {_text(item.detail)}</li>" for item in tour.left_out
        )
        parts.append(f'<div class="tp-left-out">Not visited:<ul>{items}</ul></div>')
    if tour.skipped:
        names = ", ".join(_text(s.name) for s in tour.skipped)
        parts.append(f'<div class="tp-skipped">Off the street network, skipped: {names}</div>')
    for warning in tour.warnings:
        parts.append(f'<div class="tp-warning" style="color:#b00020">{_text(warning)}</div>')
    parts.append(f'<div style="font-size:11px;color:#555;margin-top:4px">{_OSM_DATA}</div></div>')
    return "".join(parts)


def _legend_html(categories: Sequence[str], days: int) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
        f'background:{CATEGORY_COLOURS.get(c, "#333")};margin-right:4px"></span>'
        f"{_text(c.replace('_', ' '))}</div>"
        for c in categories
    )
    if days > 1:
        rows += "".join(
            f'<div><span style="display:inline-block;width:14px;height:4px;'
            f'background:{DAY_COLOURS[d % len(DAY_COLOURS)]};margin-right:4px"></span>'
            f"day {d + 1}</div>"
            for d in range(days)
        )
    return (
        '<div id="tp-legend" style="position:absolute;bottom:60px;left:10px;z-index:1000;'
        "background:rgba(255,255,255,.9);padding:6px 8px;border-radius:6px;"
        f'box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px sans-serif">{rows}</div>'
    )


def tour_map(
    tour: Tour,
    sites: gpd.GeoDataFrame,
    *,
    title: str = "Walking tour",
    notice: str | None = None,
    tiles: str = "OpenStreetMap.Mapnik",
    offline: bool = False,
    graph: nx.MultiDiGraph | None = None,
    directions: Mapping[int, Sequence[Step]] | None = None,
) -> folium.Map:
    """Draw ``tour`` on an interactive folium map.

    Parameters
    ----------
    tour
        The tour.
    sites
        The catalogue the tour was planned from (descriptions, hours, the
        other sites layer).
    title
        Shown in the panel.
    notice
        A warning line shown under the title (e.g. the demo notice).
    tiles
        An xyzservices provider name; GCJ-02 providers shift all geometry.
    offline
        Draw ``graph``'s streets instead of tiles (the page is made
        self-contained by :func:`write_map`).
    graph
        The walking network (needed with ``offline``).
    directions
        Steps per leg (index into ``tour.legs``), shown in the panel.

    Returns
    -------
    folium.Map
        The map, fitted to the tour.
    """
    provider = resolve_tiles(tiles, offline=offline)
    shift: Transform = _to_gcj02 if needs_gcj02(provider) else _identity
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    root = cast("Figure", fmap.get_root())
    root.header.add_child(
        folium.Element(f'<meta name="generator" content="{GENERATOR}">'), name="tp_generator"
    )
    if offline:  # write_map inlines the assets of pages that carry this marker
        root.header.add_child(folium.Element(_OFFLINE_MARKER), name="tp_offline")
    if provider is not None:
        folium.TileLayer(
            tiles=provider.build_url(),
            attr=provider.html_attribution,
            name=str(provider.name),
            max_zoom=int(provider.get("max_zoom", 19)),
        ).add_to(fmap)
    lines: list[list[tuple[float, float]]] = []
    if offline:
        if graph is None:
            msg = "an offline map needs the street graph to draw instead of tiles"
            raise ValueError(msg)
        lines = street_lines(graph, tour, margin_m=400.0)
    if lines:
        folium.PolyLine(  # type: ignore[no-untyped-call]
            [_latlon(line, shift) for line in lines],
            color="#9e9e9e",
            weight=1.5,
            opacity=0.8,
            interactive=False,
            class_name="tp-street",
        ).add_to(folium.FeatureGroup(name="Streets (OpenStreetMap)").add_to(fmap))
    if offline:
        root.html.add_child(
            folium.Element(
                f"<script>window.addEventListener('load',function(){{"
                f"{fmap.get_name()}.attributionControl.addAttribution({_OSM_DATA!r});}});"
                "</script>"
            )
        )
    in_tour = {stop.site_id for stop in tour.stops}
    others = folium.FeatureGroup(name="Other catalogue sites", show=True).add_to(fmap)
    for site_id, row in sites.iterrows():
        if site_id in in_tour:
            continue
        lat, lon = shift(row.geometry.x, row.geometry.y)[::-1]
        colour = CATEGORY_COLOURS.get(str(row["category"]), "#333")
        folium.CircleMarker(
            (lat, lon),
            radius=5,
            color=colour,
            fill=True,
            fill_opacity=0.6,
            weight=1,
            tooltip=folium.Tooltip(_text(row["name"])),
            class_name="tp-other",
        ).add_to(others)
    route = folium.FeatureGroup(name="Route").add_to(fmap)
    leg_number = 0
    for day in tour.days:
        colour = DAY_COLOURS[day.index % len(DAY_COLOURS)]
        for i, leg in enumerate(day.legs):
            leg_number += 1
            a, b = day.stops[i], day.stops[i + 1]
            label = (
                f"Leg {leg_number}: {_text(a.name)} &rarr; {_text(b.name)}, "
                f"{_distance(leg.distance_m)}, {format_minutes(leg.duration_s)}"
            )
            folium.PolyLine(  # type: ignore[no-untyped-call]
                _latlon(list(leg.geometry.coords), shift),
                color=colour,
                weight=5,
                opacity=0.85,
                tooltip=folium.Tooltip(label),
                class_name=f"tp-leg tp-leg-{leg_number}",
            ).add_to(route)
    stops = folium.FeatureGroup(name="Stops").add_to(fmap)
    for stop in tour.stops:
        lon, lat = shift(*stop.position)
        colour = DAY_COLOURS[stop.day % len(DAY_COLOURS)]
        folium.Marker(
            (lat, lon),
            icon=_marker_icon(stop, colour),
            popup=folium.Popup(_popup_html(stop, sites), max_width=320),
            tooltip=folium.Tooltip(f"{stop.order}. {_text(stop.name)}"),
        ).add_to(stops)
    root.html.add_child(folium.Element(_panel_html(tour, title, notice, directions or {})))
    categories = sorted({stop.category for stop in tour.stops} | set(sites["category"]))
    root.html.add_child(folium.Element(_legend_html(categories, len(tour.days))))
    points = [shift(lon, lat) for leg in tour.legs for lon, lat in leg.geometry.coords]
    points += [shift(*stop.position) for stop in tour.stops]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    fmap.fit_bounds(
        [(min(lats), min(lons)), (max(lats), max(lons))],
        padding_top_left=(30, 30),
        padding_bottom_right=(370, 30),  # keep the route clear of the panel
    )
    folium.LayerControl(collapsed=True, position="topleft").add_to(fmap)
    return fmap


def write_map(fmap: folium.Map, path: str | Path, *, force: bool = False) -> None:
    """Render ``fmap`` to a single HTML file, atomically.

    An offline map (``tour_map(..., offline=True)``) is made self-contained:
    every script and style sheet is inlined from installed packages.

    Parameters
    ----------
    fmap
        The map.
    path
        Destination; an existing file is replaced only if tourplanner wrote it
        or ``force`` is true.
    force
        Replace a file tourplanner did not write.
    """
    target = check_output_path(path, force=force)
    page = fmap.get_root().render()
    if _OFFLINE_MARKER in page:
        page = inline_assets(page)
    write_text_atomic(target, page)
