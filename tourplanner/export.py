"""Exporting tours: a GeoJSON FeatureCollection of stops and legs.

:func:`tour_to_geojson` is pure (a tour in, a JSON-ready dict out);
:func:`write_geojson` writes it atomically.

The collection holds a Point per stop (``order``, ``site_id``, ``name``,
``name_zh``, ``category``, ``arrival``, ``wait_s``, ``departure``,
``visit_minutes``) and a LineString per leg (``from_id``, ``to_id``,
``distance_m``, ``duration_s``), coordinates in WGS-84 (RFC 7946). Top-level
members record the generator, the totals and the sites skipped as off the
network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from tourplanner._io import GENERATOR, check_output_path, write_text_atomic
from tourplanner.tour import Tour

__all__ = ["tour_to_geojson", "write_geojson"]


def _round_coords(value: Any, digits: int = 7) -> Any:
    if isinstance(value, list | tuple):
        return [_round_coords(v, digits) for v in value]
    if isinstance(value, float):
        return round(value, digits)
    return value


def tour_to_geojson(tour: Tour, *, title: str = "") -> dict[str, Any]:
    """Return ``tour`` as a GeoJSON FeatureCollection (a JSON-ready dict).

    Parameters
    ----------
    tour
        The tour.
    title
        Optional title stored as the collection's ``name``.

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
                    "order": stop.order,
                    "site_id": stop.site_id,
                    "name": stop.name,
                    "name_zh": stop.name_zh,
                    "category": stop.category,
                    "arrival": stop.arrival.isoformat(timespec="seconds"),
                    "wait_s": round(stop.wait_s, 1),
                    "departure": stop.departure.isoformat(timespec="seconds"),
                    "visit_minutes": stop.visit_minutes,
                },
            }
        )
    for number, leg in enumerate(tour.legs, start=1):
        geometry = mapping(leg.geometry)
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
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "generator": GENERATOR,
        "name": title,
        "totals": {
            "stops": len(tour.stops),
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
        "attribution": "Street data (c) OpenStreetMap contributors, ODbL 1.0",
        "features": features,
    }


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
