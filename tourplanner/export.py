"""Exporting tours: GeoJSON, GPX and a printable itinerary.

The ``tour_to_*`` functions are pure (a tour in, a document out); the
``write_*`` functions write atomically and never replace a file tourplanner did
not write unless forced.

The collection holds a Point per stop (``order``, ``site_id``, ``name``,
``name_zh``, ``category``, ``arrival``, ``wait_s``, ``departure``,
``visit_minutes``) and a LineString per leg (``from_id``, ``to_id``,
``distance_m``, ``duration_s``, the ways walked as ``directions`` and the
turn-by-turn ``steps``), coordinates in WGS-84 (RFC 7946). Top-level
members record the generator, the totals and the sites skipped as off the
network.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gpxpy
import gpxpy.gpx
from shapely.geometry import mapping

from tourplanner._io import GENERATOR, check_output_path, write_text_atomic
from tourplanner._text import html_text, markdown_text, xml_text
from tourplanner.directions import Step, leg_destinations, merge_stretches, narrate, round_distance
from tourplanner.inputs import local_zone
from tourplanner.tour import Tour

__all__ = [
    "itinerary_html",
    "itinerary_markdown",
    "tour_to_geojson",
    "tour_to_gpx",
    "write_geojson",
    "write_text",
]


def _round_coords(value: Any, digits: int = 7) -> Any:
    if isinstance(value, list | tuple):
        return [_round_coords(v, digits) for v in value]
    if isinstance(value, float):
        return round(value, digits)
    return value


def tour_to_geojson(
    tour: Tour, *, title: str = "", directions: Sequence[Sequence[Step]] | None = None
) -> dict[str, Any]:
    """Return ``tour`` as a GeoJSON FeatureCollection (a JSON-ready dict).

    Parameters
    ----------
    tour
        The tour.
    title
        Optional title stored as the collection's ``name``.
    directions
        Steps per leg (in ``tour.legs`` order), stored on each leg.

    Returns
    -------
    dict
        The FeatureCollection.
    """
    features: list[dict[str, Any]] = []
    for stop in tour.stops:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _round_coords(list(stop.position))},
                "properties": {
                    "kind": "stop",
                    "stop_kind": stop.kind,
                    "day": stop.day,
                    "order": stop.order,
                    "site_id": stop.site_id,
                    "name": stop.name,
                    "name_zh": stop.name_zh,
                    "category": stop.category,
                    "arrival": stop.arrival.isoformat(timespec="seconds"),
                    "wait_s": round(stop.wait_s, 1),
                    "departure": stop.departure.isoformat(timespec="seconds"),
                    "visit_minutes": stop.visit_minutes,
                    "score": stop.score,
                },
            }
        )
    leg_days = [day.number for day in tour.days for _ in day.legs]
    ends = leg_destinations(tour)
    for number, leg in enumerate(tour.legs, start=1):
        geometry = mapping(leg.geometry)
        steps = directions[number - 1] if directions is not None else ()
        ways = merge_stretches(x for step in steps for x in step.stretches)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": _round_coords(geometry["coordinates"]),
                },
                "properties": {
                    "kind": "leg",
                    "leg": number,
                    "from_id": leg.from_id,
                    "to_id": leg.to_id,
                    "distance_m": round(leg.distance_m, 1),
                    "duration_s": round(leg.duration_s, 1),
                    "day": leg_days[number - 1],
                    "enter_by": leg.enter_by or None,
                    "directions": [
                        {
                            "street": way.label(),
                            "name": way.name,
                            "name_en": way.name_en,
                            "highway": way.highway,
                            "distance_m": round(way.distance_m, 1),
                        }
                        for way in ways
                    ],
                    "steps": _steps_json(steps, ends[number - 1].name),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "generator": GENERATOR,
        "name": title,
        "totals": {
            "stops": len(tour.stops),
            "visits": len(tour.visits),
            "days": len(tour.days),
            "score": round(tour.score, 1),
            "distance_m": round(tour.distance_m, 1),
            "walking_s": round(tour.walking_s, 1),
            "visiting_s": round(tour.visiting_s, 1),
            "waiting_s": round(tour.waiting_s, 1),
            "start": tour.start.isoformat(timespec="seconds"),
            "end": tour.end.isoformat(timespec="seconds"),
        },
        "skipped": [
            {
                "site_id": s.site_id,
                "name": s.name,
                "reason": "off the walking network",
                "distance_m": round(s.distance_m, 1),
            }
            for s in tour.skipped
        ],
        "left_out": [
            {"site_id": s.site_id, "name": s.name, "reason": s.reason, "detail": s.detail}
            for s in tour.left_out
        ],
        "warnings": list(tour.warnings),
        "attribution": "Street data (c) OpenStreetMap contributors, ODbL 1.0",
        "features": features,
    }


def _steps_json(steps: Sequence[Step], destination: str) -> list[dict[str, Any]]:
    """Return the steps of a leg as JSON (OSRM's maneuver fields plus the sentence)."""
    out = []
    for step, text in zip(steps, narrate(steps, destination=destination), strict=True):
        way = step.way
        out.append(
            {
                "maneuver": step.maneuver,
                "modifier": step.modifier,
                "bearing_before": step.bearing_before,
                "bearing_after": step.bearing_after,
                "distance_m": round(step.distance_m, 1),
                "street": step.street(),
                "way": step.label(),
                "highway": way.highway if way is not None else None,
                "exit": step.exit,
                "location": list(step.location),
                "instruction": text,
            }
        )
    return out


def write_geojson(document: dict[str, Any], path: str | Path, *, force: bool = False) -> None:
    """Write a GeoJSON document atomically.

    Parameters
    ----------
    document
        From :func:`tour_to_geojson`.
    path
        Destination; an existing file is replaced only if tourplanner wrote it
        or ``force`` is true.
    force
        Replace a file tourplanner did not write.
    """
    target = check_output_path(path, force=force)
    write_text_atomic(target, json.dumps(document, ensure_ascii=False, indent=1) + "\n")


def write_text(text: str, path: str | Path, *, force: bool = False) -> None:
    """Write a text export (GPX, itinerary) atomically.

    Parameters
    ----------
    text
        The document.
    path
        Destination; an existing file is replaced only if tourplanner wrote it
        or ``force`` is true.
    force
        Replace a file tourplanner did not write.
    """
    write_text_atomic(check_output_path(path, force=force), text)


def _zone(lon: float, lat: float) -> dt.tzinfo | None:
    """Return the time zone at a point (see :func:`tourplanner.inputs.local_zone`)."""
    return local_zone(lon, lat)


def tour_to_gpx(
    tour: Tour, *, title: str = "", directions: Sequence[Sequence[Step]] | None = None
) -> str:
    """Return ``tour`` as GPX 1.1: a waypoint per stop, a track per day and the directions.

    With ``directions``, each day is also a route (``<rte>``) whose points are
    the maneuvers, each named by its sentence ("After 80 m, turn left onto
    Postikatu"), which phone apps show as turn-by-turn cues.

    Parameters
    ----------
    tour
        The tour.
    title
        The GPX ``name``.
    directions
        Steps per leg (in ``tour.legs`` order).

    Returns
    -------
    str
        The GPX document (``creator="tourplanner"``). Waypoint times are the
        arrivals, converted from local time to UTC as GPX requires (omitted
        where the time zone is unknown).
    """
    zone = _zone(*tour.stops[0].position) if tour.stops else None
    gpx = gpxpy.gpx.GPX()
    gpx.creator = GENERATOR
    gpx.name = xml_text(title) or None
    gpx.description = "Walking tour; street data (c) OpenStreetMap contributors, ODbL 1.0"
    for stop in tour.stops:
        lon, lat = stop.position
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=lat,
                longitude=lon,
                time=(stop.arrival.replace(tzinfo=zone).astimezone(dt.UTC) if zone else None),
                name=xml_text(f"{stop.order}. {stop.name}"),
                description=xml_text(
                    f"{stop.name_zh} {stop.category}; arrive {stop.arrival:%H:%M}, "
                    f"leave {stop.departure:%H:%M}"
                ).strip(),
                symbol="Flag, Blue" if stop.kind == "visit" else "Flag, Green",
            )
        )
    for day in tour.days:
        track = gpxpy.gpx.GPXTrack(name=f"Day {day.index + 1}, {day.date.isoformat()}")
        segment = gpxpy.gpx.GPXTrackSegment()
        for leg in day.legs:
            for lon, lat in leg.geometry.coords:
                if segment.points and (
                    segment.points[-1].latitude,
                    segment.points[-1].longitude,
                ) == (lat, lon):
                    continue
                segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon))
        if segment.points:
            track.segments.append(segment)
            gpx.tracks.append(track)
    if directions is not None:
        ends = leg_destinations(tour)
        number = 0
        for day in tour.days:
            route = gpxpy.gpx.GPXRoute(name=f"Directions, day {day.index + 1}")
            for _leg in day.legs:
                steps = directions[number]
                texts = narrate(steps, destination=ends[number].name)
                number += 1
                for step, text in zip(steps, texts, strict=True):
                    lon, lat = step.location
                    route.points.append(
                        gpxpy.gpx.GPXRoutePoint(
                            latitude=lat,
                            longitude=lon,
                            name=xml_text(text),
                            type=step.maneuver,
                            comment=step.modifier,
                        )
                    )
            if route.points:
                gpx.routes.append(route)
    return str(gpx.to_xml(version="1.1"))


def _rows(tour: Tour, directions: Sequence[Sequence[Step]] | None) -> list[dict[str, Any]]:
    """Return the itinerary as rows shared by the Markdown and HTML renderings."""
    rows: list[dict[str, Any]] = []
    leg_number = 0
    for day in tour.days:
        rows.append({"type": "day", "day": day})
        for i, stop in enumerate(day.stops):
            rows.append({"type": "stop", "stop": stop})
            if i < len(day.legs):
                steps = directions[leg_number] if directions is not None else ()
                texts = narrate(steps, destination=day.stops[i + 1].name)
                rows.append({"type": "leg", "leg": day.legs[i], "steps": texts})
                leg_number += 1
    return rows


def _minutes(seconds: float) -> str:
    minutes = round(seconds / 60.0)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _totals(tour: Tour) -> str:
    return (
        f"{len(tour.visits)} visits, {tour.distance_m / 1000:.2f} km, "
        f"{_minutes(tour.walking_s)} walking, {_minutes(tour.visiting_s)} on site"
        + (f", {_minutes(tour.waiting_s)} waiting" if tour.waiting_s >= 60 else "")
        + (f", score {tour.score:.0f}" if tour.score else "")
    )


def _md(text: str) -> str:
    """Escape catalogue text for Markdown (no live HTML, link, image or emphasis)."""
    return markdown_text(text)


def itinerary_markdown(
    tour: Tour,
    *,
    title: str = "Walking tour",
    directions: Sequence[Sequence[Step]] | None = None,
    notice: str | None = None,
) -> str:
    """Return a printable Markdown itinerary (the content of the map's panel).

    Parameters
    ----------
    tour
        The tour.
    title
        Heading.
    directions
        Steps per leg.
    notice
        A paragraph under the heading (e.g. which sites are positioned from
        OpenStreetMap and which positions are estimates).

    Returns
    -------
    str
        Markdown.
    """
    out = [f"<!-- generator: {GENERATOR} -->", f"# {_md(title)}", ""]
    if notice:
        out += [_md(notice), ""]
    out.append(_totals(tour))
    for row in _rows(tour, directions):
        if row["type"] == "day":
            day = row["day"]
            out += ["", f"## Day {day.index + 1}: {day.date:%A %d %B %Y}", ""]
        elif row["type"] == "stop":
            stop = row["stop"]
            wait = f", wait {_minutes(stop.wait_s)}" if stop.wait_s >= 60 else ""
            stay = f", {stop.visit_minutes:.0f} min on site" if stop.visit_minutes else ""
            zh = f" ({_md(stop.name_zh)})" if stop.name_zh else ""
            out.append(
                f"{stop.order}. **{_md(stop.name)}**{zh}: {stop.arrival:%H:%M}-"
                f"{stop.departure:%H:%M}{wait}{stay}"
            )
        else:
            leg = row["leg"]
            out.append(
                f"    - walk {_minutes(leg.duration_s)}, {round_distance(leg.distance_m)}"
                + "".join(f"\n        - {_md(text)}" for text in row["steps"])
                + (f"\n        - {_md(leg.enter_by)}" if leg.enter_by else "")
            )
    if tour.left_out:
        out += ["", "## Not visited", ""]
        out += [f"- {_md(item.name)}: {_md(item.detail)}" for item in tour.left_out]
    if tour.skipped:
        names = ", ".join(_md(s.name) for s in tour.skipped)
        out += ["", "Off the street network, skipped: " + names]
    out += ["", *(f"> {_md(w)}" for w in tour.warnings)] if tour.warnings else []
    out += ["", "Street data (c) OpenStreetMap contributors, ODbL 1.0.", ""]
    return "\n".join(out)


def itinerary_html(
    tour: Tour,
    *,
    title: str = "Walking tour",
    directions: Sequence[Sequence[Step]] | None = None,
    notice: str | None = None,
) -> str:
    """Return a printable HTML itinerary (the content of the map's panel).

    Parameters
    ----------
    tour
        The tour.
    title
        Heading.
    directions
        Steps per leg.
    notice
        A paragraph under the heading (e.g. which sites are positioned from
        OpenStreetMap and which positions are estimates).

    Returns
    -------
    str
        A complete HTML page; all catalogue text is escaped.
    """
    e = html_text
    body = [
        f"<h1>{e(title)}</h1>",
        *([f'<p class="notice">{e(notice)}</p>'] if notice else []),
        f"<p>{e(_totals(tour))}</p>",
    ]
    for row in _rows(tour, directions):
        if row["type"] == "day":
            day = row["day"]
            body.append(f"<h2>Day {day.index + 1}: {day.date:%A %d %B %Y}</h2>")
        elif row["type"] == "stop":
            stop = row["stop"]
            wait = f", wait {_minutes(stop.wait_s)}" if stop.wait_s >= 60 else ""
            stay = f", {stop.visit_minutes:.0f} min on site" if stop.visit_minutes else ""
            body.append(
                f'<p class="stop"><b>{stop.order}. {e(stop.name)}</b> {e(stop.name_zh)}: '
                f"{stop.arrival:%H:%M}&ndash;{stop.departure:%H:%M}{wait}{stay}</p>"
            )
        else:
            leg = row["leg"]
            steps = "".join(f"<li>{e(text)}</li>" for text in row["steps"])
            steps += f"<li>{e(leg.enter_by)}</li>" if leg.enter_by else ""
            body.append(
                f'<div class="leg">walk {_minutes(leg.duration_s)}, '
                f"{round_distance(leg.distance_m)}<ol>{steps}</ol></div>"
            )
    if tour.left_out:
        items = "".join(f"<li>{e(i.name)}: {e(i.detail)}</li>" for i in tour.left_out)
        body.append(f"<h2>Not visited</h2><ul>{items}</ul>")
    if tour.skipped:
        names = ", ".join(e(s.name) for s in tour.skipped)
        body.append(f'<p class="skipped">Off the street network, skipped: {names}</p>')
    body += [f'<p class="warning">{e(w)}</p>' for w in tour.warnings]
    body.append("<p><small>Street data &copy; OpenStreetMap contributors, ODbL 1.0.</small></p>")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f'<meta name="generator" content="{GENERATOR}"><title>{e(title)}</title>'
        "<style>body{font:14px sans-serif;max-width:48em;margin:2em auto}"
        ".leg{color:#555;margin-left:2em}</style></head><body>" + "".join(body) + "</body></html>\n"
    )
