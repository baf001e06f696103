"""Tests of what the command line prints: plurals, tables that fit, progress lines."""

from __future__ import annotations

import io
import logging

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tourplanner._terminal import (
    configure_logging,
    display_width,
    merged_lines,
    plural,
    progress_bar,
    render_table,
    step,
    terminal_width,
    wrap,
)


def test_plural() -> None:
    assert [plural(n, "stop") for n in (0, 1, 2)] == ["0 stops", "1 stop", "2 stops"]
    assert plural(1, "day") == "1 day"
    assert plural(3, "person", "people") == "3 people"


def test_terminal_width_honours_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "123")
    assert terminal_width() == 123
    monkeypatch.setenv("COLUMNS", "10")
    assert terminal_width() == 40  # never narrower than a usable table


def test_display_width_counts_cjk_twice() -> None:
    assert display_width("abc") == 3
    assert display_width("中国工业博物馆") == 14
    assert display_width("1905文化") == 8


def test_wrap_keeps_words_and_indent() -> None:
    text = "  In OpenStreetMap but not in the catalogue: a long line of words"
    lines = wrap(text, 20)
    assert all(display_width(line) <= 20 for line in lines)
    assert all(line.startswith("  ") for line in lines)
    assert " ".join(line.strip() for line in lines) == text.strip()
    assert wrap("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap("", 10) == [""]


def test_merged_lines_keeps_order_and_counts() -> None:
    items = ["Kiasma (tourism=museum)", "Lasipalatsi", "Kiasma (tourism=museum)"]
    assert merged_lines(items) == ["Kiasma (tourism=museum) (2x)", "Lasipalatsi"]


def test_long_column_is_wrapped_not_padded_into_every_row() -> None:
    frame = pd.DataFrame(
        {"a": ["x" * 3, "y"], "b": [1.0, 22.5], "sites": [" > ".join(["site"] * 60), "z"]},
        index=["one", "two"],
    )
    text = render_table(frame, width=80)
    lines = text.splitlines()
    assert max(display_width(line) for line in lines) <= 80
    assert lines[0].split() == ["a", "b", "sites"]
    assert text.count("site >") == 59  # nothing cut away
    # numbers are right-aligned under their header
    assert lines[1].index("1.0") + 3 == lines[-1].index("22.5") + 4


def test_too_many_columns_split_into_blocks_repeating_the_index() -> None:
    frame = pd.DataFrame(
        {f"tour_number_{i}": [f"value_{i}_{j}" for j in range(3)] for i in range(12)},
        index=pd.Index(["visits", "score", "km"], name="measure"),
    )
    text = render_table(frame, width=80)
    assert max(display_width(line) for line in text.splitlines()) <= 80
    blocks = text.split("\n\n")
    assert len(blocks) > 1
    assert all(block.splitlines()[1].startswith("visits") for block in blocks)
    for i in range(12):
        assert f"tour_number_{i}" in text
        assert all(f"value_{i}_{j}" in text for j in range(3))


cells = st.text(st.characters(codec="utf-8", exclude_categories=("C",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 8),
    st.integers(0, 5),
    st.integers(40, 160),
    st.data(),
)
def test_every_line_fits_and_every_word_survives(
    n_cols: int, n_rows: int, width: int, data: st.DataObject
) -> None:
    columns = {
        f"c{i}": data.draw(st.lists(cells, min_size=n_rows, max_size=n_rows)) for i in range(n_cols)
    }
    frame = pd.DataFrame(columns, index=[f"r{j}" for j in range(n_rows)])
    text = render_table(frame, width=width)
    assert all(display_width(line) <= width for line in text.splitlines())
    for values in columns.values():
        for value in values:  # a word that fits the narrowest column is never cut
            assert all(word in text for word in value.split() if display_width(word) <= 8)
    single = render_table(frame[["c0"]], width=width, index=False)
    flat = "".join(single.split())
    assert "".join("".join(v.split()) for v in ["c0", *columns["c0"]]) == flat


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def tourplanner_log() -> logging.Logger:
    configure_logging()
    return logging.getLogger("tourplanner")


def test_step_on_a_terminal_is_one_line_and_logs_go_above(tourplanner_log: logging.Logger) -> None:
    stream = _Tty()
    with step("loading the street network", stream=stream, interval_s=0.01):
        tourplanner_log.info("Read 2334 walkable ways")
    final = stream.getvalue().split("\r")[-1]
    assert "tourplanner: loading the street network (00:00)" in final
    assert stream.getvalue().count("\n") == 1  # one final line, nothing repeated


def test_step_off_a_terminal_draws_nothing(tourplanner_log: logging.Logger) -> None:
    stream = io.StringIO()
    with step("loading the street network", stream=stream):
        pass
    assert stream.getvalue() == ""


def test_progress_bar_reaches_100_percent_once_on_a_terminal(
    tourplanner_log: logging.Logger,
) -> None:
    stream = _Tty()
    with progress_bar(4, "catchments", "origin", stream=stream) as bar:
        for _ in range(4):
            bar.update(1)
    assert stream.getvalue().count("100%") == 1
    assert "4/4" in stream.getvalue()
    off = io.StringIO()
    with progress_bar(4, "catchments", "origin", stream=off) as bar:
        bar.update(4)
    assert off.getvalue() == ""


def test_quiet_hides_progress(tourplanner_log: logging.Logger) -> None:
    configure_logging(quiet=True)
    stream = _Tty()
    with step("solving", stream=stream):
        pass
    assert stream.getvalue() == ""
    configure_logging(verbose=True)
    assert tourplanner_log.isEnabledFor(logging.DEBUG)
    configure_logging(debug=True)
    osmnx_log = logging.getLogger("osmnx")
    try:
        assert osmnx_log.isEnabledFor(logging.DEBUG)
    finally:
        osmnx_log.handlers[:], osmnx_log.propagate = [], True
        osmnx_log.setLevel(logging.NOTSET)
