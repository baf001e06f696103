"""Command-line argument types and the global options, as people type them.

Every ``parse_*`` function turns one option's text into a value or raises
:class:`argparse.ArgumentTypeError` with one line naming the forms it accepts;
argparse turns that into ``tourplanner: error: ...`` and exit status 2.
:func:`add_global_options` makes ``-q``, ``-v`` and ``--debug`` work before
or after the subcommand.

>>> parse_time("9:30pm")
datetime.time(21, 30)
>>> parse_duration("4h30")
datetime.timedelta(seconds=16200)
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable, Iterable

from shapely import Polygon

from tourplanner.errors import TourplannerError

__all__ = [
    "DATES",
    "DURATION_FORMS",
    "MAX_DAYS",
    "MAX_SEED",
    "MAX_TIME_LIMIT_S",
    "POINT_PATTERN",
    "TIME_FORMS",
    "add_global_options",
    "check_global_options",
    "parse_bbox",
    "parse_date",
    "parse_days",
    "parse_duration",
    "parse_ids",
    "parse_km",
    "parse_km2",
    "parse_metres",
    "parse_minutes_list",
    "parse_point",
    "parse_positive",
    "parse_positive_minutes",
    "parse_seconds",
    "parse_seed",
    "parse_speed",
    "parse_time",
]

#: The clock-time forms :func:`parse_time` accepts, for messages and help texts.
TIME_FORMS = "9:00, 09:00, 9, 9am, 9:30pm or 21:30"
#: The duration forms :func:`parse_duration` accepts.
DURATION_FORMS = "4h, 4h30, 4.5h, 2h30m, 270m or '90 min'"
#: The longest ``--budget``: one day.
MAX_DURATION = dt.timedelta(hours=24)
#: The most days one plan may have.
MAX_DAYS = 365
#: The largest optimiser seed.
MAX_SEED = 2**32 - 1
#: The longest --time-limit, in seconds.
MAX_TIME_LIMIT_S = 3600
#: The dates a plan may be made for.
DATES = (dt.date(1970, 1, 1), dt.date(2100, 12, 31))

_CLOCK_24 = re.compile(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?")
_CLOCK_12 = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?", re.IGNORECASE)
_NUMBER = r"\d+(?:\.\d+)?"
_HOUR_UNIT = r"(?:h|hrs?|hours?)"
_MINUTE_UNIT = r"(?:m|mins?|minutes?)"
_DURATION = re.compile(
    rf"(?:(?P<h>{_NUMBER})\s*{_HOUR_UNIT})?\s*(?:(?P<m>{_NUMBER})\s*(?P<unit>{_MINUTE_UNIT})?)?",
    re.IGNORECASE,
)
POINT_PATTERN = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def parse_time(text: str) -> dt.time:
    """Parse a clock time: ``9:00``, ``09:00``, ``9``, ``9am``, ``9:30pm``, ``21:30``.

    Parameters
    ----------
    text
        The option's text. A bare hour is on the 24-hour clock (``9`` is
        09:00, ``21`` is 21:00); ``am``/``pm`` take hours 1-12 (``12am`` is
        midnight, ``12pm`` noon). Seconds (``09:00:30``) are allowed.

    Returns
    -------
    datetime.time
        The time of day.

    Raises
    ------
    argparse.ArgumentTypeError
        For any other form, or an hour or minute out of range.
    """
    clean = text.strip()
    refusal = f"time {text!r} is not a clock time: give e.g. {TIME_FORMS}"
    if match := _CLOCK_12.fullmatch(clean):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            msg = f"time {text!r} is not on the 12-hour clock: give 1-12am/pm, e.g. 9:30pm"
            raise argparse.ArgumentTypeError(msg)
        hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
        return dt.time(hour, minute)
    if match := _CLOCK_24.fullmatch(clean):
        if match.group(3) is not None and match.group(2) is None:
            raise argparse.ArgumentTypeError(refusal)
        hour, minute, second = (int(g or 0) for g in match.groups())
        if hour > 23 or minute > 59 or second > 59:
            msg = f"time {text!r} is out of range: give 00:00-23:59, e.g. {TIME_FORMS}"
            raise argparse.ArgumentTypeError(msg)
        return dt.time(hour, minute, second)
    raise argparse.ArgumentTypeError(refusal)


def parse_duration(text: str) -> dt.timedelta:
    """Parse a duration: ``4h``, ``4h30``, ``4.5h``, ``2h30m``, ``270m``, ``90 min``.

    Parameters
    ----------
    text
        The option's text. Units: ``h``/``hr``/``hour(s)`` and
        ``m``/``min``/``minute(s)``; minutes after hours may omit the unit
        (``4h30``) and must then be below 60.

    Returns
    -------
    datetime.timedelta
        The duration, rounded to whole seconds, more than 0 and at most 24 h.

    Raises
    ------
    argparse.ArgumentTypeError
        For a bare number (no unit), a clock time, another form, zero, or
        more than a day.
    """
    clean = text.strip()
    match = _DURATION.fullmatch(clean)
    if match is None or not (match.group("h") or match.group("m")):
        if _CLOCK_24.fullmatch(clean) and ":" in clean:
            msg = (
                f"duration {text!r} looks like a clock time: give a duration such as 4h30, "
                "or the clock time with --end-time"
            )
        else:
            msg = f"duration {text!r} is not like {DURATION_FORMS}"
        raise argparse.ArgumentTypeError(msg)
    hours, minutes = match.group("h"), match.group("m")
    if hours is None and match.group("unit") is None:
        msg = f"duration {text!r} has no unit: write {minutes}m for minutes or {minutes}h for hours"
        raise argparse.ArgumentTypeError(msg)
    if hours is not None and minutes is not None and float(minutes) >= 60:
        msg = f"duration {text!r} has {minutes} minutes after the hours: give fewer than 60"
        raise argparse.ArgumentTypeError(msg)
    seconds = float(hours or 0) * 3600 + float(minutes or 0) * 60
    # a huge number of hours cannot become a timedelta: cap it past the limit checked below
    duration = dt.timedelta(seconds=round(min(seconds, 2 * MAX_DURATION.total_seconds())))
    if duration <= dt.timedelta(0):
        msg = f"duration {text!r} is not positive: give e.g. 4h"
        raise argparse.ArgumentTypeError(msg)
    if duration > MAX_DURATION:
        msg = f"duration {text!r} is more than a day: give at most 24h (use --days for more)"
        raise argparse.ArgumentTypeError(msg)
    return duration


def parse_ids(text: str) -> list[str]:
    """Parse comma-separated site ids (blanks and empty parts are dropped).

    Parameters
    ----------
    text
        E.g. ``"ateneum, kiasma"``.

    Returns
    -------
    list of str
        The ids, in the order given.

    Raises
    ------
    argparse.ArgumentTypeError
        If no id is left.
    """
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        msg = f"no site ids in {text!r}: give ids separated by commas"
        raise argparse.ArgumentTypeError(msg)
    return ids


def parse_speed(text: str) -> float:
    """Parse a walking speed in km/h (0.5-15).

    Parameters
    ----------
    text
        A number such as ``"4.5"``.

    Returns
    -------
    float
        The speed in km/h.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not a number or not a plausible walking speed.
    """
    try:
        value = float(text)
    except ValueError:
        msg = f"walking speed {text!r} is not a number: give km/h, e.g. 4.5"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0.5 <= value <= 15.0:
        msg = f"walking speed {value:g} km/h is implausible: give 0.5-15 km/h"
        raise argparse.ArgumentTypeError(msg)
    return value


def parse_point(text: str) -> str | tuple[float, float]:
    """Parse ``--start``/``--end``: a site id, or ``LAT,LON`` in WGS-84 degrees.

    Parameters
    ----------
    text
        A site id or two numbers separated by a comma.

    Returns
    -------
    str or tuple of float
        The id, or ``(lat, lon)``.

    Raises
    ------
    argparse.ArgumentTypeError
        If the numbers are not latitude and longitude.
    """
    match = POINT_PATTERN.match(text)
    if match is None:
        return text.strip()
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"point {text!r} is not LAT,LON in degrees: give e.g. 41.7917,123.3646"
        raise argparse.ArgumentTypeError(msg)
    return (lat, lon)


def parse_days(text: str) -> int:
    """Parse ``--days``: a whole number, at least 1.

    Parameters
    ----------
    text
        E.g. ``"2"``.

    Returns
    -------
    int
        The number of days.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not a whole number of at least 1.
    """
    value = _whole(text)
    if value is None:
        msg = f"--days {text[:20]!r} is not a whole number: give e.g. 2"
        raise argparse.ArgumentTypeError(msg)
    if value < 1:
        msg = f"--days {text!r} is less than 1: plan at least one day"
        raise argparse.ArgumentTypeError(msg)
    if value > MAX_DAYS:
        msg = f"--days {value} is more than {MAX_DAYS}: plan at most {MAX_DAYS} days at once"
        raise argparse.ArgumentTypeError(msg)
    return value


def _whole(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"[+-]?\d{1,12}", text) else None


def parse_seed(text: str) -> int:
    """Parse the optimiser's seed, a whole number from 0 to 2**32 - 1.

    Parameters
    ----------
    text
        E.g. ``"7"``.

    Returns
    -------
    int
        The seed.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not a whole number in that range.
    """
    value = _whole(text)
    if value is None or not 0 <= value <= MAX_SEED:
        msg = f"--seed {text[:20]!r} is not a whole number from 0 to {MAX_SEED}: give e.g. 7"
        raise argparse.ArgumentTypeError(msg)
    return value


def parse_metres(maximum: float) -> Callable[[str], float]:
    """Return a parser of a positive number of metres up to ``maximum``.

    Parameters
    ----------
    maximum
        The largest accepted value.

    Returns
    -------
    callable
        The argparse type function.
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 < value <= maximum:
            msg = f"{text[:20]!r} is not a number of metres from 0 to {maximum:g}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def parse_km2(text: str) -> float:
    """Parse an area in km², more than 0 and at most 1,000,000.

    Parameters
    ----------
    text
        E.g. ``"900"``.

    Returns
    -------
    float
        The area in km².

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not a number in that range.
    """
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1e6:
        msg = f"{text[:20]!r} is not an area from 0 to 1000000 km²"
        raise argparse.ArgumentTypeError(msg)
    return value


def parse_seconds(text: str) -> float:
    """Parse a positive number of seconds (``--time-limit``).

    Parameters
    ----------
    text
        E.g. ``"5"`` or ``"0.5"``.

    Returns
    -------
    float
        Seconds.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not a positive number.
    """
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIME_LIMIT_S:
        msg = (
            f"time limit {text[:20]!r} is not above 0 and up to {MAX_TIME_LIMIT_S} seconds: "
            "give e.g. 5"
        )
        raise argparse.ArgumentTypeError(msg)
    return value


def parse_date(text: str) -> dt.date:
    """Parse an ISO date, ``YYYY-MM-DD``.

    Parameters
    ----------
    text
        E.g. ``"2026-05-01"``.

    Returns
    -------
    datetime.date
        The date.

    Raises
    ------
    argparse.ArgumentTypeError
        For any other form or an impossible date.
    """
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        msg = f"date {text[:20]!r} is not YYYY-MM-DD: give e.g. 2026-05-01"
        raise argparse.ArgumentTypeError(msg) from None
    if not DATES[0] <= day <= DATES[1]:
        msg = f"date {day} is not between {DATES[0]} and {DATES[1]}: give a date in that range"
        raise argparse.ArgumentTypeError(msg)
    return day


def parse_bbox(text: str) -> Polygon:
    """Parse ``--bbox``: ``WEST,SOUTH,EAST,NORTH`` in WGS-84 degrees.

    Parameters
    ----------
    text
        Four numbers separated by commas.

    Returns
    -------
    shapely.Polygon
        The study area.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not four numbers or not a valid box.
    """
    from tourplanner.graph import study_area_from_bbox  # noqa: PLC0415 - heavy import

    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        msg = f"bounding box {text!r} is not WEST,SOUTH,EAST,NORTH: give four numbers"
        raise argparse.ArgumentTypeError(msg) from None
    try:
        return study_area_from_bbox(west, south, east, north)
    except TourplannerError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_positive(text: str) -> float:
    """Parse a positive number of metres (``--margin-m``, ``--max-snap-m``).

    Parameters
    ----------
    text
        E.g. ``"300"``.

    Returns
    -------
    float
        Metres.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not a positive, finite number.
    """
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        msg = f"{text!r} is not a positive number of metres: give e.g. 300"
        raise argparse.ArgumentTypeError(msg)
    return value


def parse_minutes_list(text: str) -> list[float]:
    """Parse comma-separated positive minutes (``--minutes 5,10,15``).

    Parameters
    ----------
    text
        E.g. ``"5,10,15"``.

    Returns
    -------
    list of float
        The distinct values, sorted.

    Raises
    ------
    argparse.ArgumentTypeError
        If a value is not a positive number.
    """
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or len(values) > 20 or any(not 0 < v <= 240 for v in values):
        msg = f"minutes {text[:40]!r} are not 1-20 positive numbers up to 240: give e.g. 5,10,15"
        raise argparse.ArgumentTypeError(msg)
    return sorted(set(values))


def parse_positive_minutes(text: str) -> float:
    """Parse one positive number of minutes (``--limit-minutes 10``).

    Parameters
    ----------
    text
        E.g. ``"10"``.

    Returns
    -------
    float
        Minutes.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not exactly one positive number.
    """
    try:
        values = parse_minutes_list(text)
    except argparse.ArgumentTypeError:
        values = []
    if len(values) != 1 or "," in text.strip(", "):
        msg = f"limit {text[:20]!r} is not one number of minutes above 0, up to 240: give e.g. 10"
        raise argparse.ArgumentTypeError(msg)
    return values[0]


def parse_km(text: str) -> float:
    """Parse a positive distance in kilometres, at most 100 (``--max-walk-km``).

    Parameters
    ----------
    text
        E.g. ``"8"`` or ``"6.5"``.

    Returns
    -------
    float
        Kilometres.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not a number above 0 and up to 100.
    """
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 100:
        msg = f"{text[:20]!r} is not a distance above 0 and up to 100 km: give e.g. 8"
        raise argparse.ArgumentTypeError(msg)
    return value


def _add_global_arguments(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    group = parser.add_argument_group("global options (before or after the command)")

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default(False),
        help="only warnings and errors on stderr (no progress)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default(False),
        help="also tourplanner's detailed (debug) messages",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="debug messages from tourplanner and the libraries underneath (e.g. urllib3)",
    )


def add_global_options(
    parser: argparse.ArgumentParser, commands: Iterable[argparse.ArgumentParser]
) -> None:
    """Add ``-q``, ``-v`` and ``--debug`` to ``parser`` and to every subcommand.

    On the subcommands the options default to :data:`argparse.SUPPRESS`, so a
    flag given before the command is not reset by the subcommand's parser and
    one given after it is still seen.

    Parameters
    ----------
    parser
        The main parser.
    commands
        The subcommands' parsers.
    """
    _add_global_arguments(parser, suppress=False)
    for command in commands:
        _add_global_arguments(command, suppress=True)


def check_global_options(args: argparse.Namespace) -> None:
    """Refuse ``-q`` together with ``-v`` or ``--debug``.

    Parameters
    ----------
    args
        The parsed options.

    Raises
    ------
    TourplannerError
        If quiet and verbose were both asked for.
    """
    if args.quiet and (args.verbose or args.debug):
        flag = "--debug" if args.debug else "-v"
        msg = f"-q and {flag} contradict each other: give one of them"
        raise TourplannerError(msg)
