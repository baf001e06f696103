"""Tests of tourplanner.compare: figures equal sums over the tours' legs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tourplanner.bureau_maps import compare_map
from tourplanner.compare import (
    FOOT_WAYS,
    comparison_table,
    read_tour,
    summarise,
)
from tourplanner.directions import MAIN_ROADS, tour_directions
from tourplanner.errors import TourError
from tourplanner.export import tour_to_geojson
from tourplanner.planner import plan_tour


@pytest.fixture(scope="module")
def tours(helsinki_graph, helsinki_sites, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tours")
    plans = {
        "museums": ["station_rautatientori", "ateneum", "kiasma", "amos_rex"],
        "old town": [
            "station_helsinki_central",
            "helsinki_cathedral",
            "old_market_hall",
            "snellman_memorial",
        ],
    }
    paths = {}
    for label, stops in plans.items():
        plan = plan_tour(
            helsinki_graph,
            helsinki_sites,
            stops=stops,
            start_time=dt.datetime(2026, 6, 2, 9, 0),
        )
        steps = tour_directions(helsinki_graph, plan.tour.legs)
        doc = tour_to_geojson(plan.tour, title=label, directions=steps)
        path = folder / f"{label.replace(' ', '_')}.geojson"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths[label] = (path, plan, steps)
    return paths


def test_summary_equals_sums_over_the_legs(tours, helsinki_graph) -> None:
    for label, (path, plan, steps) in tours.items():
        summary = summarise(read_tour(path), label)
        assert summary.sites == tuple(s.site_id for s in plan.tour.visits)
        assert summary.walking_km == pytest.approx(
            sum(leg.distance_m for leg in plan.tour.legs) / 1000, abs=1e-3
        )
        assert summary.walking_min == pytest.approx(
            sum(leg.duration_s for leg in plan.tour.legs) / 60, abs=0.01
        )
        assert summary.score == pytest.approx(plan.tour.score)
        assert summary.categories == tuple(sorted({s.category for s in plan.tour.visits}))
        ways = [way for leg in steps for step in leg for way in step.stretches]
        main = sum(st.distance_m for st in ways if st.highway in MAIN_ROADS)
        foot = sum(st.distance_m for st in ways if st.highway in FOOT_WAYS)
        total = sum(st.distance_m for st in ways)
        assert summary.main_road_share == pytest.approx(main / total, abs=1e-3)
        assert summary.footway_share == pytest.approx(foot / total, abs=1e-3)
        assert (
            summary.main_road_share + summary.footway_share + summary.other_share
            == pytest.approx(1.0)
        )


def test_table_and_map(tours) -> None:
    docs = [read_tour(path) for path, _, _ in tours.values()]
    summaries = [summarise(d, label) for d, label in zip(docs, tours, strict=True)]
    table = comparison_table(summaries)
    assert list(table.columns) == ["museums", "old town"]
    assert table.loc["visits", "museums"] == 4
    assert table.loc["walking km", "old town"] == round(summaries[1].walking_km, 2)
    html = compare_map(docs, list(tours), table).get_root().render()
    assert html.count("tp-compare-leg") == sum(len(p.tour.legs) for _, p, _ in tours.values())
    assert "museums" in html and "old town" in html


def test_files_that_are_not_tours_are_refused(tmp_path, tours) -> None:
    cases = {
        "missing.geojson": None,
        "notjson.geojson": "{",
        "catalogue.geojson": json.dumps({"type": "FeatureCollection", "features": []}),
        "foreign.geojson": json.dumps(
            {
                "type": "FeatureCollection",
                "generator": "tourplanner",
                "features": [{"type": "Feature", "properties": {"id": "x"}, "geometry": None}],
            }
        ),
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
        with pytest.raises(TourError, match="tourplanner plan --geojson") as info:
            read_tour(path)
        assert "\n" not in str(info.value)
