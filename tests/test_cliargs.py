"""Tests of the argument types: tables of accepted and refused forms, and properties."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tourplanner._cliargs import (
    add_global_options,
    parse_days,
    parse_duration,
    parse_minutes_list,
    parse_point,
    parse_positive_minutes,
    parse_time,
)

T = dt.time
D = dt.timedelta


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00", T(9, 0)),
        ("09:00", T(9, 0)),
        ("9", T(9, 0)),
        ("21", T(21, 0)),
        ("0", T(0, 0)),
        ("21:30", T(21, 30)),
        ("23:59", T(23, 59)),
        ("09:00:30", T(9, 0, 30)),
        ("9am", T(9, 0)),
        ("9AM", T(9, 0)),
        ("9 am", T(9, 0)),
        ("9a.m.", T(9, 0)),
        ("9pm", T(21, 0)),
        ("9:30pm", T(21, 30)),
        ("9:30 PM", T(21, 30)),
        ("12am", T(0, 0)),
        ("12pm", T(12, 0)),
        ("12:15am", T(0, 15)),
        (" 10:30 ", T(10, 30)),
    ],
)
def test_accepted_times(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("24:00", "out of range"),
        ("25", "out of range"),
        ("9:60", "out of range"),
        ("13pm", "12-hour clock"),
        ("0am", "12-hour clock"),
        ("9:5", "not a clock time"),
        ("9.30", "not a clock time"),
        ("noon", "not a clock time"),
        ("", "not a clock time"),
        ("-9", "not a clock time"),
        ("9::00", "not a clock time"),
        ("0900", "not a clock time"),
    ],
)
def test_refused_times(text: str, reason: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=reason) as info:
        parse_time(text)
    assert "9am" in str(info.value) or "1-12" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4h", D(hours=4)),
        ("4h30", D(hours=4, minutes=30)),
        ("4h30m", D(hours=4, minutes=30)),
        ("2h30m", D(hours=2, minutes=30)),
        ("2h 30min", D(hours=2, minutes=30)),
        ("270m", D(minutes=270)),
        ("4.5h", D(hours=4, minutes=30)),
        ("90 min", D(minutes=90)),
        ("90 minutes", D(minutes=90)),
        ("1 hour", D(hours=1)),
        ("3 hours", D(hours=3)),
        ("1.25h", D(minutes=75)),
        ("24h", D(hours=24)),
        ("0.5m", D(seconds=30)),
        ("4H30M", D(hours=4, minutes=30)),
    ],
)
def test_accepted_durations(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("90", "no unit: write 90m for minutes or 90h"),
        ("4:30", "looks like a clock time"),
        ("18:00", "--end-time"),
        ("0h", "not positive"),
        ("0m", "not positive"),
        ("25h", "more than a day"),
        ("2h90m", "fewer than 60"),
        ("4h60", "fewer than 60"),
        ("4 days", "not like"),
        ("h", "not like"),
        ("-2h", "not like"),
        ("", "not like"),
        ("4h30h", "not like"),
    ],
)
def test_refused_durations(text: str, reason: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=reason):
        parse_duration(text)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59))
def test_24_hour_forms_round_trip(hour: int, minute: int) -> None:
    expected = dt.time(hour, minute)
    assert parse_time(f"{hour}:{minute:02d}") == expected
    assert parse_time(f"{hour:02d}:{minute:02d}") == expected
    assert parse_time(expected.strftime("%H:%M")) == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["", " "]))
def test_12_hour_form_agrees_with_strftime(hour: int, minute: int, space: str) -> None:
    expected = dt.time(hour, minute)
    twelve = expected.strftime("%I:%M").lstrip("0") + space + expected.strftime("%p")
    assert parse_time(twelve) == expected
    assert parse_time(twelve.lower()) == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 24), st.integers(0, 59))
def test_duration_forms_agree(hours: int, minutes: int) -> None:
    total = dt.timedelta(hours=hours, minutes=minutes)
    if not dt.timedelta(0) < total <= dt.timedelta(hours=24):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_duration(f"{hours}h{minutes:02d}")
        return
    assert parse_duration(f"{hours}h{minutes:02d}") == total
    assert parse_duration(f"{hours}h {minutes}m") == total
    assert parse_duration(f"{hours * 60 + minutes}m") == total
    assert parse_duration(f"{hours * 60 + minutes} min") == total


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_parsers_never_raise_anything_else(text: str) -> None:
    for parse in (parse_time, parse_duration):
        message = ""
        try:
            value: object = parse(text)
        except argparse.ArgumentTypeError as exc:
            message, value = str(exc), None
        assert "\n" not in message
        assert isinstance(value, dt.time | dt.timedelta) != bool(message)


def test_other_types() -> None:
    assert parse_point("60.17, 24.94") == (60.17, 24.94)
    assert parse_point(" kiasma ") == "kiasma"
    with pytest.raises(argparse.ArgumentTypeError, match="LAT,LON"):
        parse_point("124.9,60.1")
    assert parse_days("3") == 3
    with pytest.raises(argparse.ArgumentTypeError, match="whole number"):
        parse_days("two")
    with pytest.raises(argparse.ArgumentTypeError, match="less than 1"):
        parse_days("0")
    assert parse_minutes_list("15,5,10,5") == [5.0, 10.0, 15.0]
    with pytest.raises(argparse.ArgumentTypeError, match="positive"):
        parse_minutes_list("5,inf")
    assert parse_positive_minutes("10") == 10.0
    with pytest.raises(argparse.ArgumentTypeError, match="one number"):
        parse_positive_minutes("10,10")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="t")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run")
    run.add_argument("--x", default=1)
    add_global_options(parser, [run])
    return parser


@pytest.mark.parametrize(
    ("argv", "quiet", "verbose", "debug"),
    [
        (["run"], False, False, False),
        (["-q", "run"], True, False, False),
        (["run", "-q"], True, False, False),
        (["run", "--quiet", "--x", "2"], True, False, False),
        (["-v", "run"], False, True, False),
        (["run", "-v"], False, True, False),
        (["--debug", "run"], False, False, True),
        (["run", "--debug"], False, False, True),
        (["-q", "run", "-v"], True, True, False),
    ],
)
def test_global_options_before_or_after_the_command(
    argv: list[str], quiet: bool, verbose: bool, debug: bool
) -> None:
    args = _parser().parse_args(argv)
    assert (args.quiet, args.verbose, args.debug) == (quiet, verbose, debug)
