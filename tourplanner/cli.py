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
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, cast

import geopandas as gpd
import pandas as pd
from shapely import Polygon
from shapely.geometry import shape

from tourplanner import __version__, settings
from tourplanner._cliargs import (
    MAX_SEED,
    POINT_PATTERN,
    TIME_FORMS,
    add_global_options,
    check_global_options,
    parse_bbox,
    parse_date,
    parse_days,
    parse_duration,
    parse_ids,
    parse_km,
    parse_km2,
    parse_metres,
    parse_point,
    parse_positive,
    parse_seconds,
    parse_seed,
    parse_speed,
    parse_time,
)
from tourplanner._input import load_json
from tourplanner._io import check_output_path, output_transaction
from tourplanner._terminal import configure_logging, plural, render_table, step, tour_summary
from tourplanner._text import terminal_text
from tourplanner.areas import named_areas_for_graph
from tourplanner.demo import DEMO_NOTICE, demo_osm_path, demo_sites_path
from tourplanner.directions import leg_destinations, tour_directions
from tourplanner.errors import TourplannerError
from tourplanner.export import (
    itinerary_html,
    itinerary_markdown,
    tour_to_geojson,
    tour_to_gpx,
    write_geojson,
    write_text,
)
from tourplanner.graph import MAX_AREA_KM2, load_network, study_area
from tourplanner.maps import resolve_tiles, tour_map, write_map
from tourplanner.people import PACES, PROFILES, check_request, parse_interests, parse_lunch
from tourplanner.planner import check_site_ids, plan_tour
from tourplanner.routing import DEFAULT_MAX_SNAP_M
from tourplanner.sites import bundled_catalogue_path, load_sites, sites_from_records

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


_ids = parse_ids
_speed = parse_speed
_time = parse_time
_point = parse_point
_duration = parse_duration
_days = parse_days
_seconds = parse_seconds
_date = parse_date
_bbox = parse_bbox
_positive = parse_positive
_seed = parse_seed
_metres = parse_metres
_km2 = parse_km2
_MAX_SEED = MAX_SEED


_MARGIN_HELP = "margin around the sites when no area is given (default 500 m, at most 20 km)"


def _add_network_options(
    parser: argparse.ArgumentParser,
    *,
    margin_help: str = _MARGIN_HELP,
) -> None:
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
        help=margin_help,
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
    parser.add_argument(
        "--start",
        type=_point,
        metavar="ID|LAT,LON",
        help="where each day starts (default: your first stop, or the station nearest on foot "
        "to the best site)",
    )
    parser.add_argument(
        "--end",
        type=_point,
        metavar="ID|LAT,LON",
        help="where each day ends (default: at the last visit)",
    )
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
        "--end-time",
        type=_time,
        metavar="HH:MM",
        help="latest end of each day, e.g. 18:00 or 6pm (default: the later of 18:00 and "
        "--start-time + 9 h)",
    )
    until.add_argument(
        "--budget",
        type=_duration,
        metavar="DURATION",
        help="time available per day from --start-time instead of --end-time, e.g. 4h, 4h30, 270m",
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
        help=f"arrival at the first stop of each day: {TIME_FORMS} (default 09:00)",
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
        metavar="PROVIDER",
        help="xyzservices tile provider (default OpenStreetMap.Mapnik; 'Gaode.Normal' shifts "
        "the drawing to GCJ-02); not with --offline, which draws streets instead of tiles",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace output files tourplanner did not write"
    )
    # issue 8: planning for people
    people = parser.add_argument_group("preferences")
    people.add_argument(
        "--interests",
        type=_interests,
        metavar="CAT=W,...|PROFILE",
        help=f"weight scores by category, e.g. museum=2,heritage=0.5, or {'/'.join(PROFILES)}",
    )
    people.add_argument(
        "--pace", choices=list(PACES), default="normal", help="walking and visiting pace"
    )
    people.add_argument(
        "--variety",
        type=_share,
        default=0.7,
        metavar="X",
        help="worth of the 2nd site of one category in a day (3rd: X*X...; 1: off; default 0.7)",
    )
    people.add_argument(
        "--max-walk-km", type=parse_km, metavar="KM", help="most walking per day, in km (0-100)"
    )
    people.add_argument(
        "--lunch",
        type=_lunch,
        metavar="HH:MM-HH:MM/MIN",
        help="daily meal break, e.g. 12:00-13:30/45 (at a market when one fits)",
    )


def _interests(text: str) -> dict[str, float]:
    try:
        return parse_interests(text)
    except TourplannerError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _lunch(text: str) -> tuple[float, float, float]:
    try:
        return parse_lunch(text)
    except TourplannerError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 < value <= 1.0:
        msg = f"{text!r} is not a number in (0, 1]: give e.g. 0.7, or 1 for no discount"
        raise argparse.ArgumentTypeError(msg)
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tourplanner",
        description="Walking tours through Tiexi District's industrial heritage, on real streets.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    sites = commands.add_parser("sites", help="list the site catalogue")
    sites.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")

    plan = commands.add_parser("plan", help="plan a walking tour and write its map")
    plan.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")
    _add_network_options(plan)
    _add_tour_options(plan, default_output="tour.html")
    from tourplanner.cli_sync import add_osm_positions_option  # noqa: PLC0415

    add_osm_positions_option(plan)

    demo = commands.add_parser(
        "demo", help="offline demo on real OpenStreetMap data of central Helsinki (not Tiexi)"
    )
    _add_tour_options(demo, default_output="demo.html")
    demo.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    add_osm_positions_option(demo)
    demo.add_argument(
        "--online", action="store_true", help="use map tiles instead of a self-contained map"
    )

    from tourplanner.cli_bureau import add_parsers  # noqa: PLC0415 - it imports this module

    _BUREAU_HANDLERS.update(add_parsers(commands))
    from tourplanner.cli_sync import add_parsers as add_sync_parser  # noqa: PLC0415

    _BUREAU_HANDLERS.update(add_sync_parser(commands))
    add_global_options(parser, commands.choices.values())
    return parser


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
    return render_table(table.set_index("id"))


def _cmd_sites(args: argparse.Namespace) -> int:
    sites = load_sites(args.sites or bundled_catalogue_path())
    print(terminal_lines(_sites_table(sites)))
    accuracy = "±m is the stated position accuracy"
    print(f"\n{plural(len(sites), 'site')}; coordinates in WGS-84; {accuracy}.")
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
    resolve_tiles(args.tiles or "OpenStreetMap.Mapnik", offline=args.offline)
    if args.offline and args.tiles is not None:
        msg = f"--tiles {args.tiles} has no effect with --offline (it draws the streets): drop one"
        raise _UsageError(msg)
    args.tiles = args.tiles or "OpenStreetMap.Mapnik"
    sites, start, end = _with_points(load_sites(sites_path), args)
    for what, ids in (
        ("stop", args.stops or []),
        ("must-visit", args.must),
        ("excluded", args.exclude),
        ("start/end", [p for p in (start, end) if p]),
    ):
        check_site_ids(sites, ids, what=what)
    check_request(  # conflicting options fail before any network or file work
        stops=args.stops,
        must=args.must,
        exclude=args.exclude,
        days=args.days,
        start=start,
        end=end,
        round_trip=args.round_trip,
        interests=args.interests,
        lunch=args.lunch,
        max_walk_km=args.max_walk_km,
    )
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
    if notice:
        print(notice)
    with step("loading the street network"):
        network = load_network(
            area,
            osm_file=osm_file,
            speed_kmh=getattr(args, "speed_kmh", settings.DEFAULT_WALKING_SPEED_KMH),
            use_cache=not args.no_cache,
            cache_folder=getattr(args, "cache_dir", None),
            max_area_km2=getattr(args, "max_area_km2", MAX_AREA_KM2),
        )
    logger.info("Walking network: %d nodes, %d edges", network.n_nodes, network.n_edges)
    from tourplanner.cli_sync import osm_positioned  # noqa: PLC0415

    sites, positions = osm_positioned(args, sites, area, osm_file)
    with step("checking your stops" if args.stops else f"planning (up to {args.time_limit:g} s)"):
        plan = plan_tour(
            network,
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
            interests=args.interests,
            pace=args.pace,
            variety=args.variety,
            max_walk_km=args.max_walk_km,
            lunch=args.lunch,
        )
    ends = [stop.position for stop in leg_destinations(plan.tour)]
    graph = network.graph
    areas = named_areas_for_graph(osm_file, graph) if osm_file is not None else ()
    steps = tour_directions(graph, plan.tour.legs, destinations=ends, areas=areas)
    fmap = tour_map(
        plan.tour,
        sites,
        title=title,
        notice=" ".join(n for n in (notice, positions) if n) or None,
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
            gpx = tour_to_gpx(plan.tour, title=title, directions=steps)
            write_text(gpx, args.gpx, force=args.force)
        if args.itinerary is not None:
            render = _ITINERARY_TYPES[args.itinerary.suffix.lower()]
            itinerary = render(plan.tour, title=title, directions=steps, notice=positions or None)
            write_text(itinerary, args.itinerary, force=args.force)
    print(terminal_lines(tour_summary(plan.tour)))
    if positions:
        print(terminal_text(positions))
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
    if args.online and args.offline:
        msg = "--online and --offline contradict each other: give one (the demo is offline)"
        raise _UsageError(msg)
    args.offline = not args.online  # the demo is the path for people without internet
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
            and POINT_PATTERN.match(arg)
        ):
            out[-1] = f"{argv[i - 1]}={arg}"
        else:
            out.append(arg)
    return out


def _run(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {"sites": _cmd_sites, "plan": _cmd_plan, "demo": _cmd_demo, **_BUREAU_HANDLERS}
    check_global_options(args)
    configure_logging(quiet=args.quiet, verbose=args.verbose, debug=args.debug)
    return handlers[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
