"""What a visitor asks for beyond sites and times: interests, pace, consistent options.

:func:`parse_interests` reads ``--interests`` (per-category weights or a named
profile of :data:`PROFILES`); :func:`pace_factors` turns a pace of
:data:`PACES` into factors on walking time and time on site;
:func:`check_request` refuses option combinations that cannot all be honoured;
:func:`describe_preferences` says in one line per setting how the tour was
planned (every output shows it).

Examples
--------
>>> parse_interests("museum=2,heritage=0.5")
{'museum': 2.0, 'heritage': 0.5}
>>> parse_interests("art")["museum"]
2.0
>>> pace_factors("relaxed")
(1.2, 1.25)
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Final

from tourplanner.errors import TourError
from tourplanner.sites import CATEGORIES

__all__ = [
    "PACES",
    "PROFILES",
    "check_request",
    "describe_preferences",
    "pace_factors",
    "parse_interests",
    "parse_lunch",
]

#: Named interest profiles: weight per category (others weigh 1).
PROFILES: Final[dict[str, dict[str, float]]] = {
    "art": {"museum": 2.0, "creative_park": 1.5, "heritage": 0.5, "monument": 0.5},
    "history": {"heritage": 2.0, "monument": 2.0, "landmark": 1.5, "museum": 1.5},
    "outdoors": {"park": 2.0, "greenway": 2.0, "square": 1.5, "museum": 0.5},
    "food": {"market": 2.0},
}

#: Pace presets: (factor on walking time, factor on time on site).
PACES: Final[dict[str, tuple[float, float]]] = {
    "relaxed": (1.2, 1.25),
    "normal": (1.0, 1.0),
    "brisk": (0.85, 0.8),
}


def parse_interests(text: str) -> dict[str, float]:
    """Read ``category=weight,...`` or a profile name of :data:`PROFILES`.

    Parameters
    ----------
    text
        E.g. ``"museum=2,heritage=0.5"`` or ``"art"``.

    Returns
    -------
    dict
        Weight per category (a weight of 0 means: not interested).

    Raises
    ------
    TourError
        For a malformed item, a negative or non-finite weight, or an unknown profile.
    """
    text = text.strip()
    if text in PROFILES:
        return dict(PROFILES[text])
    weights: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not sep or not name or not math.isfinite(weight) or weight < 0:
            profiles = ", ".join(sorted(PROFILES))
            msg = (
                f"--interests item {item.strip()!r} is not CATEGORY=WEIGHT with a weight >= 0: "
                f"write e.g. museum=2,heritage=0.5 or a profile ({profiles})"
            )
            raise TourError(msg)
        if name not in CATEGORIES:
            close = difflib.get_close_matches(name, CATEGORIES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            msg = (
                f"--interests category {name[:40]!r} is not a catalogue category: {hint}"
                f"use one of {', '.join(CATEGORIES)}"
            )
            raise TourError(msg)
        weights[name] = weight
    return weights


def parse_lunch(text: str) -> tuple[float, float, float]:
    """Read ``HH:MM-HH:MM/MINUTES`` (a meal break's window and length).

    Returns
    -------
    tuple of float
        ``(from, until, duration)`` in seconds (since midnight, and of length).

    Raises
    ------
    TourError
        For malformed text, a window shorter than the break or a break of 0.

    Examples
    --------
    >>> parse_lunch("12:00-13:30/45")
    (43200.0, 48600.0, 2700.0)
    """
    window, sep, minutes = text.strip().partition("/")
    lo, dash, hi = window.partition("-")
    try:
        if not (sep and dash):
            raise ValueError(text)
        bounds = [dt.datetime.strptime(x.strip(), "%H:%M").time() for x in (lo, hi)]
        duration = float(minutes) * 60.0
    except ValueError:
        msg = f"--lunch {text!r} is not HH:MM-HH:MM/MINUTES: write e.g. 12:00-13:30/45"
        raise TourError(msg) from None
    start, end = (float(t.hour * 3600 + t.minute * 60) for t in bounds)
    if not math.isfinite(duration) or duration <= 0 or end - start < duration:
        msg = (
            f"--lunch {text!r}: the break must last more than 0 minutes and fit in its window: "
            "write e.g. 12:00-13:30/45"
        )
        raise TourError(msg)
    return start, end, duration


def pace_factors(pace: str) -> tuple[float, float]:
    """Return the factors on walking time and time on site of ``pace``.

    Raises
    ------
    TourError
        For an unknown pace.
    """
    if pace not in PACES:
        msg = f"unknown pace {pace!r}: choose one of {', '.join(PACES)}"
        raise TourError(msg)
    return PACES[pace]


def check_request(
    *,
    stops: Sequence[str] | None,
    must: Sequence[str],
    exclude: Sequence[str],
    days: int,
    start: str | None,
    end: str | None,
    round_trip: bool,
    interests: Mapping[str, float] | None,
    lunch: tuple[float, float, float] | None = None,
    max_walk_km: float | None = None,
) -> None:
    """Refuse, in one line, options that cannot all be honoured.

    ``--stops`` keeps the visitor's order on one day: a ``--must`` site missing
    from it, an ``--exclude`` site in it, ``--days`` above 1 or ``--interests``
    cannot apply, nor can ``--interests``, ``--lunch`` or ``--max-walk-km``,
    which shape the optimiser's choice. ``--round-trip`` ends where the day started, so an ``--end``
    elsewhere contradicts it.

    Raises
    ------
    TourError
        Naming the options and the fix.
    """
    if stops is not None:
        missing = [m for m in must if m not in stops and m != start]
        if missing:
            msg = (
                f"--must {missing[0]} is not in --stops, which are kept as given: add it to "
                "--stops or drop --stops to let the optimiser choose"
            )
            raise TourError(msg)
        both = [x for x in exclude if x in stops]
        if both:
            msg = f"--exclude {both[0]} is also in --stops: remove it from one of them"
            raise TourError(msg)
        if days > 1:
            msg = (
                f"--stops plans one day in your order, so --days {days} cannot apply: "
                "drop --days or drop --stops"
            )
            raise TourError(msg)
        for given, option in (
            (interests, "--interests"),
            (lunch, "--lunch"),
            (max_walk_km, "--max-walk-km"),
        ):
            if given:
                msg = (
                    f"{option} shapes the optimiser's tour, not your --stops, which are kept "
                    "as given: drop one of them"
                )
                raise TourError(msg)
    if round_trip and end is not None and end != start:
        msg = f"--round-trip ends where the day started, not at --end {end}: drop one of them"
        raise TourError(msg)


def describe_preferences(
    interests: Mapping[str, float] | None,
    pace: str,
    *,
    variety: float = 1.0,
    max_walk_km: float | None = None,
    lunch: tuple[float, float, float] | None = None,
) -> list[str]:
    """Return one line per setting that shapes the tour, for every output."""
    lines: list[str] = []
    if interests:
        weights = ", ".join(f"{k} x{v:g}" for k, v in sorted(interests.items()))
        lines.append(f"Interests: scores weighted {weights} (other categories x1)")
    if pace != "normal":
        walk, visit = pace_factors(pace)
        lines.append(f"Pace {pace}: walking times x{walk:g}, time on site x{visit:g}")
    if variety < 1.0:
        lines.append(
            f"Variety: the 2nd site of one category in a day counts x{variety:g}, "
            f"the 3rd x{variety**2:.2g}, ..."
        )
    if max_walk_km is not None:
        lines.append(f"Walking capped at {max_walk_km:g} km a day")
    if lunch is not None:
        lo, hi, duration = lunch
        lines.append(
            f"Meal break of {duration / 60:.0f} min between {_hhmm(lo)} and {_hhmm(hi)}, "
            "at a market when one fits"
        )
    return lines


def _hhmm(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
