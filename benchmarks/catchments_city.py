"""Benchmark catchments on a city-sized walking network against the method they replaced.

The issue's target: catchments for 20 origins x 3 limits on a real city
extract (``../shared/osm/milan.osm.pbf``: about 50,000 nodes and 144,000
edges) at least 10x faster than the implementation before the array-based
rewrite, with polygons equal to it within 1 % of area. Both run in the same
process on the same network, snapping and origins:

- baseline: the old method, kept verbatim in ``tests/_catchments_reference.py``
  (streets collected from the networkx graph on every call, every street tested
  for every origin, each reached piece buffered and unioned on its own). It
  needs the networkx graph, which a network loaded from the cache builds on
  first use: that build is timed and shown apart;
- ours: :func:`tourplanner.catchments.catchments` through the public function,
  on the network as loaded from the cache (it never builds the networkx graph),
  with its default threads (one per CPU core) and with ``workers=1``.

The sites are seeded random points near seeded random nodes (within 15 m), the
origins a seeded random choice among them. Each variant is timed ``--repeat``
times; the best time counts (the machine is shared). Where the time goes in
ours is shown from a profile of one run.

Usage::

    PYTHONPATH=. python benchmarks/catchments_city.py [--osm-file PATH]
        [--bbox W S E N] [--sites 200] [--origins 20] [--seed 0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import shapely

from tourplanner.catchments import catchments
from tourplanner.graph import load_network, study_area_from_bbox
from tourplanner.network import WalkingNetwork
from tourplanner.routing import snap_sites

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _catchments_reference import reference_catchments

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[1]
MILAN = REPO.parent / "shared" / "osm" / "milan.osm.pbf"
#: Milan's extract header box (W, S, E, N).
MILAN_BBOX = (9.0939, 45.4016, 9.4376, 45.5461)
MINUTES = (5.0, 10.0, 15.0)


def best_of(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """The best wall time of ``repeat`` runs, and the last result."""
    times: list[float] = []
    result: T | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    assert result is not None
    return min(times), result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm-file", type=Path, default=MILAN)
    parser.add_argument("--bbox", type=float, nargs=4, default=MILAN_BBOX, metavar="W S E N")
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--origins", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache-folder", type=Path, help="default: a temporary folder")
    args = parser.parse_args(argv)
    if not args.osm_file.is_file():
        print(f"no extract at {args.osm_file}: give --osm-file", file=sys.stderr)
        return 2
    logging.disable(logging.WARNING)  # the edge-of-area warnings of random origins
    area = study_area_from_bbox(*args.bbox)
    with tempfile.TemporaryDirectory(prefix="catchments-bench-") as temporary:
        cache = args.cache_folder or Path(temporary)
        start = time.perf_counter()
        # builds and caches it (unless --cache-folder holds it already)
        load_network(area, osm_file=args.osm_file, cache_folder=cache, max_area_km2=10_000)
        first = time.perf_counter() - start
        start = time.perf_counter()
        network = load_network(
            area, osm_file=args.osm_file, cache_folder=cache, max_area_km2=10_000
        )
        loaded = time.perf_counter() - start
    print(
        f"{args.osm_file.name}: {network.n_nodes:,} nodes, {network.n_edges:,} edges; "
        f"first load {first:.1f} s, loaded from the cache in {loaded:.1f} s"
    )
    rng = np.random.default_rng(args.seed)
    picked = rng.choice(network.n_nodes, size=args.sites, replace=False)
    xy = network.node_xy_m[picked] + rng.uniform(-15.0, 15.0, size=(args.sites, 2))
    sites = gpd.GeoDataFrame(
        {"name": [f"Site {k}" for k in range(args.sites)], "category": "waypoint"},
        index=[f"s{k:03d}" for k in range(args.sites)],
        geometry=shapely.points(xy),
        crs=network.crs,
    ).to_crs(4326)
    snapping = snap_sites(network, sites)
    origins = [str(o) for o in rng.choice(list(snapping.site_ids), args.origins, replace=False)]
    print(f"{len(snapping.sites)} sites snapped, {len(origins)} origins, limits {MINUTES} min")

    ours_s, ours = best_of(args.repeat, lambda: catchments(network, snapping, origins, MINUTES))
    single_s, _ = best_of(
        args.repeat, lambda: catchments(network, snapping, origins, MINUTES, workers=1)
    )
    assert network._graph is None, "catchments built the networkx graph"
    # the baseline on its own copy of the network, with the networkx graph it needs
    baseline_network = WalkingNetwork(network.data)
    graph_s, _ = best_of(1, lambda: baseline_network.graph)
    old_s, old = best_of(
        args.repeat, lambda: reference_catchments(baseline_network, snapping, origins, MINUTES)
    )
    metric = ours.to_crs(snapping.crs)
    area_diff = sym_diff = 0.0
    same_nodes = True
    for origin, minutes, nodes, polygon in zip(
        metric.origin_id, metric.minutes, metric.reached_nodes, metric.geometry, strict=True
    ):
        before, before_nodes = old[(origin, minutes)]
        same_nodes &= nodes == before_nodes
        area_diff = max(area_diff, abs(polygon.area - before.area) / before.area)
        sym_diff = max(sym_diff, shapely.symmetric_difference(polygon, before).area / before.area)
    print(f"\n{'':34s}{'seconds':>9s}")
    print(f"{'old method (graph built)':34s}{old_s:9.2f}")
    print(f"{'  + building the networkx graph':34s}{graph_s:9.2f}")
    print(f"{f'catchments ({os.cpu_count()} threads)':34s}{ours_s:9.2f}")
    print(f"{'catchments (workers=1)':34s}{single_s:9.2f}")
    for label, ours_time in (("threads", ours_s), ("workers=1", single_s)):
        print(
            f"ratio ({label}): {old_s / ours_time:.1f}x (old with its graph already built), "
            f"{(old_s + graph_s) / ours_time:.1f}x (old on the network as loaded from the cache)"
        )
    print(
        f"polygons: largest |area difference|/area {area_diff:.2e}, largest symmetric "
        f"difference/area {sym_diff:.2e} (target < 1e-2); reached nodes equal: {same_nodes}"
    )
    print(
        f"15-minute areas: mean {ours[ours.minutes == 15].area_km2.mean():.2f} km², "
        f"largest {ours.area_km2.max():.2f} km²"
    )
    profile = cProfile.Profile()
    profile.runcall(catchments, network, snapping, origins, MINUTES, workers=1)
    print("\nwhere the time goes in catchments (one profiled run, workers=1, by own time):")
    pstats.Stats(profile).sort_stats("tottime").print_stats(8)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
