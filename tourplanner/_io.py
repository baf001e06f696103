"""Safe output files (private): all-or-nothing writes that never clobber a user's file.

Every output is first written in full to a temporary file beside its
destination. Inside :func:`output_transaction` nothing is moved into place
until the block ends without an error; then all outputs are renamed over their
destinations together (a replaced file is kept aside until every rename
succeeded, and put back if one fails). On any failure, an interrupt included,
no output and no temporary file is left. Outside a transaction each write is a
transaction of its own.

An existing file is replaced only if tourplanner wrote it or the user passed
``--force``. "Written by tourplanner" is a record, not a guess: after each
write the file's absolute path, size and SHA-256 are stored in
``outputs.json`` in the cache folder, and a file counts as ours only while its
content still has that digest (a file the user edited or wrote is theirs).
New files get the mode the umask allows; a replaced file keeps its mode.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tourplanner import settings
from tourplanner.errors import OutputError

__all__ = [
    "GENERATOR",
    "OutputTransaction",
    "check_output_path",
    "output_transaction",
    "write_text_atomic",
    "written_by_us",
]

logger = logging.getLogger(__name__)

#: Generator name that tourplanner puts in the files it writes.
GENERATOR: Final = "tourplanner"
_RECORD: Final = "outputs.json"
_RECORD_MAX_ENTRIES: Final = 2000
_RECORD_MAX_BYTES: Final = 4 * 1024 * 1024
_TMP_PREFIX: Final = ".tourplanner-"


def _parent(path: Path) -> Path:
    return path.parent if str(path.parent) else Path()


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def check_output_path(
    path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()
) -> Path:
    """Check that ``path`` can be written without losing a user's file.

    Parameters
    ----------
    path
        The output file.
    force
        Replace an existing file even if tourplanner did not write it.
    inputs
        The files the same command reads; an output may not be one of them.

    Returns
    -------
    pathlib.Path
        The path.

    Raises
    ------
    OutputError
        If the name is too long, the path is not a regular file (a directory,
        FIFO, device or symbolic link), its folder does not exist or is not
        writable, it is one of ``inputs``, or it is a file tourplanner did not
        write (without ``force``).
    """
    path = Path(path)
    parent = _parent(path)
    if len(path.name.encode("utf-8", "surrogatepass")) > _name_max(
        parent if parent.is_dir() else Path()
    ):
        msg = (
            f"output name {path.name[:40]}... is longer than {_name_max(Path())} bytes: "
            "choose a shorter name"
        )
        raise OutputError(msg)
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        msg = f"output {path} cannot be checked ({exc.strerror}): choose another path"
        raise OutputError(msg) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = (
            "a directory"
            if stat.S_ISDIR(info.st_mode)
            else "a symbolic link"
            if stat.S_ISLNK(info.st_mode)
            else "a FIFO"
            if stat.S_ISFIFO(info.st_mode)
            else "a device or special file"
        )
        fix = (
            f"give a file name such as {path / 'tour.html'}"
            if stat.S_ISDIR(info.st_mode)
            else "give the path of a regular file"
        )
        msg = f"output {path} is {kind}, not a regular file: {fix}"
        raise OutputError(msg)
    for given in inputs:
        if _same_file(path, Path(given)):
            msg = f"output {path} is also an input of this command: choose another output name"
            raise OutputError(msg)
    if not parent.is_dir():
        msg = f"output folder {parent} does not exist: create it or choose another path"
        raise OutputError(msg)
    try:  # a real probe: permission bits alone do not tell (root, read-only mounts, /proc)
        fd, probe = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}probe-", dir=parent)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        msg = f"output folder {parent} is not writable ({exc.strerror}): choose another path"
        raise OutputError(msg) from None
    if info is not None and not force and not written_by_us(path):
        msg = (
            f"output {path} exists and was not written by tourplanner: "
            "choose another name or pass --force to replace it"
        )
        raise OutputError(msg)
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


# --- the record of what tourplanner wrote --------------------------------------------------


def _record_path() -> Path:
    return settings.cache_dir() / _RECORD


def _digest(path: Path) -> tuple[int, str] | None:
    sha = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            while chunk := handle.read(1 << 20):
                sha.update(chunk)
    except OSError:
        return None
    return size, sha.hexdigest()


def _read_record() -> dict[str, list[object]]:
    path = _record_path()
    try:
        if path.stat().st_size > _RECORD_MAX_BYTES:
            return {}
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), dict):
        return {}
    return {
        str(k): v
        for k, v in doc["files"].items()
        if isinstance(v, list) and len(v) == 2 and isinstance(v[0], int) and isinstance(v[1], str)
    }


def written_by_us(path: str | Path) -> bool:
    """Return whether ``path`` is a file tourplanner wrote and nobody changed since.

    Parameters
    ----------
    path
        An existing file.

    Returns
    -------
    bool
        True if the record holds this path with the file's current size and
        SHA-256.
    """
    entry = _read_record().get(str(Path(path).resolve()))
    if entry is None:
        return False
    current = _digest(Path(path))
    return current is not None and list(current) == entry


def _remember(paths: Iterable[Path]) -> None:
    """Add ``paths`` (just written) to the record; a failure only costs a later --force."""
    files = _read_record()
    for path in paths:
        current = _digest(path)
        if current is not None:
            key = str(path.resolve())
            files.pop(key, None)
            files[key] = list(current)
    kept = dict(list(files.items())[-_RECORD_MAX_ENTRIES:])
    record = _record_path()
    try:
        record.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=record.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": 1, "files": kept}, handle)
            Path(tmp).replace(record)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        logger.warning("Could not record the outputs in %s (%s)", record, exc.strerror)


# --- the transaction -----------------------------------------------------------------------


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@dataclass
class OutputTransaction:
    """The outputs of one command: staged as temporary files, then moved in together.

    Attributes
    ----------
    staged
        ``(temporary file, destination)`` pairs written so far.
    """

    staged: list[tuple[Path, Path]] = field(default_factory=list)

    def stage(self, path: Path, data: bytes) -> None:
        """Write ``data`` to a temporary file beside ``path`` (not moved yet)."""
        parent = _parent(path)
        try:
            mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else _new_file_mode()
            fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".tmp", dir=parent)
        except OSError as exc:
            msg = f"cannot write {path} ({exc.strerror}): choose another path"
            raise OutputError(msg) from None
        tmp = Path(tmp_name)
        self.staged.append((tmp, path))
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            tmp.chmod(mode)
        except OSError as exc:
            msg = f"cannot write {path} ({exc.strerror}): choose another path"
            raise OutputError(msg) from None

    def discard(self) -> None:
        """Remove every staged temporary file."""
        for tmp, _ in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged.clear()

    def commit(self) -> None:
        """Move every staged file into place, all or none.

        Raises
        ------
        OutputError
            If a rename fails; the files replaced so far are restored.
        """
        current: Path | None = None
        moved: list[tuple[Path, Path | None]] = []  # (destination, a copy of its old content)
        copies: list[Path] = []
        try:
            for tmp, path in self.staged:
                current = path
                backup: Path | None = None
                if path.exists():
                    fd, name = tempfile.mkstemp(
                        prefix=_TMP_PREFIX, suffix=".old", dir=_parent(path)
                    )
                    os.close(fd)
                    backup = Path(name)
                    copies.append(backup)
                    shutil.copy2(path, backup)
                tmp.replace(path)
                moved.append((path, backup))
        except BaseException as exc:
            for path, backup in reversed(moved):
                if backup is not None:
                    backup.replace(path)
                else:
                    path.unlink(missing_ok=True)
            for copy in copies:
                copy.unlink(missing_ok=True)
            self.discard()
            if isinstance(exc, OSError):
                msg = f"cannot write {current} ({exc.strerror}): nothing was written"
                raise OutputError(msg) from None
            raise
        for copy in copies:
            copy.unlink(missing_ok=True)
        _remember(path for _, path in self.staged)
        self.staged.clear()


_ACTIVE: contextvars.ContextVar[OutputTransaction | None] = contextvars.ContextVar(
    "tourplanner_output_transaction", default=None
)


@contextlib.contextmanager
def output_transaction() -> Iterator[OutputTransaction]:
    """Group the writes of the block into one all-or-nothing transaction.

    Every :func:`write_text_atomic` inside the block (and so every
    ``write_map``, ``write_geojson`` and ``write_text``) only stages its file;
    the files are moved into place when the block ends without an exception.

    Yields
    ------
    OutputTransaction
        The transaction.
    """
    if _ACTIVE.get() is not None:
        msg = "output transactions do not nest"
        raise RuntimeError(msg)
    transaction = OutputTransaction()
    token = _ACTIVE.set(transaction)
    try:
        yield transaction
    except BaseException:
        transaction.discard()
        raise
    finally:
        _ACTIVE.reset(token)
    transaction.commit()


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file, then rename).

    Inside :func:`output_transaction` the file is only staged.

    Parameters
    ----------
    path
        Destination file.
    text
        Content, written as UTF-8 (a lone surrogate is refused).

    Raises
    ------
    OutputError
        If the file cannot be written; no partial file is left behind.
    """
    path = Path(path)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        msg = f"cannot write {path}: the text holds an invalid character (a lone surrogate)"
        raise OutputError(msg) from None
    active = _ACTIVE.get()
    if active is not None:
        active.stage(path, data)
        return
    with output_transaction() as transaction:
        transaction.stage(path, data)
