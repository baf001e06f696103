"""The graph cache's file format: data only, validated on load (private).

A cached walking network (:class:`tourplanner.network.NetworkData`) is one
NumPy ``.npz`` archive, read with ``allow_pickle=False`` so that loading it
can never run code. Schema (:data:`CACHE_FORMAT` 3):

``meta``
    ``uint8`` bytes of a JSON object: ``format``, ``graph`` (the graph's
    attributes, e.g. ``crs``) and ``strongly_connected`` (true).
``attributes``
    ``uint8`` bytes of a JSON object: ``nodes`` (per node, its attributes
    other than ``x``/``y``) and ``edges`` (per edge, its attributes other
    than ``length`` and ``geometry``). Attribute values are text, numbers,
    booleans or lists of those. Only the networkx graph needs them, so they
    are parsed and checked when it is first built, not on load.
``node_id`` (int64, n), ``node_xy`` (float64, n x 2)
    Node ids and their longitude/latitude.
``edge_uvk`` (int64, m x 3), ``edge_length`` (float64, m)
    Edge ends, keys and lengths in metres.
``geom_offsets`` (int64, m + 1), ``geom_coords`` (float64, k x 2)
    Edge ``i``'s LineString is ``geom_coords[geom_offsets[i]:geom_offsets[i + 1]]``;
    an empty range means the edge has no geometry.

:func:`write_network` and :func:`read_network` are the pair (and
:func:`write_graph`/:func:`read_graph` for a networkx graph);
:func:`read_network` raises :class:`CacheEntryError` for anything that is not
exactly such an archive of a strongly connected graph with finite,
non-negative lengths and coordinates in range, and the caller rebuilds the
entry from its source.
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
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from tourplanner._input import MAX_DEPTH, check_json_value
from tourplanner.network import NetworkData, WalkingNetwork

__all__ = [
    "CACHE_FORMAT",
    "MAX_CACHE_BYTES",
    "CacheEntryError",
    "read_graph",
    "read_network",
    "write_graph",
    "write_network",
]

#: Bump when the cached graph's content or layout changes.
CACHE_FORMAT: Final = 3
#: Largest cache entry read (bytes).
MAX_CACHE_BYTES: Final = 2 * 1024**3
_ARRAYS: Final = (
    "meta",
    "attributes",
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


def _json_bytes(value: Any) -> np.ndarray:
    return np.frombuffer(
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode(), dtype=np.uint8
    )


def write_network(data: NetworkData, path: Path) -> None:
    """Write a prepared walking network's arrays to ``path`` atomically.

    Parameters
    ----------
    data
        The arrays of a strongly connected walking network
        (:attr:`tourplanner.network.WalkingNetwork.data`).
    path
        The ``.npz`` file; its folder must exist.

    Raises
    ------
    CacheEntryError
        If the network holds something the format cannot (an attribute of
        another type).
    OSError
        If the file cannot be written (no temporary file is left).
    """
    node_attrs, edge_attrs = data.attributes()
    attributes = {
        "nodes": [
            {k: _plain(v, f"node {n} {k}") for k, v in d.items()}
            for n, d in zip(data.node_id.tolist(), node_attrs, strict=True)
        ],
        "edges": [
            {a: _plain(b, f"edge {u}-{v} {a}") for a, b in d.items()}
            for (u, v, _), d in zip(data.edge_uvk.tolist(), edge_attrs, strict=True)
        ],
    }
    meta = {
        "format": CACHE_FORMAT,
        "graph": {k: _plain(v, f"graph {k}") for k, v in data.graph_attrs.items()},
        "strongly_connected": WalkingNetwork(data).is_strongly_connected(),
    }
    arrays = {
        "meta": _json_bytes(meta),
        "attributes": _json_bytes(attributes),
        "node_id": np.ascontiguousarray(data.node_id, dtype=np.int64),
        "node_xy": np.ascontiguousarray(data.node_xy, dtype=np.float64).reshape(-1, 2),
        "edge_uvk": np.ascontiguousarray(data.edge_uvk, dtype=np.int64).reshape(-1, 3),
        "edge_length": np.ascontiguousarray(data.edge_length, dtype=np.float64),
        "geom_offsets": np.ascontiguousarray(data.geom_offsets, dtype=np.int64),
        "geom_coords": np.ascontiguousarray(data.geom_coords, dtype=np.float64).reshape(-1, 2),
    }
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_graph(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write a prepared walking graph to ``path`` atomically (see :func:`write_network`).

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
    try:
        data = NetworkData.from_graph(graph)
    except (TypeError, ValueError, OverflowError):
        msg = "node ids are not 64-bit integers"
        raise CacheEntryError(msg) from None
    write_network(data, path)


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


def _json(array: np.ndarray, what: str) -> tuple[Any, str]:
    try:
        text = array.tobytes().decode("utf-8")
        value = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        msg = f"{what} is not JSON"
        raise CacheEntryError(msg) from None
    return value, text


def _lazy_attributes(
    array: np.ndarray, n: int, m: int, path: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parse and check the per-node and per-edge attributes (when the graph is built)."""
    try:
        return _checked_attributes(array, n, m)
    except CacheEntryError as exc:
        msg = f"{exc} in {path}"
        raise CacheEntryError(msg) from None


def _checked_attributes(
    array: np.ndarray, n: int, m: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    value, text = _json(array, "attributes")
    if not isinstance(value, dict):
        msg = "attributes are not a JSON object"
        raise CacheEntryError(msg)
    problem = check_json_value(value) if _SURROGATE_ESCAPE.search(text) else None
    if problem is not None:
        msg = f"attributes refused: {problem} (nesting limit {MAX_DEPTH})"
        raise CacheEntryError(msg)
    return (
        _attributes(value.get("nodes"), n, "nodes"),
        _attributes(value.get("edges"), m, "edges"),
    )


def read_network(path: Path) -> NetworkData:
    """Read and validate a network written by :func:`write_network`.

    Everything the network's arrays hold is checked here; the per-node and
    per-edge attributes (only the networkx graph needs them) are parsed and
    checked when they are first asked for, raising :class:`CacheEntryError`
    then.

    Parameters
    ----------
    path
        The ``.npz`` file.

    Returns
    -------
    tourplanner.network.NetworkData
        The arrays, equal to the ones written.

    Raises
    ------
    FileNotFoundError
        If there is no entry.
    CacheEntryError
        If the entry is unreadable, of another format or fails validation.
    """
    arrays = _load_arrays(path)
    _check_array(arrays, "meta", "u", (-1,))
    _check_array(arrays, "attributes", "u", (-1,))
    meta, text = _json(arrays["meta"], "meta")
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
    order = np.argsort(ids)
    sorted_ids = ids[order]
    if (sorted_ids[1:] == sorted_ids[:-1]).any():
        msg = "node ids repeat"
        raise CacheEntryError(msg)
    uvk = arrays["edge_uvk"]
    ends = uvk[:, :2].ravel()
    found = np.searchsorted(sorted_ids, ends).clip(0, n - 1)
    if not (sorted_ids[found] == ends).all():
        msg = "an edge refers to a node that does not exist"
        raise CacheEntryError(msg)
    u, v = order[found[0::2]], order[found[1::2]]
    keys = uvk[:, 2]
    if (keys < 0).any():
        msg = "edge keys are negative"
        raise CacheEntryError(msg)
    rows = np.column_stack([u, v, keys])[np.lexsort((keys, v, u))]
    if (rows[1:] == rows[:-1]).all(axis=1).any():
        msg = "edges repeat"
        raise CacheEntryError(msg)
    graph_attrs = meta.get("graph")
    if not isinstance(graph_attrs, dict) or not isinstance(graph_attrs.get("crs"), str):
        msg = "graph attributes have no crs"
        raise CacheEntryError(msg)
    reach = csr_matrix((np.ones(m), (u, v)), shape=(n, n))
    if connected_components(reach, directed=True, connection="strong")[0] != 1:
        msg = "the graph is not strongly connected"
        raise CacheEntryError(msg)
    attributes = arrays["attributes"]
    return NetworkData(
        node_id=ids,
        node_xy=xy,
        edge_uvk=uvk,
        edge_length=lengths,
        geom_offsets=offsets,
        geom_coords=coords,
        graph_attrs=graph_attrs,
        attributes=lambda: _lazy_attributes(attributes, n, m, path),
    )


def read_graph(path: Path) -> nx.MultiDiGraph:
    """Read and validate a graph written by :func:`write_graph` (see :func:`read_network`).

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
    data = read_network(path)
    data.attributes()  # raises CacheEntryError for attributes that fail their checks
    return WalkingNetwork(data).graph
