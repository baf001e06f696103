"""Tests of tourplanner.hours: opening hours for a date, and visit-start windows."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tourplanner.errors import CatalogueError
from tourplanner.hours import ALWAYS, check_opening_hours, open_intervals, start_windows

TIEXI = {"lat": 41.8190, "lon": 123.3492}
HELSINKI = {"lat": 60.17, "lon": 24.94}
H = 3600.0


@pytest.mark.parametrize(
    ("text", "day", "expected"),
    [
        # the China Industrial Museum: closed on Mondays and public holidays
        ("Tu-Su 09:00-16:00; PH off", dt.date(2026, 6, 2), ((9 * H, 16 * H),)),
        ("Tu-Su 09:00-16:00; PH off", dt.date(2026, 6, 1), ()),  # Monday
        ("Tu-Su 09:00-16:00; PH off", dt.date(2026, 10, 1), ()),  # National Day, a Thursday
        ("Tu-Su 09:00-16:00; PH off", dt.date(2026, 10, 8), ((9 * H, 16 * H),)),
        # the night market: evenings only
        ("17:30-23:00", dt.date(2026, 6, 6), ((17.5 * H, 23 * H),)),
        # a lunch break gives two windows
        ("Mo-Fr 09:00-12:00,14:00-18:00", dt.date(2026, 6, 3), ((9 * H, 12 * H), (14 * H, 18 * H))),
        ("Mo-Fr 09:00-12:00,14:00-18:00", dt.date(2026, 6, 6), ()),  # Saturday
        # month ranges
        ("Apr-Oct: 17:30-23:00; Nov-Mar off", dt.date(2026, 7, 1), ((17.5 * H, 23 * H),)),
        ("Apr-Oct: 17:30-23:00; Nov-Mar off", dt.date(2026, 12, 1), ()),
        # overnight: Friday 22:00 to Saturday 03:00 runs past midnight
        ("Fr-Sa 22:00-03:00", dt.date(2026, 6, 5), ((22 * H, 27 * H),)),
        # ... and the small hours of Saturday belong to Friday night's opening as well
        ("Fr-Sa 22:00-03:00", dt.date(2026, 6, 6), ((0.0, 3 * H), (22 * H, 27 * H))),
        ("24/7", dt.date(2026, 6, 5), ((0.0, 36 * H),)),
        ("off", dt.date(2026, 6, 5), ()),
    ],
)
def test_open_intervals(text, day, expected) -> None:
    assert open_intervals(text, day, **TIEXI) == expected


def test_no_hours_means_always_open() -> None:
    assert open_intervals(None, dt.date(2026, 1, 1), **TIEXI) == ALWAYS


def test_public_holidays_follow_the_site_country() -> None:
    # 6 December is Finland's Independence Day, an ordinary Sunday in China
    day = dt.date(2026, 12, 6)
    assert open_intervals("Su 10:00-17:00; PH off", day, **HELSINKI) == ()
    assert open_intervals("Su 10:00-17:00; PH off", day, **TIEXI) == ((10 * H, 17 * H),)


def test_start_windows_end_a_visit_by_closing_time() -> None:
    assert start_windows(((9 * H, 16 * H),), visit_s=3 * H) == ((9 * H, 13 * H),)
    assert start_windows(((9 * H, 12 * H), (14 * H, 15 * H)), visit_s=2 * H) == ((9 * H, 10 * H),)
    assert start_windows(((9 * H, 10 * H),), visit_s=H) == ((9 * H, 9 * H),)
    assert start_windows((), visit_s=60) == ()


@pytest.mark.parametrize(
    "text", ["Mo-Fx 09:00-16:00", "09:00-", "Tu-Su 25:00-26:00 xyz", "nonsense"]
)
def test_unparseable_hours_name_the_site_and_string(text) -> None:
    with pytest.raises(CatalogueError) as info:
        check_opening_hours(text, where="site museum (China Industrial Museum)", **TIEXI)
    message = str(info.value)
    assert "museum (China Industrial Museum)" in message
    assert repr(text) in message
    assert "\n" not in message


@given(
    st.lists(st.integers(0, 23), min_size=2, max_size=6, unique=True),
    st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)),
)
@settings(max_examples=50, deadline=None)
def test_generated_hours_round_trip(hours, day) -> None:
    """A 'HH:00-HH:00,...' rule gives back exactly its intervals on any day."""
    hours = sorted(hours)
    pairs = list(zip(hours[::2], hours[1::2], strict=False))
    text = ",".join(f"{a:02d}:00-{b:02d}:00" for a, b in pairs if b > a)
    if not text:
        return
    expected = tuple((a * H, b * H) for a, b in pairs if b > a)
    # Chinese public holidays are not excluded by a rule without "PH off"
    assert open_intervals(text, day, **TIEXI) == expected
    for a, b in start_windows(expected, visit_s=1800):
        assert b - a >= 0


# Issue 8: unknown hours have a default per category; ambiguous ", " rules are named.


def test_unknown_hours_get_a_default_window_per_category() -> None:
    from tourplanner.hours import INDOOR_DEFAULT_HOURS, default_hours

    assert default_hours("square") is None
    assert default_hours("greenway") is None
    assert default_hours("monument") is None
    assert default_hours("park") == "08:00-20:00"
    assert default_hours("museum") == INDOOR_DEFAULT_HOURS == "09:00-17:00"
    assert default_hours("heritage") == "09:00-17:00"


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("Tu, Fr 10:00-18:00", "Tu; Fr 10:00-18:00"),
        ("Mo, We-Fr 09:00-17:00", "Mo; We-Fr 09:00-17:00"),
    ],
)
def test_additional_rule_comma_is_warned_with_its_reading(text: str, reading: str) -> None:
    from tourplanner.hours import ambiguity_warning

    line = ambiguity_warning(
        text, where="Site X", lat=60.17, lon=24.94, week_of=dt.date(2026, 6, 1)
    )
    assert line is not None
    assert line.startswith("Site X: ") and repr(text) in line and repr(reading) in line


@pytest.mark.parametrize(
    "text",
    [
        "Tu,Fr 10:00-18:00",
        "Mo-Fr 08:00-18:00, Sa 09:00-12:00",  # a real additional rule with its own hours
        "Mo-Fr 10:00-12:00, 14:00-18:00",  # two time ranges
        "Tu-Su 09:00-16:00; PH off",
    ],
)
def test_unambiguous_strings_are_not_warned(text: str) -> None:
    from tourplanner.hours import ambiguity_warning

    assert (
        ambiguity_warning(text, where="S", lat=60.17, lon=24.94, week_of=dt.date(2026, 6, 1))
        is None
    )
