"""Reading local OpenStreetMap extracts (private: behind :mod:`tourplanner.graph`).

A local extract (``.osm.pbf``, ``.osm``, ``.osm.xml``, ``.osm.bz2``) is read with
pyosmium, keeping the ways that osmnx's own walking filter admits and that
touch the study area's bounding box, together with their nodes. The result has
the shape of an Overpass API JSON response, which is what osmnx builds graphs
from: the same code path as a download, on local data.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import osmium

from tourplanner._text import xml_text
from tourplanner.errors import NetworkDataError

__all__ = [
    "OSM_SUFFIXES",
    "WayData",
    "check_osm_file",
    "extract_ways",
    "osm_file",
    "parse_way_filter",
    "read_ways",
    "unreadable",
    "write_osm_xml",
]

#: Largest extract read (bytes): a whole-country extract fits, a runaway file does not.
MAX_OSM_BYTES: Final = 8 * 1024**3
OSM_SUFFIXES: Final[tuple[str, ...]] = (".osm.pbf", ".pbf", ".osm", ".osm.xml", ".xml", ".osm.bz2")

TagPredicate = Callable[[Mapping[str, str]], bool]
BBox = tuple[float, float, float, float]  # west, south, east, north

_CLAUSE: Final = re.compile(r'\[\s*"([^"]+)"\s*(?:(!=|=|!~|~)\s*"([^"]*)"\s*)?\]')


def parse_way_filter(overpass_filter: str) -> TagPredicate:
    """Turn an Overpass QL tag filter into a predicate on a tag mapping.

    Supports the clauses osmnx's network filters use: ``["k"]`` (key present),
    ``["k"="v"]``, ``["k"!="v"]``, ``["k"~"re"]`` and ``["k"!~"re"]``, with
    Overpass semantics (a negated clause holds when the key is absent; regex
    clauses search, they do not anchor).

    Parameters
    ----------
    overpass_filter
        A concatenation of clauses, e.g. ``'["highway"]["foot"!~"no"]'``.

    Returns
    -------
    callable
        ``predicate(tags) -> bool``.

    Raises
    ------
    ValueError
        If the string contains anything but such clauses.

    Examples
    --------
    >>> keep = parse_way_filter('["highway"]["foot"!~"no"]')
    >>> keep({"highway": "footway"}), keep({"highway": "path", "foot": "no"}), keep({})
    (True, False, False)
    """
    clauses: list[tuple[str, str | None, str | None]] = []
    position = 0
    text = overpass_filter.strip()
    while position < len(text):
        match = _CLAUSE.match(text, position)
        if match is None:
            msg = f"unsupported Overpass filter syntax at {text[position : position + 30]!r}"
            raise ValueError(msg)
        clauses.append((match.group(1), match.group(2), match.group(3)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    compiled = [
        (key, op, re.compile(value) if op in {"~", "!~"} and value is not None else value)
        for key, op, value in clauses
    ]

    def predicate(tags: Mapping[str, str]) -> bool:
        for key, op, value in compiled:
            present = key in tags
            if op is None:
                if not present:
                    return False
            elif op == "=":
                if not present or tags[key] != value:
                    return False
            elif op == "!=":
                if present and tags[key] == value:
                    return False
            elif op == "~":
                if not present or not value.search(tags[key]):  # type: ignore[union-attr]
                    return False
            elif present and value.search(tags[key]):  # type: ignore[union-attr]
                return False
        return True

    return predicate


class _WayCollector(osmium.SimpleHandler):
    """Collect the ways a predicate admits inside a bounding box, with their nodes."""

    def __init__(self, keep: TagPredicate, bbox: BBox) -> None:
        super().__init__()
        self.keep = keep
        self.bbox = bbox
        self.node_tags: dict[int, dict[str, str]] = {}
        self.nodes: dict[int, tuple[float, float]] = {}
        self.ways: list[dict[str, Any]] = []

    def _inside(self, lon: float, lat: float) -> bool:
        west, south, east, north = self.bbox
        return west <= lon <= east and south <= lat <= north

    def node(self, n: Any) -> None:
        if len(n.tags) and n.location.valid() and self._inside(n.location.lon, n.location.lat):
            self.node_tags[n.id] = {t.k: t.v for t in n.tags}

    def way(self, w: Any) -> None:
        if "highway" not in w.tags:
            return
        tags = {t.k: t.v for t in w.tags}
        if not self.keep(tags):
            return
        refs: list[int] = []
        coords: list[tuple[float, float]] = []
        for node_ref in w.nodes:
            location = node_ref.location
            if not location.valid():
                continue  # node outside the extract
            refs.append(node_ref.ref)
            coords.append((location.lon, location.lat))
        if len(refs) < 2 or not any(self._inside(lon, lat) for lon, lat in coords):
            return
        self.ways.append({"type": "way", "id": w.id, "nodes": refs, "tags": tags})
        for ref, coord in zip(refs, coords, strict=True):
            self.nodes[ref] = coord


def check_osm_file(path: Path) -> None:
    """Raise :class:`NetworkDataError` unless ``path`` is a non-empty OSM extract.

    Parameters
    ----------
    path
        The file the user gave.
    """
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        msg = f"OSM file {path} {what}: give an existing .osm.pbf, .osm or .osm.bz2 extract"
        raise NetworkDataError(msg)
    if not path.name.lower().endswith(OSM_SUFFIXES):
        msg = f"OSM file {path} has an unknown type: give an .osm.pbf, .osm or .osm.bz2 extract"
        raise NetworkDataError(msg)
    size = path.stat().st_size
    if size == 0:
        msg = f"OSM file {path} is empty: give a non-empty OpenStreetMap extract"
        raise NetworkDataError(msg)
    if size > MAX_OSM_BYTES:
        msg = (
            f"OSM file {path} is {size / 1e9:.1f} GB, more than the {MAX_OSM_BYTES / 1e9:.1f} GB "
            "accepted: cut out the region of the sites (e.g. with osmium extract)"
        )
        raise NetworkDataError(msg)


def osm_file(path: Path) -> osmium.io.File:
    """Return ``path`` for pyosmium with its format named (it only knows lower-case suffixes)."""
    name = path.name.lower()
    fmt = "pbf" if name.endswith("pbf") else "osm.bz2" if name.endswith(".bz2") else "osm"
    return osmium.io.File(str(path), fmt)


def unreadable(path: Path, exc: BaseException) -> NetworkDataError:
    """Return the error for an extract pyosmium cannot parse (``exc`` is its error)."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    msg = (
        f"OSM file {path} cannot be read as OpenStreetMap data ({first}): "
        "give an .osm.pbf, .osm or .osm.bz2 extract"
    )
    return NetworkDataError(msg)


@dataclass(frozen=True, eq=False)
class WayData:
    """The walkable ways of an extract and their nodes, in the extract's order.

    Attributes
    ----------
    node_id, lon, lat
        The ways' nodes (each once, in order of first use) and their positions.
    node_tags
        Node id -> its tags, for the nodes with tags inside the bounding box.
    ways
        ``(way id, node ids, tags)`` of each way.
    """

    node_id: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    node_tags: dict[int, dict[str, str]]
    ways: list[tuple[int, list[int], dict[str, str]]]


def read_ways(path: Path, keep: TagPredicate, bbox: BBox) -> WayData:
    """Read the ways of a local OSM extract that ``keep`` admits within ``bbox``, as arrays.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.osm``/``.osm.xml`` or ``.osm.bz2`` file.
    keep
        Predicate on a way's tags (see :func:`parse_way_filter`).
    bbox
        ``(west, south, east, north)`` in degrees; a way is kept when any of
        its nodes lies inside.

    Returns
    -------
    WayData
        The ways and their nodes.

    Raises
    ------
    NetworkDataError
        If the file cannot be parsed as OpenStreetMap data.
    """
    collector = _WayCollector(keep, bbox)
    try:
        collector.apply_file(osm_file(path), locations=True)
    except (RuntimeError, ValueError, OSError, osmium.InvalidLocationError) as exc:
        raise unreadable(path, exc) from None
    count = len(collector.nodes)
    node_id = np.fromiter(collector.nodes.keys(), dtype=np.int64, count=count)
    xy = np.fromiter(
        itertools.chain.from_iterable(collector.nodes.values()), dtype=np.float64, count=2 * count
    ).reshape(-1, 2)
    tags = {n: t for n, t in collector.node_tags.items() if n in collector.nodes}
    ways = [(int(w["id"]), list(w["nodes"]), dict(w["tags"])) for w in collector.ways]
    return WayData(node_id, xy[:, 0].copy(), xy[:, 1].copy(), tags, ways)


def extract_ways(path: Path, keep: TagPredicate, bbox: BBox) -> dict[str, Any]:
    """Read the ways of a local OSM extract that ``keep`` admits within ``bbox``.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.osm``/``.osm.xml`` or ``.osm.bz2`` file.
    keep
        Predicate on a way's tags (see :func:`parse_way_filter`).
    bbox
        ``(west, south, east, north)`` in degrees; a way is kept when any of
        its nodes lies inside.

    Returns
    -------
    dict
        An Overpass-style JSON document: ``{"elements": [...]}`` with the
        nodes (with their tags, if any) and then the ways.

    Raises
    ------
    NetworkDataError
        If the file cannot be parsed as OpenStreetMap data.
    """
    collector = _WayCollector(keep, bbox)
    try:
        collector.apply_file(osm_file(path), locations=True)
    except (RuntimeError, ValueError, OSError, osmium.InvalidLocationError) as exc:
        raise unreadable(path, exc) from None
    elements: list[dict[str, Any]] = []
    for node_id, (lon, lat) in collector.nodes.items():
        node: dict[str, Any] = {"type": "node", "id": node_id, "lat": lat, "lon": lon}
        tags = collector.node_tags.get(node_id)
        if tags:
            node["tags"] = tags
        elements.append(node)
    elements.extend(collector.ways)
    return {"version": 0.6, "generator": "tourplanner", "elements": elements}


def write_osm_xml(document: Mapping[str, Any], path: Path) -> None:
    """Write an Overpass-style JSON document as OSM XML (for :func:`osmnx.graph_from_xml`).

    Parameters
    ----------
    document
        ``{"elements": [...]}`` as returned by :func:`extract_ways`.
    path
        Destination ``.osm`` file.
    """
    root = ET.Element("osm", version="0.6", generator="tourplanner")
    for element in document["elements"]:
        if element["type"] == "node":
            item = ET.SubElement(
                root,
                "node",
                id=str(element["id"]),
                lat=repr(element["lat"]),
                lon=repr(element["lon"]),
            )
        else:
            item = ET.SubElement(root, "way", id=str(element["id"]))
            for ref in element["nodes"]:
                ET.SubElement(item, "nd", ref=str(ref))
        for key, value in element.get("tags", {}).items():
            ET.SubElement(item, "tag", k=xml_text(key), v=xml_text(value))
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
