"""The ``sync`` command: match the catalogue to OpenStreetMap and write a reviewed copy.

Registered on the main parser by :mod:`tourplanner.cli`. The input catalogue is
never replaced unless ``--force`` is given (and then only when ``--output``
names it); everything is checked and built before the first file is written,
so a bad input writes nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely import MultiPolygon, Polygon

from tourplanner._io import output_transaction
from tourplanner._terminal import plural, render_table, terminal_width, wrap
from tourplanner._text import csv_frame, terminal_text
from tourplanner.errors import CatalogueError, NetworkDataError, TourplannerError
from tourplanner.graph import study_area
from tourplanner.sites import bundled_catalogue_path, load_sites

__all__ = ["add_osm_positions_option", "add_parsers", "osm_positioned"]

logger = logging.getLogger("tourplanner")


class _SyncUsageError(TourplannerError):
    """A sync option that cannot work (outputs clash, the input would be replaced)."""


def _feature_collection(path: Path, sites: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the input as a GeoJSON document (a CSV catalogue becomes one of points)."""
    if path.suffix.lower() != ".csv":
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return doc
    features = []
    skip = {"area", "entrances", "source_datum", sites.geometry.name}
    for site_id, row in sites.iterrows():
        props: dict[str, Any] = {"id": str(site_id)}
        for key, value in row.items():
            if key in skip:
                continue
            props[str(key)] = None if isinstance(value, float) and math.isnan(value) else value
        point = row.geometry
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [point.x, point.y]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _outputs(args: argparse.Namespace, source: Path) -> tuple[Path, Path, Path]:
    from tourplanner._io import check_output_path  # noqa: PLC0415

    output: Path = args.output
    if output.suffix.lower() not in (".geojson", ".json"):
        msg = f"--output {output} must end in .geojson: the synced catalogue is GeoJSON"
        raise _SyncUsageError(msg)
    report: Path = args.report or output.with_name(output.stem + ".report.md")
    csv: Path = args.csv or output.with_name(output.stem + ".report.csv")
    paths = (output, report, csv)
    if len({p.resolve() for p in paths}) != len(paths):
        msg = "two outputs name the same file: give the catalogue, --report and --csv own names"
        raise _SyncUsageError(msg)
    if source.resolve() in {report.resolve(), csv.resolve()}:
        msg = f"a report would replace the input catalogue {source}: name the report elsewhere"
        raise _SyncUsageError(msg)
    if output.resolve() == source.resolve() and not args.force:
        msg = (
            f"--output {output} is the input catalogue: write a new file, or pass --force "
            "to replace the input"
        )
        raise _SyncUsageError(msg)
    for path in paths:
        check_output_path(path, force=args.force)
    return output, report, csv


def add_osm_positions_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-osm-positions`` to a command that loads a street network.

    Parameters
    ----------
    parser
        The command's parser.
    """
    parser.add_argument(
        "--no-osm-positions",
        action="store_true",
        help="keep the catalogue's positions instead of matching the sites to OpenStreetMap "
        "features of the network's source",
    )


def osm_positioned(
    args: argparse.Namespace,
    sites: gpd.GeoDataFrame,
    area: Polygon | MultiPolygon,
    osm_file: Path | None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Use OSM positions, outlines and entrances of the confidently matched sites.

    The features come from the network's source: ``osm_file``, or the Overpass
    API (cached by osmnx in the cache folder). Nothing happens with
    ``--no-osm-positions``; without features (offline, no cache) the catalogue's
    positions are kept with a warning.

    Parameters
    ----------
    args
        The command's options (``no_osm_positions``, ``cache_dir``).
    sites
        The loaded catalogue.
    area
        The study area.
    osm_file
        The local extract, or ``None`` for Overpass.

    Returns
    -------
    (geopandas.GeoDataFrame, str)
        The sites, with ``positioned_from_osm``, and one sentence naming the sites
        positioned from OpenStreetMap and those whose position is an estimate.
    """
    from tourplanner.sync import apply_osm_positions, read_osm  # noqa: PLC0415

    if getattr(args, "no_osm_positions", False):
        out = sites.copy()
        out["positioned_from_osm"] = False
    else:
        try:
            data = read_osm(osm_file, area, cache_folder=getattr(args, "cache_dir", None))
        except NetworkDataError as exc:
            logger.warning(
                "No OpenStreetMap features (%s): the catalogue's positions are kept", exc
            )
            out = sites.copy()
            out["positioned_from_osm"] = False
        else:
            out, _ = apply_osm_positions(sites, data)
    places = out[out["category"] != "waypoint"]
    from_osm = [
        str(row["name"])
        for _, row in places.iterrows()
        if row["positioned_from_osm"] or isinstance(row.get("osm_id"), str)
    ]
    accuracy = places["position_accuracy_m"].astype(float)
    estimates = [
        f"{row['name']} (±{acc:.0f} m)"
        if math.isfinite(acc)
        else f"{row['name']} (accuracy unknown)"
        for (_, row), acc in zip(places.iterrows(), accuracy, strict=True)
        if str(row["name"]) not in from_osm and not acc <= 50.0
    ]
    parts = []
    if from_osm and not estimates and len(from_osm) == len(places) and len(places) > 3:
        parts.append(f"All {len(places)} sites are positioned from OpenStreetMap.")
    elif from_osm:
        parts.append("Positioned from OpenStreetMap: " + ", ".join(from_osm) + ".")
    if estimates:
        parts.append("Estimated positions: " + ", ".join(estimates) + ".")
    notice = " ".join(parts)
    if notice:
        logger.info("%s", notice)
    return out, notice


def _cmd_sync(args: argparse.Namespace) -> int:
    from tourplanner.export import write_text  # noqa: PLC0415
    from tourplanner.sync import read_osm, report_markdown, sync, synced_catalogue  # noqa: PLC0415

    source: Path = args.sites or bundled_catalogue_path()
    sites = load_sites(source)
    output, report_path, csv_path = _outputs(args, source)
    area = study_area(sites, margin_m=args.margin_m)
    data = read_osm(args.osm_file, area, cache_folder=args.cache_dir)
    result = sync(sites, data, match_radius_m=args.radius_m)
    document = synced_catalogue(_feature_collection(source, sites), result)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    with tempfile.TemporaryDirectory() as folder:  # the new catalogue must load before it lands
        check = Path(folder) / "synced.geojson"
        check.write_text(text, encoding="utf-8")
        try:
            load_sites(check)
        except CatalogueError as exc:
            msg = f"the synced catalogue would not load ({exc}): nothing written"
            raise CatalogueError(msg) from None
    report = result.report
    title = f"Catalogue sync: {source.name} against OpenStreetMap ({data.origin})"
    markdown = report_markdown(result, title=title)
    table = pd.DataFrame(report)
    with output_transaction():  # the catalogue and both reports, or none of them
        write_text(text, output, force=args.force or output.resolve() == source.resolve())
        write_text(markdown, report_path, force=args.force)
        write_text(csv_frame(table).to_csv(), csv_path, force=args.force)
    counts = report["status"].value_counts()
    columns = ["name", "status", "osm_id", "distance_m", "moved_m"]
    print(render_table(report[columns], float_format=lambda v: f"{v:.0f}"))
    summary = (
        f"{int(report['applied'].sum())} of {plural(len(report), 'site')} take OpenStreetMap's "
        f"position ({', '.join(f'{n} {s}' for s, n in counts.items())})."
    )
    print("\n" + "\n".join(wrap(summary, terminal_width())))
    print(terminal_text(f"Written: {output}, {report_path}, {csv_path}"))
    return 0


def add_parsers(commands: Any) -> dict[str, Any]:
    """Add the ``sync`` command to ``commands``; return its handler.

    Parameters
    ----------
    commands
        The subparsers action of the main parser.

    Returns
    -------
    dict
        Command name -> handler.
    """
    from tourplanner.cli import _positive  # noqa: PLC0415 - it imports this module

    sync = commands.add_parser(
        "sync",
        help="match the catalogue to OpenStreetMap and write a reviewed copy with a report",
    )
    sync.add_argument("--sites", type=Path, metavar="FILE", help="catalogue (default: Tiexi)")
    sync.add_argument(
        "--osm-file",
        type=Path,
        metavar="FILE",
        help="local extract (.osm.pbf, .osm, .osm.bz2) or Overpass export (.geojson, .json) "
        "instead of the Overpass API",
    )
    sync.add_argument(
        "--margin-m",
        type=_positive,
        default=500.0,
        metavar="M",
        help="margin around the sites for the OSM features (default 500 m)",
    )
    sync.add_argument(
        "--radius-m",
        type=_positive,
        default=2000.0,
        metavar="M",
        help="search radius around each site (default 2000 m)",
    )
    sync.add_argument("--cache-dir", type=Path, metavar="DIR", help="Overpass cache folder")
    sync.add_argument(
        "--output", "-o", type=Path, required=True, metavar="FILE", help="new catalogue (.geojson)"
    )
    sync.add_argument(
        "--report", type=Path, metavar="FILE", help="Markdown report (default OUTPUT.report.md)"
    )
    sync.add_argument(
        "--csv", type=Path, metavar="FILE", help="CSV report (default OUTPUT.report.csv)"
    )
    sync.add_argument(
        "--force",
        action="store_true",
        help="replace files tourplanner did not write, or the input catalogue itself",
    )
    return {"sync": _cmd_sync}
