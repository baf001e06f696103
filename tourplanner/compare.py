"""Comparing tours written by ``tourplanner plan --geojson``.

A tour's GeoJSON carries everything a comparison needs: the stops with their
category, score and times, and the legs with their distance, duration and
street-by-street directions (each step with its OSM ``highway`` value). So two
or more plans (different dates, budgets, starts) can be compared side by side
without the street graph: sites, score, walking distance and time, waiting,
categories covered, and the share of the walk along main roads
(trunk/primary/secondary) versus footways, pedestrian streets, paths and steps.

:func:`read_tour` validates and parses a file (I/O); :func:`summarise` and
:func:`comparison_table` are pure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from tourplanner._input import load_json
from tourplanner._io import GENERATOR
from tourplanner.directions import MAIN_ROADS
from tourplanner.errors import TourError

__all__ = [
    "FOOT_WAYS",
    "TourSummary",
    "comparison_table",
    "read_tour",
    "summarise",
]

#: Highway values counted as walking ways (away from traffic).
FOOT_WAYS: Final = frozenset(
    {"footway", "pedestrian", "path", "steps", "living_street", "corridor", "track", "bridleway"}
)
_COLOURS: Final = ("#c2185b", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f")


@dataclass(frozen=True)
class TourSummary:
    """The figures of one tour.

    Attributes
    ----------
    label
        Name of the tour (its file name, by default).
    sites
        Visited site ids, in order.
    score
        Total interest score of the visits.
    walking_km, walking_min, waiting_min, visiting_min
        Totals over the legs and stops.
    categories
        Categories covered by the visits.
    main_road_share, footway_share, other_share
        Shares of the walked distance by kind of way (they add up to 1).
    days
        Number of days.
    """

    label: str
    sites: tuple[str, ...]
    score: float
    walking_km: float
    walking_min: float
    waiting_min: float
    visiting_min: float
    categories: tuple[str, ...]
    main_road_share: float
    footway_share: float
    other_share: float
    days: int


def read_tour(path: str | Path) -> dict[str, Any]:
    """Read a tour GeoJSON written by ``tourplanner plan --geojson``.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    TourError
        If the file is missing, not JSON, or not a tour written by tourplanner.
    """
    path = Path(path)
    hint = "give GeoJSON files written by 'tourplanner plan --geojson'"
    try:
        doc = load_json(path, what="tour", error=TourError, fix=hint)
    except TourError as exc:
        message = str(exc)
        raise TourError(message if hint in message else f"{message}; {hint}") from None
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or doc.get("generator") != GENERATOR
        or not isinstance(doc.get("features"), list)
    ):
        msg = f"{path} is not a tour written by tourplanner: {hint}"
        raise TourError(msg)
    for number, feature in enumerate(doc["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict) or props.get("kind") not in ("stop", "leg"):
            msg = f"{path} has a feature that is neither a stop nor a leg: {hint}"
            raise TourError(msg)
        problem = _feature_problem(feature, props)
        if problem is not None:
            msg = f"tour {path}, feature {number} ({props['kind']}): {problem}: {hint}"
            raise TourError(msg)
    return doc


def _is_number(value: Any, low: float = 0.0, high: float = 1e9) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )


def _is_position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and _is_number(value[0], -180.0, 180.0)
        and _is_number(value[1], -90.0, 90.0)
    )


def _feature_problem(feature: Mapping[str, Any], props: Mapping[str, Any]) -> str | None:
    """Return what is wrong with one feature of a tour file, or ``None``."""
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return "it has no geometry"
    coords = geometry.get("coordinates")
    for key in ("name", "category", "stop_kind", "site_id", "from_id", "to_id"):
        if key in props and not isinstance(props[key], str):
            return f"{key} is not text"
    if "day" in props and not (isinstance(props["day"], int) and 1 <= props["day"] <= 366):
        return "day is not a whole number from 1 to 366"
    if props["kind"] == "stop":
        if geometry.get("type") != "Point" or not _is_position(coords):
            return "its geometry is not a Point [lon, lat]"
        for key in ("site_id", "name"):
            if not isinstance(props.get(key), str):
                return f"{key} is missing"
        if not isinstance(props.get("order"), int) or isinstance(props.get("order"), bool):
            return "order is not a whole number"
        for key, high in (("score", 100.0), ("wait_s", 86_400.0 * 366), ("visit_minutes", 1440.0)):
            if key in props and not _is_number(props[key], 0.0, high):
                return f"{key} is not a number from 0 to {high:g}"
        return None
    if (
        geometry.get("type") != "LineString"
        or not isinstance(coords, list)
        or len(coords) < 2
        or not all(_is_position(c) for c in coords)
    ):
        return "its geometry is not a LineString of [lon, lat] positions"
    for key in ("distance_m", "duration_s"):
        if not _is_number(props.get(key)):
            return f"{key} is missing or not a non-negative number"
    steps = props.get("directions", [])
    if steps is None:
        return None
    if not isinstance(steps, list):
        return "directions is not a list"
    for step in steps:
        if not isinstance(step, dict) or not _is_number(step.get("distance_m")):
            return "a direction step has no distance_m"
        if not isinstance(step.get("highway", ""), str | None):
            return "a direction step's highway is not text"
    return None


def _stops(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [f["properties"] for f in doc["features"] if f["properties"]["kind"] == "stop"]


def _legs(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["features"] if f["properties"]["kind"] == "leg"]


def summarise(doc: Mapping[str, Any], label: str) -> TourSummary:
    """Summarise one tour document (from :func:`read_tour`).

    Parameters
    ----------
    doc
        The tour GeoJSON.
    label
        The tour's name in the table.

    Returns
    -------
    TourSummary
        Sums over the tour's legs and stops.
    """
    stops = _stops(doc)
    visits = [s for s in stops if s.get("stop_kind", "visit") == "visit"]
    legs = [f["properties"] for f in _legs(doc)]
    walked = sum(float(leg["distance_m"]) for leg in legs)
    by_kind = {"main": 0.0, "foot": 0.0, "other": 0.0}
    for leg in legs:
        steps = leg.get("directions") or []
        counted = 0.0
        for step in steps:
            highway = str(step.get("highway", ""))
            kind = "main" if highway in MAIN_ROADS else "foot" if highway in FOOT_WAYS else "other"
            by_kind[kind] += float(step["distance_m"])
            counted += float(step["distance_m"])
        by_kind["other"] += max(0.0, float(leg["distance_m"]) - counted)  # legs without steps
    total = sum(by_kind.values())

    def share(kind: str) -> float:
        return by_kind[kind] / total if total > 0 else 0.0

    return TourSummary(
        label=label,
        sites=tuple(str(s["site_id"]) for s in visits),
        score=float(sum(float(s.get("score", 0.0)) for s in visits)),
        walking_km=walked / 1000.0,
        walking_min=sum(float(leg["duration_s"]) for leg in legs) / 60.0,
        waiting_min=sum(float(s.get("wait_s", 0.0)) for s in stops) / 60.0,
        visiting_min=sum(float(s.get("visit_minutes", 0.0)) for s in visits),
        categories=tuple(sorted({str(s.get("category", "")) for s in visits} - {""})),
        main_road_share=share("main"),
        footway_share=share("foot"),
        other_share=share("other"),
        days=len({int(s.get("day", 1)) for s in stops}) or 1,
    )


def comparison_table(summaries: Sequence[TourSummary]) -> pd.DataFrame:
    """Return the side-by-side table: one column per tour.

    Parameters
    ----------
    summaries
        The tours.

    Returns
    -------
    pandas.DataFrame
        Rows: sites, score, walking km and minutes, waiting and visiting
        minutes, categories, shares of main roads / footways / other streets.
    """
    rows = {
        "visits": [len(s.sites) for s in summaries],
        "days": [s.days for s in summaries],
        "score": [round(s.score, 1) for s in summaries],
        "walking km": [round(s.walking_km, 2) for s in summaries],
        "walking min": [round(s.walking_min, 1) for s in summaries],
        "waiting min": [round(s.waiting_min, 1) for s in summaries],
        "visiting min": [round(s.visiting_min, 1) for s in summaries],
        "categories": [", ".join(s.categories) for s in summaries],
        "main roads %": [round(100 * s.main_road_share, 1) for s in summaries],
        "footways %": [round(100 * s.footway_share, 1) for s in summaries],
        "other streets %": [round(100 * s.other_share, 1) for s in summaries],
        "sites": [" > ".join(s.sites) for s in summaries],
    }
    return pd.DataFrame(rows, index=[s.label for s in summaries]).T
