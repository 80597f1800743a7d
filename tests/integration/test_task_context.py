"""A task carries its context: `GET /tasks/{id}` gives the case and the process data its form
declares (`x-egov-context`), as far as the caller's role may see it; a form refuses wrong data
with German reasons that name the fields."""

from __future__ import annotations

import json
from typing import Any

from egov.workflow.deploy import read_bundle
from tests.builders import ROOT, proposal
from tests.conftest import Api


def file_proposal(api: Api, **data: Any) -> str:
    response = api.post("/applications", "erika", json=proposal(**data))
    assert response.status_code == 201, response.get_json()
    case_id: str = response.get_json()["case_id"]
    return case_id


def task_of(api: Api, user: str, case_id: str) -> dict[str, Any]:
    items = api.get("/tasks", user).get_json()["items"]
    task = next(t for t in items if t["case_id"] == case_id)
    detail: dict[str, Any] = api.get(f"/tasks/{task['id']}", user).get_json()
    return detail


def test_the_formal_check_shows_the_case_and_the_automatic_findings(api: Api) -> None:
    case_id = file_proposal(api, estimated_cost_eur=4800, follow_up_cost_eur=1200)

    task = task_of(api, "anna", case_id)

    assert task["case"]["id"] == case_id
    assert task["case"]["reference"].startswith("JENA-")
    context = task["context"]
    assert context["title"] == "Fahrradbügel am Holzmarkt"
    assert context["total_cost_eur"] == 6000
    assert context["formally_admissible"] is False
    assert context["formal_findings"] != []
    assert context["findings_text"].startswith("- ")
    assert context["applicant_name"] == "Erika Mustermann"


def test_only_the_declared_variables_are_shown(api: Api) -> None:
    task = task_of(api, "anna", file_proposal(api))

    declared = {e if isinstance(e, str) else e["name"] for e in task["form"]["x-egov-context"]}
    assert set(task["context"]) <= declared
    assert "submitted_at" not in task["context"]  # a process variable the form does not declare


def test_an_admin_sees_the_task_but_not_what_only_clerks_may_see(api: Api) -> None:
    case_id = file_proposal(api)
    task_id = task_of(api, "anna", case_id)["id"]

    as_admin = api.get(f"/tasks/{task_id}", "admin").get_json()

    assert as_admin["context"]["title"] == "Fahrradbügel am Holzmarkt"
    assert "applicant_name" not in as_admin["context"]


def test_a_clerk_of_another_unit_sees_nothing_of_the_task(api: Api) -> None:
    task_id = task_of(api, "anna", file_proposal(api))["id"]

    response = api.get(f"/tasks/{task_id}", "ben")

    assert (response.status_code, response.get_json()["code"]) == (404, "task-not-found")


def test_the_feasibility_check_shows_the_proposal_without_the_applicant(api: Api) -> None:
    case_id = file_proposal(api)
    formal = task_of(api, "anna", case_id)
    done = api.post(
        f"/tasks/{formal['id']}/complete", "anna", json={"data": {"formal_decision": "admissible"}}
    )
    assert done.status_code == 200, done.get_json()

    feasibility = task_of(api, "ben", case_id)

    assert feasibility["name"] == "assess_feasibility"
    assert feasibility["context"]["location"] == "Holzmarkt, Jena-Zentrum"
    assert feasibility["context"]["formal_note"] == ""
    assert "applicant_name" not in feasibility["context"]


def reasons(response: Any) -> dict[str, str]:
    assert (response.status_code, response.get_json()["code"]) == (422, "form-invalid")
    return {p["name"]: p["reason"] for p in response.get_json()["invalid_params"]}


def test_a_form_names_each_wrong_field_in_german(api: Api) -> None:
    task_id = task_of(api, "anna", file_proposal(api))["id"]

    response = api.post(
        f"/tasks/{task_id}/complete",
        "anna",
        json={"data": {"formal_decision": "vielleicht", "formal_note": 7, "colour": "rot"}},
    )

    found = reasons(response)
    assert found["formal_decision"].startswith("muss einer dieser Werte sein: „admissible“")
    assert found["formal_note"] == "muss ein Text sein"
    assert found["colour"] == "ist kein Feld dieses Formulars"


def test_a_missing_field_is_named_as_a_required_field(api: Api) -> None:
    task_id = task_of(api, "anna", file_proposal(api))["id"]

    response = api.post(f"/tasks/{task_id}/complete", "anna", json={"data": {}})

    assert reasons(response) == {"formal_decision": "Pflichtfeld fehlt"}


def test_a_field_required_only_under_a_condition_is_named(api: Api) -> None:
    case_id = file_proposal(api)
    formal = task_of(api, "anna", case_id)
    api.post(
        f"/tasks/{formal['id']}/complete", "anna", json={"data": {"formal_decision": "admissible"}}
    )
    task_id = task_of(api, "ben", case_id)["id"]

    response = api.post(
        f"/tasks/{task_id}/complete",
        "ben",
        json={"data": {"feasible": False, "cost_estimate_eur": -5}},
    )

    assert reasons(response) == {
        "cost_estimate_eur": "muss mindestens 0 sein",
        "feasibility_note": "Pflichtfeld fehlt",
    }


def test_a_form_whose_context_is_malformed_is_refused_at_deploy(api: Api) -> None:
    files = {k: v.decode() for k, v in read_bundle(ROOT / "bpmn" / "buergerbudget").items()}
    form = json.loads(files["forms/formal_check.schema.json"])
    form["x-egov-context"] = [{"name": "applicant_name", "roles": ["mayor"]}]
    files["forms/formal_check.schema.json"] = json.dumps(form)

    response = api.post("/process-definitions", "admin", json={"files": files})

    assert (response.status_code, response.get_json()["code"]) == (422, "bpmn-invalid")
