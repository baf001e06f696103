"""Named parks and squares from the Helsinki extract, and directions through them."""

from __future__ import annotations

import pytest

from tourplanner.areas import named_areas_for_graph, named_areas_from_file
from tourplanner.directions import leg_directions, narrate
from tourplanner.errors import NetworkDataError
from tourplanner.routing import leg_between


@pytest.fixture(scope="module")
def areas(helsinki_pbf, helsinki_graph):
    return named_areas_for_graph(helsinki_pbf, helsinki_graph)


def test_the_extracts_parks_and_squares_are_read(areas) -> None:
    by_name = {a.name: a for a in areas}
    assert by_name["Esplanadinpuisto"].kind == "park"
    assert by_name["Kasarmitori"].kind == "square"
    assert all(a.geometry.is_valid and a.geometry.area > 0 for a in areas)
    assert all(a.name or a.name_en or a.name_zh for a in areas)
    # the Esplanadi park lies between the two Esplanadi streets, around 24.95 E, 60.167 N
    west, south, east, north = by_name["Esplanadinpuisto"].geometry.bounds
    assert 24.94 < west < east < 24.96 and 60.166 < south < north < 60.169


def test_a_bbox_keeps_only_the_areas_that_meet_it(helsinki_pbf, areas) -> None:
    esplanadi = next(a for a in areas if a.name == "Esplanadinpuisto")
    w, s, e, n = esplanadi.geometry.bounds
    few = named_areas_from_file(helsinki_pbf, (w, s, e, n))
    assert "Esplanadinpuisto" in {a.name for a in few}
    assert len(few) < len(areas)


def test_directions_through_the_park(
    areas, helsinki_graph, helsinki_snapping, helsinki_matrix
) -> None:
    found = []
    for a, b in [("amos_rex", "old_market_hall"), ("old_market_hall", "amos_rex")]:
        leg = leg_between(helsinki_graph, helsinki_snapping, helsinki_matrix, a, b)
        found += narrate(leg_directions(helsinki_graph, leg, areas=areas))
    assert any("through Esplanadinpuisto" in text for text in found), found


def test_a_missing_extract_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(NetworkDataError, match=r"missing\.osm\.pbf"):
        named_areas_from_file(tmp_path / "missing.osm.pbf")
