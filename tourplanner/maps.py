"""Interactive tour maps with folium, made for a phone in the hand.

The map shows numbered stop markers coloured by category (ringed by day on
multi-day tours; stops at the same place share one marker with all their
numbers) with popups in English and Chinese, each leg drawn along the streets
with a tooltip, the catalogue's other sites as a switchable layer, an itinerary
(stops, times, walks, turn-by-turn directions, totals), a legend, a layer
control, a scale bar, and attribution for the OpenStreetMap data and the tiles.
Every piece of catalogue text goes through one escaping helper, :func:`_text`.

The page layout (``_data/map.css`` and ``_data/map.js``, written for this
project) puts the itinerary in a side panel that can be collapsed on wide
screens, and in a bottom sheet below 600 px that shows the next stop when
collapsed and opens with a tap or a drag; the map always takes the rest of the
screen, so nothing covers its controls. Tapping a stop in the itinerary flies
the map to it and opens its popup (sized to fit between the map's controls);
tapping a marker highlights its row. A print style sheet turns the page into an
itinerary with the map on top.

Tiles come from :mod:`xyzservices` providers (OpenStreetMap by default). Chinese
providers (Amap/Gaode) draw in GCJ-02, so every geometry is shifted to GCJ-02
for them. With ``offline=True`` the page needs no network at all: Leaflet and
jQuery are inlined from installed packages (XStatic) and the walking network is
drawn as a light vector base layer instead of tiles.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
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
from tourplanner.directions import (
    Step,
    leg_destinations,
    narrate,
    round_distance,
    tour_directions,
)
from tourplanner.errors import OutputError
from tourplanner.map_areas import area_layer
from tourplanner.offline import inline_assets, street_lines
from tourplanner.planner import Plan
from tourplanner.tour import Stop, Tour

__all__ = [
    "CATEGORY_COLOURS",
    "DAY_COLOURS",
    "GCJ02_PROVIDERS",
    "MapPage",
    "format_minutes",
    "map_page",
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


def _asset(name: str) -> str:
    return (resources.files("tourplanner") / "_data" / name).read_text(encoding="utf-8")


def _json_for_script(value: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``."""
    return (
        json.dumps(value, ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


@dataclass
class MapPage:
    """A folium map inside tourplanner's page: panel, legend, styles and script.

    Made by :func:`map_page`; the tour map and the bureau's maps draw their
    layers on :attr:`fmap` (through :attr:`shift`) and then call
    :meth:`finish`.

    Attributes
    ----------
    fmap
        The folium map.
    shift
        Transform of WGS-84 (lon, lat) to the tiles' datum.
    title
        The page's ``<title>`` and the panel's heading.
    stops
        Markers the itinerary links to (filled by the tour map).
    """

    fmap: folium.Map
    shift: Transform
    title: str
    stops: list[dict[str, object]] = field(default_factory=list)

    def latlon(self, lon: float, lat: float) -> tuple[float, float]:
        """Return ``(lat, lon)`` on the map for a WGS-84 point."""
        x, y = self.shift(lon, lat)
        return round(y, 7), round(x, 7)

    def finish(
        self,
        *,
        body_html: str,
        legend_html: str,
        bounds: tuple[float, float, float, float],
        next_html: str = "",
    ) -> folium.Map:
        """Add the panel, the legend, the layer control and the page script.

        Parameters
        ----------
        body_html
            The panel's content (escaped HTML).
        legend_html
            The legend's rows (escaped HTML).
        bounds
            ``(west, south, east, north)`` in WGS-84 to fit the map to.
        next_html
            What the collapsed bottom sheet shows (the tour map's next stop).

        Returns
        -------
        folium.Map
            The finished map.
        """
        root = cast("Figure", self.fmap.get_root())
        root.header.add_child(folium.Element(f"<style>{_asset('map.css')}</style>"), name="tp_css")
        west, south, east, north = bounds
        (s, w), (n, e) = self.latlon(west, south), self.latlon(east, north)
        toggle = (
            '<button id="tp-toggle" type="button" aria-controls="tp-body" aria-expanded="true" '
            'title="Hide the itinerary">&rsaquo;</button>'
        )
        nav = (
            '<div id="tp-next"><button id="tp-prev" type="button" aria-label="previous stop">'
            '&lsaquo;</button><div class="tp-next-body">'
            f'{next_html}</div><button id="tp-nextbtn" type="button" aria-label="next stop">'
            "&rsaquo;</button></div>"
            if next_html
            else ""
        )
        panel = (
            f'<aside id="tp-panel" aria-label="Itinerary"><div id="tp-head">{toggle}'
            f'<div class="tp-title">{_text(self.title)}</div></div>{nav}'
            f'<div id="tp-body">{body_html}</div></aside>'
            f'<details id="tp-legend" class="tp-legend leaflet-control" open hidden>'
            f"<summary>Key</summary>{legend_html}</details>"
        )
        root.html.add_child(folium.Element(panel), name="tp_panel")
        data = {
            "map": self.fmap.get_name(),
            "stops": self.stops,
            "fit": [[s, w], [n, e]],
            "attribution": _OSM_DATA,
        }
        root.html.add_child(
            folium.Element(
                f'<script type="application/json" id="tp-data">{_json_for_script(data)}</script>'
                f"<script>{_asset('map.js')}</script>"
            ),
            name="tp_script",
        )
        self.fmap.fit_bounds([(s, w), (n, e)])
        folium.LayerControl(collapsed=True, position="topright").add_to(self.fmap)
        return self.fmap


def map_page(
    title: str,
    *,
    tiles: str = "OpenStreetMap.Mapnik",
    offline: bool = False,
    streets: Sequence[Sequence[tuple[float, float]]] = (),
) -> MapPage:
    """Start a map page: tiles (or, offline, the given streets), scale and title.

    Parameters
    ----------
    title
        The page's title.
    tiles
        An xyzservices provider name; GCJ-02 providers shift all geometry.
    offline
        No tiles: :func:`write_map` makes the page self-contained, and
        ``streets`` are drawn as a light base layer.
    streets
        Street lines (lon, lat) to draw offline, e.g. from
        :func:`tourplanner.offline.street_lines`.

    Returns
    -------
    MapPage
        The page to draw on.
    """
    provider = resolve_tiles(tiles, offline=offline)
    shift: Transform = _to_gcj02 if needs_gcj02(provider) else _identity
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    root = cast("Figure", fmap.get_root())
    root.title = _text(title)
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
    if offline and streets:
        folium.PolyLine(  # type: ignore[no-untyped-call]
            [_latlon(line, shift) for line in streets],
            color="#9e9e9e",
            weight=1.5,
            opacity=0.8,
            interactive=False,
            class_name="tp-street",
        ).add_to(folium.FeatureGroup(name="Streets (OpenStreetMap)").add_to(fmap))
    return MapPage(fmap, shift, title)


def _kind_word(kind: str) -> str:
    """How a stop kind is shown ("start", "end", "lunch break"...); "" for a visit."""
    return "" if kind == "visit" else kind.replace("_", " ")


def _stop_facts(stop: Stop, sites: gpd.GeoDataFrame) -> list[str]:
    """Return the lines of a stop's popup, escaped HTML (data-driven: any kind renders)."""
    row = sites.loc[stop.site_id] if stop.site_id in sites.index else {}
    description = row.get("description") if len(row) else None
    hours = row.get("opening_hours") if len(row) else None
    kind = _kind_word(stop.kind)
    what = _text(stop.category.replace("_", " "))
    if kind:
        what += f" &middot; {_text(kind)} of day {stop.day}"
    times = f"Arrive {stop.arrival:%H:%M}"
    if stop.wait_s >= 30:
        times += f", wait {format_minutes(stop.wait_s)}"
    if stop.visit_minutes:
        times += f", {stop.visit_minutes:.0f} min on site"
    times += f", leave {stop.departure:%H:%M}"
    lines = [f"<b>{stop.order}. {_text(stop.name)}</b>"]
    if stop.name_zh:
        lines.append(_text(stop.name_zh))
    lines += [f"<i>{what}</i>", times]
    if isinstance(hours, str) and hours:
        lines.append(f"Opening hours: {_text(hours)}")
    if isinstance(description, str) and description:
        lines.append(_text(description))
    return lines


def _popup_html(stops: Sequence[Stop], sites: gpd.GeoDataFrame) -> str:
    return "".join(
        f'<div class="tp-popup">{"<br>".join(_stop_facts(stop, sites))}</div>' for stop in stops
    )


def _badge(label: str, category: str, day_colour: str, kind: str) -> str:
    colour = CATEGORY_COLOURS.get(category, "#333333")
    return (
        f'<span class="tp-stop tp-kind-{_text(kind)}" '
        f'style="--c:{colour};--d:{day_colour}">{_text(label)}</span>'
    )


def _marker_icon(group: Sequence[Stop]) -> folium.DivIcon:
    first = group[0]
    label = "\u00b7".join(str(stop.order) for stop in group)
    width = max(28, 12 + 8 * len(label))
    colour = CATEGORY_COLOURS.get(first.category, "#333333")
    day_colour = DAY_COLOURS[(first.day - 1) % len(DAY_COLOURS)]
    orders = " ".join(str(stop.order) for stop in group)
    return folium.DivIcon(
        html=(
            f'<div class="tp-stop tp-kind-{_text(first.kind)}" data-order="{first.order}" '
            f'data-orders="{orders}" style="--c:{colour};--d:{day_colour};width:{width}px">'
            f"{label}</div>"
        ),
        icon_size=(width, 28),
        icon_anchor=(width // 2, 14),
        class_name="tp-stop-icon",
    )


def _colocated(stops: Sequence[Stop], metres: float = 40.0) -> list[list[Stop]]:
    """Group stops that are within ``metres`` of each other (one marker each group)."""
    groups: list[list[Stop]] = []
    for stop in stops:
        for group in groups:
            lon, lat = group[0].position
            dx = (stop.position[0] - lon) * 111_320.0 * math.cos(math.radians(lat))
            dy = (stop.position[1] - lat) * 110_540.0
            if math.hypot(dx, dy) <= metres:
                group.append(stop)
                break
        else:
            groups.append([stop])
    return groups


def _leg_html(leg_duration_s: float, leg_distance_m: float, sentences: Sequence[str]) -> str:
    summary = f"walk {format_minutes(leg_duration_s)} &middot; {round_distance(leg_distance_m)}"
    if not sentences:
        return f'<li class="tp-leg"><div>{summary}</div></li>'
    items = "".join(f"<li>{_text(text)}</li>" for text in sentences)
    return (
        f'<li class="tp-leg"><details><summary>{summary}</summary><ol class="tp-directions">'
        f"{items}</ol></details></li>"
    )


def _stop_when(stop: Stop) -> str:
    wait = f", wait {format_minutes(stop.wait_s)}" if stop.wait_s >= 60 else ""
    stay = f", {stop.visit_minutes:.0f} min" if stop.visit_minutes else ""
    return f"{stop.arrival:%H:%M}&ndash;{stop.departure:%H:%M}{wait}{stay}"


def _body_html(
    tour: Tour, notice: str | None, directions: Mapping[int, Sequence[Step]]
) -> tuple[str, str]:
    """Return the panel's content and the collapsed sheet's "next stop" items."""
    parts: list[str] = []
    if notice:
        parts.append(f'<div class="tp-notice">{_text(notice)}</div>')
    parts.append(
        f'<div class="tp-totals">{len(tour.visits)} visits &middot; '
        f"{_distance(tour.distance_m)} &middot; {format_minutes(tour.walking_s)} walking "
        f"&middot; {format_minutes(tour.visiting_s)} on site"
        + (f" &middot; {format_minutes(tour.waiting_s)} waiting" if tour.waiting_s >= 60 else "")
        + (f" &middot; score {tour.score:.0f}" if tour.score else "")
        + "</div>"
    )
    nexts: list[str] = []
    leg_number = 0
    for day in tour.days:
        colour = DAY_COLOURS[day.index % len(DAY_COLOURS)]
        parts.append(
            f'<div class="tp-day" style="--d:{colour}">Day {day.index + 1}, '
            f"{day.date:%a %d %b %Y}</div>"
        )
        parts.append('<ol class="tp-list">')
        for i, stop in enumerate(day.stops):
            kind = _kind_word(stop.kind)
            badge = f'<span class="tp-kind">{_text(kind)}</span>' if kind else ""
            zh = f" {_text(stop.name_zh)}" if stop.name_zh else ""
            parts.append(
                f'<li class="tp-row tp-row-{_text(stop.kind)}" data-order="{stop.order}" '
                f'data-site="{_text(stop.site_id)}" tabindex="0" role="button">'
                f"{_badge(str(stop.order), stop.category, colour, stop.kind)}"
                f"<div><b>{_text(stop.name)}</b>{zh}{badge}"
                f'<div class="tp-when">{_stop_when(stop)}</div></div></li>'
            )
            walk = ""
            if i > 0:
                before = day.legs[i - 1]
                walk = (
                    f" &middot; walk {format_minutes(before.duration_s)}, "
                    f"{round_distance(before.distance_m)}"
                )
            nexts.append(
                f'<div class="tp-next-item" data-order="{stop.order}" hidden>'
                f'<div class="tp-line1">{stop.order}. {_text(stop.name)}{zh}</div>'
                f"<div>{_stop_when(stop)}{walk}</div></div>"
            )
            if i < len(day.legs):
                leg = day.legs[i]
                steps = directions.get(leg_number, ())
                leg_number += 1
                sentences = narrate(steps, destination=day.stops[i + 1].name) if steps else []
                parts.append(_leg_html(leg.duration_s, leg.distance_m, sentences))
        parts.append("</ol>")
    if tour.left_out:
        items = "".join(
            f"<li>{_text(item.name)}: {_text(item.detail)}</li>" for item in tour.left_out
        )
        parts.append(f'<div class="tp-left-out">Not visited:<ul>{items}</ul></div>')
    if tour.skipped:
        names = ", ".join(_text(s.name) for s in tour.skipped)
        parts.append(f'<div class="tp-skipped">Off the street network, skipped: {names}</div>')
    for warning in tour.warnings:
        parts.append(f'<div class="tp-warning">{_text(warning)}</div>')
    parts.append(f'<div class="tp-small">{_OSM_DATA}</div>')
    return "".join(parts), "".join(nexts)


def _legend_html(categories: Sequence[str], days: int, kinds: Sequence[str]) -> str:
    rows = "".join(
        f'<div><span class="tp-swatch" style="background:{CATEGORY_COLOURS.get(c, "#333")}">'
        f"</span>{_text(c.replace('_', ' '))}</div>"
        for c in categories
    )
    if any(kind in {"start", "end"} for kind in kinds):
        rows += (
            '<div><span class="tp-swatch tp-square" style="background:#fff;border:2px solid #555">'
            "</span>start / end of a day</div>"
        )
    rows += (
        '<div><span class="tp-swatch" style="background:#fff;border:2px solid #555"></span>'
        "ring: day; 1&middot;7: stops at one place</div>"
        if days > 1
        else ""
    )
    if days > 1:
        rows += "".join(
            f'<div><span class="tp-swatch tp-line" '
            f'style="background:{DAY_COLOURS[d % len(DAY_COLOURS)]}"></span>day {d + 1}</div>'
            for d in range(days)
        )
    else:
        rows += (
            f'<div><span class="tp-swatch tp-line" style="background:{DAY_COLOURS[0]}"></span>'
            "route</div>"
        )
    rows += (
        '<div><span class="tp-swatch" style="background:#bbb;opacity:.7"></span>'
        "other catalogue sites</div>"
    )
    return rows


def tour_map(
    tour: Tour | Plan,
    sites: gpd.GeoDataFrame | None = None,
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
        The tour, or the :class:`~tourplanner.planner.Plan` from
        :func:`~tourplanner.planner.plan_tour` (whose catalogue and network
        are then the defaults of ``sites`` and ``graph``).
    sites
        The catalogue the tour was planned from (descriptions, hours, the
        other sites layer); needed with a bare :class:`Tour`.
    title
        The page's title and the panel's heading.
    notice
        A warning line shown under the title (e.g. the demo notice).
    tiles
        An xyzservices provider name; GCJ-02 providers shift all geometry.
    offline
        Draw ``graph``'s streets instead of tiles (the page is made
        self-contained by :func:`write_map`).
    graph
        The walking network (needed with ``offline``, and for the default
        directions).
    directions
        Steps per leg (index into ``tour.legs``), shown in the panel. Default:
        the turn-by-turn directions of every leg, worked out on ``graph``
        (none without a graph); ``{}`` leaves them out.

    Returns
    -------
    folium.Map
        The map, fitted to the tour.
    """
    if isinstance(tour, Plan):
        sites = tour.sites if sites is None else sites
        graph = tour.graph if graph is None else graph
        tour = tour.tour
    if sites is None:
        msg = "tour_map needs the catalogue the tour was planned from: give sites, or the Plan"
        raise ValueError(msg)
    if directions is None and graph is not None:
        ends = [stop.position for stop in leg_destinations(tour)]
        directions = dict(enumerate(tour_directions(graph, tour.legs, destinations=ends)))
    lines: list[list[tuple[float, float]]] = []
    if offline:
        if graph is None:
            msg = "an offline map needs the street graph to draw instead of tiles"
            raise ValueError(msg)
        resolve_tiles(tiles, offline=offline)
        lines = street_lines(graph, tour, margin_m=400.0)
    page = map_page(title, tiles=tiles, offline=offline, streets=lines)
    fmap = page.fmap
    in_tour = {stop.site_id for stop in tour.stops}
    others = folium.FeatureGroup(name="Other catalogue sites", show=True).add_to(fmap)
    for site_id, row in sites.iterrows():
        if site_id in in_tour:
            continue
        colour = CATEGORY_COLOURS.get(str(row["category"]), "#333")
        folium.CircleMarker(
            page.latlon(row.geometry.x, row.geometry.y),
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
                f"Leg {leg_number}: {a.order}. {_text(a.name)} &rarr; {b.order}. "
                f"{_text(b.name)}, {_distance(leg.distance_m)}, {format_minutes(leg.duration_s)}"
            )
            folium.PolyLine(  # type: ignore[no-untyped-call]
                _latlon(list(leg.geometry.coords), page.shift),
                color=colour,
                weight=5,
                opacity=0.85,
                tooltip=folium.Tooltip(label),
                class_name=f"tp-leg tp-leg-{leg_number}",
            ).add_to(route)
    layer = folium.FeatureGroup(name="Stops").add_to(fmap)
    for group in _colocated(tour.stops):
        lon, lat = group[0].position
        marker = folium.Marker(
            page.latlon(lon, lat),
            icon=_marker_icon(group),
            popup=folium.Popup(_popup_html(group, sites), max_width=320),
            tooltip=folium.Tooltip(
                " / ".join(f"{stop.order}. {_text(stop.name)}" for stop in group)
            ),
        ).add_to(layer)
        y, x = page.latlon(lon, lat)
        page.stops.append(
            {
                "orders": [stop.order for stop in group],
                "lat": y,
                "lon": x,
                "marker": marker.get_name(),
                "dep": group[-1].departure.isoformat(timespec="minutes"),
            }
        )
    area_layer(sites, tour.legs, gcj02=page.shift is _to_gcj02).add_to(fmap)
    body, nexts = _body_html(tour, notice, directions or {})
    categories = sorted({stop.category for stop in tour.stops})
    legend = _legend_html(categories, len(tour.days), [stop.kind for stop in tour.stops])
    points = [p for leg in tour.legs for p in leg.geometry.coords]
    points += [stop.position for stop in tour.stops]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return page.finish(
        body_html=body,
        legend_html=legend,
        bounds=(min(lons), min(lats), max(lons), max(lats)),
        next_html=nexts,
    )


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
