"""The graph cache's file format: data only, validated on load (private).

A cached walking graph is one NumPy ``.npz`` archive, read with
``allow_pickle=False`` so that loading it can never run code. Schema
(:data:`CACHE_FORMAT` 2):

``meta``
    ``uint8`` bytes of a JSON object: ``format``, ``graph`` (the graph's
    attributes, e.g. ``crs``), ``nodes`` (per node, its attributes other than
    ``x``/``y``), ``edges`` (per edge, its attributes other than ``length``
    and ``geometry``) and ``strongly_connected`` (true). Attribute values are
    text, numbers, booleans or lists of those.
``node_id`` (int64, n), ``node_xy`` (float64, n x 2)
    Node ids and their longitude/latitude.
``edge_uvk`` (int64, m x 3), ``edge_length`` (float64, m)
    Edge ends, keys and lengths in metres.
``geom_offsets`` (int64, m + 1), ``geom_coords`` (float64, k x 2)
    Edge ``i``'s LineString is ``geom_coords[geom_offsets[i]:geom_offsets[i + 1]]``;
    an empty range means the edge has no geometry.

:func:`write_graph` and :func:`read_graph` are the pair; :func:`read_graph`
raises :class:`CacheEntryError` for anything that is not exactly such an
archive of a strongly connected graph with finite, non-negative lengths and
coordinates in range, and the caller rebuilds the entry from its source.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Final

import networkx as nx
import numpy as np
import shapely

from tourplanner._input import MAX_DEPTH, check_json_value

__all__ = ["CACHE_FORMAT", "MAX_CACHE_BYTES", "CacheEntryError", "read_graph", "write_graph"]

#: Bump when the cached graph's content or layout changes.
CACHE_FORMAT: Final = 2
#: Largest cache entry read (bytes).
MAX_CACHE_BYTES: Final = 2 * 1024**3
_ARRAYS: Final = (
    "meta",
    "node_id",
    "node_xy",
    "edge_uvk",
    "edge_length",
    "geom_offsets",
    "geom_coords",
)
_SCALARS: Final = (str, int, float, bool)
_SCALAR_TYPES: Final = frozenset(_SCALARS)
#: A JSON escape of a UTF-16 surrogate (the only way a lone surrogate enters decoded text).
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")


class CacheEntryError(ValueError):
    """A cache entry that cannot be used (unreadable, of another format, or invalid)."""


def _plain(value: Any, where: str) -> Any:
    """Return an attribute value as JSON data, or raise :class:`CacheEntryError`."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{where} is not finite"
        raise CacheEntryError(msg)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list | tuple) and all(
        isinstance(v, (*_SCALARS, np.generic)) for v in value
    ):
        return [_plain(v, where) for v in value]
    msg = f"{where} has a value of type {type(value).__name__} the cache cannot hold"
    raise CacheEntryError(msg)


def write_graph(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write a prepared walking graph to ``path`` atomically.

    Parameters
    ----------
    graph
        A strongly connected osmnx graph with integer node ids, ``x``/``y``
        on every node and ``length`` on every edge.
    path
        The ``.npz`` file; its folder must exist.

    Raises
    ------
    CacheEntryError
        If the graph holds something the format cannot (a non-integer node
        id, an attribute of another type).
    OSError
        If the file cannot be written (no temporary file is left).
    """
    nodes = list(graph.nodes(data=True))
    try:
        node_id = np.array([n for n, _ in nodes], dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        msg = "node ids are not 64-bit integers"
        raise CacheEntryError(msg) from None
    node_xy = np.array([(float(d["x"]), float(d["y"])) for _, d in nodes], dtype=np.float64)
    node_attrs = [
        {k: _plain(v, f"node {n} {k}") for k, v in d.items() if k not in {"x", "y"}}
        for n, d in nodes
    ]
    edges = list(graph.edges(keys=True, data=True))
    edge_uvk = np.array([(u, v, k) for u, v, k, _ in edges], dtype=np.int64).reshape(-1, 3)
    edge_length = np.array([float(d["length"]) for *_, d in edges], dtype=np.float64)
    offsets = [0]
    coords: list[tuple[float, float]] = []
    edge_attrs = []
    for u, v, _, data in edges:
        geometry = data.get("geometry")
        if geometry is not None:
            coords.extend((float(x), float(y)) for x, y in geometry.coords)
        offsets.append(len(coords))
        edge_attrs.append(
            {
                a: _plain(b, f"edge {u}-{v} {a}")
                for a, b in data.items()
                if a not in {"length", "geometry"}
            }
        )
    meta = {
        "format": CACHE_FORMAT,
        "graph": {k: _plain(v, f"graph {k}") for k, v in graph.graph.items()},
        "nodes": node_attrs,
        "edges": edge_attrs,
        "strongly_connected": bool(nx.is_strongly_connected(graph)),
    }
    arrays = {
        "meta": np.frombuffer(
            json.dumps(meta, allow_nan=False, ensure_ascii=False).encode(), dtype=np.uint8
        ),
        "node_id": node_id,
        "node_xy": node_xy.reshape(-1, 2),
        "edge_uvk": edge_uvk,
        "edge_length": edge_length,
        "geom_offsets": np.array(offsets, dtype=np.int64),
        "geom_coords": np.array(coords, dtype=np.float64).reshape(-1, 2),
    }
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)  # type: ignore[arg-type]
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise
    if not stat.S_ISREG(info.st_mode):
        msg = "not a regular file"
        raise CacheEntryError(msg)
    if info.st_size > MAX_CACHE_BYTES:
        msg = f"{info.st_size} bytes, more than {MAX_CACHE_BYTES}"
        raise CacheEntryError(msg)
    data = path.read_bytes()
    if not data.startswith(b"PK\x03\x04"):
        msg = "not a NumPy archive"
        raise CacheEntryError(msg)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if sorted(archive.files) != sorted(_ARRAYS):
                msg = f"arrays {sorted(archive.files)} instead of {sorted(_ARRAYS)}"
                raise CacheEntryError(msg)
            return {name: archive[name] for name in _ARRAYS}
    except CacheEntryError:
        raise
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        msg = f"unreadable archive ({type(exc).__name__})"
        raise CacheEntryError(msg) from None


def _check_array(
    arrays: dict[str, np.ndarray], name: str, kind: str, shape: tuple[int, ...]
) -> None:
    array = arrays[name]
    if array.dtype.kind != kind or array.ndim != len(shape):
        msg = f"array {name} has dtype {array.dtype} and {array.ndim} dimensions"
        raise CacheEntryError(msg)
    for got, want in zip(array.shape, shape, strict=True):
        if want >= 0 and got != want:
            msg = f"array {name} has shape {array.shape}"
            raise CacheEntryError(msg)


def _refuse_constant(name: str) -> Any:
    msg = f"meta holds {name}"
    raise CacheEntryError(msg)


def _attributes(value: Any, count: int, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) != count:
        msg = f"meta {what} is not a list of {count} attribute objects"
        raise CacheEntryError(msg)
    for item in value:
        if type(item) is not dict:
            msg = f"meta {what} holds something other than attribute objects"
            raise CacheEntryError(msg)
        for v in item.values():
            if type(v) not in _SCALAR_TYPES and (
                type(v) is not list or any(type(x) not in _SCALAR_TYPES for x in v)
            ):
                msg = f"meta {what} holds something other than text, numbers and lists"
                raise CacheEntryError(msg)
    return value


def read_graph(path: Path) -> nx.MultiDiGraph:
    """Read and validate a graph written by :func:`write_graph`.

    Parameters
    ----------
    path
        The ``.npz`` file.

    Returns
    -------
    networkx.MultiDiGraph
        The graph, equal to the one written (nodes, edges, attributes,
        geometries and graph attributes).

    Raises
    ------
    FileNotFoundError
        If there is no entry.
    CacheEntryError
        If the entry is unreadable, of another format or fails validation.
    """
    arrays = _load_arrays(path)
    _check_array(arrays, "meta", "u", (-1,))
    try:
        text = arrays["meta"].tobytes().decode("utf-8")
        meta = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        msg = "meta is not JSON"
        raise CacheEntryError(msg) from None
    if not isinstance(meta, dict) or meta.get("format") != CACHE_FORMAT:
        msg = (
            f"format {meta.get('format') if isinstance(meta, dict) else None!r}, not {CACHE_FORMAT}"
        )
        raise CacheEntryError(msg)
    problem = check_json_value(meta) if _SURROGATE_ESCAPE.search(text) else None
    if problem is not None:
        msg = f"meta refused: {problem} (nesting limit {MAX_DEPTH})"
        raise CacheEntryError(msg)
    if meta.get("strongly_connected") is not True:
        msg = "the graph is not marked strongly connected"
        raise CacheEntryError(msg)
    n = arrays["node_id"].shape[0] if arrays["node_id"].ndim == 1 else -2
    _check_array(arrays, "node_id", "i", (n,))
    _check_array(arrays, "node_xy", "f", (n, 2))
    m = arrays["edge_length"].shape[0] if arrays["edge_length"].ndim == 1 else -2
    _check_array(arrays, "edge_length", "f", (m,))
    _check_array(arrays, "edge_uvk", "i", (m, 3))
    _check_array(arrays, "geom_offsets", "i", (m + 1,))
    _check_array(arrays, "geom_coords", "f", (-1, 2))
    if n == 0 or m == 0:
        msg = "the graph is empty"
        raise CacheEntryError(msg)
    xy, coords, lengths = arrays["node_xy"], arrays["geom_coords"], arrays["edge_length"]
    for what, points in (("node", xy), ("geometry", coords)):
        if (
            not np.isfinite(points).all()
            or (np.abs(points[:, 0]) > 180).any()
            or (np.abs(points[:, 1]) > 90).any()
        ):
            msg = f"{what} coordinates are not finite WGS-84 degrees"
            raise CacheEntryError(msg)
    if not np.isfinite(lengths).all() or (lengths < 0).any():
        msg = "edge lengths are not finite non-negative metres"
        raise CacheEntryError(msg)
    offsets = arrays["geom_offsets"]
    counts = np.diff(offsets)
    if offsets[0] != 0 or offsets[-1] != len(coords) or (counts < 0).any() or (counts == 1).any():
        msg = "geometry offsets are inconsistent"
        raise CacheEntryError(msg)
    ids = arrays["node_id"]
    if len(np.unique(ids)) != n:
        msg = "node ids repeat"
        raise CacheEntryError(msg)
    uvk = arrays["edge_uvk"]
    if not np.isin(uvk[:, :2], ids).all():
        msg = "an edge refers to a node that does not exist"
        raise CacheEntryError(msg)
    graph_attrs = meta.get("graph")
    if not isinstance(graph_attrs, dict) or not isinstance(graph_attrs.get("crs"), str):
        msg = "graph attributes have no crs"
        raise CacheEntryError(msg)
    node_attrs = _attributes(meta.get("nodes"), n, "nodes")
    edge_attrs = _attributes(meta.get("edges"), m, "edges")
    graph = nx.MultiDiGraph(**graph_attrs)
    graph.add_nodes_from(
        (node, {**attrs, "y": y, "x": x})
        for node, (x, y), attrs in zip(ids.tolist(), xy.tolist(), node_attrs, strict=True)
    )
    with_geometry = np.flatnonzero(counts)
    lines = (
        shapely.linestrings(
            coords, indices=np.repeat(np.arange(len(with_geometry)), counts[with_geometry])
        )
        if len(with_geometry)
        else np.array([], dtype=object)
    )
    geometries = dict(zip(with_geometry.tolist(), lines.tolist(), strict=True))
    edges = []
    for i, ((u, v, k), attrs) in enumerate(zip(uvk.tolist(), edge_attrs, strict=True)):
        data = dict(attrs)
        data["length"] = lengths[i]
        if i in geometries:
            data["geometry"] = geometries[i]
        edges.append((u, v, k, data))
    graph.add_edges_from(edges)
    if graph.number_of_edges() != m or not nx.is_strongly_connected(graph):
        msg = "the graph is not strongly connected or has repeated edges"
        raise CacheEntryError(msg)
    return graph
