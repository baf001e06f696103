"""tourplanner: walking tours through Tiexi District's industrial heritage.

The library behind the ``tourplanner`` command, for notebooks and scripts::

    import tourplanner as tp

    sites = tp.load_sites(tp.demo_sites_path())  # or any GeoDataFrame with an id column
    network = tp.load_network(tp.study_area(sites), osm_file=tp.demo_osm_path())
    plan = tp.plan_tour(network, sites, start_time=datetime(2026, 5, 9, 9, 30))
    plan.tour.to_geodataframe()  # stops and legs
    tp.tour_map(plan)  # the map, with turn-by-turn directions

Every name in ``__all__`` is importable from the package; each is loaded on
first use, so ``import tourplanner`` itself stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from tourplanner.audit import audit
    from tourplanner.bureau_maps import catchments_map, compare_map, coverage_map
    from tourplanner.catchments import catchments, coverage
    from tourplanner.compare import comparison_table, summarise
    from tourplanner.demo import demo_osm_path, demo_sites_path
    from tourplanner.directions import Step, tour_directions
    from tourplanner.errors import (
        CatalogueError,
        InfeasibleTourError,
        NetworkDataError,
        OutputError,
        TourError,
        TourplannerError,
        UnreachableSiteError,
    )
    from tourplanner.export import (
        itinerary_html,
        itinerary_markdown,
        tour_to_geojson,
        tour_to_gpx,
        write_geojson,
        write_text,
    )
    from tourplanner.graph import load_graph, load_network, study_area, study_area_from_bbox
    from tourplanner.maps import tour_map, write_map
    from tourplanner.planner import Plan, plan_tour
    from tourplanner.routing import (
        DEFAULT_MAX_SNAP_M,
        Leg,
        Snapping,
        WalkingNetwork,
        WalkMatrix,
        snap_sites,
        walk_matrix,
    )
    from tourplanner.sites import bundled_catalogue_path, load_sites, sites_from_frame
    from tourplanner.sync import SyncResult, read_osm, sync
    from tourplanner.tour import LeftOut, Stop, Tour, TourDay

#: Where each public name lives.
_HOMES: dict[str, str] = {
    "bundled_catalogue_path": "tourplanner.sites",
    "load_sites": "tourplanner.sites",
    "sites_from_frame": "tourplanner.sites",
    "load_graph": "tourplanner.graph",
    "load_network": "tourplanner.graph",
    "study_area": "tourplanner.graph",
    "study_area_from_bbox": "tourplanner.graph",
    "DEFAULT_MAX_SNAP_M": "tourplanner.routing",
    "Leg": "tourplanner.routing",
    "Snapping": "tourplanner.routing",
    "WalkMatrix": "tourplanner.routing",
    "WalkingNetwork": "tourplanner.routing",
    "snap_sites": "tourplanner.routing",
    "walk_matrix": "tourplanner.routing",
    "Plan": "tourplanner.planner",
    "plan_tour": "tourplanner.planner",
    "LeftOut": "tourplanner.tour",
    "Stop": "tourplanner.tour",
    "Tour": "tourplanner.tour",
    "TourDay": "tourplanner.tour",
    "tour_map": "tourplanner.maps",
    "write_map": "tourplanner.maps",
    "Step": "tourplanner.directions",
    "tour_directions": "tourplanner.directions",
    "itinerary_html": "tourplanner.export",
    "itinerary_markdown": "tourplanner.export",
    "tour_to_geojson": "tourplanner.export",
    "tour_to_gpx": "tourplanner.export",
    "write_geojson": "tourplanner.export",
    "write_text": "tourplanner.export",
    "catchments": "tourplanner.catchments",
    "coverage": "tourplanner.catchments",
    "catchments_map": "tourplanner.bureau_maps",
    "coverage_map": "tourplanner.bureau_maps",
    "compare_map": "tourplanner.bureau_maps",
    "comparison_table": "tourplanner.compare",
    "summarise": "tourplanner.compare",
    "audit": "tourplanner.audit",
    "SyncResult": "tourplanner.sync",
    "read_osm": "tourplanner.sync",
    "sync": "tourplanner.sync",
    "demo_osm_path": "tourplanner.demo",
    "demo_sites_path": "tourplanner.demo",
    "CatalogueError": "tourplanner.errors",
    "InfeasibleTourError": "tourplanner.errors",
    "NetworkDataError": "tourplanner.errors",
    "OutputError": "tourplanner.errors",
    "TourError": "tourplanner.errors",
    "TourplannerError": "tourplanner.errors",
    "UnreachableSiteError": "tourplanner.errors",
}

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "CatalogueError",
    "InfeasibleTourError",
    "LeftOut",
    "Leg",
    "NetworkDataError",
    "OutputError",
    "Plan",
    "Snapping",
    "Step",
    "Stop",
    "SyncResult",
    "Tour",
    "TourDay",
    "TourError",
    "TourplannerError",
    "UnreachableSiteError",
    "WalkMatrix",
    "WalkingNetwork",
    "__version__",
    "audit",
    "bundled_catalogue_path",
    "catchments",
    "catchments_map",
    "compare_map",
    "comparison_table",
    "coverage",
    "coverage_map",
    "demo_osm_path",
    "demo_sites_path",
    "itinerary_html",
    "itinerary_markdown",
    "load_graph",
    "load_network",
    "load_sites",
    "plan_tour",
    "read_osm",
    "sites_from_frame",
    "snap_sites",
    "study_area",
    "study_area_from_bbox",
    "summarise",
    "sync",
    "tour_directions",
    "tour_map",
    "tour_to_geojson",
    "tour_to_gpx",
    "walk_matrix",
    "write_geojson",
    "write_map",
    "write_text",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        msg = f"module 'tourplanner' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
