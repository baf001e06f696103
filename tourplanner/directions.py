"""Walking directions: the streets a leg follows, with the distance on each.

Each edge a leg walks carries its OpenStreetMap ``name`` (and ``name:en`` where
mapped). Consecutive edges with the same name are merged into one step; an
unnamed way is described by its kind (footway, path, steps...). The distances of
a leg's steps add up to the leg's distance.

Examples
--------
>>> steps = merge_steps([Step("Main St", None, "primary", 120.0),
...                      Step("Main St", None, "primary", 80.0),
...                      Step("", None, "footway", 30.0)])
>>> [(s.label, s.distance_m) for s in steps]
[('Main St', 200.0), ('footway', 30.0)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import networkx as nx

from tourplanner.routing import Leg

__all__ = [
    "MAIN_ROADS",
    "Step",
    "leg_directions",
    "main_road_share",
    "merge_steps",
    "tour_directions",
]

#: Highway values counted as main roads (for the share of a walk along traffic).
MAIN_ROADS: Final = frozenset(
    {"trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link"}
)

_KIND_LABELS: Final[dict[str, str]] = {
    "footway": "footway",
    "pedestrian": "pedestrian street",
    "path": "path",
    "steps": "steps",
    "service": "service road",
    "track": "track",
    "living_street": "living street",
    "residential": "residential street",
    "cycleway": "cycleway",
    "corridor": "indoor corridor",
}


@dataclass(frozen=True)
class Step:
    """One step of walking directions.

    Attributes
    ----------
    name
        The street's OpenStreetMap ``name`` ("" if unnamed).
    name_en
        Its ``name:en``, if mapped.
    highway
        The OSM ``highway`` value (the first, for merged ways).
    distance_m
        Metres walked on it.
    """

    name: str
    name_en: str | None
    highway: str
    distance_m: float

    @property
    def label(self) -> str:
        """What to show: ``"name (name:en)"``, ``name``, or the kind of way."""
        if self.name and self.name_en and self.name_en != self.name:
            return f"{self.name} ({self.name_en})"
        if self.name:
            return self.name
        if self.name_en:
            return self.name_en
        return _KIND_LABELS.get(self.highway, f"unnamed {self.highway.replace('_', ' ')}")


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        values = [str(v) for v in value if v]
        return values[0] if values else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def merge_steps(steps: Iterable[Step]) -> tuple[Step, ...]:
    """Merge consecutive steps on the same street (same name and English name).

    Parameters
    ----------
    steps
        Steps in walking order.

    Returns
    -------
    tuple of Step
        Merged steps; distances are added.
    """
    merged: list[Step] = []
    for step in steps:
        if step.distance_m <= 0:
            continue
        if merged and (merged[-1].name, merged[-1].name_en, merged[-1].label) == (
            step.name,
            step.name_en,
            step.label,
        ):
            merged[-1] = replace(merged[-1], distance_m=merged[-1].distance_m + step.distance_m)
        else:
            merged.append(step)
    return tuple(merged)


def leg_directions(graph: nx.MultiDiGraph, leg: Leg) -> tuple[Step, ...]:
    """Return the walking directions of ``leg``.

    Parameters
    ----------
    graph
        The graph the leg was routed on.
    leg
        The leg.

    Returns
    -------
    tuple of Step
        Steps in walking order; their distances sum to ``leg.distance_m``.
    """
    raw: list[Step] = []
    for u, v, key, metres in leg.edges:
        data = graph.edges[u, v, key]
        raw.append(
            Step(
                name=_first(data.get("name")) or "",
                name_en=_first(data.get("name:en")),
                highway=_first(data.get("highway")) or "road",
                distance_m=float(metres),
            )
        )
    return merge_steps(raw)


def tour_directions(graph: nx.MultiDiGraph, legs: Sequence[Leg]) -> list[tuple[Step, ...]]:
    """Return the walking directions of every leg, in order.

    Parameters
    ----------
    graph
        The graph the legs were routed on.
    legs
        The legs (e.g. ``tour.legs``).

    Returns
    -------
    list of tuple of Step
        One entry per leg.
    """
    return [leg_directions(graph, leg) for leg in legs]


def main_road_share(graph: nx.MultiDiGraph, legs: Sequence[Leg]) -> float:
    """Return the share of walking distance along main roads (primary/secondary/trunk).

    Parameters
    ----------
    graph
        The graph the legs were routed on.
    legs
        The legs.

    Returns
    -------
    float
        A fraction in [0, 1] (0 for an empty walk).
    """
    total = main = 0.0
    for leg in legs:
        for u, v, key, metres in leg.edges:
            total += metres
            if _first(graph.edges[u, v, key].get("highway")) in MAIN_ROADS:
                main += metres
    return main / total if total > 0 else 0.0
