"""Tests of tourplanner.people: interests, pace, meal breaks, conflicting options."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tourplanner.errors import TourError
from tourplanner.people import (
    PACES,
    PROFILES,
    check_request,
    describe_preferences,
    pace_factors,
    parse_interests,
    parse_lunch,
)
from tourplanner.sites import CATEGORIES

NAMES = st.sampled_from(CATEGORIES)


@given(st.dictionaries(NAMES, st.floats(0, 100, allow_nan=False), min_size=1, max_size=5))
def test_interests_round_trip(weights: dict[str, float]) -> None:
    text = ",".join(f"{k}={v!r}" for k, v in weights.items())
    if text in PROFILES:
        return
    assert parse_interests(text) == weights


@pytest.mark.parametrize(
    "text", ["museum", "museum=-1", "museum=nan", "=2", "museum=2,x", "musuem=2", "x" * 5000 + "=1"]
)
def test_bad_interests_are_refused(text: str) -> None:
    with pytest.raises(TourError, match="--interests"):
        parse_interests(text)


def test_profiles_and_paces() -> None:
    assert parse_interests("history")["heritage"] == 2.0
    assert set(PACES) == {"relaxed", "normal", "brisk"}
    assert pace_factors("normal") == (1.0, 1.0)
    with pytest.raises(TourError, match="pace"):
        pace_factors("run")


@given(
    st.integers(0, 22 * 60),
    st.integers(1, 180),
    st.integers(0, 120),
)
def test_lunch_parses_or_is_refused(start: int, length: int, minutes: int) -> None:
    end = min(start + length, 23 * 60 + 59)
    text = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}/{minutes}"
    if 0 < minutes <= end - start:
        assert parse_lunch(text) == (start * 60.0, end * 60.0, minutes * 60.0)
    else:
        with pytest.raises(TourError, match="--lunch"):
            parse_lunch(text)


@pytest.mark.parametrize("text", ["12-13/45", "12:00-13:30", "noon", "12:00-13:30/x"])
def test_malformed_lunch_is_refused(text: str) -> None:
    with pytest.raises(TourError, match="HH:MM-HH:MM/MINUTES"):
        parse_lunch(text)


BASE = {
    "stops": None,
    "must": (),
    "exclude": (),
    "days": 1,
    "start": None,
    "end": None,
    "round_trip": False,
    "interests": None,
}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"stops": ["a"], "must": ["b"]}, "--must b"),
        ({"stops": ["a"], "exclude": ["a"]}, "--exclude a"),
        ({"stops": ["a"], "days": 2}, "--days 2"),
        ({"stops": ["a"], "interests": {"museum": 2.0}}, "--interests"),
        ({"stops": ["a"], "lunch": (43200.0, 48600.0, 2700.0)}, "--lunch"),
        ({"stops": ["a"], "max_walk_km": 3.0}, "--max-walk-km"),
        ({"round_trip": True, "end": "x", "start": "y"}, "--round-trip"),
    ],
)
def test_conflicts_are_refused(change: dict[str, object], needle: str) -> None:
    with pytest.raises(TourError, match=needle):
        check_request(**{**BASE, **change})  # type: ignore[arg-type]


def test_compatible_requests_pass_and_are_described() -> None:
    check_request(**{**BASE, "stops": ["a", "b"], "must": ["a"]})  # type: ignore[arg-type]
    check_request(**{**BASE, "round_trip": True, "end": "y", "start": "y"})  # type: ignore[arg-type]
    lines = describe_preferences(
        {"museum": 2.0}, "brisk", variety=0.5, max_walk_km=3, lunch=(43200.0, 48600.0, 2700.0)
    )
    assert lines == [
        "Interests: scores weighted museum x2 (other categories x1)",
        "Pace brisk: walking times x0.85, time on site x0.8",
        "Variety: the 2nd site of one category in a day counts x0.5, the 3rd x0.25, ...",
        "Walking capped at 3 km a day",
        "Meal break of 45 min between 12:00 and 13:30, at a market when one fits",
    ]


def test_a_misspelt_interest_gets_a_did_you_mean() -> None:
    with pytest.raises(TourError, match="did you mean 'museum'"):
        parse_interests("musuem=2")
