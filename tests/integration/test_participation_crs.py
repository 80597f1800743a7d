"""A plan in its own CRS (ETRS89 / UTM 32N, EPSG:25832, as Thuringia's planning systems give
it): kept as given, served in EPSG:4326 by default and in any EPSG CRS by `?crs=`, and a
statement's point (EPSG:4326) is checked against the area in the plan's CRS."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.integration.test_beteiligung_intake import EXAMPLES, around_today, case, submit
from tests.integration.test_participation_statements import INSIDE, OUTSIDE, statement

UTM_PLAN = EXAMPLES / "valid" / "initiieren-etrs89-utm32.xml"
GIVEN = [683449.3, 5640054.5]  # the first corner as the sample gives it
WGS84 = [11.6080, 50.8830]  # the same corner in EPSG:4326


def utm_participation(api: Api) -> str:
    response = submit(api, around_today(UTM_PLAN))
    assert response.status_code == 201, response.get_json()
    case_id: str = response.get_json()["case_id"]
    return case_id


def corner(geometry: dict[str, Any]) -> list[float]:
    first: list[float] = geometry["coordinates"][0][0]
    return first


def test_the_plan_in_its_own_crs_is_kept_as_given_and_served_in_epsg_4326(api: Api) -> None:
    pid = utm_participation(api)

    detail = api.get(f"/public/participations/{pid}").get_json()

    kept = case(api, pid)["data"]["geltungsbereich"]
    assert corner(kept) == GIVEN and kept["crs"]["properties"]["name"].endswith("25832")
    assert (detail["crs"], detail["plan_crs"]) == ("EPSG:4326", "EPSG:25832")
    assert "crs" not in detail["geltungsbereich"]  # RFC 7946
    assert corner(detail["geltungsbereich"]) == pytest.approx(WGS84, abs=1e-5)
    assert corner(detail["variants"][0]["geometry"]) == pytest.approx(WGS84, abs=1e-5)


def test_asked_for_the_plans_crs_the_geometries_come_as_given_with_their_crs_member(
    api: Api,
) -> None:
    pid = utm_participation(api)
    assert statement(api, pid, "erika", location=INSIDE).status_code == 201

    default = api.get(f"/public/participations/{pid}")
    own = api.get(f"/public/participations/{pid}?crs=EPSG:25832")
    listed = api.get("/public/participations?crs=EPSG:25832").get_json()["items"]

    detail = own.get_json()
    assert detail["crs"] == "EPSG:25832"
    assert detail["geltungsbereich"] == case(api, pid)["data"]["geltungsbereich"]
    [filed] = detail["statements"]
    assert filed["location"]["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::25832"
    assert 683433.6 < filed["location"]["coordinates"][0] < 683871.3
    assert corner(listed[0]["geltungsbereich"]) == GIVEN
    assert own.headers["ETag"] != default.headers["ETag"]


def test_a_plan_in_epsg_4326_is_served_in_utm_32_when_asked(api: Api) -> None:
    pid = submit(
        api, around_today(EXAMPLES / "valid" / "initiieren-mit-zeitraum-und-unterlagen.xml")
    )
    case_id = pid.get_json()["case_id"]

    detail = api.get(f"/public/participations/{case_id}?crs=EPSG:25832").get_json()

    assert detail["plan_crs"] == "EPSG:4326"
    assert corner(detail["geltungsbereich"]) == pytest.approx(GIVEN, abs=0.5)


@pytest.mark.parametrize("crs", ["EPSG:999999", "Gauss-Krueger", "+proj=utm +zone=32"])
def test_a_crs_egov_does_not_know_is_refused(api: Api, crs: str) -> None:
    pid = utm_participation(api)
    for path in ("/public/participations", f"/public/participations/{pid}"):
        response = api.get(path, query_string={"crs": crs})
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["code"] == "crs-unsupported"


def test_a_statements_point_is_checked_against_the_plan_in_its_own_crs(api: Api) -> None:
    pid = utm_participation(api)

    assert statement(api, pid, "erika", location=INSIDE).status_code == 201
    outside = statement(api, pid, "erika", location=OUTSIDE)

    assert outside.status_code == 422
    assert outside.get_json()["code"] == "statement-location-outside"
