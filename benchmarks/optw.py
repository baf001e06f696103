"""Benchmark the tour optimiser on the public OPTW/TOPTW instances (VS format).

Solves each instance with :func:`tourplanner.solver.solve` and prints CSV on
stdout: ``instance,score,seconds,route`` plus, with ``--baseline ortools``, the
score of Google OR-Tools routing, and, where a proven optimum is known (one
route, development set), ``optimum,gap_pct``. Every printed route is replayed
by the independent checker :func:`tourplanner.problem.check_routes`. A summary
goes to stderr.

Usage::

    python benchmarks/optw.py --time-limit 10
    python benchmarks/optw.py --names c101,r101 --routes 2 --baseline ortools
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a source checkout
    sys.path.insert(0, str(ROOT))

from tourplanner.problem import Problem, check_routes, read_vansteenwegen  # noqa: E402
from tourplanner.solver import solve  # noqa: E402

DEFAULT_INSTANCES = Path(__file__).resolve().parents[2] / "shared/benchmarks/optw/instances"

#: Proven optimal scores with one route, development set. Source: exact
#: dynamic-programming results of Righini and Salani (optimum logs published with
#: their OPTW test set), as tabulated in shared/benchmarks/optw/README.md.
OPTIMA: dict[str, float] = {
    "c101": 320,
    "c102": 360,
    "c104": 420,
    "c105": 340,
    "c107": 370,
    "c109": 380,
    "r101": 198,
    "r102": 286,
    "r105": 247,
    "r107": 299,
    "r109": 277,
    "r111": 297,
    "rc101": 219,
    "rc102": 266,
    "rc104": 301,
    "rc106": 252,
    "rc108": 298,
    "pr01": 308,
    "pr02": 404,
    "pr04": 489,
    "pr08": 463,
}


def ortools_routes(problem: Problem, time_limit: float) -> list[list[int]]:
    """Solve with OR-Tools routing: prize-collecting, windows, guided local search.

    Times are scaled to integers (x100, exact for the benchmarks; travel rounded
    up and windows inward otherwise, so integer schedules stay feasible), one
    vehicle per day, each site optional at a penalty proportional to its score
    (which outweighs any travel cost). Single-window problems only.
    """
    # An optional dependency, imported only for the baseline.
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # noqa: PLC0415

    scale = 100.0
    n = problem.n_nodes
    days = problem.n_days
    depot = problem.start
    manager = pywrapcp.RoutingIndexManager(n, days, [depot] * days, [problem.end] * days)
    routing = pywrapcp.RoutingModel(manager)
    cost = np.ceil(np.round(problem.travel * scale, 6)).astype(np.int64)
    service = np.ceil(np.round(problem.service * scale, 6)).astype(np.int64)

    service[[problem.start, problem.end]] = 0
    np.fill_diagonal(cost, 0)

    def transit(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(service[a] + cost[a, b])

    callback = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    horizon = int(np.ceil(max(problem.day_end) * scale))
    routing.AddDimension(callback, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    # Dropping a site costs more than any amount of travel: score first.
    weight = horizon * days + 1
    for node in problem.customers:
        windows = problem.windows[0][node]
        if any(problem.windows[d][node] != windows for d in range(days)) or len(windows) != 1:
            msg = "the OR-Tools baseline handles one window per site, the same every day"
            raise ValueError(msg)
        (lo, hi), index = windows[0], manager.NodeToIndex(node)
        time_dim.CumulVar(index).SetRange(int(np.ceil(lo * scale)), int(np.floor(hi * scale)))
        if node not in problem.must_visit:  # must-visit sites: no disjunction
            routing.AddDisjunction([index], round(float(problem.score[node])) * weight)
    for node in problem.excluded:
        index = manager.NodeToIndex(node)
        routing.AddDisjunction([index], 0)
        routing.solver().Add(routing.ActiveVar(index) == 0)
    for v in range(days):
        time_dim.CumulVar(routing.Start(v)).SetRange(
            int(np.ceil(problem.day_start[v] * scale)), int(np.ceil(problem.day_start[v] * scale))
        )
        time_dim.CumulVar(routing.End(v)).SetMax(int(np.floor(problem.day_end[v] * scale)))
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(int(time_limit * 1000))
    assignment = routing.SolveWithParameters(search)
    routes: list[list[int]] = [[] for _ in range(days)]
    if assignment is None:
        return routes
    for v in range(days):
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            routes[v].append(manager.IndexToNode(index))
            index = assignment.Value(routing.NextVar(index))
    return routes


def route_text(routes: Sequence[Sequence[int]]) -> str:
    """Visited ids in order, days separated by `` | ``."""
    return " | ".join(" ".join(str(v) for v in route) for route in routes)


def route_score(problem: Problem, routes: Sequence[Sequence[int]], label: str) -> float:
    """Score of routes that the independent checker accepts (else exit)."""
    violations = check_routes(problem, routes)
    if violations:
        sys.exit(f"{label}: infeasible route: {violations[0]}")
    return float(sum(problem.score[list(route)].sum() for route in routes))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; see ``--help``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=Path, default=DEFAULT_INSTANCES)
    parser.add_argument("--names", default="", help="comma-separated names (default: all)")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--routes", type=int, default=1, help="routes (days) per instance")
    parser.add_argument("--baseline", choices=["ortools"], default=None)
    args = parser.parse_args(argv)

    if args.names:
        names = [name.strip() for name in args.names.split(",") if name.strip()]
    else:
        names = sorted(path.stem for path in args.instances.glob("*.txt"))
    if not names:
        sys.exit(f"no instances found in {args.instances}")
    known = args.routes == 1
    header = ["instance", "score", "seconds", "route"]
    if args.baseline:
        header.append("ortools_score")
    if known:
        header += ["optimum", "gap_pct"]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    gaps: list[float] = []
    baseline_gaps: list[float] = []
    for name in names:
        path = args.instances / f"{name}.txt"
        problem = read_vansteenwegen(path, n_days=args.routes)
        started = time.perf_counter()
        solution = solve(problem, time_limit=args.time_limit, seed=args.seed)
        seconds = time.perf_counter() - started
        score = route_score(problem, solution.routes, name)
        row: list[object] = [name, f"{score:g}", f"{seconds:.2f}", route_text(solution.routes)]
        if args.baseline:
            baseline = ortools_routes(problem, args.time_limit)
            baseline_score = route_score(problem, baseline, f"{name} (ortools)")
            row.append(f"{baseline_score:g}")
        if known:
            optimum = OPTIMA.get(name)
            if optimum is None:
                row += ["", ""]
            else:
                gap = 100.0 * (optimum - score) / optimum
                gaps.append(gap)
                row += [f"{optimum:g}", f"{gap:.2f}"]
                if args.baseline:
                    baseline_gaps.append(100.0 * (optimum - baseline_score) / optimum)
        out.writerow(row)
        sys.stdout.flush()
    if gaps:
        summary = (
            f"dev set ({len(gaps)} instances with a known optimum): "
            f"mean gap {np.mean(gaps):.2f} %, max gap {np.max(gaps):.2f} %"
        )
        if baseline_gaps:
            summary += (
                f"; OR-Tools mean gap {np.mean(baseline_gaps):.2f} %, "
                f"max {np.max(baseline_gaps):.2f} %"
            )
        print(summary, file=sys.stderr)
    else:
        print(f"{len(names)} instances solved (no known optimum)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
