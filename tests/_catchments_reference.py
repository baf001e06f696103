"""The catchment method before the array-based rewrite (commit b8edcc4), as the tests' reference.

The method itself is kept once, in ``benchmarks/_baseline.py`` (the city
benchmark's baseline): the streets collected from the networkx graph, every
street tested for every origin, each reached piece buffered on its own and
unioned. This module loads it and gives the tests what they compare: the
polygons and reached-node counts in the snapping's metric CRS, and the streets.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from shapely.geometry.base import BaseGeometry

from tourplanner.network import WalkingNetwork
from tourplanner.routing import Snapping

BASELINE = Path(__file__).resolve().parents[1] / "benchmarks" / "_baseline.py"


def baseline_module() -> ModuleType:
    """Return ``benchmarks/_baseline.py`` as the module ``_baseline`` (loaded once)."""
    if "_baseline" not in sys.modules:
        spec = importlib.util.spec_from_file_location("_baseline", BASELINE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["_baseline"] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules["_baseline"]


def streets(network: WalkingNetwork, crs: str) -> Any:
    """Return the old method's streets of ``network`` (read from its networkx graph)."""
    old = baseline_module()
    return old._streets(old.OldNetwork(network.graph), crs)


def reference_catchments(
    network: WalkingNetwork,
    snapping: Snapping,
    origins: Sequence[str],
    minutes: Sequence[float] = (5, 10, 15),
    *,
    buffer_m: float = 25.0,
) -> dict[tuple[str, float], tuple[BaseGeometry, int]]:
    """``(origin, minutes) -> (polygon in snapping.crs, reached nodes)`` by the old method."""
    old = baseline_module()
    frame = old.catchments(
        old.OldNetwork(network.graph), snapping, origins, minutes, buffer_m=buffer_m
    ).to_crs(snapping.crs)
    return {
        (str(origin), float(minute)): (polygon, int(nodes))
        for origin, minute, nodes, polygon in zip(
            frame.origin_id, frame.minutes, frame.reached_nodes, frame.geometry, strict=True
        )
    }
