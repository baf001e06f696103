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

import folium
import geopandas as gpd
import networkx as nx
import pandas as pd
from tqdm import tqdm

from tourplanner._io import output_transaction
from tourplanner._text import csv_frame
from tourplanner.cli import (
    _add_network_options,
    _area_from_file,
    _ids,
    _UsageError,
    terminal_lines,
)
from tourplanner.errors import NetworkDataError, TourError
from tourplanner.graph import check_study_area, load_graph, study_area
from tourplanner.maps import CATEGORY_COLOURS, _text, write_map
from tourplanner.routing import snap_sites, walk_matrix
from tourplanner.sites import bundled_catalogue_path, load_sites

__all__ = ["add_parsers"]

logger = logging.getLogger("tourplanner")
Handler = Callable[[argparse.Namespace], int]


def _minutes_list(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or len(values) > 20 or any(not 0 < v <= 240 for v in values):
        msg = f"minutes {text[:40]!r} are not numbers from 0 to 240: give e.g. 5,10,15"
        raise argparse.ArgumentTypeError(msg)
    return sorted(set(values))


def _positive_minutes(text: str) -> float:
    values = _minutes_list(text)
    if len(values) != 1:
        msg = f"limit {text!r} is not one number of minutes: give e.g. 10"
        raise argparse.ArgumentTypeError(msg)
    return values[0]


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


def _sites_and_graph(args: argparse.Namespace) -> tuple[gpd.GeoDataFrame, nx.MultiDiGraph]:
    sites = load_sites(args.sites or bundled_catalogue_path())
    area = args.bbox
    if args.area is not None:
        area = _area_from_file(args.area)
    if area is None:
        area = study_area(sites, margin_m=args.margin_m)
    graph = load_graph(
        area,
        osm_file=args.osm_file,
        speed_kmh=args.speed_kmh,
        use_cache=not args.no_cache,
        cache_folder=args.cache_dir,
        max_area_km2=args.max_area_km2,
    )
    return sites, graph


def _write_csv(frame: pd.DataFrame, path: Path | None, *, force: bool) -> None:
    if path is None:
        return
    from tourplanner.export import write_text  # noqa: PLC0415

    write_text(csv_frame(frame).to_csv(), path, force=force)


def _base_map(sites: gpd.GeoDataFrame) -> folium.Map:
    fmap = folium.Map(tiles="OpenStreetMap", control_scale=True)
    fmap.get_root().header.add_child(  # type: ignore[attr-defined]
        folium.Element('<meta name="generator" content="tourplanner">'), name="tp_generator"
    )
    west, south, east, north = sites.total_bounds
    fmap.fit_bounds([(south, west), (north, east)])
    return fmap


def _sites_layer(sites: gpd.GeoDataFrame, name: str = "Sites") -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=name)
    for _, row in sites.iterrows():
        folium.CircleMarker(
            (row.geometry.y, row.geometry.x),
            radius=5,
            color=CATEGORY_COLOURS.get(str(row["category"]), "#333"),
            fill=True,
            fill_opacity=0.8,
            tooltip=folium.Tooltip(_text(row["name"])),
        ).add_to(layer)
    return layer


def _cmd_catchments(args: argparse.Namespace) -> int:
    from tourplanner.catchments import catchments  # noqa: PLC0415

    _check_outputs(args, "output", "geojson")
    sites, graph = _sites_and_graph(args)
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
    snapping = snap_sites(graph, sites.loc[origins], max_distance_m=args.max_snap_m)
    on_network = [o for o in origins if o in snapping.site_ids]
    with tqdm(total=len(on_network), desc="catchments", unit="origin", disable=args.quiet) as bar:
        result = catchments(
            graph,
            snapping,
            on_network,
            args.minutes,
            progress=lambda done, total: bar.update(done - bar.n),
        )
    table = result.drop(columns="geometry")
    print(terminal_lines(table.to_string(index=False)))
    fmap = _base_map(sites)
    for minutes in sorted(args.minutes, reverse=True):
        layer = folium.FeatureGroup(name=f"{minutes:g} min walk").add_to(fmap)
        part = result[result["minutes"] == minutes]
        folium.GeoJson(
            part[["origin_id", "minutes", "geometry"]].to_json(),
            style_function=lambda _f, m=minutes: {
                "fillOpacity": 0.15,
                "weight": 1,
                "color": "#1565c0" if m == min(args.minutes) else "#6a1b9a",
            },
        ).add_to(layer)
    _sites_layer(sites).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
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

    _check_outputs(args, "output", "csv")
    sites, graph = _sites_and_graph(args)
    snapping = snap_sites(graph, sites, max_distance_m=args.max_snap_m)
    for off in snapping.off_network:
        logger.warning("%s (%s) is off the walking network", off.site_id, off.name)
    matrix = walk_matrix(graph, snapping)
    table = coverage(matrix, sites, limit_minutes=args.limit_minutes)
    print(terminal_lines(table.to_string(float_format=lambda v: f"{v:.1f}")))
    outside = table[~table["within_limit"]]
    print(
        terminal_lines(
            f"\n{len(outside)} of {len(table)} sites are more than {args.limit_minutes:g} min "
            "on foot from any station" + (": " + ", ".join(outside.index) if len(outside) else ".")
        )
    )
    fmap = _base_map(sites)
    within = folium.FeatureGroup(name=f"within {args.limit_minutes:g} min of a station")
    beyond = folium.FeatureGroup(name=f"beyond {args.limit_minutes:g} min")
    for site_id, row in table.iterrows():
        point = sites.loc[site_id].geometry
        folium.CircleMarker(
            (point.y, point.x),
            radius=8,
            color="#2e7d32" if row["within_limit"] else "#b00020",
            fill=True,
            fill_opacity=0.8,
            tooltip=folium.Tooltip(
                f"{_text(row['name'])}: {row['walk_minutes']:.0f} min from "
                f"{_text(row['station_name'])}"
            ),
        ).add_to(within if row["within_limit"] else beyond)
    within.add_to(fmap)
    beyond.add_to(fmap)
    _sites_layer(sites[sites["category"] == "station"], "Stations").add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    with output_transaction():
        write_map(fmap, args.output, force=args.force)
        _write_csv(table, args.csv, force=args.force)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from tourplanner.compare import (  # noqa: PLC0415
        comparison_map,
        comparison_table,
        read_tour,
        summarise,
    )

    _check_outputs(args, "output", "csv")
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
    print(terminal_lines(table.to_string()))
    with output_transaction():
        write_map(comparison_map(docs, labels), args.output, force=args.force)
        _write_csv(table, args.csv, force=args.force)
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from tourplanner.audit import (  # noqa: PLC0415
        audit,
        missing_from_catalogue,
        osm_features_from_file,
        osm_features_from_overpass,
    )

    _check_outputs(args, "csv")
    sites = load_sites(args.sites or bundled_catalogue_path())
    area = study_area(sites, margin_m=args.margin_m)
    check_study_area(area, max_area_km2=args.max_area_km2)
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
        graph = load_graph(
            area,
            osm_file=args.osm_file,
            use_cache=not args.no_cache,
            cache_folder=args.cache_dir,
            max_area_km2=args.max_area_km2,
        )
        snapping = snap_sites(graph, sites, max_distance_m=args.max_snap_m)
    except TourError:
        raise
    except Exception as exc:
        logger.warning("No street network for the audit (%s): skipping the street check", exc)
    report = audit(sites, features, snapping=snapping)
    columns = ["name", "osm_name", "distance_m", "flagged", "note"]
    print(terminal_lines(report[columns].to_string(float_format=lambda v: f"{v:.0f}")))
    flagged = report[report["flagged"]]
    print(
        terminal_lines(
            f"\n{len(flagged)} of {len(report)} sites flagged"
            + (
                ": " + ", ".join(f"{i} ({report.loc[i, 'name']})" for i in flagged.index)
                if len(flagged)
                else "."
            )
        )
    )
    missing = missing_from_catalogue(report, features)
    if len(missing):
        listed = ", ".join(
            f"{n} ({k})" for n, k in zip(missing["name"], missing["kind"], strict=True)
        )
        print(
            terminal_lines(
                f"\nIn OpenStreetMap but not in the catalogue ({len(missing)}): {listed}"
            )
        )
    _write_csv(report, args.csv, force=args.force)
    return 1 if len(flagged) else 0


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
    _add_network_options(catch)
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
    catch.add_argument("--output", "-o", type=Path, default=Path("catchments.html"), metavar="FILE")
    catch.add_argument("--geojson", type=Path, metavar="FILE", help="also write the polygons")
    catch.add_argument(
        "--force", action="store_true", help="replace files tourplanner did not write"
    )

    cov = commands.add_parser(
        "coverage", help="each site's nearest station on foot, and the sites beyond a walk"
    )
    cov.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")
    _add_network_options(cov)
    cov.add_argument(
        "--limit-minutes",
        type=_positive_minutes,
        default=10.0,
        metavar="M",
        help="walk considered close (default 10 min)",
    )
    cov.add_argument("--output", "-o", type=Path, default=Path("coverage.html"), metavar="FILE")
    cov.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")
    cov.add_argument("--force", action="store_true", help="replace files tourplanner did not write")

    comp = commands.add_parser("compare", help="compare tours written by 'plan --geojson'")
    comp.add_argument("tours", type=Path, nargs="+", metavar="TOUR.geojson")
    comp.add_argument("--output", "-o", type=Path, default=Path("compare.html"), metavar="FILE")
    comp.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")
    comp.add_argument(
        "--force", action="store_true", help="replace files tourplanner did not write"
    )

    aud = commands.add_parser(
        "audit", help="check the catalogue against OpenStreetMap (exit 1 if anything is flagged)"
    )
    aud.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")
    _add_network_options(aud)
    aud.add_argument("--csv", type=Path, metavar="FILE", help="also write the report as CSV")
    aud.add_argument("--force", action="store_true", help="replace files tourplanner did not write")
    return {
        "catchments": _cmd_catchments,
        "coverage": _cmd_coverage,
        "compare": _cmd_compare,
        "audit": _cmd_audit,
    }
