"""City-scale benchmark of the whole pipeline on real OpenStreetMap extracts (issue 11, item 2).

For each city extract in ``../shared/osm`` (beside the repository; the script
says so and exits 0 when the folder is absent) the study area is the extract's
header bounding box (Heidelberg's header box is the whole world, so a stated
box of its data is used instead). A seeded catalogue of ``--sites`` sites is
placed on the walking graph (random graph nodes, each moved 3-15 m in a random
direction; synthetic positions on real streets, never presented as real
sites), and ``--origins`` of them are the catchment origins. Each stage is
timed for the package ("ours") and for a baseline measured in the same run on
the same graph:

1. build from the ``.osm.pbf`` and write the cache: ours
   ``tourplanner.graph.load_network`` into a fresh cache folder, in a
   subprocess (which also gives its peak memory); baseline: today's path
   (commit b8edcc4, kept in ``benchmarks/_baseline.py``: pyosmium -> OSM XML ->
   ``osmnx.graph_from_xml`` -> clip, simplify, clip -> largest strongly
   connected component; it writes no cache). The two graphs are compared:
   node and edge counts equal, total edge length within 0.1 %.
2. load from the cache: ours, the same call again; baseline
   ``osmnx.load_graphml`` of the same graph saved with ``osmnx.save_graphml``.
3. snap the sites: ``tourplanner.routing.snap_sites`` on the loaded network
   (its first call, and the median of repeats); baseline
   ``osmnx.distance.nearest_edges`` for the same points on the same graph.
4. the sites x sites walking matrix: ``walk_matrix``; baseline networkx
   ``single_source_dijkstra_path_length`` from each site's nearest node (the
   nearest nodes found untimed), timed on ``--nx-sources`` sources and
   extrapolated to all sites.
5. catchments of the origins within 5, 10 and 15 minutes:
   ``tourplanner.catchments.catchments``; baseline: today's implementation
   (``_baseline.catchments``), given the old network's node order and CSR
   arrays already built, as a shared network had them. The polygons are
   compared (relative area difference and symmetric difference).
6. ``plan_tour`` over the 40 sites nearest a seeded random site, starting
   there, with a 5 s ``time_limit``: the time of everything but the solver is
   the wall time minus the time spent inside ``tourplanner.solver.solve``
   (measured by wrapping it; the solver stops at its deadline, or earlier when
   every site is visited).
7. peak memory (``VmHWM``): a subprocess that loads the network from the cache
   and runs stages 3-6 of ours, and the subprocess of stage 1.

Then each stage of ours (and of the baselines) is fitted as ``t = a * n**b``
against the graph's node count (least squares on the logarithms), peak memory
as ``a + b * n``, and projected to a whole-city Shenyang walking network of
300,000 nodes. Times are medians of repeats where a call is cheap; nothing is
asserted on time. The cache is a fresh temporary folder (``TOURPLANNER_CACHE_DIR``
too), removed at the end.

Usage::

    PYTHONPATH=. python benchmarks/city_scale.py [--cities liechtenstein heidelberg milan porto]
        [--sites 200] [--origins 20] [--seed 0] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import importlib.metadata
import inspect
import io
import json
import logging
import math
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import _baseline
import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pyproj
import shapely
from scipy.spatial import cKDTree
from shapely import Polygon

import tourplanner.optimise
import tourplanner.planner
from tourplanner.catchments import catchments
from tourplanner.graph import load_network, study_area_from_bbox
from tourplanner.planner import plan_tour
from tourplanner.routing import WalkingNetwork, snap_sites, walk_matrix
from tourplanner.sites import sites_from_records

T = TypeVar("T")

# never the user's cache: every process of this script (the measured subprocesses too) caches
# in a temporary folder of its own, removed when it exits
_ISOLATED_CACHE: Final = tempfile.TemporaryDirectory(prefix="tourplanner-city-cache-")
os.environ["TOURPLANNER_CACHE_DIR"] = _ISOLATED_CACHE.name

OSM: Final = Path(__file__).resolve().parents[2] / "shared" / "osm"
SHENYANG_NODES: Final = 300_000
MACHINE_GIB: Final = 24.0
MINUTES: Final = (5.0, 10.0, 15.0)
TOUR_SITES: Final = 40
TIME_LIMIT_S: Final = 5.0
CATEGORIES: Final = ("museum", "heritage", "monument", "park", "square", "landmark", "market")

#: Targets of issue 11 (ratios are baseline / ours).
TARGETS: Final = {
    "build": 2.0,
    "load": 10.0,
    "snap": 20.0,
    "matrix": 30.0,
    "catchments": 10.0,
}
SNAP_ABS_S: Final = 0.1
PLAN_OVERHEAD_S: Final = 0.5
PORTO_RSS_MB: Final = 700.0
POLYGON_TOLERANCE: Final = 0.01
LENGTH_TOLERANCE: Final = 0.001


@dataclass(frozen=True)
class City:
    """One extract and its study area."""

    name: str
    file: str
    bbox: tuple[float, float, float, float] | None  # None: the extract's header box
    note: str = ""


CITIES: Final = {
    "liechtenstein": City("liechtenstein", "liechtenstein_2021-10-28.osm.pbf", None),
    # the header box of this extract is the whole world; its data lie within 7.71-9.10 E,
    # 49.31-49.52 N (2,350 km², mostly empty): the central box holds ~98 % of its highway nodes
    "heidelberg": City(
        "heidelberg",
        "heidelberg_2024-09-08.osm.pbf",
        (8.50, 49.31, 8.90, 49.52),
        "central box of the data bounds 7.71-9.10 E, 49.31-49.52 N (the header box is the world)",
    ),
    "milan": City("milan", "milan.osm.pbf", None),
    "porto": City("porto", "porto_2015.osm.pbf", None),
}


# ---------------------------------------------------------------------------------------------
# timing and memory
# ---------------------------------------------------------------------------------------------


def timed(function: Callable[[], T], *, budget_s: float = 2.0, most: int = 5) -> tuple[float, T]:
    """Run ``function`` once, then again while the total stays under ``budget_s`` (``most`` runs).

    Returns the median seconds and the last result.
    """
    times: list[float] = []
    result: T
    while True:
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        if len(times) >= most or sum(times) + times[-1] > budget_s:
            break
    return statistics.median(times), result


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (``VmHWM``, else ``ru_maxrss``)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb() -> float:
    """This process's current resident memory in MB (``VmRSS``; 0 where unknown)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) / 1024.0
    return 0.0


@contextlib.contextmanager
def stopwatch(targets: dict[str, tuple[object, str]]) -> Iterator[dict[str, float]]:
    """Time every call of some module functions while the block runs (seconds per name)."""
    spent = dict.fromkeys(targets, 0.0)
    saved: list[tuple[object, str, Any]] = []

    def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return timed_call

    for name, (module, attribute) in targets.items():
        original = getattr(module, attribute)
        saved.append((module, attribute, original))
        setattr(module, attribute, wrap(name, original))
    try:
        yield spent
    finally:
        for module, attribute, original in saved:
            setattr(module, attribute, original)


def profile_text(function: Callable[[], object], lines: int = 18) -> str:
    """``function``'s cProfile, sorted by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    function()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    body = out.getvalue().strip().splitlines()
    start = next((k for k, line in enumerate(body) if "ncalls" in line), 0)
    return "\n".join(body[start:])


# ---------------------------------------------------------------------------------------------
# data: study area, network, sites
# ---------------------------------------------------------------------------------------------


def geodesic_km2(area: Polygon) -> float:
    value, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(area)
    return abs(float(value)) / 1e6


def study_area(city: City, pbf: Path) -> Polygon:
    """The city's study area (WGS-84)."""
    if city.bbox is not None:
        return study_area_from_bbox(*city.bbox)
    header = osmium.io.Reader(str(pbf), osmium.osm.osm_entity_bits.NOTHING).header()
    box = header.box()
    if not box.valid():
        msg = f"{city.file} has no bounding box in its header: give the city a bbox"
        raise SystemExit(msg)
    bl, tr = box.bottom_left, box.top_right
    return study_area_from_bbox(bl.lon, bl.lat, tr.lon, tr.lat)


def max_area(area: Polygon) -> float:
    return math.ceil(geodesic_km2(area) * 1.05 + 10.0)


def load_ours(area: Polygon, pbf: Path, cache: Path) -> WalkingNetwork:
    """The package's loader, :func:`tourplanner.graph.load_network`."""
    return load_network(area, osm_file=pbf, cache_folder=cache, max_area_km2=max_area(area))


def network_figures(network: WalkingNetwork) -> dict[str, float]:
    """Node and edge counts and total length, from the network's arrays (no networkx graph)."""
    return {
        "nodes": network.n_nodes,
        "edges": network.n_edges,
        "length_km": float(np.sum(network.edge_length)) / 1000.0,
    }


def graph_figures(graph: nx.MultiDiGraph) -> dict[str, float]:
    total = float(sum(float(length) for _, _, length in graph.edges(data="length")))
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "length_km": total / 1000.0,
    }


def random_sites(network: WalkingNetwork, n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` synthetic sites: distinct random graph nodes, each moved 3-15 m (seeded)."""
    rng = np.random.default_rng(seed)
    order = np.argsort(network.nodes, kind="stable")  # independent of the node order
    chosen = order[rng.choice(len(order), size=n, replace=False)]
    distance = rng.uniform(3.0, 15.0, size=n)
    bearing = rng.uniform(0.0, 2.0 * math.pi, size=n)
    categories = rng.choice(len(CATEGORIES), size=n)
    scores = rng.integers(20, 101, size=n)
    visits = rng.choice([15, 20, 30, 45, 60], size=n)
    records: list[dict[str, Any]] = []
    for k in range(n):
        node = int(network.nodes[chosen[k]])
        lon, lat = (float(c) for c in network.node_xy[chosen[k]])
        dy = distance[k] * math.cos(bearing[k])
        dx = distance[k] * math.sin(bearing[k])
        records.append(
            {
                "id": f"s{k:03d}",
                "name": f"Random site {k}",
                "category": CATEGORIES[int(categories[k])],
                "score": int(scores[k]),
                "visit_minutes": int(visits[k]),
                "lat": lat + dy / 111_320.0,
                "lon": lon + dx / (111_320.0 * math.cos(math.radians(lat))),
                "source": (
                    f"benchmark only: OSM node {node} of the walking graph moved "
                    f"{distance[k]:.1f} m (synthetic position, not a real site)"
                ),
            }
        )
    return sites_from_records(records, origin="the benchmark's random sites")


def tour_sites(sites: gpd.GeoDataFrame, n: int, seed: int) -> tuple[gpd.GeoDataFrame, str]:
    """The ``n`` sites nearest a seeded random site, and that site (the start)."""
    rng = np.random.default_rng(seed + 1)
    metric = sites.to_crs(sites.estimate_utm_crs())
    centre = str(sites.index[int(rng.integers(len(sites)))])
    distance = metric.geometry.distance(metric.geometry.loc[centre])
    nearest = distance.sort_values(kind="stable").index[:n]
    return sites.loc[list(nearest)], centre


# ---------------------------------------------------------------------------------------------
# stages
# ---------------------------------------------------------------------------------------------


def nearest_nodes(graph: nx.MultiDiGraph, sites: gpd.GeoDataFrame) -> list[int]:
    """Each site's nearest graph node (planar, in the local UTM zone; the baselines' snapping)."""
    nodes = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    x = np.asarray([graph.nodes[n]["x"] for n in nodes])
    y = np.asarray([graph.nodes[n]["y"] for n in nodes])
    crs = sites.estimate_utm_crs()
    to_m = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    mx, my = to_m.transform(x, y)
    tree = cKDTree(np.column_stack([mx, my]))
    points = sites.to_crs(crs).geometry
    _, index = tree.query(np.column_stack([points.x, points.y]))
    return [int(nodes[i]) for i in index]


def stage_matrix_baseline(
    graph: nx.MultiDiGraph, sources: list[int], targets: list[int]
) -> tuple[float, np.ndarray[Any, np.dtype[np.float64]]]:
    """Seconds of one networkx Dijkstra per source, and the rows it gives."""
    start = time.perf_counter()
    rows = [nx.single_source_dijkstra_path_length(graph, s, weight="length") for s in sources]
    elapsed = time.perf_counter() - start
    values = np.array([[row.get(t, np.inf) for t in targets] for row in rows], dtype=np.float64)
    return elapsed, values


def compare_catchments(
    ours: gpd.GeoDataFrame, base: gpd.GeoDataFrame, crs: str
) -> dict[str, float]:
    """Max relative area difference and max symmetric difference (/ baseline area)."""
    a = ours.to_crs(crs).set_index(["origin_id", "minutes"]).sort_index()
    b = base.to_crs(crs).set_index(["origin_id", "minutes"]).sort_index()
    if list(a.index) != list(b.index):
        return {"rows_equal": 0.0, "area_rel_max": math.inf, "symdiff_rel_max": math.inf}
    area_a = shapely.area(a.geometry.to_numpy())
    area_b = shapely.area(b.geometry.to_numpy())
    sym = shapely.area(shapely.symmetric_difference(a.geometry.to_numpy(), b.geometry.to_numpy()))
    base_area = np.where(area_b > 0, area_b, np.nan)
    return {
        "rows_equal": 1.0,
        "area_rel_max": float(np.nanmax(np.abs(area_a - area_b) / base_area)),
        "symdiff_rel_max": float(np.nanmax(sym / base_area)),
        "reached_nodes_equal": float(
            bool((a["reached_nodes"].to_numpy() == b["reached_nodes"].to_numpy()).all())
        ),
    }


def run_plan(
    network: WalkingNetwork, sites: gpd.GeoDataFrame, start: str, seed: int
) -> dict[str, float]:
    """Plan a tour; return its wall time, the solver's time and the other parts."""
    parts: dict[str, tuple[object, str]] = {
        "solver_s": (tourplanner.optimise, "solve"),
        "snap_s": (tourplanner.planner, "snap_sites"),
        "matrix_s": (tourplanner.planner, "walk_matrix"),
        "build_problem_s": (tourplanner.optimise, "build_problem"),
        "assemble_s": (tourplanner.planner, "assemble_tour"),
    }
    with stopwatch(parts) as spent:
        started = time.perf_counter()
        plan = plan_tour(
            network,
            sites,
            start_time=dt.datetime(2024, 6, 5, 9, 0),
            start=start,
            seed=seed,
            time_limit=TIME_LIMIT_S,
        )
        wall = time.perf_counter() - started
    visited = len(plan.tour.stops)
    return {
        "wall_s": wall,
        **spent,
        "overhead_s": wall - spent["solver_s"],
        "stops": float(visited),
    }


def pipeline(
    network: WalkingNetwork, sites: gpd.GeoDataFrame, args: argparse.Namespace, area: Polygon
) -> dict[str, float]:
    """Stages 3-6 of ours once each, with the peak memory after each (the memory subprocess)."""
    out: dict[str, float] = {"hwm_load_mb": peak_rss_mb()}
    start = time.perf_counter()
    snapping = snap_sites(network, sites)
    out["snap_s"] = time.perf_counter() - start
    out["hwm_snap_mb"] = peak_rss_mb()
    start = time.perf_counter()
    walk_matrix(network, snapping)
    out["matrix_s"] = time.perf_counter() - start
    out["hwm_matrix_mb"] = peak_rss_mb()
    origins = list(snapping.site_ids[: args.origins])
    start = time.perf_counter()
    catchments(network, snapping, origins, minutes=MINUTES, area=area)
    out["catchments_s"] = time.perf_counter() - start
    out["hwm_catchments_mb"] = peak_rss_mb()
    subset, centre = tour_sites(sites, TOUR_SITES, args.seed)
    plan = run_plan(network, subset, centre, args.seed)
    out["plan_wall_s"] = plan["wall_s"]
    out["plan_overhead_s"] = plan["overhead_s"]
    out["hwm_plan_mb"] = peak_rss_mb()
    return out


def child(args: argparse.Namespace) -> int:
    """A measured subprocess: ``build`` (stage 1 of ours) or ``pipeline`` (load + stages 3-6)."""
    city = CITIES[args.city]
    pbf = args.osm_dir / city.file
    area = study_area(city, pbf)
    cache = Path(args.cache)
    result: dict[str, Any] = {"rss_after_imports_mb": rss_mb()}
    if args.child == "build":
        start = time.perf_counter()
        network = load_ours(area, pbf, cache)
        result["build_s"] = time.perf_counter() - start
        result.update(network_figures(network))
    else:
        start = time.perf_counter()
        network = load_ours(area, pbf, cache)
        result["load_s"] = time.perf_counter() - start
        sites = random_sites(network, args.sites, args.seed)
        result.update(pipeline(network, sites, args, area))
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
    return 0


def run_child(kind: str, city: str, cache: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        "--city",
        city,
        "--cache",
        str(cache),
        "--sites",
        str(args.sites),
        "--origins",
        str(args.origins),
        "--seed",
        str(args.seed),
        "--osm-dir",
        str(args.osm_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"the {kind} subprocess for {city} failed:\n{done.stderr[-3000:]}"
        raise SystemExit(msg)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench_city(city: City, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Every stage for one city: ours, baseline, ratios and checks."""
    out = stages(city, args, tmp)
    gc.collect()
    # 7. peak memory of the pipeline, in a fresh process (this one's network is freed by now)
    piped = run_child("pipeline", city.name, tmp / city.name, args)
    out["pipeline_rss_mb"] = piped["peak_rss_mb"]
    out["pipeline_child"] = piped
    for stage in ("build", "load", "snap", "matrix", "catchments"):
        out[stage]["ratio"] = out[stage]["base_s"] / out[stage]["ours_s"]
    print(
        f"build {out['build']['ours_s']:.2f} s vs {out['build']['base_s']:.2f} s; "
        f"load {out['load']['ours_s']:.3f} vs {out['load']['base_s']:.3f} s; "
        f"snap {out['snap']['ours_s'] * 1e3:.1f} ms vs {out['snap']['base_s'] * 1e3:.0f} ms; "
        f"matrix {out['matrix']['ours_s']:.3f} vs {out['matrix']['base_s']:.2f} s; "
        f"catchments {out['catchments']['ours_s']:.2f} vs {out['catchments']['base_s']:.2f} s; "
        f"plan_tour {out['plan']['wall_s']:.2f} s of which solver {out['plan']['solver_s']:.2f} s; "
        f"peak RSS pipeline {piped['peak_rss_mb']:.0f} MB, build {out['build_rss_mb']:.0f} MB",
        flush=True,
    )
    return out


def stages(city: City, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Stages 1-6, ours and baseline, in this process (ours' build in a subprocess)."""
    pbf = args.osm_dir / city.file
    area = study_area(city, pbf)
    west, south, east, north = area.bounds
    cache = tmp / city.name
    cache.mkdir()
    out: dict[str, Any] = {
        "city": city.name,
        "file": city.file,
        "bbox": [west, south, east, north],
        "area_km2": geodesic_km2(area),
        "area_note": city.note or "the extract's header bounding box",
    }
    print(
        f"\n## {city.name}: {city.file}, study area {west:.4f}..{east:.4f} E, "
        f"{south:.4f}..{north:.4f} N ({out['area_km2']:,.0f} km²; {out['area_note']})",
        flush=True,
    )

    # 1. build (ours in a subprocess, which also gives its peak memory)
    built = run_child("build", city.name, cache, args)
    start = time.perf_counter()
    base_graph = _baseline.build_graph(pbf, area)
    base_build = time.perf_counter() - start
    base_fig = graph_figures(base_graph)
    ours_fig = {k: built[k] for k in ("nodes", "edges", "length_km")}
    length_gap = abs(ours_fig["length_km"] - base_fig["length_km"]) / base_fig["length_km"]
    same = (
        ours_fig["nodes"] == base_fig["nodes"]
        and ours_fig["edges"] == base_fig["edges"]
        and length_gap <= LENGTH_TOLERANCE
    )
    out["graph"] = {"ours": ours_fig, "baseline": base_fig, "length_gap": length_gap}
    out["same_graph"] = same
    out["build"] = {"ours_s": built["build_s"], "base_s": base_build}
    out["build_rss_mb"] = built["peak_rss_mb"]
    out["rss_after_imports_mb"] = built["rss_after_imports_mb"]
    print(
        f"graph: ours {ours_fig['nodes']:,} nodes / {ours_fig['edges']:,} edges / "
        f"{ours_fig['length_km']:,.1f} km; baseline {base_fig['nodes']:,} / {base_fig['edges']:,} "
        f"/ {base_fig['length_km']:,.1f} km: same graph {'yes' if same else 'NO'} "
        f"(length gap {length_gap:.2e})",
        flush=True,
    )

    base_nodes = frozenset(base_graph.nodes)
    # nothing big may stay alive while ours is timed: Python's cyclic garbage collector would
    # walk the baseline's networkx graph (millions of objects) during every allocation burst
    del base_graph
    gc.collect()

    out["profiles"] = {}
    if base_build / built["build_s"] < TARGETS["build"] and not getattr(args, "build_profiled", 0):
        args.build_profiled = 1  # once, on the first (smallest) city that misses
        out["profiles"]["build (use_cache=False)"] = profile_text(
            lambda: load_network(area, osm_file=pbf, use_cache=False, max_area_km2=max_area(area)),
            lines=30,
        )

    # 2-6, ours first, while this process holds no networkx graph (as a user of ours would not)
    load_s, network = timed(lambda: load_ours(area, pbf, cache), budget_s=3.0, most=3)
    sites = random_sites(network, args.sites, args.seed)
    start = time.perf_counter()
    snapping = snap_sites(network, sites)
    snap_first = time.perf_counter() - start
    snap_s, snapping = timed(lambda: snap_sites(network, sites))
    start = time.perf_counter()
    matrix = walk_matrix(network, snapping)
    matrix_first = time.perf_counter() - start
    matrix_s, matrix = timed(lambda: walk_matrix(network, snapping))
    origins = list(snapping.site_ids[: args.origins])
    catch_s, ours_areas = timed(
        lambda: catchments(network, snapping, origins, minutes=MINUTES, area=area), budget_s=4.0
    )
    catch_one_s = math.nan
    one: dict[str, Any] = {}
    if "workers" in inspect.signature(catchments).parameters:  # threads: also time just one
        one["workers"] = 1
        catch_one_s, _ = timed(
            lambda: catchments(network, snapping, origins, minutes=MINUTES, area=area, **one),
            budget_s=4.0,
        )
    subset, centre = tour_sites(sites, TOUR_SITES, args.seed)
    out["plan"] = run_plan(network, subset, centre, args.seed)
    # the same request again: what is left once the per-process first-use costs are paid
    out["plan_again"] = run_plan(network, subset, centre, args.seed)
    out["graph_built_by_ours"] = getattr(network, "_graph", None) is not None

    # the baselines, on the networkx graph of the same network
    start = time.perf_counter()
    graph = network.graph  # built from the arrays on first use
    out["graph_build_s"] = time.perf_counter() - start
    out["graph"]["loaded"] = network_figures(network)
    out["node_ids_equal"] = frozenset(graph.nodes) == base_nodes

    # 2. GraphML of the same graph
    graphml = tmp / f"{city.name}.graphml"
    start = time.perf_counter()
    ox.save_graphml(graph, graphml)
    save_s = time.perf_counter() - start
    graphml_s, loaded = timed(lambda: ox.load_graphml(graphml), budget_s=3.0, most=3)
    assert loaded.number_of_edges() == graph.number_of_edges()
    del loaded
    graphml.unlink()
    gc.collect()
    out["load"] = {"ours_s": load_s, "base_s": graphml_s, "graphml_save_s": save_s}

    # 3. nearest_edges for the same points
    lon = sites.geometry.x.to_numpy()
    lat = sites.geometry.y.to_numpy()
    nearest_s, nearest = timed(lambda: ox.distance.nearest_edges(graph, lon, lat), budget_s=3.0)
    # the same street either way (osmnx measures in degrees, ours in metres: near-ties may differ)
    theirs = {str(i): frozenset(e[:2]) for i, e in zip(sites.index, nearest, strict=True)}
    agree = sum(frozenset(s.edge[:2]) == theirs[s.site_id] for s in snapping.sites)
    out["snap"] = {
        "ours_s": snap_s,
        "ours_first_s": snap_first,
        "base_s": nearest_s,
        "snapped": len(snapping.sites),
        "same_street": agree,
    }

    # 4. networkx Dijkstra from each site's nearest node
    node_of = nearest_nodes(graph, sites)
    n_src = min(args.nx_sources, len(node_of))
    nx_elapsed, nx_rows = stage_matrix_baseline(graph, node_of[:n_src], node_of)
    nx_s = nx_elapsed * len(node_of) / n_src
    ids = list(snapping.site_ids)
    rows = [ids.index(s) for s in sites.index[:n_src]]
    cols = [ids.index(s) for s in sites.index]
    gap = np.abs(matrix.distance_m[np.ix_(rows, cols)] - nx_rows)
    out["matrix"] = {
        "ours_s": matrix_s,
        "ours_first_s": matrix_first,
        "base_s": nx_s,
        "base_sources_timed": n_src,
        "median_gap_m": float(np.median(gap[np.isfinite(gap)])),
    }

    # 5. today's catchments
    old = _baseline.OldNetwork(graph).warm()
    base_catch_s, base_areas = timed(
        lambda: _baseline.catchments(old, snapping, origins, minutes=MINUTES, area=area),
        budget_s=4.0,
        most=3,
    )
    out["catchments"] = {
        "ours_s": catch_s,
        "ours_one_thread_s": catch_one_s,
        "base_s": base_catch_s,
        "rows_at_edge": int(ours_areas["reaches_edge"].sum()),
        "rows": len(ours_areas),
    }
    out["polygons"] = compare_catchments(ours_areas, base_areas, snapping.crs)

    # profiles of what misses its target (now with the graph in memory: a little slower)
    if graphml_s / load_s < TARGETS["load"]:
        out["profiles"]["load"] = profile_text(lambda: load_ours(area, pbf, cache))
    if out["plan"]["overhead_s"] >= PLAN_OVERHEAD_S:
        out["profiles"]["plan_tour (time_limit=0)"] = profile_text(
            lambda: plan_tour(
                network,
                subset,
                start_time=dt.datetime(2024, 6, 5, 9, 0),
                start=centre,
                seed=args.seed,
                time_limit=0.0,
            )
        )
    for stage, call in (
        ("snap", lambda: snap_sites(network, sites)),
        ("matrix", lambda: walk_matrix(network, snapping)),
        # one thread, where catchments have workers: cProfile sees only the calling thread
        (
            "catchments",
            lambda: catchments(network, snapping, origins, minutes=MINUTES, area=area, **one),
        ),
    ):
        ratio = out[stage]["base_s"] / out[stage]["ours_s"]
        if ratio < TARGETS[stage]:
            out["profiles"][stage] = profile_text(call)
    return out


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------


def fmt_s(seconds: float) -> str:
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def power_fit(n: list[float], t: list[float]) -> tuple[float, float]:
    """``(a, b)`` of ``t = a * n**b`` by least squares on the logarithms."""
    b, log_a = np.polyfit(np.log(n), np.log(t), 1)
    return float(math.exp(log_a)), float(b)


def linear_fit(n: list[float], y: list[float]) -> tuple[float, float]:
    """``(a, b)`` of ``y = a + b * n`` by least squares."""
    b, a = np.polyfit(np.asarray(n, dtype=float), np.asarray(y, dtype=float), 1)
    return float(a), float(b)


def table(results: list[dict[str, Any]]) -> str:
    names = [r["city"] for r in results]
    head = "| stage | " + " | ".join(
        f"{r['city']} ({r['graph']['ours']['nodes']:,} nodes / {r['graph']['ours']['edges']:,})"
        for r in results
    )
    lines = [head + " |", "|---" * (len(names) + 1) + "|"]

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")

    def ratio_cell(stage: str) -> Callable[[dict[str, Any]], str]:
        def cell(r: dict[str, Any]) -> str:
            s = r[stage]
            return f"{fmt_s(s['ours_s'])} / {fmt_s(s['base_s'])} / {s['ratio']:.1f}x"

        return cell

    row("1. build from .osm.pbf (+ write cache)", ratio_cell("build"))
    row(
        "   same graph (nodes, edges, length ±0.1 %)",
        lambda r: (
            ("yes" if r["same_graph"] else "**no**") + f" (Δlength {r['graph']['length_gap']:.1e})"
        ),
    )
    row("2. load from cache / osmnx.load_graphml", ratio_cell("load"))
    row("3. snap sites / ox.distance.nearest_edges", ratio_cell("snap"))
    row("   snap, first call after the load", lambda r: fmt_s(r["snap"]["ours_first_s"]))
    row(
        "   sites on the street nearest_edges picks",
        lambda r: f"{r['snap']['same_street']} of {r['snap']['snapped']}",
    )
    row("4. walking matrix / nx Dijkstra per site", ratio_cell("matrix"))
    row("   matrix, first call", lambda r: fmt_s(r["matrix"]["ours_first_s"]))
    row(
        "   median gap to nx (nearest-node) distances",
        lambda r: f"{r['matrix']['median_gap_m']:.1f} m",
    )
    row("5. catchments / b8edcc4 catchments", ratio_cell("catchments"))
    row(
        "   catchments with one thread (workers=1), ratio",
        lambda r: (
            f"{fmt_s(r['catchments']['ours_one_thread_s'])} / "
            f"{r['catchments']['base_s'] / r['catchments']['ours_one_thread_s']:.1f}x"
            if math.isfinite(r["catchments"]["ours_one_thread_s"])
            else "- (no workers option)"
        ),
    )
    row(
        "   polygons: max rel. area diff., max symdiff/area",
        lambda r: f"{r['polygons']['area_rel_max']:.1e}, {r['polygons']['symdiff_rel_max']:.1e}",
    )
    row(
        "6. plan_tour 40 sites: wall / solver / rest",
        lambda r: (
            f"{fmt_s(r['plan']['wall_s'])} / {fmt_s(r['plan']['solver_s'])} / "
            f"**{fmt_s(r['plan']['overhead_s'])}** ({r['plan']['stops']:.0f} stops)"
        ),
    )
    row(
        "   rest when planned again in the same process",
        lambda r: f"{fmt_s(r['plan_again']['overhead_s'])}",
    )
    row(
        "   rest (first call): snap, matrix, build problem, assemble",
        lambda r: ", ".join(
            fmt_s(r["plan"][k]) for k in ("snap_s", "matrix_s", "build_problem_s", "assemble_s")
        ),
    )
    row("7. peak RSS: pipeline (load + 3-6)", lambda r: f"{r['pipeline_rss_mb']:,.0f} MB")
    row("   peak RSS: build from .osm.pbf", lambda r: f"{r['build_rss_mb']:,.0f} MB")
    row(
        "   peak RSS after load, snap, matrix, catchments, plan",
        lambda r: ", ".join(f"{r['pipeline_child'][f'hwm_{k}_mb']:,.0f}" for k in HWM) + " MB",
    )
    row("   RSS after imports", lambda r: f"{r['rss_after_imports_mb']:,.0f} MB")
    return "\n".join(lines)


LEGEND: Final = """\
Each cell: ours / baseline / baseline ÷ ours (medians of repeats where a call is cheap).
Ours is timed first, while the process holds no networkx graph; then the graph is built
from the network's arrays and the baselines run on it.
1: ours is built in a fresh subprocess (its time measured inside it, after the imports);
the baseline is today's (b8edcc4) path, which writes no cache. 2: ours loads the cache
written in 1; the baseline is osmnx.load_graphml of the same graph (save_graphml untimed).
3: the same points; ox.distance.nearest_edges builds its index on every call, as the
issue's baseline does. 4: the networkx baseline runs from each site's nearest node (found
untimed), timed on the first sources and extrapolated to all sites. 5: the baseline is
given the old network's node order and CSR arrays already built. 6: 'rest' is the wall
time minus the time inside tourplanner.solver.solve (wrapped and timed), first in the
process (what one CLI run pays: e.g. parsing each site's opening hours with its position
for the first time) and again. 7: VmHWM of fresh processes (imports included)."""


HWM: Final = ("load", "snap", "matrix", "catchments", "plan")
STAGES: Final = (
    ("build", "build from .osm.pbf"),
    ("load", "load from cache"),
    ("snap", "snap sites"),
    ("matrix", "walking matrix"),
    ("catchments", "catchments"),
)


def growth(results: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    nodes = [float(r["graph"]["ours"]["nodes"]) for r in results]
    edges = [float(r["graph"]["ours"]["edges"]) for r in results]
    per_node = statistics.mean(e / n for e, n in zip(edges, nodes, strict=True))
    fits: dict[str, Any] = {
        "shenyang_nodes": SHENYANG_NODES,
        "shenyang_edges": round(SHENYANG_NODES * per_node),
        "edges_per_node": per_node,
        "stages": {},
    }
    for key, _label in STAGES:
        entry: dict[str, Any] = {}
        for side in ("ours", "base"):
            a, b = power_fit(nodes, [r[key][f"{side}_s"] for r in results])
            entry[side] = {"a": a, "b": b, "projected_s": a * SHENYANG_NODES**b}
        fits["stages"][key] = entry
    for key, values in (
        ("snap_first", [r["snap"]["ours_first_s"] for r in results]),
        ("matrix_first", [r["matrix"]["ours_first_s"] for r in results]),
        ("plan_overhead", [r["plan"]["overhead_s"] for r in results]),
    ):
        a, b = power_fit(nodes, values)
        fits["stages"][key] = {"ours": {"a": a, "b": b, "projected_s": a * SHENYANG_NODES**b}}
    memory = {
        "pipeline_rss_mb": [r["pipeline_rss_mb"] for r in results],
        "build_rss_mb": [r["build_rss_mb"] for r in results],
    }
    for stage in HWM:
        memory[f"hwm_{stage}_mb"] = [r["pipeline_child"][f"hwm_{stage}_mb"] for r in results]
    for key, values in memory.items():
        a, b = linear_fit(nodes, values)
        fits[key] = {"a_mb": a, "b_mb_per_node": b, "projected_mb": a + b * SHENYANG_NODES}
    peak = max(fits["pipeline_rss_mb"]["projected_mb"], fits["build_rss_mb"]["projected_mb"])
    fits["fits_machine"] = peak / 1024.0 < MACHINE_GIB
    fits["sites"] = args.sites
    fits["origins"] = args.origins
    return fits


def growth_text(fits: dict[str, Any]) -> str:
    lines = [
        f"Growth fit over the cities (t = a·n^b, n = graph nodes; least squares on logs) and the "
        f"projection to a Shenyang walking network of {fits['shenyang_nodes']:,} nodes and "
        f"~{fits['shenyang_edges']:,} edges (the cities' mean {fits['edges_per_node']:.2f} edges "
        f"per node), at the same {fits['sites']} sites / {fits['origins']} origins:",
        "",
        "| stage | ours: b | ours: a | ours at 300k | baseline: b | baseline at 300k |",
        "|---|---|---|---|---|---|",
    ]
    extra = (
        ("snap_first", "snap, first call after the load"),
        ("matrix_first", "matrix, first call"),
        ("plan_overhead", "plan_tour except the solver"),
    )
    for key, label in (*STAGES, *extra):
        entry = fits["stages"][key]
        ours = entry["ours"]
        base = entry.get("base")
        lines.append(
            f"| {label} | {ours['b']:.2f} | {ours['a']:.3g} | {fmt_s(ours['projected_s'])} | "
            + (f"{base['b']:.2f} | {fmt_s(base['projected_s'])} |" if base else "- | - |")
        )
    pipe, build = fits["pipeline_rss_mb"], fits["build_rss_mb"]
    lines += [
        "",
        f"Peak memory (linear fit a + b·n): pipeline {pipe['a_mb']:.0f} MB + "
        f"{pipe['b_mb_per_node'] * 1e3:.2f} MB per 1,000 nodes -> "
        f"{pipe['projected_mb']:,.0f} MB at 300k nodes; build {build['a_mb']:.0f} MB + "
        f"{build['b_mb_per_node'] * 1e3:.2f} MB per 1,000 nodes -> "
        f"{build['projected_mb']:,.0f} MB.",
        "Peak RSS of the pipeline after each stage, projected: "
        + ", ".join(f"{k} {fits[f'hwm_{k}_mb']['projected_mb']:,.0f} MB" for k in HWM)
        + ".",
        f"One {MACHINE_GIB:.0f} GiB machine holds it: {'yes' if fits['fits_machine'] else 'NO'}.",
    ]
    return "\n".join(lines)


def verdicts(results: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for r in results:
        c = r["city"]
        for stage, target in TARGETS.items():
            ratio = r[stage]["ratio"]
            mark = "met" if ratio >= target else "MISSED"
            lines.append(f"[{mark}] {c}: {stage} {ratio:.1f}x (target ≥ {target:.0f}x)")
        snap = r["snap"]["ours_s"]
        mark = "met" if snap < SNAP_ABS_S else "MISSED"
        lines.append(f"[{mark}] {c}: snap {snap * 1e3:.1f} ms (target < 100 ms)")
        mark = "met" if r["same_graph"] else "MISSED"
        lines.append(f"[{mark}] {c}: same graph as today's build")
        worst = max(r["polygons"]["area_rel_max"], r["polygons"]["symdiff_rel_max"])
        mark = "met" if worst <= POLYGON_TOLERANCE else "MISSED"
        lines.append(f"[{mark}] {c}: catchment polygons within 1 % ({worst:.1e})")
        over = r["plan"]["overhead_s"]
        mark = "met" if over < PLAN_OVERHEAD_S else "MISSED"
        lines.append(f"[{mark}] {c}: plan_tour except the solver {over:.2f} s (target < 0.5 s)")
        if c == "porto":
            peak = r["pipeline_rss_mb"]
            mark = "met" if peak < PORTO_RSS_MB else "MISSED"
            lines.append(f"[{mark}] porto: peak RSS of the pipeline {peak:.0f} MB (target < 700)")
    return lines


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration), Path("/proc/cpuinfo").open() as handle:
        cpu = next(line.split(":", 1)[1].strip() for line in handle if "model name" in line)
    info = {
        "system": f"{platform.system()} {platform.release()}",
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "load_average_1m": f"{os.getloadavg()[0]:.2f}",
    }
    for package in ("numpy", "scipy", "networkx", "osmnx", "shapely", "geopandas", "osmium"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            info[package] = importlib.metadata.version(package)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cities", nargs="+", choices=list(CITIES), default=list(CITIES))
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--origins", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nx-sources", type=int, default=20, help="networkx sources timed")
    parser.add_argument(
        "--osm-dir", type=Path, default=OSM, help=f"folder of the extracts (default {OSM})"
    )
    parser.add_argument("--json", type=Path, help="write every figure to this JSON file")
    parser.add_argument("--child", choices=["build", "pipeline"], help=argparse.SUPPRESS)
    parser.add_argument("--city", choices=list(CITIES), help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # the package's warnings (unknown hours of the synthetic sites, catchments at the edge of
    # the study area) would drown the report: the figures record what matters
    logging.getLogger("tourplanner").setLevel(logging.ERROR)
    if args.child:
        return child(args)
    osm: Path = args.osm_dir
    if not osm.is_dir():
        print(f"No city extracts: {osm} does not exist (see ../shared/osm/README.md): nothing run")
        return 0
    missing = [c for c in args.cities if not (osm / CITIES[c].file).is_file()]
    if missing:
        names = ", ".join(CITIES[c].file for c in missing)
        print(f"Skipping {', '.join(missing)}: {names} not in {osm}")
    cities = [CITIES[c] for c in args.cities if c not in missing]
    if not cities:
        return 0
    started = time.perf_counter()
    info = machine()
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(
        f"Ours: tourplanner.graph.load_network; {args.sites} sites, {args.origins} origins, "
        f"seed {args.seed}"
    )
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tourplanner-city-") as tmp:
        for city in cities:
            results.append(bench_city(city, args, Path(tmp)))
    print("\n## Stages (ours / baseline / baseline ÷ ours)\n")
    print(table(results))
    print()
    print(LEGEND)
    fits: dict[str, Any] | None = None
    if len(results) >= 2:
        fits = growth(results, args)
        print()
        print(growth_text(fits))
    print("\n## Targets\n")
    print("\n".join(verdicts(results)))
    for r in results:
        for stage, text in r["profiles"].items():
            print(f"\n--- cProfile, {r['city']}: {stage} (cumulative) ---\n{text}")
    total = time.perf_counter() - started
    print(f"\nTotal run time {total:.0f} s; load average (1 min) now {os.getloadavg()[0]:.2f}")
    if args.json:
        payload = {
            "machine": info,
            "loader": "load_network",
            "results": results,
            "fit": fits,
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str))
        print(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
