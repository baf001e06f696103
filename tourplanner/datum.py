"""Conversions between the WGS-84, GCJ-02 and BD-09 datums used in China.

OpenStreetMap, GPS and GPX use WGS-84. Chinese web maps publish coordinates in
GCJ-02 (Amap/Gaode, Tencent), an obfuscated datum that lies about 575 m from
WGS-84 in Shenyang, or in BD-09 (Baidu), a further transform of GCJ-02.

The forward transform WGS-84 -> GCJ-02 is the published closed form; its inverse
is computed by fixed-point iteration, which converges to far below a millimetre
in a few steps. GCJ-02 -> BD-09 is Baidu's published closed form; its published
inverse is approximate (about 0.2 m), so it is refined by the same fixed-point
iteration. Outside mainland China, GCJ-02 equals WGS-84; this module
follows the common convention of a bounding box test for "outside China".

All functions are vectorised: they accept scalars or NumPy arrays of longitude
and latitude in degrees and return arrays of the same shape.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(123.3646363, 41.7917107)  # Tiexi Square station
>>> round(float(lon - 123.3646363), 4), round(float(lat - 41.7917107), 4)
(0.0061, 0.0024)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 7), round(float(back[1]), 7)
(123.3646363, 41.7917107)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "DATUMS",
    "Datum",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

Datum = Literal["WGS-84", "GCJ-02", "BD-09"]
DATUMS: tuple[Datum, ...] = ("WGS-84", "GCJ-02", "BD-09")

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _outside_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 offset (dlon, dlat) in degrees at a WGS-84 point."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _invert(
    forward: Callable[[ArrayLike, ArrayLike], tuple[FloatArray, FloatArray]],
    lon: FloatArray,
    lat: FloatArray,
    *,
    start: tuple[FloatArray, FloatArray],
    tolerance_deg: float,
    max_iter: int,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x) == (lon, lat)`` by fixed-point iteration from ``start``.

    Each step subtracts the residual of the forward transform; the shifts are
    smooth and small, so this converges in a few steps.
    """
    x_lon, x_lat = start[0].copy(), start[1].copy()
    for _ in range(max_iter):
        f_lon, f_lat = forward(x_lon, x_lat)
        e_lon, e_lat = f_lon - lon, f_lat - lat
        x_lon = x_lon - e_lon
        x_lat = x_lat - e_lat
        if max(float(np.max(np.abs(e_lon))), float(np.max(np.abs(e_lat)))) < tolerance_deg:
            break
    return x_lon, x_lat


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 coordinates to GCJ-02 (closed form).

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees (scalars or arrays).

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude.
    """
    lon_a, lat_a = _as_arrays(lon, lat)
    dlon, dlat = _delta(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates to WGS-84 by fixed-point iteration.

    Starting from the GCJ-02 point, the WGS-84 estimate is corrected by the
    residual of the forward transform until the correction is below
    ``tolerance_deg`` (1e-10 degrees is about 0.01 mm).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees.
    tolerance_deg
        Stop when the largest correction is below this many degrees.
    max_iter
        Upper bound on iterations (convergence takes 3-5 in practice).

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitude and latitude.
    """
    g_lon, g_lat = _as_arrays(lon, lat)
    return _invert(
        wgs84_to_gcj02,
        g_lon,
        g_lat,
        start=(g_lon, g_lat),
        tolerance_deg=tolerance_deg,
        max_iter=max_iter,
    )


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates to Baidu's BD-09 (published closed form)."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_published(b_lon: FloatArray, b_lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = b_lon - 0.0065
    y = b_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 coordinates to GCJ-02.

    Baidu's published inverse, refined by fixed-point iteration on
    :func:`gcj02_to_bd09` until the residual is below ``tolerance_deg``.

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees.
    tolerance_deg
        Stop when the largest correction is below this many degrees.
    max_iter
        Upper bound on iterations.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude.
    """
    b_lon, b_lat = _as_arrays(lon, lat)
    start = _bd09_to_gcj02_published(b_lon, b_lat)
    return _invert(
        gcj02_to_bd09, b_lon, b_lat, start=start, tolerance_deg=tolerance_deg, max_iter=max_iter
    )


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 coordinates to BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 coordinates to WGS-84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: ArrayLike, lat: ArrayLike, datum: Datum) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates in ``datum`` to WGS-84.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees, in ``datum``.
    datum
        One of ``"WGS-84"``, ``"GCJ-02"``, ``"BD-09"``.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitude and latitude.

    Raises
    ------
    ValueError
        If ``datum`` is not one of :data:`DATUMS`.
    """
    if datum == "WGS-84":
        return _as_arrays(lon, lat)
    if datum == "GCJ-02":
        return gcj02_to_wgs84(lon, lat)
    if datum == "BD-09":
        return bd09_to_wgs84(lon, lat)
    msg = f"unknown datum {datum!r}: use one of {', '.join(DATUMS)}"
    raise ValueError(msg)
