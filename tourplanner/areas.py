"""Named parks and squares of an OpenStreetMap extract, for directions ("through Esplanadi").

The walking graph keeps ways, not the areas they cross; :func:`named_areas_from_file`
reads the named ``leisure=park|garden`` areas (walked "through") and ``place=square``
and pedestrian areas (walked "across") of a local extract with pyosmium, as shapely
polygons in WGS-84, for :func:`tourplanner.directions.tour_directions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal

import networkx as nx
import osmium
from shapely import box, wkb

from tourplanner._osmfile import check_osm_file, osm_file, unreadable
from tourplanner.directions import NamedArea

__all__ = ["named_areas_for_graph", "named_areas_from_file"]

_PARKS: Final = frozenset({"park", "garden"})


def _kind(tags: osmium.osm.TagList) -> Literal["park", "square"] | None:
    if tags.get("leisure") in _PARKS:
        return "park"
    if tags.get("place") == "square" or tags.get("highway") == "pedestrian":
        return "square"
    return None


def named_areas_from_file(
    path: str | Path, bbox: Sequence[float] | None = None
) -> tuple[NamedArea, ...]:
    """Read the named parks and squares of a local OpenStreetMap extract.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` extract.
    bbox
        ``(west, south, east, north)``: keep the areas that meet it.

    Returns
    -------
    tuple of NamedArea
        In file order.

    Raises
    ------
    NetworkDataError
        If the file is missing or not OpenStreetMap data.
    """
    source = Path(path)
    check_osm_file(source)
    frame = box(*bbox) if bbox is not None else None
    factory = osmium.geom.WKBFactory()
    out: list[NamedArea] = []
    try:
        processor = (
            osmium.FileProcessor(osm_file(source))
            .with_areas()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
        )
        for area in processor:
            if not isinstance(area, osmium.osm.Area):
                continue
            tags = area.tags
            kind = _kind(tags)
            if kind is None or not ("name" in tags or "name:en" in tags or "name:zh" in tags):
                continue
            try:
                geometry = wkb.loads(factory.create_multipolygon(area), hex=True)
            except RuntimeError:  # a broken multipolygon: skip it
                continue
            if frame is not None and not frame.intersects(geometry):
                continue
            out.append(
                NamedArea(
                    name=tags.get("name") or "",
                    kind=kind,
                    geometry=geometry,
                    name_en=tags.get("name:en"),
                    name_zh=tags.get("name:zh"),
                )
            )
    except RuntimeError as exc:
        raise unreadable(source, exc) from None
    return tuple(out)


def named_areas_for_graph(path: str | Path, graph: nx.MultiDiGraph) -> tuple[NamedArea, ...]:
    """Return the named parks and squares of ``path`` around ``graph``'s nodes.

    Parameters
    ----------
    path
        The extract the graph was built from.
    graph
        The walking network.

    Returns
    -------
    tuple of NamedArea
        The areas that meet the graph's bounding box.
    """
    xs = [float(x) for _, x in graph.nodes(data="x")]
    ys = [float(y) for _, y in graph.nodes(data="y")]
    if not xs:
        return ()
    return named_areas_from_file(path, (min(xs), min(ys), max(xs), max(ys)))
