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
from typing import Final

import opening_hours

from tourplanner.errors import CatalogueError

__all__ = ["ALWAYS", "check_opening_hours", "open_intervals", "start_windows"]

#: The horizon of one tour day: from midnight to noon of the next day.
_HORIZON: Final = dt.timedelta(hours=36)
_DAY_S: Final = 86_400.0
Interval = tuple[float, float]
#: Windows of a place with no opening hours (always open) over one tour day.
ALWAYS: Final[tuple[Interval, ...]] = ((0.0, _HORIZON.total_seconds()),)


@functools.lru_cache(maxsize=512)
def _parsed(text: str, lat: float, lon: float) -> opening_hours.OpeningHours:
    return opening_hours.OpeningHours(text, coords=(lat, lon), auto_timezone=False)


def check_opening_hours(text: str, *, where: str, lat: float, lon: float) -> None:
    """Raise :class:`CatalogueError` if ``text`` is not valid ``opening_hours`` syntax.

    Parameters
    ----------
    text
        The opening hours.
    where
        The site, as the message should name it (e.g. ``"site museum (Museum)"``).
    lat, lon
        The site's position (country of its public holidays).
    """
    try:
        _parsed(text, lat, lon)
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
