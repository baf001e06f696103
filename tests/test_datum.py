"""Tests of tourplanner.datum: published reference values, inverses, the Tiexi shift."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tourplanner.datum import (
    DATUMS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Tiexi Square station (OSM node, WGS-84), from shared/reference/tiexi_landmarks.md.
TIEXI_SQUARE = (123.3646363, 41.7917107)  # lon, lat
# Zhonggong Jie station: OSM node (WGS-84) and zh.wikipedia's value (GCJ-02, from Gaode).
ZHONGGONG_OSM = (123.3261164, 41.8026771)
ZHONGGONG_WIKI_GCJ = (123.3310889, 41.8050528)

# Mainland China, as the hypothesis tests sample it (lon 73-135, lat 18-53).
china_lon = st.floats(73.0, 135.0, allow_nan=False, allow_infinity=False)
china_lat = st.floats(18.0, 53.0, allow_nan=False, allow_infinity=False)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


# --- published reference points (wandergis/coordtransform README, input 116.404, 39.915) ---


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (wgs84_to_gcj02, (116.41024449916938, 39.91640428150164)),
        (gcj02_to_bd09, (116.41036949371029, 39.92133699351021)),
    ],
    ids=["wgs84togcj02", "gcj02tobd09"],
)
def test_published_reference_points(function, expected):
    lon, lat = function(116.404, 39.915)
    assert float(lon) == pytest.approx(expected[0], abs=1e-9)
    assert float(lat) == pytest.approx(expected[1], abs=1e-9)


def test_bd09_inverse_refines_the_published_approximation():
    # coordtransform's bd09togcj02(116.404, 39.915) is Baidu's approximate inverse; ours
    # is within 1e-6 deg (~0.1 m) of it and an exact inverse of gcj02_to_bd09.
    lon, lat = bd09_to_gcj02(116.404, 39.915)
    assert float(lon) == pytest.approx(116.39762729119315, abs=1e-6)
    assert float(lat) == pytest.approx(39.90865673957631, abs=1e-6)
    again = gcj02_to_bd09(lon, lat)
    assert float(again[0]) == pytest.approx(116.404, abs=1e-9)
    assert float(again[1]) == pytest.approx(39.915, abs=1e-9)


def test_published_gcj02_inverse_lands_on_reference_input():
    # the inverse of the published forward value is the published input
    lon, lat = gcj02_to_wgs84(116.41024449916938, 39.91640428150164)
    assert float(lon) == pytest.approx(116.404, abs=1e-9)
    assert float(lat) == pytest.approx(39.915, abs=1e-9)


# --- GCJ-02 inverse: accurate everywhere in China ---


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_forward_of_inverse_is_identity(lon, lat):
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
    assert abs(float(g_lon) - lon) < 1e-7
    assert abs(float(g_lat) - lat) < 1e-7


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_inverse_of_forward_within_a_centimetre(lon, lat):
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    # the shift is real inside China (hundreds of metres), so the test is not vacuous
    assert haversine_m(lon, lat, float(g_lon), float(g_lat)) > 1.0
    w_lon, w_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert haversine_m(lon, lat, float(w_lon), float(w_lat)) < 0.01


# --- BD-09 round trips ---
# Baidu's published BD-09 -> GCJ-02 formula is approximate (~2e-6 deg); ours refines it
# by fixed-point iteration, so round trips agree to 1e-8 degrees (1 mm).
BD09_ROUND_TRIP_DEG = 1e-8


@settings(max_examples=200, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_bd09_gcj02_round_trip(lon, lat):
    b_lon, b_lat = gcj02_to_bd09(lon, lat)
    assert haversine_m(lon, lat, float(b_lon), float(b_lat)) > 100.0  # BD-09 shifts ~ 1 km
    back_lon, back_lat = bd09_to_gcj02(b_lon, b_lat)
    assert abs(float(back_lon) - lon) < BD09_ROUND_TRIP_DEG
    assert abs(float(back_lat) - lat) < BD09_ROUND_TRIP_DEG


@settings(max_examples=200, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_bd09_wgs84_round_trip(lon, lat):
    back_lon, back_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert haversine_m(lon, lat, float(back_lon), float(back_lat)) < 0.5


def test_wgs84_to_bd09_is_gcj02_then_bd09():
    lon, lat = TIEXI_SQUARE
    direct = wgs84_to_bd09(lon, lat)
    via = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    np.testing.assert_allclose(direct, via, rtol=0, atol=1e-12)


# --- Tiexi ---


def test_tiexi_shift_at_tiexi_square_station():
    lon, lat = TIEXI_SQUARE
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert float(g_lat) - lat == pytest.approx(0.0024, abs=0.0001)
    assert float(g_lon) - lon == pytest.approx(0.0061, abs=0.0001)
    assert haversine_m(lon, lat, float(g_lon), float(g_lat)) == pytest.approx(575, abs=15)


def test_zhonggong_jie_cross_check_from_reference_note():
    w_lon, w_lat = gcj02_to_wgs84(*ZHONGGONG_WIKI_GCJ)
    distance = haversine_m(float(w_lon), float(w_lat), *ZHONGGONG_OSM)
    assert 70.0 <= distance <= 95.0
    # read as WGS-84 without conversion, the Wikipedia value would be ~480 m off
    raw = haversine_m(*ZHONGGONG_WIKI_GCJ, *ZHONGGONG_OSM)
    assert raw > 400.0


# --- outside China ---


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (24.9414566, 60.1713198),  # Helsinki
        (139.6917, 35.6895),  # Tokyo (east of the box)
        (-74.006, 40.7128),  # New York
        (151.2093, -33.8688),  # Sydney
        (123.36, 0.5),  # south of the box, at Tiexi's longitude
    ],
)
def test_no_shift_outside_china(lon, lat):
    for forward in (wgs84_to_gcj02, gcj02_to_wgs84):
        out_lon, out_lat = forward(lon, lat)
        assert float(out_lon) == lon
        assert float(out_lat) == lat


# --- vectorisation ---


@pytest.mark.parametrize(
    "function",
    [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84],
)
def test_vectorised_keeps_shape_and_matches_scalars(function):
    rng = np.random.default_rng(42)
    lon = rng.uniform(73.0, 135.0, size=(3, 4))
    lat = rng.uniform(18.0, 53.0, size=(3, 4))
    lon[0, 0], lat[0, 0] = 24.94, 60.17  # one point outside China in the same batch
    out_lon, out_lat = function(lon, lat)
    assert out_lon.shape == (3, 4)
    assert out_lat.shape == (3, 4)
    for idx in np.ndindex(3, 4):
        s_lon, s_lat = function(lon[idx], lat[idx])
        assert float(out_lon[idx]) == pytest.approx(float(s_lon), abs=1e-9)
        assert float(out_lat[idx]) == pytest.approx(float(s_lat), abs=1e-9)


def test_scalars_give_zero_dimensional_arrays():
    lon, lat = wgs84_to_gcj02(*TIEXI_SQUARE)
    assert np.shape(lon) == ()
    assert np.shape(lat) == ()


def test_lists_are_accepted():
    lon, lat = gcj02_to_wgs84([123.37, 123.38], [41.79, 41.80])
    assert lon.shape == (2,)
    assert lat.shape == (2,)


# --- to_wgs84 ---


def test_to_wgs84_dispatches_on_datum():
    lon, lat = 123.3707, 41.7941
    np.testing.assert_array_equal(to_wgs84(lon, lat, "WGS-84"), (lon, lat))
    np.testing.assert_array_equal(to_wgs84(lon, lat, "GCJ-02"), gcj02_to_wgs84(lon, lat))
    np.testing.assert_array_equal(to_wgs84(lon, lat, "BD-09"), bd09_to_wgs84(lon, lat))
    assert DATUMS == ("WGS-84", "GCJ-02", "BD-09")


@pytest.mark.parametrize("datum", ["WGS84-ish", "gcj-02", "EPSG:4326", ""])
def test_to_wgs84_unknown_datum_raises(datum):
    with pytest.raises(ValueError, match="unknown datum") as info:
        to_wgs84(123.37, 41.79, datum)  # type: ignore[arg-type]
    message = str(info.value)
    assert repr(datum) in message
    assert "GCJ-02" in message
