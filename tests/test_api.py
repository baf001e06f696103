"""The library API a notebook user meets: ``import tourplanner as tp`` and the forms it accepts."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

import tourplanner as tp
from tourplanner import problem
from tourplanner.errors import CatalogueError, TourError
from tourplanner.tour import TOUR_COLUMNS

STOPS = ["station_rautatientori", "kiasma", "ateneum", "helsinki_cathedral"]
START = dt.datetime(2026, 6, 2, 10, 0)  # Helsinki is UTC+3 in June (EEST)


@pytest.fixture(scope="module")
def read_file_sites() -> gpd.GeoDataFrame:
    """The demo catalogue as an analyst reads it: a RangeIndex and an ``id`` column."""
    return gpd.read_file(tp.demo_sites_path())


@pytest.fixture(scope="module")
def plan(helsinki_graph, helsinki_sites):
    return tp.plan_tour(helsinki_graph, helsinki_sites, stops=STOPS, start_time=START)


def _stops(plan) -> list[tuple[str, dt.datetime, dt.datetime]]:
    return [(s.site_id, s.arrival, s.departure) for s in plan.tour.stops]


# --- the package -------------------------------------------------------------------------------


def test_every_public_name_resolves_and_is_documented() -> None:
    assert "plan_tour" in tp.__all__ and "load_sites" in tp.__all__
    for name in tp.__all__:
        value = getattr(tp, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), name
            assert value.__module__.startswith("tourplanner."), name
    assert set(tp.__all__) <= set(dir(tp))
    with pytest.raises(AttributeError, match="no attribute 'plan_tuor'"):
        _ = tp.plan_tuor  # type: ignore[attr-defined]


def test_importing_the_package_stays_light() -> None:
    code = "import sys, tourplanner; print('osmnx' in sys.modules, 'folium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_one_name_per_concept() -> None:
    # the solver's timed visits and trips are not the tour's Stop and Leg
    assert not hasattr(problem, "Stop") and not hasattr(problem, "Leg")
    assert problem.NodeVisit is not tp.Stop and problem.NodeTrip is not tp.Leg
    assert tp.Stop.__module__ == "tourplanner.tour" and tp.Leg.__module__ == "tourplanner.routing"


# --- catalogues as GeoDataFrames ---------------------------------------------------------------


def test_a_loaded_catalogue_is_taken_as_it_is(helsinki_sites) -> None:
    assert tp.sites_from_frame(helsinki_sites) is helsinki_sites


def test_read_file_frame_becomes_the_same_catalogue(helsinki_sites, read_file_sites) -> None:
    sites = tp.sites_from_frame(read_file_sites)
    assert sites.index.name == "id"
    assert sites.index.tolist() == helsinki_sites.index.tolist()
    assert sites.crs.equals("EPSG:4326")
    for column in ("name", "category", "score", "visit_minutes", "opening_hours"):
        assert sites[column].tolist() == helsinki_sites[column].tolist(), column
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    expected = np.column_stack([helsinki_sites.geometry.x, helsinki_sites.geometry.y])
    np.testing.assert_allclose(xy, expected, atol=1e-12)


def test_a_frame_indexed_by_id_is_accepted(helsinki_sites, read_file_sites) -> None:
    sites = tp.sites_from_frame(read_file_sites.set_index("id"))
    assert sites.index.tolist() == helsinki_sites.index.tolist()


def test_any_crs_is_converted_to_wgs84(helsinki_sites, read_file_sites) -> None:
    projected = read_file_sites.to_crs(3067)  # ETRS-TM35FIN, metres
    assert abs(projected.geometry.x).max() > 1000
    sites = tp.sites_from_frame(projected)
    assert sites.crs.equals("EPSG:4326")
    np.testing.assert_allclose(sites.geometry.x, helsinki_sites.geometry.x, atol=1e-9)
    np.testing.assert_allclose(sites.geometry.y, helsinki_sites.geometry.y, atol=1e-9)
    # a reprojected loaded catalogue comes back in degrees too
    back = tp.sites_from_frame(helsinki_sites.to_crs(3067))
    np.testing.assert_allclose(back.geometry.y, helsinki_sites.geometry.y, atol=1e-9)


def test_a_frame_without_id_names_the_missing_column(read_file_sites) -> None:
    with pytest.raises(CatalogueError, match=r"no 'id' column \(columns: name, "):
        tp.sites_from_frame(read_file_sites.drop(columns="id"))


def test_a_frame_without_crs_or_not_a_frame_is_refused(read_file_sites) -> None:
    with pytest.raises(CatalogueError, match="has no CRS: set it"):
        tp.sites_from_frame(read_file_sites.set_crs(None, allow_override=True))
    with pytest.raises(CatalogueError, match="must be a GeoDataFrame, not DataFrame"):
        tp.sites_from_frame(pd.DataFrame(read_file_sites.drop(columns="geometry")))


def test_a_bad_site_in_a_frame_is_refused_like_in_a_file(read_file_sites) -> None:
    frame = read_file_sites.copy()
    frame.loc[1, "category"] = "musuem"
    with pytest.raises(CatalogueError, match="did you mean 'museum'"):
        tp.sites_from_frame(frame)


def test_plan_tour_takes_a_read_file_frame(helsinki_graph, read_file_sites, plan) -> None:
    other = tp.plan_tour(helsinki_graph, read_file_sites, stops=STOPS, start_time=START)
    assert _stops(other) == _stops(plan)
    assert other.sites is not None and other.sites.index.name == "id"


# --- start and end by position -----------------------------------------------------------------


def test_start_as_lat_lon_tuple_or_point(helsinki_graph, helsinki_sites) -> None:
    station = helsinki_sites.loc["station_rautatientori"].geometry
    lat, lon = station.y + 0.0003, station.x - 0.0004  # beside the station
    stops = STOPS[1:]
    by_tuple = tp.plan_tour(
        helsinki_graph, helsinki_sites, stops=stops, start=(lat, lon), start_time=START
    )
    by_point = tp.plan_tour(
        helsinki_graph, helsinki_sites, stops=stops, start=Point(lon, lat), start_time=START
    )
    first = by_tuple.tour.stops[0]
    assert first.site_id == "start_point" and first.category == "waypoint"
    assert first.position == pytest.approx((lon, lat))
    assert [s.site_id for s in by_tuple.tour.stops] == ["start_point", *stops]
    assert _stops(by_point) == _stops(by_tuple)
    assert "start_point" not in helsinki_sites.index  # the caller's catalogue is left alone
    assert by_tuple.sites is not None and "start_point" in by_tuple.sites.index


def test_end_as_a_position(helsinki_graph, helsinki_sites) -> None:
    cathedral = helsinki_sites.loc["helsinki_cathedral"].geometry
    plan = tp.plan_tour(
        helsinki_graph,
        helsinki_sites,
        stops=STOPS[:3],
        end=(cathedral.y, cathedral.x),
        start_time=START,
    )
    assert plan.tour.stops[-1].site_id == "end_point"
    assert plan.tour.stops[-1].position == pytest.approx((cathedral.x, cathedral.y))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ((200.0, 24.9), "not a position in degrees"),
        ((float("nan"), 24.9), "not a position in degrees"),
        (("a", "b"), "not a position in degrees"),
        ((60.1, 24.9, 3.0), "not a site id, a \\(lat, lon\\) tuple or a shapely Point"),
        (12, "not a site id"),
        (Point(), "empty Point"),
    ],
)
def test_bad_positions_are_refused(helsinki_graph, helsinki_sites, value, match) -> None:
    with pytest.raises(TourError, match=match):
        tp.plan_tour(helsinki_graph, helsinki_sites, stops=STOPS, start=value, start_time=START)


# --- times -------------------------------------------------------------------------------------


def test_aware_start_time_is_converted_to_the_sites_zone(
    helsinki_graph, helsinki_sites, plan
) -> None:
    utc = dt.datetime(2026, 6, 2, 7, 0, tzinfo=dt.UTC)  # 10:00 in Helsinki (EEST)
    aware = tp.plan_tour(helsinki_graph, helsinki_sites, stops=STOPS, start_time=utc)
    assert _stops(aware) == _stops(plan)
    assert aware.tour.start.tzinfo is None
    tokyo = dt.timezone(dt.timedelta(hours=9))
    same = tp.plan_tour(
        helsinki_graph,
        helsinki_sites,
        stops=STOPS,
        start_time=dt.datetime(2026, 6, 2, 16, 0, tzinfo=tokyo),
        end_time=dt.datetime(2026, 6, 3, 0, 0, tzinfo=tokyo),  # 18:00 in Helsinki
    )
    assert _stops(same) == _stops(plan)


def test_a_start_time_that_is_not_a_datetime_is_refused(helsinki_graph, helsinki_sites) -> None:
    with pytest.raises(TourError, match="is not a datetime"):
        tp.plan_tour(helsinki_graph, helsinki_sites, stops=STOPS, start_time="10:00")  # type: ignore[arg-type]


def test_local_zone_is_the_zone_of_the_place() -> None:
    from tourplanner.inputs import local_zone

    helsinki = local_zone(24.94, 60.17)
    shenyang = local_zone(123.36, 41.80)
    assert helsinki is not None and shenyang is not None
    winter = dt.datetime(2026, 1, 15, 12, 0)
    assert helsinki.utcoffset(winter) == dt.timedelta(hours=2)
    assert shenyang.utcoffset(winter) == dt.timedelta(hours=8)


# --- results as frames -------------------------------------------------------------------------


def test_tour_to_geodataframe_has_stops_legs_and_proper_dtypes(plan) -> None:
    tour = plan.tour
    frame = tour.to_geodataframe()
    assert list(frame.columns) == [*TOUR_COLUMNS, "geometry"]
    assert frame.crs.equals("EPSG:4326")
    assert (frame["feature"] == "stop").sum() == len(tour.stops) == 4
    assert (frame["feature"] == "leg").sum() == len(tour.legs) == 3
    for column in ("arrival", "departure"):
        assert pd.api.types.is_datetime64_dtype(frame[column]), column
    assert frame["day"].dtype == np.int64 and frame["order"].dtype == np.int64
    assert frame["distance_m"].dtype == np.float64
    stops = frame[frame["feature"] == "stop"]
    assert [t.to_pydatetime() for t in stops["arrival"]] == [s.arrival for s in tour.stops]
    assert stops["site_id"].tolist() == [s.site_id for s in tour.stops]
    assert all(isinstance(g, Point) for g in stops.geometry)
    legs = frame[frame["feature"] == "leg"]
    assert legs["distance_m"].sum() == pytest.approx(tour.distance_m)
    assert legs["walk_min"].sum() * 60 == pytest.approx(tour.walking_s)
    assert all(isinstance(g, LineString) for g in legs.geometry)
    assert legs["from_id"].tolist() == STOPS[:-1] and legs["site_id"].tolist() == STOPS[1:]
    assert tour.to_geodataframe("stops").shape[0] == 4
    assert tour.to_geodataframe("legs").shape[0] == 3


def test_day_numbers_count_from_one_everywhere(helsinki_graph, helsinki_sites) -> None:
    plan = tp.plan_tour(
        helsinki_graph,
        helsinki_sites,
        days=2,
        start_time=START,
        end_time=dt.datetime(2026, 6, 2, 13, 0),
        time_limit=1.0,
        max_iterations=50,
    )
    tour = plan.tour
    assert len(tour.days) == 2
    for day in tour.days:
        assert day.number == day.index + 1
        assert {stop.day for stop in day.stops} == {day.number}
        assert tour.days[day.stops[0].day - 1] is day
    document = tp.tour_to_geojson(tour)
    stop_days = [
        f["properties"]["day"] for f in document["features"] if f["properties"]["kind"] == "stop"
    ]
    assert stop_days == [stop.day for stop in tour.stops]
    assert sorted(set(stop_days)) == [1, 2]
    frame = tour.to_geodataframe()
    assert frame.loc[frame["feature"] == "stop", "day"].tolist() == stop_days
    legs = [
        f["properties"]["day"] for f in document["features"] if f["properties"]["kind"] == "leg"
    ]
    assert frame.loc[frame["feature"] == "leg", "day"].tolist() == legs


def test_walk_matrix_to_frame(helsinki_matrix) -> None:
    seconds = helsinki_matrix.to_frame()
    metres = helsinki_matrix.to_frame("distance_m")
    ids = list(helsinki_matrix.site_ids)
    assert seconds.index.tolist() == ids and seconds.columns.tolist() == ids
    assert (seconds.index.name, seconds.columns.name) == ("from", "to")
    np.testing.assert_array_equal(seconds.to_numpy(), helsinki_matrix.duration_s)
    np.testing.assert_array_equal(metres.to_numpy(), helsinki_matrix.distance_m)
    assert (
        metres.loc["kiasma", "ateneum"]
        == helsinki_matrix.distance_m[ids.index("kiasma"), ids.index("ateneum")]
    )
    metres.iloc[0, 1] = -1.0
    assert helsinki_matrix.distance_m[0, 1] != -1.0  # a copy
    with pytest.raises(ValueError, match="neither 'distance_m' nor 'duration_s'"):
        helsinki_matrix.to_frame("minutes")  # type: ignore[arg-type]


# --- the map -----------------------------------------------------------------------------------


def test_tour_map_of_a_plan_has_directions_by_default(plan) -> None:
    html = tp.tour_map(plan).get_root().render()
    steps = tp.tour_directions(plan.graph, plan.tour.legs)
    assert html.count('class="tp-directions"') == sum(1 for s in steps if s) == 3
    without = tp.tour_map(plan, directions={}).get_root().render()
    assert 'class="tp-directions"' not in without
    bare = tp.tour_map(plan.tour, plan.sites).get_root().render()  # no graph: no directions
    assert 'class="tp-directions"' not in bare


def test_tour_map_of_a_bare_tour_needs_the_sites(plan) -> None:
    with pytest.raises(ValueError, match="give sites, or the Plan"):
        tp.tour_map(plan.tour)


def test_geojson_of_the_api_round_trips_through_geopandas(plan) -> None:
    document = tp.tour_to_geojson(plan.tour)
    frame = gpd.GeoDataFrame.from_features(json.loads(json.dumps(document))["features"], crs=4326)
    ours = plan.tour.to_geodataframe("stops")
    stops = frame[frame["kind"] == "stop"]
    assert stops["site_id"].tolist() == ours["site_id"].tolist()
    assert pd.to_datetime(stops["arrival"]).tolist() == ours["arrival"].tolist()
