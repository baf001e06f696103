"""Safe output files (private): atomic writes that never clobber a user's file.

An output is written to a temporary file in the destination folder and renamed
over the destination, so a reader sees the old file or the new one, never half
of one. An existing file is replaced only if tourplanner wrote it (it carries
the generator marker) or the user passed ``--force``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Final

from tourplanner.errors import OutputError

__all__ = ["GENERATOR", "check_output_path", "write_text_atomic"]

#: Marker that tourplanner puts in every file it writes.
GENERATOR: Final = "tourplanner"


def check_output_path(path: str | Path, *, force: bool = False) -> Path:
    """Check that ``path`` can be written without losing a user's file.

    Parameters
    ----------
    path
        The output file.
    force
        Replace an existing file even if tourplanner did not write it.

    Returns
    -------
    pathlib.Path
        The path.

    Raises
    ------
    OutputError
        If the path is a directory, its folder does not exist or is not
        writable, or it is a file tourplanner did not write (without ``force``).
    """
    path = Path(path)
    if path.is_dir():
        msg = f"output {path} is a directory: give a file name such as {path / 'tour.html'}"
        raise OutputError(msg)
    parent = path.parent if str(path.parent) else Path()
    if not parent.is_dir():
        msg = f"output folder {parent} does not exist: create it or choose another path"
        raise OutputError(msg)
    try:  # a real probe: permission bits alone do not tell (root, read-only mounts, /proc)
        fd, probe = tempfile.mkstemp(prefix=".tourplanner-probe-", dir=parent)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        msg = f"output folder {parent} is not writable ({exc.strerror}): choose another path"
        raise OutputError(msg) from None
    if path.exists() and not force and not _written_by_us(path):
        msg = (
            f"output {path} exists and was not written by tourplanner: "
            "choose another name or pass --force to replace it"
        )
        raise OutputError(msg)
    return path


def _written_by_us(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(16384)
    except OSError:
        return False
    markers = (
        f'"generator": "{GENERATOR}"',  # GeoJSON
        f'<meta name="generator" content="{GENERATOR}"',  # HTML map and itinerary
        f"generator: {GENERATOR}",  # Markdown itinerary
        f'creator="{GENERATOR}"',  # GPX
    )
    return any(marker.encode() in head for marker in markers)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file, then rename).

    Parameters
    ----------
    path
        Destination file.
    text
        Content, written as UTF-8.

    Raises
    ------
    OutputError
        If the file cannot be written; no partial file is left behind.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path()
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        msg = f"cannot write {path} ({exc.strerror}): choose another path"
        raise OutputError(msg) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        Path(tmp_name).chmod(0o644)
        Path(tmp_name).replace(path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        msg = f"cannot write {path} ({exc.strerror}): choose another path"
        raise OutputError(msg) from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
