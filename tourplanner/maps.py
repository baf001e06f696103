"""Interactive tour maps with folium.

The map shows numbered stop markers in visiting order (popups in English and
Chinese with category, arrival time, minutes on site and description), each
leg drawn along the streets with its distance and walking time, a panel with
the totals, and the OpenStreetMap attribution. Every piece of catalogue text
is HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Final, cast

import folium
import geopandas as gpd
from branca.element import Figure

from tourplanner._io import GENERATOR, check_output_path, write_text_atomic
from tourplanner.tour import Stop, Tour

__all__ = ["CATEGORY_COLOURS", "format_minutes", "tour_map", "write_map"]

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
}
_ROUTE_COLOUR: Final = "#c2185b"
_OSM_ATTRIBUTION: Final = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


def _text(value: object) -> str:
    """Escape text for HTML that folium may also embed in a JavaScript template literal."""
    return html.escape(str(value), quote=True).replace("`", "&#96;").replace("$", "&#36;")


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


def _popup_html(stop: Stop, sites: gpd.GeoDataFrame) -> str:
    row = sites.loc[stop.site_id]
    description = row.get("description")
    hours = row.get("opening_hours")
    lines = [
        f"<b>{stop.order}. {_text(stop.name)}</b>",
        f"<br>{_text(stop.name_zh)}" if stop.name_zh else "",
        f"<br><i>{_text(stop.category.replace('_', ' '))}</i>",
        f"<br>Arrive {stop.arrival:%H:%M}",
        f", wait {format_minutes(stop.wait_s)}" if stop.wait_s >= 30 else "",
        f", {stop.visit_minutes:.0f} min on site" if stop.visit_minutes else "",
        f", leave {stop.departure:%H:%M}",
        f"<br>Opening hours: {_text(hours)}" if isinstance(hours, str) and hours else "",
        f"<br>{_text(description)}" if isinstance(description, str) and description else "",
    ]
    return f'<div class="tp-popup" style="min-width:220px">{"".join(lines)}</div>'


def _marker_icon(stop: Stop) -> folium.DivIcon:
    colour = CATEGORY_COLOURS.get(stop.category, "#333333")
    return folium.DivIcon(
        html=(
            f'<div class="tp-stop" style="background:{colour};color:#fff;border:2px solid #fff;'
            "border-radius:50%;width:26px;height:26px;line-height:22px;text-align:center;"
            f'font:bold 13px sans-serif;box-shadow:0 0 3px #000">{stop.order}</div>'
        ),
        icon_size=(26, 26),
        icon_anchor=(13, 13),
        class_name="tp-stop-icon",
    )


def _panel_html(tour: Tour, title: str, notice: str | None) -> str:
    parts = [
        '<div id="tp-panel" style="position:absolute;top:10px;right:10px;z-index:1000;'
        "background:rgba(255,255,255,.93);padding:8px 12px;border-radius:6px;"
        'box-shadow:0 1px 5px rgba(0,0,0,.4);font:13px sans-serif;max-width:320px">',
        f"<b>{_text(title)}</b>",
    ]
    if notice:
        parts.append(f'<div class="tp-notice" style="color:#b00020">{_text(notice)}</div>')
    parts.append(
        f'<div class="tp-totals">{len(tour.stops)} stops &middot; {_distance(tour.distance_m)} '
        f"&middot; {format_minutes(tour.walking_s)} walking<br>"
        f"{tour.start:%a %d %b %H:%M} &ndash; {tour.end:%H:%M}</div>"
    )
    if tour.skipped:
        names = ", ".join(_text(s.name) for s in tour.skipped)
        parts.append(f'<div class="tp-skipped">Off the street network, skipped: {names}</div>')
    parts.append(
        f'<div style="font-size:11px;color:#555">Street data {_OSM_ATTRIBUTION} (ODbL)</div></div>'
    )
    return "".join(parts)


def tour_map(
    tour: Tour,
    sites: gpd.GeoDataFrame,
    *,
    title: str = "Walking tour",
    notice: str | None = None,
) -> folium.Map:
    """Draw ``tour`` on an interactive folium map.

    Parameters
    ----------
    tour
        The tour.
    sites
        The catalogue the tour was planned from (descriptions, hours).
    title
        Shown in the panel.
    notice
        A warning line shown under the title (e.g. the demo notice).

    Returns
    -------
    folium.Map
        The map, fitted to the tour.
    """
    fmap = folium.Map(tiles=None, control_scale=True)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap", attr=_OSM_ATTRIBUTION).add_to(fmap)
    root = cast("Figure", fmap.get_root())
    root.header.add_child(
        folium.Element(f'<meta name="generator" content="{GENERATOR}">'), name="tp_generator"
    )
    route = folium.FeatureGroup(name="Route").add_to(fmap)
    pairs = [
        (leg, day.stops[i], day.stops[i + 1]) for day in tour.days for i, leg in enumerate(day.legs)
    ]
    for number, (leg, a, b) in enumerate(pairs, start=1):
        label = (
            f"Leg {number}: {_text(a.name)} &rarr; {_text(b.name)}, "
            f"{_distance(leg.distance_m)}, {format_minutes(leg.duration_s)}"
        )
        folium.PolyLine(  # type: ignore[no-untyped-call]
            [(lat, lon) for lon, lat in leg.geometry.coords],
            color=_ROUTE_COLOUR,
            weight=5,
            opacity=0.8,
            tooltip=folium.Tooltip(label),
            class_name=f"tp-leg tp-leg-{number}",
        ).add_to(route)
    stops = folium.FeatureGroup(name="Stops").add_to(fmap)
    for stop in tour.stops:
        lon, lat = stop.position
        folium.Marker(
            (lat, lon),
            icon=_marker_icon(stop),
            popup=folium.Popup(_popup_html(stop, sites), max_width=320),
            tooltip=folium.Tooltip(f"{stop.order}. {_text(stop.name)}"),
        ).add_to(stops)
    root.html.add_child(folium.Element(_panel_html(tour, title, notice)))
    lats = [lat for leg in tour.legs for _, lat in leg.geometry.coords] + [
        s.position[1] for s in tour.stops
    ]
    lons = [lon for leg in tour.legs for lon, _ in leg.geometry.coords] + [
        s.position[0] for s in tour.stops
    ]
    fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(20, 20))
    folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def write_map(fmap: folium.Map, path: str | Path, *, force: bool = False) -> None:
    """Render ``fmap`` to a single HTML file, atomically.

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
    write_text_atomic(target, fmap.get_root().render())
