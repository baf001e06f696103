"""Bounded, validated reading of input files (private).

Every file tourplanner reads (a catalogue, an ``--area`` polygon, a tour to
compare, the cache's metadata) goes through here first: it must be a regular
file (not a FIFO or ``/dev/zero``) no larger than a stated limit, UTF-8 text,
and, for JSON, nested at most :data:`MAX_DEPTH` levels, with integers of at
most :data:`MAX_INT_DIGITS` digits, finite numbers only and no lone
surrogates in any string. Everything else is refused with one line naming the
file and the fix, before anything is converted.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any, Final

from tourplanner.errors import TourplannerError

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_INT_DIGITS",
    "check_json_value",
    "load_json",
    "parse_json",
    "read_bounded",
    "read_text_bounded",
]

#: Largest catalogue, area or tour file read (bytes).
MAX_INPUT_BYTES: Final = 64 * 1024 * 1024
#: Deepest nesting of JSON arrays and objects accepted.
MAX_DEPTH: Final = 64
#: Longest integer literal accepted (an OSM id has at most 19 digits).
MAX_INT_DIGITS: Final = 20
_MAX_FLOAT_CHARS: Final = 64


class _RefusedError(ValueError):
    """A JSON value refused while parsing (carries the reason)."""


def read_bounded(
    path: Path, *, what: str, error: type[TourplannerError], limit: int = MAX_INPUT_BYTES
) -> bytes:
    """Read a regular file of at most ``limit`` bytes.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (e.g. ``"site catalogue"``).
    error
        The exception class to raise.
    limit
        Largest size accepted, in bytes.

    Returns
    -------
    bytes
        The content.

    Raises
    ------
    TourplannerError
        (of class ``error``) if the file is missing, not a regular file,
        too large or unreadable.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        msg = f"{what} {path} does not exist: check the path"
        raise error(msg) from None
    except OSError as exc:
        msg = f"{what} {path} cannot be read ({exc.strerror}): check the path"
        raise error(msg) from None
    if stat.S_ISDIR(info.st_mode):
        msg = f"{what} {path} is a directory: give a file"
        raise error(msg)
    if not stat.S_ISREG(info.st_mode):
        msg = f"{what} {path} is not a regular file (a device, FIFO or socket): give a file"
        raise error(msg)
    if info.st_size > limit:
        msg = (
            f"{what} {path} is {info.st_size / 1e6:.1f} MB, more than the "
            f"{limit / 1e6:g} MB accepted: give a smaller file"
        )
        raise error(msg)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        msg = f"{what} {path} cannot be read ({exc.strerror}): check the path"
        raise error(msg) from None
    if len(data) > limit:  # it grew while being read
        msg = f"{what} {path} is more than {limit / 1e6:g} MB: give a smaller file"
        raise error(msg)
    return data


def read_text_bounded(
    path: Path, *, what: str, error: type[TourplannerError], limit: int = MAX_INPUT_BYTES
) -> str:
    """Read a bounded regular file as UTF-8 text (see :func:`read_bounded`)."""
    data = read_bounded(path, what=what, error=error, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"{what} {path} is not UTF-8 text ({exc.reason}): save it as UTF-8"
        raise error(msg) from None


def _int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        msg = f"an integer of {len(digits)} digits (at most {MAX_INT_DIGITS} are accepted)"
        raise _RefusedError(msg)
    return int(text)


def _float(text: str) -> float:
    if len(text) > _MAX_FLOAT_CHARS:
        msg = f"a number written with {len(text)} characters"
        raise _RefusedError(msg)
    value = float(text)
    if not math.isfinite(value):
        msg = f"the number {text[:20]} is out of range"
        raise _RefusedError(msg)
    return value


def _constant(text: str) -> Any:
    msg = f"the non-number {text}"
    raise _RefusedError(msg)


def check_json_value(value: Any) -> str | None:
    """Return why a parsed JSON value is refused, or ``None`` if it is acceptable.

    Checks nesting depth, lone surrogates in strings and keys, and that floats
    are finite (for values that did not come from :func:`parse_json`).
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return f"it is nested more than {MAX_DEPTH} levels deep"
            children = list(item.items()) if isinstance(item, dict) else item
            for child in children:
                if isinstance(child, tuple):
                    key, child_value = child
                    if isinstance(key, str) and _has_surrogate(key):
                        return "a key holds a lone surrogate (\\ud800-\\udfff), which is not text"
                    stack.append((child_value, depth + 1))
                else:
                    stack.append((child, depth + 1))
        elif isinstance(item, str):
            if _has_surrogate(item):
                return "a string holds a lone surrogate (\\ud800-\\udfff), which is not text"
        elif isinstance(item, float) and not math.isfinite(item):
            return "a number is not finite"
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_json(text: str, *, where: str, error: type[TourplannerError], fix: str) -> Any:
    """Parse JSON text with bounded nesting, integers and finite numbers only.

    Parameters
    ----------
    text
        The JSON text.
    where
        The input, for messages (e.g. ``"site catalogue sites.geojson"``).
    error
        The exception class to raise.
    fix
        What the user should do, ending the message.

    Returns
    -------
    Any
        The parsed value.

    Raises
    ------
    TourplannerError
        (of class ``error``) if the text is not such JSON.
    """
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _RefusedError as exc:
        msg = f"{where} holds {exc}: {fix}"
        raise error(msg) from None
    except RecursionError:
        msg = f"{where} is nested too deeply (more than {MAX_DEPTH} levels): {fix}"
        raise error(msg) from None
    except json.JSONDecodeError as exc:
        msg = f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}): {fix}"
        raise error(msg) from None
    except ValueError as exc:
        msg = f"{where} is not valid JSON ({exc}): {fix}"
        raise error(msg) from None
    problem = check_json_value(value)
    if problem is not None:
        msg = f"{where} is refused: {problem}: {fix}"
        raise error(msg)
    return value


def load_json(
    path: Path,
    *,
    what: str,
    error: type[TourplannerError],
    fix: str,
    limit: int = MAX_INPUT_BYTES,
) -> Any:
    """Read and parse a bounded JSON file (see :func:`read_bounded`, :func:`parse_json`)."""
    text = read_text_bounded(path, what=what, error=error, limit=limit)
    return parse_json(text, where=f"{what} {path}", error=error, fix=fix)
