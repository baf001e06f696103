"""What analysts have, turned into what the planner takes.

The library functions accept the forms a notebook user holds: a catalogue
from ``geopandas.read_file`` (see :func:`tourplanner.sites.sites_from_frame`),
a start or end as a site id, a ``(lat, lon)`` tuple or a shapely ``Point``,
and naive or timezone-aware datetimes. This module converts them; it is pure
(no disk, no network).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, TypeAlias

import geopandas as gpd
import opening_hours
import pandas as pd
from shapely.geometry import Point

from tourplanner.errors import TourError
from tourplanner.sites import sites_from_records

__all__ = ["PointLike", "local_time", "local_zone", "with_point"]

#: A start or end: a site id, ``(lat, lon)`` in WGS-84 degrees, or a shapely ``Point(lon, lat)``.
PointLike: TypeAlias = str | tuple[float, float] | Point


def local_zone(lon: float, lat: float) -> dt.tzinfo | None:
    """Return the time zone at a point, or ``None`` where it is not known.

    Parameters
    ----------
    lon, lat
        The point in WGS-84 degrees.

    Returns
    -------
    datetime.tzinfo or None
        The zone (opening-hours-py knows it from the coordinates).
    """
    try:
        begin, *_ = next(
            opening_hours.OpeningHours("24/7", coords=(lat, lon)).intervals(
                dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)
            )
        )
    except Exception:
        return None
    zone: dt.tzinfo | None = begin.tzinfo
    return zone


def local_time(moment: dt.datetime, sites: gpd.GeoDataFrame, *, what: str) -> dt.datetime:
    """Return ``moment`` as the naive local clock time of the sites.

    A naive datetime is taken to be local time already and returned as it is;
    a timezone-aware one is converted to the zone at the sites' centre.

    Parameters
    ----------
    moment
        The datetime.
    sites
        The catalogue (WGS-84).
    what
        Which time it is, for the message (e.g. ``"start_time"``).

    Returns
    -------
    datetime.datetime
        Naive, in the sites' local time.

    Raises
    ------
    TourError
        If ``moment`` is not a datetime, or it is aware and the sites' zone is unknown.
    """
    if isinstance(moment, pd.Timestamp):
        moment = moment.to_pydatetime()
    if not isinstance(moment, dt.datetime):
        msg = f"{what} {moment!r} is not a datetime: give e.g. datetime(2026, 5, 9, 9, 30)"
        raise TourError(msg)
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment
    lon, lat = _centre(sites)
    zone = local_zone(lon, lat)
    if zone is None:
        msg = (
            f"the time zone at the sites ({lat:.4f}, {lon:.4f}) is unknown, so {what} "
            f"{moment.isoformat()} cannot be converted: give a naive local time"
        )
        raise TourError(msg)
    return moment.astimezone(zone).replace(tzinfo=None)


def _centre(sites: gpd.GeoDataFrame) -> tuple[float, float]:
    west, south, east, north = (float(v) for v in sites.total_bounds)
    return (west + east) / 2.0, (south + north) / 2.0


def _lon_lat(value: Any, what: str) -> tuple[float, float]:
    if isinstance(value, Point):
        if value.is_empty:
            msg = f"{what} is an empty Point: give Point(lon, lat) in WGS-84 degrees"
            raise TourError(msg)
        lon, lat = float(value.x), float(value.y)
    elif isinstance(value, tuple | list) and len(value) == 2:
        try:
            lat, lon = float(value[0]), float(value[1])
        except (TypeError, ValueError):
            lat = lon = math.nan
    else:
        msg = (
            f"{what} {value!r} is not a site id, a (lat, lon) tuple or a shapely Point: "
            "give one of those"
        )
        raise TourError(msg)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        msg = (
            f"{what} {value!r} is not a position in degrees: give (lat, lon), "
            "e.g. (41.7917, 123.3646), or Point(lon, lat)"
        )
        raise TourError(msg)
    return lon, lat


def with_point(
    sites: gpd.GeoDataFrame, value: PointLike | None, *, what: str
) -> tuple[gpd.GeoDataFrame, str | None]:
    """Add a start or end given by position to the catalogue as a waypoint.

    Parameters
    ----------
    sites
        The catalogue (WGS-84, indexed by id).
    value
        A site id (returned as it is), ``(lat, lon)`` in WGS-84 degrees (the
        order of ``--start LAT,LON``), a shapely ``Point(lon, lat)`` in
        WGS-84, or ``None``.
    what
        ``"start"`` or ``"end"``: the waypoint's id is ``"<what>_point"``.

    Returns
    -------
    tuple
        The catalogue (with the waypoint when a position was given) and the id.

    Raises
    ------
    TourError
        If ``value`` is neither an id nor a position in degrees.
    """
    if value is None or isinstance(value, str):
        return sites, value
    lon, lat = _lon_lat(value, what)
    site_id = f"{what}_point"
    number = 1
    while site_id in sites.index:
        number += 1
        site_id = f"{what}_point_{number}"
    record = {
        "id": site_id,
        "name": f"{what.title()} ({lat:.5f}, {lon:.5f})",
        "category": "waypoint",
        "lat": lat,
        "lon": lon,
        "visit_minutes": 0,
        "score": 0,
        "source": f"the {what} given to plan_tour",
    }
    extra = sites_from_records([record], origin=f"the {what} position")
    return gpd.GeoDataFrame(pd.concat([sites, extra]), crs=sites.crs), site_id
