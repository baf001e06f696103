"""The ``tourplanner`` command line: ``sites``, ``plan`` and ``demo``.

The command line is the thin shell around the library: it parses options,
configures logging, loads the catalogue and the street graph, calls the
planner and writes the outputs. A user's mistake ends in one line on stderr
and exit status 2, with no traceback and no output file written.
"""

from __future__ import annotations

from tourplanner import _shell  # first: a Ctrl-C while the imports below load is one line

# isort: split
import argparse
import datetime as dt
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, cast

import geopandas as gpd
import pandas as pd
from shapely import Polygon
from shapely.geometry import shape

from tourplanner import __version__, settings
from tourplanner._input import load_json
from tourplanner._io import check_output_path, output_transaction
from tourplanner._text import terminal_text
from tourplanner.demo import DEMO_NOTICE, demo_osm_path, demo_sites_path
from tourplanner.directions import tour_directions
from tourplanner.errors import TourplannerError
from tourplanner.export import (
    itinerary_html,
    itinerary_markdown,
    tour_to_geojson,
    tour_to_gpx,
    write_geojson,
    write_text,
)
from tourplanner.graph import MAX_AREA_KM2, load_graph, study_area, study_area_from_bbox
from tourplanner.maps import format_minutes, resolve_tiles, tour_map, write_map
from tourplanner.planner import check_site_ids, plan_tour
from tourplanner.routing import DEFAULT_MAX_SNAP_M
from tourplanner.sites import bundled_catalogue_path, load_sites, sites_from_records
from tourplanner.tour import Tour

__all__ = ["main"]

logger = logging.getLogger("tourplanner")
_ITINERARY_TYPES = {
    ".md": itinerary_markdown,
    ".markdown": itinerary_markdown,
    ".html": itinerary_html,
    ".htm": itinerary_html,
}
EXIT_USAGE = 2
_BUREAU_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {}


class _UsageError(TourplannerError):
    """A malformed command-line option."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_shell.one_line(message)} (see --help)\n")


def _ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        msg = f"no site ids in {text!r}: give ids separated by commas"
        raise argparse.ArgumentTypeError(msg)
    return ids


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"walking speed {text!r} is not a number: give km/h, e.g. 4.5"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0.5 <= value <= 15.0:  # NaN fails too
        msg = f"walking speed {value:g} km/h is implausible: give 0.5-15 km/h"
        raise argparse.ArgumentTypeError(msg)
    return value


def _time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        msg = f"time {text!r} is not HH:MM: give e.g. 09:30"
        raise argparse.ArgumentTypeError(msg) from None


_POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")


def _point(text: str) -> str | tuple[float, float]:
    match = _POINT.match(text)
    if match is None:
        return text.strip()
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"point {text!r} is not LAT,LON in degrees: give e.g. 41.7917,123.3646"
        raise argparse.ArgumentTypeError(msg)
    return (lat, lon)


def _duration(text: str) -> dt.timedelta:
    match = _DURATION.match(text)
    if match is None or not (match.group(1) or match.group(2)):
        msg = f"duration {text!r} is not like 4h, 90m or 2h30m"
        raise argparse.ArgumentTypeError(msg)
    hours = float(match.group(1) or 0)
    minutes = int(match.group(2) or 0) if len(match.group(2) or "") <= 6 else 10**6
    duration = (
        dt.timedelta(days=2)
        if hours > 24 or minutes > 24 * 60
        else dt.timedelta(hours=hours, minutes=minutes)
    )
    if not dt.timedelta(0) < duration <= dt.timedelta(hours=24):
        msg = f"duration {text!r} is not from 1 min to 24 h: give e.g. 4h"
        raise argparse.ArgumentTypeError(msg)
    return duration


_MAX_DAYS = 14
_MAX_SEED = 2**32 - 1
_DATES = (dt.date(1970, 1, 1), dt.date(2100, 12, 31))


def _whole(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"[+-]?\d{1,12}", text) else None


def _days(text: str) -> int:
    value = _whole(text)
    if value is None or not 1 <= value <= _MAX_DAYS:
        msg = f"--days {text[:20]!r} is not a whole number from 1 to {_MAX_DAYS}: give e.g. 2"
        raise argparse.ArgumentTypeError(msg)
    return value


def _seed(text: str) -> int:
    value = _whole(text)
    if value is None or not 0 <= value <= _MAX_SEED:
        msg = f"--seed {text[:20]!r} is not a whole number from 0 to {_MAX_SEED}: give e.g. 7"
        raise argparse.ArgumentTypeError(msg)
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        msg = f"time limit {text[:20]!r} is not from 0 to 3600 seconds: give e.g. 5"
        raise argparse.ArgumentTypeError(msg)
    return value


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        msg = f"date {text[:20]!r} is not YYYY-MM-DD: give e.g. 2026-05-01"
        raise argparse.ArgumentTypeError(msg) from None
    if not _DATES[0] <= day <= _DATES[1]:
        msg = f"date {text} is not between {_DATES[0]} and {_DATES[1]}: give a date in that range"
        raise argparse.ArgumentTypeError(msg)
    return day


def _bbox(text: str) -> Polygon:
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        msg = f"bounding box {text!r} is not WEST,SOUTH,EAST,NORTH: give four numbers"
        raise argparse.ArgumentTypeError(msg) from None
    try:
        return study_area_from_bbox(west, south, east, north)
    except TourplannerError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _metres(maximum: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 < value <= maximum:
            msg = f"{text[:20]!r} is not a number of metres from 0 to {maximum:g}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def _km2(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1e6:
        msg = f"{text[:20]!r} is not an area from 0 to 1000000 km²"
        raise argparse.ArgumentTypeError(msg)
    return value


def _add_network_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("street network")
    group.add_argument(
        "--osm-file",
        type=Path,
        metavar="FILE",
        help="local OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2) instead of downloading",
    )
    area = group.add_mutually_exclusive_group()
    area.add_argument(
        "--bbox", type=_bbox, metavar="W,S,E,N", help="study area as a WGS-84 bounding box"
    )
    area.add_argument(
        "--area", type=Path, metavar="FILE", help="study area as a GeoJSON polygon file"
    )
    group.add_argument(
        "--margin-m",
        type=_metres(20_000.0),
        default=500.0,
        metavar="M",
        help="margin around the sites when no area is given (default 500 m, at most 20 km)",
    )
    group.add_argument(
        "--max-area-km2",
        type=_km2,
        default=MAX_AREA_KM2,
        metavar="KM2",
        help=f"largest study area accepted, checked before any download (default {MAX_AREA_KM2:g})",
    )
    group.add_argument(
        "--speed-kmh",
        type=_speed,
        default=settings.DEFAULT_WALKING_SPEED_KMH,
        metavar="X",
        help=f"walking speed (default {settings.DEFAULT_WALKING_SPEED_KMH} km/h)",
    )
    group.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    group.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help=f"cache folder (default {settings.cache_dir()}, or $TOURPLANNER_CACHE_DIR)",
    )
    group.add_argument(
        "--max-snap-m",
        type=_metres(5_000.0),
        default=DEFAULT_MAX_SNAP_M,
        metavar="M",
        help="sites farther than this from any street are skipped (default 300 m)",
    )


def _add_tour_options(parser: argparse.ArgumentParser, *, default_output: str) -> None:
    parser.add_argument(
        "--stops", type=_ids, metavar="ID,...", help="your stops in your order (only checked)"
    )
    parser.add_argument("--start", type=_point, metavar="ID|LAT,LON", help="where each day starts")
    parser.add_argument("--end", type=_point, metavar="ID|LAT,LON", help="where each day ends")
    parser.add_argument("--round-trip", action="store_true", help="end each day where it started")
    parser.add_argument(
        "--days", type=_days, default=1, metavar="N", help="number of days, 1-14 (default 1)"
    )
    parser.add_argument("--must", type=_ids, default=[], metavar="ID,...", help="must-visit sites")
    parser.add_argument(
        "--exclude", type=_ids, default=[], metavar="ID,...", help="sites not to visit"
    )
    until = parser.add_mutually_exclusive_group()
    until.add_argument(
        "--end-time", type=_time, metavar="HH:MM", help="latest end of each day (default 18:00)"
    )
    until.add_argument(
        "--budget", type=_duration, metavar="DURATION", help="time available per day, e.g. 4h, 90m"
    )
    parser.add_argument(
        "--seed", type=_seed, default=0, help=f"optimiser seed, 0-{_MAX_SEED} (default 0)"
    )
    parser.add_argument(
        "--time-limit",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="optimiser time limit (default 5 s)",
    )
    parser.add_argument(
        "--date", type=_date, metavar="YYYY-MM-DD", help="day of the tour (default today)"
    )
    parser.add_argument(
        "--start-time",
        type=_time,
        default=dt.time(9, 0),
        metavar="HH:MM",
        help="arrival at the first stop (default 09:00)",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path(default_output),
        metavar="FILE",
        help=f"HTML map to write (default {default_output})",
    )
    parser.add_argument(
        "--geojson", type=Path, metavar="FILE", help="also write the tour as GeoJSON"
    )
    parser.add_argument("--gpx", type=Path, metavar="FILE", help="also write GPX 1.1 for a phone")
    parser.add_argument(
        "--itinerary",
        type=Path,
        metavar="FILE",
        help="also write a printable itinerary (.md for Markdown, .html for HTML)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="self-contained HTML: no network needed, streets drawn instead of tiles",
    )
    parser.add_argument(
        "--tiles",
        default="OpenStreetMap.Mapnik",
        metavar="PROVIDER",
        help="xyzservices tile provider (default OpenStreetMap.Mapnik; 'Gaode.Normal' shifts "
        "the drawing to GCJ-02)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace output files tourplanner did not write"
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tourplanner",
        description="Walking tours through Tiexi District's industrial heritage, on real streets.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    sites = commands.add_parser("sites", help="list the site catalogue")
    sites.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")

    plan = commands.add_parser("plan", help="plan a walking tour and write its map")
    plan.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")
    _add_network_options(plan)
    _add_tour_options(plan, default_output="tour.html")

    demo = commands.add_parser(
        "demo", help="offline demo on real OpenStreetMap data of central Helsinki (not Tiexi)"
    )
    _add_tour_options(demo, default_output="demo.html")
    demo.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")

    from tourplanner.cli_bureau import add_parsers  # noqa: PLC0415 - it imports this module

    _BUREAU_HANDLERS.update(add_parsers(commands))
    return parser


def _configure_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_shell.safe_formatter("tourplanner: %(message)s"))
    root = logging.getLogger("tourplanner")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if quiet else logging.INFO)
    root.propagate = False


def _sites_table(sites: gpd.GeoDataFrame) -> str:
    table = pd.DataFrame(
        {
            "id": sites.index,
            "name": sites["name"].to_numpy(),
            "name_zh": sites["name_zh"].to_numpy(),
            "category": sites["category"].to_numpy(),
            "score": sites["score"].map("{:.0f}".format).to_numpy(),
            "visit": sites["visit_minutes"].map("{:.0f} min".format).to_numpy(),
            "lat": sites.geometry.y.map("{:.5f}".format).to_numpy(),
            "lon": sites.geometry.x.map("{:.5f}".format).to_numpy(),
            "±m": sites["position_accuracy_m"]
            .map(lambda v: "?" if pd.isna(v) else f"{v:.0f}")
            .to_numpy(),
            "hours": sites["opening_hours"]
            .map(lambda v: v if isinstance(v, str) else "-")
            .to_numpy(),
        }
    )
    return table.to_string(index=False)


def _cmd_sites(args: argparse.Namespace) -> int:
    sites = load_sites(args.sites or bundled_catalogue_path())
    print(terminal_lines(_sites_table(sites)))
    print(f"\n{len(sites)} sites; coordinates in WGS-84; ±m is the stated position accuracy.")
    return 0


def terminal_lines(text: str) -> str:
    """Return ``text`` with each line stripped of control and escape characters."""
    return "\n".join(terminal_text(line) for line in text.split("\n"))


def _area_from_file(path: Path) -> Polygon:
    fix = "give a GeoJSON Polygon in WGS-84 degrees"
    doc = load_json(path, what="study area", error=_UsageError, fix=fix, limit=16 * 1024 * 1024)
    try:
        geometry = doc
        if doc.get("type") == "FeatureCollection":
            geometry = doc["features"][0]["geometry"]
        elif doc.get("type") == "Feature":
            geometry = doc["geometry"]
        area = shape(geometry)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        msg = f"study area {path} is not a readable GeoJSON polygon ({type(exc).__name__}): {fix}"
        raise _UsageError(msg) from None
    except Exception as exc:  # shapely/GEOS on malformed rings
        msg = f"study area {path} is not a valid polygon ({type(exc).__name__}): {fix}"
        raise _UsageError(msg) from None
    if area.geom_type not in {"Polygon", "MultiPolygon"} or area.is_empty:
        msg = f"study area {path} is a {area.geom_type}, not a polygon: give a Polygon"
        raise _UsageError(msg)
    west, south, east, north = area.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        msg = f"study area {path} is not within -180..180, -90..90 degrees: {fix}"
        raise _UsageError(msg)
    return area


def _start_datetime(args: argparse.Namespace) -> dt.datetime:
    day = args.date or dt.date.today()
    return dt.datetime.combine(day, args.start_time)


def _end_datetime(args: argparse.Namespace, start: dt.datetime) -> dt.datetime | None:
    if args.budget is not None:
        return start + cast("dt.timedelta", args.budget)
    if args.end_time is not None:
        return dt.datetime.combine(start.date(), args.end_time)
    return None


def _with_points(
    sites: gpd.GeoDataFrame, args: argparse.Namespace
) -> tuple[gpd.GeoDataFrame, str | None, str | None]:
    """Add ``--start``/``--end`` coordinates to the catalogue as waypoints; return their ids."""
    ids: list[str | None] = []
    records = []
    for what in ("start", "end"):
        value = getattr(args, what)
        if isinstance(value, tuple):
            lat, lon = value
            site_id = f"{what}_point"
            records.append(
                {
                    "id": site_id,
                    "name": f"{what.title()} ({lat:.5f}, {lon:.5f})",
                    "category": "waypoint",
                    "lat": lat,
                    "lon": lon,
                    "visit_minutes": 0,
                    "score": 0,
                    "source": f"--{what} on the command line",
                }
            )
            ids.append(site_id)
        else:
            ids.append(value)
    if records:
        extra = sites_from_records(records, origin="the command line")
        sites = cast("gpd.GeoDataFrame", pd.concat([sites, extra]))
    return sites, ids[0], ids[1]


def _summary(tour: Tour) -> str:
    lines = [
        f"{stop.order:>2}. {stop.arrival:%H:%M}-{stop.departure:%H:%M}  {stop.name}"
        + (f" ({stop.name_zh})" if stop.name_zh else "")
        for stop in tour.stops
    ]
    lines.append(
        f"{len(tour.stops)} stops, {tour.distance_m / 1000:.2f} km, "
        f"{format_minutes(tour.walking_s)} walking, {tour.start:%H:%M}-{tour.end:%H:%M}"
    )
    return "\n".join(lines)


def _plan_and_write(
    args: argparse.Namespace,
    *,
    sites_path: Path,
    osm_file: Path | None,
    area: Polygon | None,
    title: str,
    notice: str | None,
) -> int:
    # check every output before any work, so a bad path costs nothing and writes nothing
    outputs = [args.output, args.geojson, args.gpx, args.itinerary]
    given = [p for p in outputs if p is not None]
    inputs = [sites_path, osm_file, getattr(args, "area", None)]
    for path in given:
        check_output_path(path, force=args.force, inputs=[p for p in inputs if p is not None])
    resolved = [p.resolve() for p in given]
    if len(set(resolved)) != len(resolved):
        msg = "two outputs name the same file: give each output its own name"
        raise _UsageError(msg)
    if args.itinerary is not None and args.itinerary.suffix.lower() not in _ITINERARY_TYPES:
        msg = f"itinerary {args.itinerary} must end in .md or .html: choose one of those"
        raise _UsageError(msg)
    resolve_tiles(args.tiles, offline=args.offline)
    sites, start, end = _with_points(load_sites(sites_path), args)
    for what, ids in (
        ("stop", args.stops or []),
        ("must-visit", args.must),
        ("excluded", args.exclude),
        ("start/end", [p for p in (start, end) if p]),
    ):
        check_site_ids(sites, ids, what=what)
    start_time = _start_datetime(args)
    end_time = _end_datetime(args, start_time)
    if end_time is not None and end_time <= start_time:
        msg = (
            f"the end time {end_time:%H:%M} is not after the start time {start_time:%H:%M}: "
            "give a later --end-time or a --budget"
        )
        raise _UsageError(msg)
    if area is None:
        area = study_area(sites, margin_m=getattr(args, "margin_m", 500.0))
    graph = load_graph(
        area,
        osm_file=osm_file,
        speed_kmh=getattr(args, "speed_kmh", settings.DEFAULT_WALKING_SPEED_KMH),
        use_cache=not args.no_cache,
        cache_folder=getattr(args, "cache_dir", None),
        max_area_km2=getattr(args, "max_area_km2", MAX_AREA_KM2),
    )
    logger.info(
        "Walking network: %d nodes, %d edges", graph.number_of_nodes(), graph.number_of_edges()
    )
    plan = plan_tour(
        graph,
        sites,
        stops=args.stops,
        start=start,
        end=end,
        round_trip=args.round_trip,
        days=args.days,
        must=args.must,
        exclude=args.exclude,
        start_time=start_time,
        end_time=end_time,
        seed=args.seed,
        time_limit=args.time_limit,
        max_snap_m=getattr(args, "max_snap_m", DEFAULT_MAX_SNAP_M),
    )
    steps = tour_directions(graph, plan.tour.legs)
    fmap = tour_map(
        plan.tour,
        sites,
        title=title,
        notice=notice,
        tiles=args.tiles,
        offline=args.offline,
        graph=graph,
        directions=dict(enumerate(steps)),
    )
    with output_transaction():  # all outputs or none
        write_map(fmap, args.output, force=args.force)
        if args.geojson is not None:
            document = tour_to_geojson(plan.tour, title=title, directions=steps)
            write_geojson(document, args.geojson, force=args.force)
        if args.gpx is not None:
            write_text(tour_to_gpx(plan.tour, title=title), args.gpx, force=args.force)
        if args.itinerary is not None:
            render = _ITINERARY_TYPES[args.itinerary.suffix.lower()]
            write_text(
                render(plan.tour, title=title, directions=steps), args.itinerary, force=args.force
            )
    print(terminal_lines(_summary(plan.tour)))
    print(terminal_text("Written: " + ", ".join(str(p) for p in given)))
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    area = args.bbox if args.bbox is not None else None
    if args.area is not None:
        area = _area_from_file(args.area)
    return _plan_and_write(
        args,
        sites_path=args.sites or bundled_catalogue_path(),
        osm_file=args.osm_file,
        area=area,
        title="Tiexi industrial heritage walk" if args.sites is None else "Walking tour",
        notice=None,
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    print(DEMO_NOTICE)
    return _plan_and_write(
        args,
        sites_path=demo_sites_path(),
        osm_file=demo_osm_path(),
        area=None,
        title="Demo: central Helsinki museums and monuments",
        notice=DEMO_NOTICE,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 for ``audit``'s "something flagged", 2 on a
        usage or input error, 3 on an internal error (``--debug`` shows it),
        130 on Ctrl-C, 143 on SIGTERM.
    """
    arguments = _joined_points(list(sys.argv[1:] if argv is None else argv))
    return _shell.run(lambda: _run(arguments), debug=_shell.debug_requested(arguments))


def _joined_points(argv: list[str]) -> list[str]:
    """Join ``--start -33.9,18.4`` into ``--start=-33.9,18.4`` (argparse takes it for an option)."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        if (
            i > 0
            and argv[i - 1] in {"--start", "--end"}
            and arg.startswith("-")
            and _POINT.match(arg)
        ):
            out[-1] = f"{argv[i - 1]}={arg}"
        else:
            out.append(arg)
    return out


def _run(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.quiet)
    handlers = {"sites": _cmd_sites, "plan": _cmd_plan, "demo": _cmd_demo, **_BUREAU_HANDLERS}
    return handlers[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
