"""The plan's own CRS: read from the GeoJSON 2008 `crs` member, transformed by PROJ."""

from __future__ import annotations

import pytest

from egov.participation.crs import asked, crs_of, epsg, point_to, transform
from egov.participation.geometry import inside

UTM32 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}
# the Lobeda plan of the samples, in ETRS89 / UTM 32N
AREA = {
    "type": "Polygon",
    "crs": UTM32,
    "coordinates": [
        [
            [683449.3, 5640054.5],
            [683871.3, 5640069.4],
            [683855.5, 5640514.1],
            [683433.6, 5640499.2],
            [683449.3, 5640054.5],
        ]
    ],
}


@pytest.mark.parametrize(
    "name",
    [
        "EPSG:25832",
        "epsg:25832",
        "urn:ogc:def:crs:EPSG::25832",
        "urn:ogc:def:crs:EPSG:6.3:25832",
        "http://www.opengis.net/def/crs/EPSG/0/25832",
    ],
)
def test_the_usual_spellings_of_an_epsg_crs_are_read(name: str) -> None:
    assert epsg(name) == "EPSG:25832"


def test_a_geometry_without_crs_member_is_epsg_4326_and_an_unreadable_one_is_none() -> None:
    assert crs_of({"type": "Point", "coordinates": [11.6, 50.9]}) == "EPSG:4326"
    assert crs_of({**AREA, "crs": {"type": "name", "properties": {"name": "GK4"}}}) is None
    assert crs_of({**AREA, "crs": {"type": "name", "properties": {"name": "CRS84"}}}) == (
        "EPSG:4326"
    )


def test_the_plan_in_utm32_is_served_in_epsg_4326_without_and_in_its_own_with_crs_member() -> None:
    wgs84 = transform(AREA, "EPSG:4326")
    assert wgs84 is not None and "crs" not in wgs84
    assert wgs84["coordinates"][0][0] == pytest.approx([11.6080, 50.8830], abs=1e-5)

    again = transform(wgs84, "EPSG:25832")
    assert again is not None and again["crs"] == UTM32
    assert again["coordinates"][0][0] == pytest.approx([683449.3, 5640054.5], abs=0.01)
    assert transform(AREA, "EPSG:25832") == AREA


def test_a_point_in_epsg_4326_is_checked_against_the_area_in_its_own_crs() -> None:
    assert inside((11.611, 50.885), AREA)
    assert not inside((11.59, 50.93), AREA)
    x, y = point_to((11.611, 50.885), "EPSG:4326", "EPSG:25832")
    assert 683433.6 < x < 683871.3 and 5640054.5 < y < 5640514.1


def test_only_an_epsg_crs_that_proj_knows_may_be_asked_for() -> None:
    assert asked(None) == "EPSG:4326"
    assert asked("EPSG:25833") == "EPSG:25833"
    assert asked("EPSG:999999") is None
    assert asked("EPSG:5783") is None  # DHHN2016 heights: no position on a map
    assert asked("+proj=longlat") is None
