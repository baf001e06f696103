"""What the command line prints: plurals, tables that fit, summaries, progress.

One table renderer (:func:`render_table`) serves every command, so every
table fits the terminal width (``shutil.get_terminal_size``, which honours
``COLUMNS``): long cells are wrapped, and a table with too many columns is
split into blocks that each repeat the row labels. Progress goes to stderr:
on a terminal each long step is one line that is rewritten in place (log
lines are printed above it); when stderr is not a terminal only the log lines
appear.

>>> plural(1, "stop"), plural(3, "site")
('1 stop', '3 sites')
"""

from __future__ import annotations

import logging
import shutil
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

import pandas as pd
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from tourplanner._shell import safe_formatter
from tourplanner._text import terminal_text
from tourplanner.tour import Tour

__all__ = [
    "configure_logging",
    "display_width",
    "merged_lines",
    "plural",
    "progress_bar",
    "render_table",
    "step",
    "terminal_width",
    "tour_summary",
    "wrap",
]

logger = logging.getLogger("tourplanner")
_MIN_COLUMN = 8
_COMFORT = 16  # a wrapped text column is kept at least this wide when columns are split
_GAP = "  "


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """Return ``"1 stop"``, ``"2 stops"``: the count and the word, agreed.

    Parameters
    ----------
    count
        How many.
    word
        The singular.
    plural_form
        The plural when it is not ``word + "s"``.

    Returns
    -------
    str
        E.g. ``"1 site"``.
    """
    return f"{count} {word if count == 1 else (plural_form or word + 's')}"


def terminal_width(default: int = 80) -> int:
    """Return the terminal's width in columns (``COLUMNS`` wins), at least 40.

    Parameters
    ----------
    default
        The width when stdout is not a terminal and ``COLUMNS`` is unset.

    Returns
    -------
    int
        Columns.
    """
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def display_width(text: str) -> int:
    """Return how many terminal columns ``text`` takes (CJK characters take two).

    Parameters
    ----------
    text
        One line.

    Returns
    -------
    int
        Columns.
    """
    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in {"W", "F"}
        else 1
        for ch in text
    )


def _cut(word: str, width: int) -> list[str]:
    """Cut one word into pieces of at most ``width`` columns."""
    pieces, current = [], ""
    for ch in word:
        if current and display_width(current + ch) > width:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current] if current else pieces


def wrap(text: str, width: int) -> list[str]:
    """Wrap ``text`` into lines of at most ``width`` columns, breaking long words.

    Parameters
    ----------
    text
        The text; its newlines are kept, and a paragraph's leading blanks
        indent all of its lines.
    width
        Columns, at least 1.

    Returns
    -------
    list of str
        The lines (one empty line for empty text).
    """
    lines: list[str] = []
    for raw in text.split("\n"):
        paragraph = terminal_text(raw)
        indent = paragraph[: len(paragraph) - len(paragraph.lstrip())]
        indent = indent if display_width(indent) < width // 2 else ""
        room = width - display_width(indent)
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if display_width(candidate) <= room:
                current = candidate
                continue
            if current:
                lines.append(indent + current)
            pieces = _cut(word, room)
            lines.extend(indent + piece for piece in pieces[:-1])
            current = pieces[-1]
        lines.append(indent + current if current else "")
    return lines or [""]


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def _fit(natural: list[int], minimum: list[int], room: int) -> list[int]:
    """Shrink the widest columns until the widths sum to at most ``room``."""
    widths = list(natural)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: (widths[i] - minimum[i], widths[i]))
        if widths[widest] <= minimum[widest]:
            break
        widths[widest] -= 1
    return widths


def _cell(value: Any, float_format: Callable[[float], str] | None) -> str:
    if isinstance(value, float) and float_format is not None:
        return "" if pd.isna(value) else float_format(value)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return terminal_text(value)


def render_table(
    frame: pd.DataFrame,
    *,
    width: int | None = None,
    index: bool = True,
    float_format: Callable[[float], str] | None = None,
) -> str:
    r"""Render ``frame`` as a plain-text table no wider than ``width``.

    Long cells are wrapped on spaces (words longer than the column are cut);
    when even the narrowest columns do not fit, the columns are split into
    blocks, each repeating the index column.

    Parameters
    ----------
    frame
        The table.
    width
        Columns available (default :func:`terminal_width`).
    index
        Whether to show the index as the first column.
    float_format
        Formats float cells (default ``str``).

    Returns
    -------
    str
        The table, lines separated by newlines, every line at most ``width``
        columns wide.
    """
    width = width or terminal_width()
    columns = [  # by position: two tours may carry the same label
        _Column(
            str(c),
            [_cell(v, float_format) for v in frame.iloc[:, i].tolist()],
            _is_numeric(frame.iloc[:, i]),
        )
        for i, c in enumerate(frame.columns)
    ]
    lead = None
    if index:
        name = "" if frame.index.name is None else str(frame.index.name)
        lead = _Column(name, [terminal_text(v) for v in frame.index], right=False)
        lead.floor = min(lead.floor, width // 2)
    room = width - (lead.floor + len(_GAP) if lead else 0)
    for column in columns:
        column.comfort = min(column.comfort, room)
    blocks: list[list[_Column]] = [[]]
    for column in columns:
        need = sum(c.comfort + len(_GAP) for c in [*blocks[-1], column]) - len(_GAP)
        if blocks[-1] and need > room:
            blocks.append([])
        blocks[-1].append(column)
    out: list[str] = []
    for block in blocks:
        shown = ([lead] if lead else []) + block
        available = width - len(_GAP) * (len(shown) - 1)
        widths = _fit([c.natural for c in shown], [c.floor for c in shown], available)
        widths = _fit(widths, [min(_MIN_COLUMN, w) for w in widths], available)
        if out:
            out.append("")
        for row in range(-1, len(frame)):
            texts = [c.header if row < 0 else c.cells[row] for c in shown]
            wrapped = [wrap(t, w) for t, w in zip(texts, widths, strict=True)]
            for line in range(max(len(w) for w in wrapped)):
                parts = [
                    _pad(w[line] if line < len(w) else "", wi, right=c.right and row >= 0)
                    for w, wi, c in zip(wrapped, widths, shown, strict=True)
                ]
                out.append(_GAP.join(parts).rstrip())
    return "\n".join(out)


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series.dtype)) and not pd.api.types.is_bool_dtype(
        series.dtype
    )


class _Column:
    """One column's texts and widths: natural (widest cell), floor (longest word), comfort."""

    def __init__(self, header: str, cells: list[str], right: bool) -> None:
        self.header, self.cells, self.right = header, cells, right
        texts = [header, *cells]
        self.natural = max(display_width(line) for t in texts for line in t.split("\n") or [""])
        longest_word = max((display_width(w) for t in texts for w in t.split()), default=0)
        self.floor = min(self.natural, max(_MIN_COLUMN, longest_word))
        self.comfort = min(self.natural, max(self.floor, _COMFORT))


def merged_lines(items: Sequence[str]) -> list[str]:
    """Merge duplicates, keeping the first order: ``["a", "b", "a"]`` -> ``a (2x)``, ``b``.

    Parameters
    ----------
    items
        The lines, possibly repeated.

    Returns
    -------
    list of str
        One line per distinct item, with ``(Nx)`` when it occurred N > 1 times.
    """
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return [f"{item} ({n}x)" if n > 1 else item for item, n in counts.items()]


def _day_line(stops: int, visits: int, distance_m: float, walking_s: float) -> str:
    from tourplanner.maps import format_minutes  # noqa: PLC0415 - folium is heavy

    what = plural(stops, "stop")
    if visits != stops:
        what += f" ({plural(visits, 'visit')})"
    return f"{what}, {distance_m / 1000:.2f} km, {format_minutes(walking_s)} walking"


def tour_summary(tour: Tour, *, width: int | None = None) -> str:
    """Summarise a tour for the terminal: its stops by day, totals and what was left out.

    Parameters
    ----------
    tour
        The planned or checked tour.
    width
        Columns available (default :func:`terminal_width`).

    Returns
    -------
    str
        Lines for stdout. A tour of several days has a header per day.
    """
    width = width or terminal_width()
    several = len(tour.days) > 1
    lines: list[str] = []
    for day in tour.days:
        if several:
            if lines:
                lines.append("")
            lines.append(f"Day {day.index + 1}, {day.date:%a %d %b %Y}")
        for stop in day.stops:
            name = terminal_text(stop.name + (f" ({stop.name_zh})" if stop.name_zh else ""))
            if stop.wait_s >= 60:
                name += f", after waiting {round(stop.wait_s / 60)} min"
            head = f"{stop.order:>2}. {stop.arrival:%H:%M}-{stop.departure:%H:%M}  "
            body = wrap(name, max(10, width - len(head)))
            lines.append(head + body[0])
            lines.extend(" " * len(head) + rest for rest in body[1:])
        if several and day.stops:
            visits = sum(1 for s in day.stops if s.kind == "visit")
            line = _day_line(
                len(day.stops),
                visits,
                sum(leg.distance_m for leg in day.legs),
                sum(leg.duration_s for leg in day.legs),
            )
            lines.append(
                f"    {line}, {day.stops[0].arrival:%H:%M}-{day.stops[-1].departure:%H:%M}"
            )
    if several:
        lines.append("")
    total = _day_line(len(tour.stops), len(tour.visits), tour.distance_m, tour.walking_s)
    span = f"{tour.start:%H:%M}-{tour.end:%H:%M}"
    if several:
        lines.append(f"{plural(len(tour.days), 'day')}: {total}")
    else:
        lines.append(f"{total}, {span}")
    if tour.left_out:
        lines.append(f"Left out: {plural(len(tour.left_out), 'site')}")
        for left in tour.left_out:
            body = wrap(terminal_text(f"{left.name}: {left.detail}"), width - 4)
            lines.extend(("  - " if i == 0 else "    ") + part for i, part in enumerate(body))
    return "\n".join(lines)


def configure_logging(*, quiet: bool = False, verbose: bool = False, debug: bool = False) -> None:
    """Send tourplanner's log to stderr as ``tourplanner: message`` lines.

    Parameters
    ----------
    quiet
        Only warnings and errors.
    verbose
        Also tourplanner's debug messages.
    debug
        Debug messages from tourplanner and from the libraries it uses.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(safe_formatter("tourplanner: %(message)s"))
    root = logging.getLogger("tourplanner")
    root.handlers[:] = [handler]
    level = logging.DEBUG if verbose or debug else logging.INFO
    root.setLevel(logging.WARNING if quiet else level)
    root.propagate = False
    if debug:
        library = logging.StreamHandler(sys.stderr)
        library.setFormatter(safe_formatter("%(name)s: %(message)s"))
        for name in ("osmnx", "pyrosm", "urllib3", "requests"):
            other = logging.getLogger(name)
            other.handlers[:] = [library]
            other.setLevel(logging.DEBUG)
            other.propagate = False


def _on_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def step(label: str, *, stream: IO[str] | None = None, interval_s: float = 0.5) -> Iterator[None]:
    """Show ``label`` and its elapsed time as one line on stderr while the body runs.

    On a terminal the line is rewritten in place (log lines appear above it)
    and stays, once, when the step ends. When the stream is not a terminal or
    tourplanner's log is quiet, nothing is shown: the log lines say it all.

    Parameters
    ----------
    label
        What is happening, e.g. ``"loading the street network"``.
    stream
        Where to draw (default ``sys.stderr``).
    interval_s
        Seconds between redraws of the elapsed time.

    Yields
    ------
    None
    """
    stream = stream or sys.stderr
    if not _on_terminal(stream) or not logger.isEnabledFor(logging.INFO):
        yield
        return
    bar = tqdm(
        total=None,
        desc=f"tourplanner: {label}",
        bar_format="{desc} ({elapsed})",
        file=stream,
        ncols=terminal_width(),
    )
    done = threading.Event()

    def tick() -> None:
        while not done.wait(interval_s):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        with logging_redirect_tqdm(loggers=[logger]):
            yield
    finally:
        done.set()
        ticker.join()
        bar.close()


@contextmanager
def progress_bar(
    total: int, desc: str, unit: str, *, stream: IO[str] | None = None
) -> Iterator[Any]:
    """Count progress with a bar on a terminal, silently elsewhere.

    Parameters
    ----------
    total
        How many items.
    desc, unit
        The bar's label and unit.
    stream
        Where to draw (default ``sys.stderr``).

    Yields
    ------
    tqdm.tqdm
        Call ``bar.update(n)``; the bar ends at 100 % once.
    """
    stream = stream or sys.stderr
    disable = not _on_terminal(stream) or not logger.isEnabledFor(logging.INFO)
    with (
        logging_redirect_tqdm(loggers=[logger]),
        tqdm(
            total=total,
            desc=f"tourplanner: {desc}",
            unit=unit,
            file=stream,
            disable=disable,
            ncols=terminal_width(),
        ) as bar,
    ):
        yield bar
