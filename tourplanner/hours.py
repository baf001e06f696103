"""Opening hours: OpenStreetMap ``opening_hours`` strings turned into time windows.

Parsing and evaluation use the maintained opening-hours-py library (weekdays,
month ranges, ``off``, overnight hours, public holidays of the site's country,
found from its coordinates).

Convention: a visit must **start** while the site is open and **end** by its
closing time, so an open interval ``[open, close]`` allows visits that start in
``[open, close - visit]``; an interval shorter than the visit allows none.
Arriving before opening is allowed: the visitor waits outside.

Times are seconds since midnight of the tour's date; a window may extend past
86,400 s for places open after midnight.

Examples
--------
>>> import datetime as dt
>>> day = dt.date(2026, 6, 2)  # a Tuesday
>>> open_intervals("Tu-Su 09:00-16:00; PH off", day, lat=41.81, lon=123.35)
((32400.0, 57600.0),)
>>> start_windows(((32400.0, 57600.0),), visit_s=3 * 3600)
((32400.0, 46800.0),)
>>> open_intervals("Tu-Su 09:00-16:00", dt.date(2026, 6, 1), lat=41.81, lon=123.35)  # Monday
()
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Final

import opening_hours

from tourplanner.errors import CatalogueError

__all__ = [
    "ALWAYS",
    "ALWAYS_OPEN_CATEGORIES",
    "DEFAULT_HOURS",
    "INDOOR_DEFAULT_HOURS",
    "UNKNOWN_HOURS_NOTE",
    "ambiguity_warning",
    "check_opening_hours",
    "default_hours",
    "open_intervals",
    "start_windows",
]

#: The horizon of one tour day: from midnight to noon of the next day.
_HORIZON: Final = dt.timedelta(hours=36)
_DAY_S: Final = 86_400.0
Interval = tuple[float, float]
#: Windows of a place with no opening hours (always open) over one tour day.
ALWAYS: Final[tuple[Interval, ...]] = ((0.0, _HORIZON.total_seconds()),)


#: Open-air categories (and stations, points) open at any hour when no hours are known.
ALWAYS_OPEN_CATEGORIES: Final = frozenset({"square", "greenway", "monument", "station", "waypoint"})
#: Assumed hours, per category, of sites without ``opening_hours``.
DEFAULT_HOURS: Final[dict[str, str]] = {"park": "08:00-20:00", "garden": "08:00-20:00"}
#: Assumed hours of every other (indoor) site without ``opening_hours``.
INDOOR_DEFAULT_HOURS: Final = "09:00-17:00"
#: How every output flags a site planned inside assumed hours.
UNKNOWN_HOURS_NOTE: Final = "hours not known, check before going"

_ADDITIONAL_RULE = re.compile(r",\s+(?=(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)\b)")


def default_hours(category: str) -> str | None:
    """Return the hours assumed for a ``category`` site whose opening hours are unknown.

    Parameters
    ----------
    category
        The site's category.

    Returns
    -------
    str or None
        An ``opening_hours`` string, or ``None`` (always open) for the open-air
        categories of :data:`ALWAYS_OPEN_CATEGORIES`.

    Examples
    --------
    >>> default_hours("museum"), default_hours("park"), default_hours("square")
    ('09:00-17:00', '08:00-20:00', None)
    """
    if category in ALWAYS_OPEN_CATEGORIES:
        return None
    return DEFAULT_HOURS.get(category, INDOOR_DEFAULT_HOURS)


def _week(text: str, start: dt.date, lat: float, lon: float) -> list[tuple[object, ...]]:
    midnight = dt.datetime.combine(start, dt.time())
    rules = _parsed(text, lat, lon)
    return [
        (a, b, state)
        for a, b, state, _ in rules.intervals(midnight, midnight + dt.timedelta(days=7))
        if state != opening_hours.State.CLOSED
    ]


def ambiguity_warning(
    text: str, *, where: str, lat: float, lon: float, week_of: dt.date
) -> str | None:
    """Warn when ``text`` uses ", " so that a day list reads as separate rules.

    In ``opening_hours`` syntax ", " before a weekday starts an *additional
    rule*: ``"Tu, Fr 10:00-18:00"`` means Tuesday open all day and Friday
    10:00-18:00, rarely what the mapper meant (``"Tu,Fr 10:00-18:00"``). The text
    is compared, over the week from ``week_of``, with the same text written with
    "," only; a difference is reported.

    Parameters
    ----------
    text
        The opening hours (valid syntax).
    where
        The site, as the message should name it.
    lat, lon
        The site's position.
    week_of
        The first day of the week compared.

    Returns
    -------
    str or None
        One line naming the site, the text and how it is read, or ``None``.

    Examples
    --------
    >>> import datetime as dt
    >>> line = ambiguity_warning(
    ...     "Tu, Fr 10:00-18:00", where="Ateneum", lat=60.17, lon=24.94, week_of=dt.date(2026, 6, 1)
    ... )
    >>> line.split(" (")[0]
    "Ateneum: opening hours 'Tu, Fr 10:00-18:00' are read as 'Tu; Fr 10:00-18:00'"
    """
    joined = _ADDITIONAL_RULE.sub(",", text)
    if joined == text:
        return None
    try:
        if _week(joined, week_of, lat, lon) == _week(text, week_of, lat, lon):
            return None
    except Exception:  # the joined form is not valid: ", " is meant as a rule
        return None
    normal = _parsed(text, lat, lon).normalize()
    first = _ADDITIONAL_RULE.split(text)[0].split(";")[-1].strip()
    return (
        f"{where}: opening hours {text!r} are read as {str(normal)!r} (', ' starts a separate "
        f"rule, so {first} is open all day); planned that way, check before going"
    )


@functools.lru_cache(maxsize=512)
def _parsed(text: str, lat: float, lon: float) -> opening_hours.OpeningHours:
    return opening_hours.OpeningHours(text, coords=(lat, lon), auto_timezone=False)


@functools.lru_cache(maxsize=512)
def _syntax(text: str) -> opening_hours.OpeningHours:
    """Parse for the syntax only (no position: no timezone or holiday lookup, ~1000x faster)."""
    return opening_hours.OpeningHours(text)


def check_opening_hours(text: str, *, where: str, lat: float, lon: float) -> None:
    """Raise :class:`CatalogueError` if ``text`` is not valid ``opening_hours`` syntax.

    Parameters
    ----------
    text
        The opening hours.
    where
        The site, as the message should name it (e.g. ``"site museum (Museum)"``).
    lat, lon
        The site's position; the syntax does not depend on it (holidays are
        looked up when the hours are used, see :func:`open_intervals`).
    """
    del lat, lon  # the syntax does not depend on the place
    try:
        _syntax(text)
    except Exception as exc:
        lines = [line.strip(" =|") for line in str(exc).splitlines() if line.strip(" =|")]
        hints = [line for line in lines if line.startswith("expected")]
        first = (hints or lines or [type(exc).__name__])[0]
        msg = (
            f"{where}: opening_hours {text!r} cannot be parsed ({first}): use OpenStreetMap "
            "opening_hours syntax, e.g. 'Tu-Su 09:00-16:00; PH off'"
        )
        raise CatalogueError(msg) from None


def open_intervals(
    text: str | None, day: dt.date, *, lat: float, lon: float
) -> tuple[Interval, ...]:
    """Return the open intervals of a place on ``day``, in seconds since its midnight.

    Parameters
    ----------
    text
        ``opening_hours`` string; ``None`` means always open.
    day
        The date.
    lat, lon
        The place's position (country of its public holidays).

    Returns
    -------
    tuple of (float, float)
        Disjoint, sorted intervals that open on ``day``; one may run past
        midnight, up to noon of the next day (129,600 s), so that late-night
        opening counts. Unknown states count as open.
    """
    if text is None:
        return ALWAYS
    midnight = dt.datetime.combine(day, dt.time())
    intervals: list[Interval] = []
    for begin, end, state, _ in _parsed(text, lat, lon).intervals(midnight, midnight + _HORIZON):
        if state == opening_hours.State.CLOSED:
            continue
        a = (begin - midnight).total_seconds()
        b = ((end or midnight + _HORIZON) - midnight).total_seconds()
        if intervals and abs(intervals[-1][1] - a) < 1e-6:
            intervals[-1] = (intervals[-1][0], b)  # merge pieces split at midnight
        elif b > a and a < _DAY_S:  # only openings that begin on this day
            intervals.append((a, b))
    return tuple(intervals)


def start_windows(intervals: tuple[Interval, ...], *, visit_s: float) -> tuple[Interval, ...]:
    """Turn open intervals into windows for the start of a visit of ``visit_s`` seconds.

    Parameters
    ----------
    intervals
        Open intervals.
    visit_s
        Length of the visit.

    Returns
    -------
    tuple of (float, float)
        ``(open, close - visit_s)`` for every interval long enough.
    """
    return tuple((a, b - visit_s) for a, b in intervals if b - a >= visit_s)
