"""The directory's admin API: org units, memberships, deputies; its error codes and guards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

UNIT = "fachdienst-stadtgruen"
PERIOD = {"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"}


def problem_code(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return str(response.get_json()["code"])


def add_deputy(api: Api, **body: Any) -> Any:
    return api.post("/deputies", "admin", json={**PERIOD, **body})


def test_an_admin_adds_lists_and_renames_org_units(api: Api) -> None:
    created = api.post("/org-units", "admin", json={"key": "standesamt", "name": "Standesamt"})
    renamed = api.call("PATCH", "/org-units/standesamt", "admin", json={"name": "Bürgerservice"})

    assert created.status_code == 201
    assert created.get_json() == {"key": "standesamt", "name": "Standesamt"}
    assert renamed.get_json() == {"key": "standesamt", "name": "Bürgerservice"}
    listed = api.get("/org-units", "admin").get_json()["items"]
    assert {"key": "standesamt", "name": "Bürgerservice"} in listed
    assert UNIT in {u["key"] for u in listed}


def test_an_org_unit_key_that_exists_or_is_malformed_is_refused(api: Api) -> None:
    again = api.post("/org-units", "admin", json={"key": UNIT, "name": "Doppelt"})
    malformed = api.post("/org-units", "admin", json={"key": "Amt 1", "name": "Amt"})
    nameless = api.post("/org-units", "admin", json={"key": "amt-1"})
    not_json = api.post("/org-units", "admin", data="key=amt", content_type="text/plain")

    assert problem_code(again, 409) == "org-unit-exists"
    assert problem_code(malformed, 422) == "org-unit-invalid"
    assert problem_code(nameless, 400) == "bad-request"  # the model: a field is missing
    assert nameless.get_json()["invalid_params"] == [{"name": "name", "reason": "fehlt"}]
    assert problem_code(not_json, 400) == "bad-request"


def test_renaming_or_listing_an_unknown_org_unit_is_not_found(api: Api) -> None:
    rename = api.call("PATCH", "/org-units/nirgendwo", "admin", json={"name": "X"})
    members = api.get("/org-units/nirgendwo/members", "admin")

    assert problem_code(rename, 404) == "org-unit-not-found"
    assert problem_code(members, 404) == "org-unit-not-found"


def test_an_admin_adds_lists_and_removes_members(api: Api) -> None:
    clerk = api.post(f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:carla"})
    chief = api.post(
        f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:dora", "role": "supervisor"}
    )
    removed = api.call("DELETE", f"/org-units/{UNIT}/members/dev:carla", "admin")

    assert clerk.status_code == 201 and chief.status_code == 201
    assert clerk.get_json()["role"] == "clerk"
    assert clerk.get_json()["created_by"] == "dev:admin"
    assert removed.status_code == 204
    members = api.get(f"/org-units/{UNIT}/members", "admin").get_json()["items"]
    assert [(m["subject"], m["role"]) for m in members] == [("dev:dora", "supervisor")]


def test_a_supervisor_has_an_email_address_for_escalations_that_an_admin_can_change(
    api: Api,
) -> None:
    chief = {"subject": "dev:dora", "role": "supervisor", "email": "dora@jena.example"}
    added = api.post(f"/org-units/{UNIT}/members", "admin", json=chief)
    moved = api.call(
        "PATCH",
        f"/org-units/{UNIT}/members/dev:dora",
        "admin",
        json={"email": "leitung@jena.example"},
    )

    assert added.status_code == 201 and added.get_json()["email"] == "dora@jena.example"
    assert moved.status_code == 200 and moved.get_json()["email"] == "leitung@jena.example"
    members = api.get(f"/org-units/{UNIT}/members", "admin").get_json()["items"]
    assert [(m["subject"], m["email"]) for m in members] == [("dev:dora", "leitung@jena.example")]
    cleared = api.call(
        "PATCH", f"/org-units/{UNIT}/members/dev:dora", "admin", json={"email": None}
    )
    assert cleared.get_json()["email"] is None


def test_an_email_address_that_is_not_one_is_refused(api: Api) -> None:
    api.post(f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:carla"})

    malformed = api.post(
        f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:dora", "email": "dora at jena"}
    )
    injected = api.call(
        "PATCH", f"/org-units/{UNIT}/members/dev:carla", "admin", json={"email": "a@b.de\nBcc: x@y"}
    )
    missing = api.call("PATCH", f"/org-units/{UNIT}/members/dev:carla", "admin", json={})
    nobody = api.call(
        "PATCH", f"/org-units/{UNIT}/members/dev:nobody", "admin", json={"email": None}
    )

    assert problem_code(malformed, 422) == "directory-input-invalid"
    assert problem_code(injected, 422) == "directory-input-invalid"
    assert problem_code(missing, 400) == "bad-request"
    assert problem_code(nobody, 404) == "membership-not-found"


def test_a_clerk_can_belong_to_several_org_units(api: Api) -> None:
    for unit in (UNIT, "fachdienst-stadtplanung"):
        added = api.post(f"/org-units/{unit}/members", "admin", json={"subject": "dev:carla"})
        assert added.status_code == 201

    for unit in (UNIT, "fachdienst-stadtplanung"):
        members = api.get(f"/org-units/{unit}/members", "admin").get_json()["items"]
        assert [m["subject"] for m in members] == ["dev:carla"]


def test_membership_errors_have_their_codes(api: Api) -> None:
    api.post(f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:carla"})

    twice = api.post(f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:carla"})
    unknown = api.post("/org-units/nirgendwo/members", "admin", json={"subject": "dev:carla"})
    role = api.post(
        f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:x", "role": "boss"}
    )
    blank = api.post(f"/org-units/{UNIT}/members", "admin", json={"subject": "a b"})
    missing = api.call("DELETE", f"/org-units/{UNIT}/members/dev:nobody", "admin")

    assert problem_code(twice, 409) == "membership-exists"
    assert problem_code(unknown, 422) == "org-unit-unknown"
    assert problem_code(role, 422) == "membership-invalid"
    assert problem_code(blank, 422) == "directory-input-invalid"
    assert problem_code(missing, 404) == "membership-not-found"


def test_an_admin_adds_lists_and_ends_deputies(api: Api) -> None:
    created = add_deputy(api, deputy_subject="dev:ben", absent_subject="dev:anna", org_unit=UNIT)
    deputy = created.get_json()

    ended = api.call("DELETE", f"/deputies/{deputy['id']}", "admin")

    assert created.status_code == 201
    assert deputy["active"] is True
    assert deputy["org_unit"] == UNIT
    assert deputy["valid_from"] == "2020-01-01T00:00:00+00:00"
    assert ended.status_code == 200
    assert ended.get_json()["active"] is False
    assert ended.get_json()["ended_by"] == "dev:admin"
    listed = api.get("/deputies", "admin").get_json()["items"]
    assert [(d["id"], d["active"]) for d in listed] == [(deputy["id"], False)]


def test_a_period_with_an_offset_is_stored_in_utc(api: Api) -> None:
    created = add_deputy(
        api,
        deputy_subject="dev:ben",
        absent_subject="dev:anna",
        valid_from="2030-03-01T08:00:00+01:00",
        valid_until="2030-03-15T18:00:00+01:00",
    )

    assert created.get_json()["valid_from"] == "2030-03-01T07:00:00+00:00"
    assert created.get_json()["valid_until"] == "2030-03-15T17:00:00+00:00"
    assert created.get_json()["active"] is False


@pytest.mark.parametrize(
    "period",
    [
        {"valid_from": "2030-02-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z"},
        {"valid_from": "2030-01-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z"},
        {"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2021-01-01T00:00:00Z"},
        {"valid_from": "morgen", "valid_until": "2030-01-01T00:00:00Z"},
    ],
    ids=["ends before it begins", "empty", "already over", "not a date"],
)
def test_a_deputy_period_that_makes_no_sense_is_refused(api: Api, period: dict[str, str]) -> None:
    body = {"deputy_subject": "dev:ben", "absent_subject": "dev:anna", **period}

    response = api.post("/deputies", "admin", json=body)

    assert problem_code(response, 422) == "deputy-period-invalid"
    assert response.get_json()["invalid_params"]


def test_a_deputy_period_without_an_end_is_refused_naming_the_field(api: Api) -> None:
    body = {"deputy_subject": "dev:ben", "absent_subject": "dev:anna"}

    response = api.post("/deputies", "admin", json={**body, "valid_from": "2030-01-01T00:00:00Z"})

    assert problem_code(response, 400) == "bad-request"
    assert response.get_json()["invalid_params"] == [{"name": "valid_until", "reason": "fehlt"}]


def test_deputy_errors_have_their_codes(api: Api) -> None:
    unknown = add_deputy(
        api, deputy_subject="dev:ben", absent_subject="dev:anna", org_unit="nirgendwo"
    )
    itself = add_deputy(api, deputy_subject="dev:ben", absent_subject="dev:ben")
    missing = api.call("DELETE", "/deputies/no-such-deputy", "admin")
    deputy_id = add_deputy(api, deputy_subject="dev:ben", absent_subject="dev:anna").get_json()[
        "id"
    ]
    api.call("DELETE", f"/deputies/{deputy_id}", "admin")
    twice = api.call("DELETE", f"/deputies/{deputy_id}", "admin")

    assert problem_code(unknown, 422) == "org-unit-unknown"
    assert problem_code(itself, 422) == "deputy-invalid"
    assert problem_code(missing, 404) == "deputy-not-found"
    assert problem_code(twice, 409) == "deputy-ended"


DIRECTORY_CALLS = [
    ("GET", "/org-units", None),
    ("POST", "/org-units", {"key": "amt", "name": "Amt"}),
    ("PATCH", f"/org-units/{UNIT}", {"name": "Amt"}),
    ("GET", f"/org-units/{UNIT}/members", None),
    ("POST", f"/org-units/{UNIT}/members", {"subject": "dev:carla"}),
    ("DELETE", f"/org-units/{UNIT}/members/dev:carla", None),
    ("PATCH", f"/org-units/{UNIT}/members/dev:carla", {"email": "carla@jena.example"}),
    ("GET", "/deputies", None),
    ("POST", "/deputies", {**PERIOD, "deputy_subject": "dev:ben", "absent_subject": "dev:anna"}),
    ("DELETE", "/deputies/any", None),
]


@pytest.mark.parametrize("user", ["erika", "anna", "ben", "portal"])
def test_nobody_but_an_admin_reaches_any_directory_endpoint(api: Api, user: str) -> None:
    for method, path, body in DIRECTORY_CALLS:
        response = api.call(method, path, user, json=body)
        assert problem_code(response, 403) == "forbidden", (method, path)
    assert api.get(f"/org-units/{UNIT}/members", "admin").get_json()["items"] == []
    assert api.get("/deputies", "admin").get_json()["items"] == []
