"""A bundle's procedure.json from an admin is checked field by field: unreadable JSON or a
field of the wrong type is a 422 `procedure-invalid` naming the field, and nothing is
deployed (it was a 500 once)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.builders import linear_bundle
from tests.conftest import Api

FIELDS = {
    "key": "probe",
    "leika_key": "urn:de:fim:leika:leistung:99000000000077",
    "name": "Testverfahren probe",
    "org_unit": "buero-buergerbudget",
    "required_vertrauensniveau": "low",
    "processing_days": 10,
    "fachdaten_namespace": "urn:egov-oss:fachdaten:buergerbudget:1.0",
}
WRONG = [
    ("key", 42),
    ("key", ""),
    ("key", "k" * 65),
    ("leika_key", ["urn"]),
    ("name", None),
    ("name", "n" * 201),
    ("org_unit", {"key": "buero-buergerbudget"}),
    ("required_vertrauensniveau", "mittel"),
    ("required_vertrauensniveau", 3),
    ("processing_days", "zehn"),
    ("processing_days", True),
    ("processing_days", -1),
    ("processing_days", 10.5),
    ("fachdaten_namespace", 1),
    ("description", 7),
    ("description", "d" * 2001),
]


def deploy(api: Api, procedure: str) -> Any:
    files = {**linear_bundle("probe"), "procedure.json": procedure}
    return api.post("/process-definitions", "admin", json={"files": files})


def versions(api: Api) -> int:
    return len(api.get("/process-definitions", "admin").get_json()["items"])


def assert_procedure_invalid(response: Any, field: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "procedure-invalid"
    assert field in [p["name"] for p in problem["invalid_params"]]


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"text"', "{", "[" * 5000 + "]" * 5000])
def test_a_procedure_json_that_is_no_json_object_is_refused_with_422(api: Api, text: str) -> None:
    before = versions(api)
    assert_procedure_invalid(deploy(api, text), "procedure.json")
    assert versions(api) == before


@pytest.mark.parametrize(("field", "value"), WRONG, ids=[f"{f}={v!r}"[:40] for f, v in WRONG])
def test_a_procedure_field_of_the_wrong_type_is_refused_naming_it(
    api: Api, field: str, value: Any
) -> None:
    before = versions(api)
    response = deploy(api, json.dumps({**FIELDS, field: value}))
    assert_procedure_invalid(response, f"procedure.json/{field}")
    assert versions(api) == before


def test_a_missing_procedure_field_is_named(api: Api) -> None:
    fields = {k: v for k, v in FIELDS.items() if k != "processing_days"}
    assert_procedure_invalid(deploy(api, json.dumps(fields)), "procedure.json/processing_days")


def test_a_valid_procedure_json_is_deployed(api: Api) -> None:
    response = deploy(api, json.dumps(FIELDS))
    assert response.status_code == 201, response.get_json()


def test_a_process_id_longer_than_its_column_is_refused_with_422(api: Api) -> None:
    files = linear_bundle("p" * 101, procedure_key="probe", leika_digits="99000000000078")
    response = api.post("/process-definitions", "admin", json={"files": files})
    assert response.status_code == 422, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["code"] == "bpmn-invalid"
    assert [p["name"] for p in problem["invalid_params"]] == ["process_id"]
