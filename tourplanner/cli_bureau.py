"""The tourism bureau's commands: ``catchments``, ``coverage``, ``compare``, ``audit``.

Registered on the main parser by :mod:`tourplanner.cli`; like ``plan``, each
command that needs streets takes ``--sites`` and ``--osm-file`` (the bundled
catalogue and an Overpass download by default).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from tourplanner._cliargs import parse_minutes_list, parse_positive_minutes
from tourplanner._io import output_transaction
from tourplanner._terminal import (
    merged_lines,
    plural,
    progress_bar,
    render_table,
    terminal_width,
    wrap,
)
from tourplanner._text import csv_frame
from tourplanner.bureau_maps import catchments_map, compare_map, coverage_map
from tourplanner.cli import _add_network_options, _area_from_file, _ids, _UsageError
from tourplanner.errors import NetworkDataError, TourError
from tourplanner.graph import load_network, study_area
from tourplanner.maps import write_map
from tourplanner.routing import WalkingNetwork, snap_sites
from tourplanner.sites import bundled_catalogue_path, load_sites

__all__ = ["add_parsers"]

logger = logging.getLogger("tourplanner")
Handler = Callable[[argparse.Namespace], int]


_minutes_list = parse_minutes_list
_positive_minutes = parse_positive_minutes


def _check_outputs(args: argparse.Namespace, *names: str) -> None:
    from tourplanner._io import check_output_path  # noqa: PLC0415

    given = [getattr(args, n) for n in names if getattr(args, n, None) is not None]
    inputs = [getattr(args, n, None) for n in ("sites", "osm_file", "area")]
    inputs = [p for p in inputs if p is not None] + list(getattr(args, "tours", []))
    for path in given:
        check_output_path(path, force=args.force, inputs=inputs)
    if len({p.resolve() for p in given}) != len(given):
        msg = "two outputs name the same file: give each output its own name"
        raise _UsageError(msg)


def _sites_and_network(args: argparse.Namespace) -> tuple[gpd.GeoDataFrame, WalkingNetwork]:
    sites = load_sites(args.sites or bundled_catalogue_path())
    area = args.bbox
    if args.area is not None:
        area = _area_from_file(args.area)
    if area is None:
        area = study_area(sites, margin_m=args.margin_m)
    network = load_network(
        area,
        osm_file=args.osm_file,
        speed_kmh=args.speed_kmh,
        use_cache=not args.no_cache,
        cache_folder=args.cache_dir,
        max_area_km2=args.max_area_km2,
    )
    from tourplanner.cli_sync import osm_positioned  # noqa: PLC0415

    sites, _ = osm_positioned(args, sites, area, args.osm_file)
    return sites, network


def _write_csv(frame: pd.DataFrame, path: Path | None, *, force: bool) -> None:
    if path is None:
        return
    from tourplanner.export import write_text  # noqa: PLC0415

    write_text(csv_frame(frame).to_csv(), path, force=force)


def _write_json(frame: pd.DataFrame, path: Path | None, *, force: bool) -> None:
    if path is None:
        return
    from tourplanner.export import write_text  # noqa: PLC0415

    records = frame.reset_index().to_json(orient="records", force_ascii=False, indent=1)
    write_text(f'{{"generator": "tourplanner", "rows": {records}}}\n', path, force=force)


def _cmd_catchments(args: argparse.Namespace) -> int:
    from tourplanner.catchments import catchments, margin_for  # noqa: PLC0415

    _check_outputs(args, "output", "geojson")
    if args.margin_m is None:  # hold the longest walk from any site
        args.margin_m = margin_for(args.minutes, speed_kmh=args.speed_kmh)
    sites, network = _sites_and_network(args)
    if args.origins == ["station"]:
        origins = [str(i) for i in sites.index[sites["category"] == "station"]]
        if not origins:
            msg = "the catalogue has no stations: give origin ids with --from"
            raise TourError(msg)
    else:
        origins = list(args.origins)
        unknown = [o for o in origins if o not in sites.index]
        if unknown:
            msg = f"unknown origin id {unknown[0]!r}: run 'tourplanner sites' to list the ids"
            raise TourError(msg)
    snapping = snap_sites(network, sites.loc[origins], max_distance_m=args.max_snap_m)
    on_network = [o for o in origins if o in snapping.site_ids]
    with progress_bar(len(on_network), "catchments", "origin") as bar:
        result = catchments(
            network,
            snapping,
            on_network,
            args.minutes,
            progress=lambda done, total: bar.update(done - bar.n),
        )
    table = result.drop(columns="geometry")
    print(render_table(table, index=False, float_format=lambda v: f"{v:.2f}"))
    fmap = catchments_map(result, sites, offline=args.offline, graph=network)
    with output_transaction():
        write_map(fmap, args.output, force=args.force)
        if args.geojson is not None:
            from tourplanner.export import write_text  # noqa: PLC0415

            text = result.to_json(drop_id=True)
            write_text(
                text.replace("{", '{"generator": "tourplanner", ', 1),
                args.geojson,
                force=args.force,
            )
    print(f"Written: {args.output}" + (f", {args.geojson}" if args.geojson else ""))
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    from tourplanner.catchments import coverage  # noqa: PLC0415

    _check_outputs(args, "output", "csv", "json")
    sites, network = _sites_and_network(args)
    snapping = snap_sites(network, sites, max_distance_m=args.max_snap_m)
    for off in snapping.off_network:
        logger.warning("%s (%s) is off the walking network", off.site_id, off.name)
    table = coverage(snapping, sites, graph=network, limit_minutes=args.limit_minutes)
    print(render_table(table, float_format=lambda v: f"{v:.1f}"))
    outside = table[~table["within_limit"]]
    verb = "is" if len(outside) == 1 else "are"
    print()
    summary = (
        f"{len(outside)} of {plural(len(table), 'site')} {verb} more than "
        f"{args.limit_minutes:g} min on foot from any station"
        + (": " + ", ".join(outside.index) if len(outside) else ".")
    )
    print("\n".join(wrap(summary, terminal_width())))
    fmap = coverage_map(
        table,
        sites,
        limit_minutes=args.limit_minutes,
        offline=args.offline,
        graph=network,
    )
    with output_transaction():
        write_map(fmap, args.output, force=args.force)
        _write_csv(table, args.csv, force=args.force)
        _write_json(table, args.json, force=args.force)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from tourplanner.compare import (  # noqa: PLC0415
        comparison_table,
        read_tour,
        summarise,
    )

    _check_outputs(args, "output", "csv", "json")
    if len(args.tours) < 2:
        msg = "compare needs at least two tours: give two or more GeoJSON files from plan"
        raise _UsageError(msg)
    docs = [read_tour(path) for path in args.tours]
    labels = [path.stem for path in args.tours]
    if len(set(labels)) != len(labels):
        labels = [str(path) for path in args.tours]
    table = comparison_table(
        [summarise(doc, label) for doc, label in zip(docs, labels, strict=True)]
    )
    print(render_table(table.drop(index="sites")))
    for label, visits in zip(
        table.columns, list(table.iloc[table.index.get_loc("sites")]), strict=True
    ):
        print("\n".join(wrap(f"{label}: {visits!s}", terminal_width())))
    fmap = compare_map(docs, labels, table, offline=args.offline)
    with output_transaction():
        write_map(fmap, args.output, force=args.force)
        _write_csv(table, args.csv, force=args.force)
        _write_json(table.T.rename_axis("tour"), args.json, force=args.force)
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from tourplanner.audit import (  # noqa: PLC0415
        audit,
        missing_from_catalogue,
        osm_features_from_file,
        osm_features_from_overpass,
    )

    _check_outputs(args, "csv", "json")
    sites = load_sites(args.sites or bundled_catalogue_path())
    area = _area_from_file(args.area) if args.area is not None else args.bbox
    if area is None:
        area = study_area(sites, margin_m=args.margin_m)
    try:
        if args.osm_file is not None:
            features = osm_features_from_file(args.osm_file, area)
        else:
            features = osm_features_from_overpass(area, cache_folder=args.cache_dir)
    except NetworkDataError as exc:
        msg = f"the audit has no OpenStreetMap source: {exc}"
        raise NetworkDataError(msg) from None
    snapping: Any = None
    try:
        network = load_network(
            area,
            osm_file=args.osm_file,
            use_cache=not args.no_cache,
            cache_folder=args.cache_dir,
            max_area_km2=args.max_area_km2,
        )
        snapping = snap_sites(network, sites, max_distance_m=args.max_snap_m)
    except TourError:
        raise
    except Exception as exc:
        logger.warning("No street network for the audit (%s): skipping the street check", exc)
    report = audit(sites, features, snapping=snapping)
    columns = ["name", "osm_name", "distance_m", "flagged", "note"]
    print(render_table(report[columns], float_format=lambda v: f"{v:.0f}"))
    flagged = report[report["flagged"]]
    summary = f"{len(flagged)} of {plural(len(report), 'site')} flagged" + (
        ": " + ", ".join(f"{i} ({report.loc[i, 'name']})" for i in flagged.index)
        if len(flagged)
        else "."
    )
    print("\n" + "\n".join(wrap(summary, terminal_width())))
    missing = missing_from_catalogue(report, features)
    if len(missing):
        listed = merged_lines(
            [f"{n} ({k})" for n, k in zip(missing["name"], missing["kind"], strict=True)]
        )
        print(f"\nIn OpenStreetMap but not in the catalogue ({plural(len(listed), 'feature')}):")
        for line in listed:
            print("\n".join(wrap(f"  {line}", terminal_width())))
    with output_transaction():
        _write_csv(report, args.csv, force=args.force)
        _write_json(report.drop(columns="geometry", errors="ignore"), args.json, force=args.force)
    return 1 if len(flagged) else 0


def _add_offline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--offline",
        action="store_true",
        help="self-contained HTML: no network needed, streets drawn instead of tiles",
    )


def add_parsers(commands: Any) -> dict[str, Handler]:
    """Add the bureau's commands to ``commands``; return their handlers.

    Parameters
    ----------
    commands
        The subparsers action of the main parser.

    Returns
    -------
    dict
        Command name -> handler.
    """
    catch = commands.add_parser(
        "catchments", help="areas within a walk of stations or sites (network isochrones)"
    )
    catch.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")
    _add_network_options(
        catch,
        margin_help=(
            "margin around the sites when no area is given, at most 20 km; by default "
            "the longest walk plus 125 m or more, at least 500 m"
        ),
    )
    catch.set_defaults(margin_m=None)  # then margin_for(--minutes)
    from tourplanner.cli_sync import add_osm_positions_option  # noqa: PLC0415

    add_osm_positions_option(catch)
    catch.add_argument(
        "--from",
        dest="origins",
        type=_ids,
        default=["station"],
        metavar="station|ID,...",
        help="origins: 'station' (all metro stations, the default) or site ids",
    )
    catch.add_argument(
        "--minutes",
        type=_minutes_list,
        default=[5.0, 10.0, 15.0],
        metavar="M,...",
        help="walking minutes (default 5,10,15)",
    )
    catch.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("catchments.html"),
        metavar="FILE",
        help="HTML map of the catchments to write (default catchments.html)",
    )
    catch.add_argument("--geojson", type=Path, metavar="FILE", help="also write the polygons")
    _add_offline_option(catch)
    catch.add_argument(
        "--force", action="store_true", help="replace files tourplanner did not write"
    )

    cov = commands.add_parser(
        "coverage", help="each site's nearest station on foot, and the sites beyond a walk"
    )
    cov.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")
    _add_network_options(cov)
    add_osm_positions_option(cov)
    cov.add_argument(
        "--limit-minutes",
        type=_positive_minutes,
        default=10.0,
        metavar="M",
        help="walk considered close (default 10 min)",
    )
    cov.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("coverage.html"),
        metavar="FILE",
        help="HTML map of the sites within and beyond the walk to write (default coverage.html)",
    )
    cov.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")
    cov.add_argument("--json", type=Path, metavar="FILE", help="also write the table as JSON")
    _add_offline_option(cov)
    cov.add_argument("--force", action="store_true", help="replace files tourplanner did not write")

    comp = commands.add_parser("compare", help="compare tours written by 'plan --geojson'")
    comp.add_argument(
        "tours",
        type=Path,
        nargs="+",
        metavar="TOUR.geojson",
        help="two or more tours written by 'tourplanner plan --geojson'",
    )
    comp.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("compare.html"),
        metavar="FILE",
        help="HTML map with one layer per tour to write (default compare.html)",
    )
    comp.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")
    _add_offline_option(comp)
    comp.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the table as JSON (one row a tour)"
    )
    comp.add_argument(
        "--force", action="store_true", help="replace files tourplanner did not write"
    )

    aud = commands.add_parser(
        "audit", help="check the catalogue against OpenStreetMap (exit 1 if anything is flagged)"
    )
    aud.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")
    _add_network_options(aud)
    aud.add_argument("--csv", type=Path, metavar="FILE", help="also write the report as CSV")
    aud.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON")
    aud.add_argument("--force", action="store_true", help="replace files tourplanner did not write")
    return {
        "catchments": _cmd_catchments,
        "coverage": _cmd_coverage,
        "compare": _cmd_compare,
        "audit": _cmd_audit,
    }
