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

import math
from collections.abc import Mapping, Sequence
from typing import Final

from tourplanner.errors import TourError

__all__ = [
    "PACES",
    "PROFILES",
    "check_request",
    "describe_preferences",
    "pace_factors",
    "parse_interests",
]

#: Named interest profiles: weight per category (others weigh 1).
PROFILES: Final[dict[str, dict[str, float]]] = {
    "art": {"museum": 2.0, "creative_park": 1.5, "heritage": 0.5, "monument": 0.5},
    "history": {"heritage": 2.0, "monument": 2.0, "landmark": 1.5, "museum": 1.5},
    "outdoors": {"park": 2.0, "greenway": 2.0, "square": 1.5, "museum": 0.5},
    "food": {"market": 2.0, "restaurant": 2.0},
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
        weights[name] = weight
    return weights


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
) -> None:
    """Refuse, in one line, options that cannot all be honoured.

    ``--stops`` keeps the visitor's order on one day: a ``--must`` site missing
    from it, an ``--exclude`` site in it, ``--days`` above 1 or ``--interests``
    cannot apply. ``--round-trip`` ends where the day started, so an ``--end``
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
        if interests:
            msg = "--interests weigh the optimiser's choice, not your --stops: drop one of them"
            raise TourError(msg)
    if round_trip and end is not None and end != start:
        msg = f"--round-trip ends where the day started, not at --end {end}: drop one of them"
        raise TourError(msg)


def describe_preferences(interests: Mapping[str, float] | None, pace: str) -> list[str]:
    """One line per non-default setting, for every output."""
    lines: list[str] = []
    if interests:
        weights = ", ".join(f"{k} x{v:g}" for k, v in sorted(interests.items()))
        lines.append(f"Interests: scores weighted {weights} (other categories x1)")
    if pace != "normal":
        walk, visit = pace_factors(pace)
        lines.append(f"Pace {pace}: walking times x{walk:g}, time on site x{visit:g}")
    return lines
