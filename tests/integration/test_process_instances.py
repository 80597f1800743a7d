"""Operators see process instances (where they wait, what they did, their variables as far
as their role may see them) and stop them: suspend, resume, cancel, restart; each audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from egov.container import Container
from egov.workflow.instances import REDACTED
from egov.workflow.operators import OperatorError
from egov.workflow.store import WorkflowInstance, get_instance_by_case
from egov.workflow.timers import due_cases
from tests.builders import proposal
from tests.conftest import Api

ADMISSIBLE = {"data": {"formal_decision": "admissible"}}


def new_case(api: Api) -> tuple[str, str]:
    """A Bürgerbudget case waiting at its formal check: (case id, instance id)."""
    response = api.post("/applications", "erika", json=proposal())
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["case_id"]
    with api.container.db.reading() as session:
        instance = get_instance_by_case(session, case_id)
        assert instance is not None
        return case_id, instance.id


def listed(api: Api, query: str = "") -> list[str]:
    response = api.get(f"/process-instances{query}", "admin")
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def trail(api: Api, case_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/cases/{case_id}/events?limit=200", "admin").get_json()["items"])


def actions(api: Api, case_id: str) -> list[str]:
    return [event["action"] for event in trail(api, case_id)]


def task_of(api: Api, case_id: str) -> str:
    (task,) = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    return str(task["id"])


def test_admins_list_instances_filtered_by_state_element_and_procedure(api: Api) -> None:
    _, waiting = new_case(api)
    case_b, suspended = new_case(api)
    assert api.post(f"/process-instances/{suspended}/suspend", "admin", json={}).status_code == 200

    assert set(listed(api)) == {waiting, suspended}
    assert listed(api, "?state=running") == [waiting]
    assert listed(api, "?state=suspended") == [suspended]
    assert listed(api, "?state=completed") == []
    assert set(listed(api, "?element=review_formal_check")) == {waiting, suspended}
    assert listed(api, "?element=assess_feasibility") == []
    assert len(listed(api, "?procedure=buergerbudget&process_id=buergerbudget")) == 2
    assert listed(api, "?procedure=bauantrag") == []
    assert len(listed(api, "?definition_version=1&has_incident=false")) == 2
    assert listed(api, "?has_incident=true") == []
    row = api.get("/process-instances?state=suspended", "admin").get_json()["items"][0]
    assert (row["case_id"], row["procedure"], row["state"]) == (
        case_b,
        "buergerbudget",
        "suspended",
    )


@pytest.mark.parametrize("who", ["anna", "ben", "erika", "portal"])
def test_only_admins_list_instances(api: Api, who: str) -> None:
    new_case(api)
    assert api.get("/process-instances", who).status_code == 403


def test_the_detail_shows_position_history_and_variables_redacted_for_admins(api: Api) -> None:
    case_id, instance_id = new_case(api)

    for_admin = api.get(f"/process-instances/{instance_id}", "admin").get_json()
    assert [e["id"] for e in for_admin["position"]] == ["review_formal_check"]
    assert for_admin["completed"] and all(e["at"] for e in for_admin["completed"])
    assert for_admin["case_id"] == case_id and for_admin["incidents"] == []
    variables = for_admin["variables"]
    assert variables["title"] == REDACTED and variables["applicant_name"] == REDACTED
    assert variables["category"] == "verkehr"  # declared non-personal in procedure.json

    for_clerk = api.get(f"/process-instances/{instance_id}", "anna").get_json()  # the unit's
    assert for_clerk["variables"]["title"] == "Fahrradbügel am Holzmarkt"
    assert for_clerk["variables"]["applicant_name"] not in (REDACTED, None)

    assert api.get(f"/process-instances/{instance_id}", "ben").status_code == 404  # other unit
    assert api.get(f"/process-instances/{instance_id}", "erika").status_code == 403  # citizen
    assert api.get("/process-instances/no-such-instance", "admin").status_code == 404


def test_a_suspended_instance_hides_its_tasks_refuses_their_completion_and_resumes(
    api: Api, container: Container
) -> None:
    case_id, instance_id = new_case(api)
    task_id = task_of(api, case_id)
    assert api.post(f"/tasks/{task_id}/claim", "anna").status_code == 200

    stopped = api.post(
        f"/process-instances/{instance_id}/suspend", "admin", json={"reason": "Rückfrage"}
    )
    assert stopped.status_code == 200 and stopped.get_json()["state"] == "suspended"
    assert task_id not in [t["id"] for t in api.get("/tasks", "anna").get_json()["items"]]
    refused = api.post(f"/tasks/{task_id}/complete", "anna", json=ADMISSIBLE)
    assert refused.status_code == 409 and refused.get_json()["code"] == "instance-suspended"
    assert api.get(f"/tasks/{task_id}", "anna").get_json()["status"] == "claimed"
    again = api.post(f"/process-instances/{instance_id}/suspend", "admin", json={})
    assert again.status_code == 409 and again.get_json()["code"] == "instance-state-conflict"

    resumed = api.post(f"/process-instances/{instance_id}/resume", "admin", json={})
    assert resumed.status_code == 200 and resumed.get_json()["state"] == "running"
    assert task_id in [t["id"] for t in api.get("/tasks", "anna").get_json()["items"]]
    assert api.post(f"/tasks/{task_id}/complete", "anna", json=ADMISSIBLE).status_code == 200
    suspended = [e for e in trail(api, case_id) if e["action"] == "workflow.suspended"]
    assert suspended[0]["actor"] == "dev:admin"
    assert "workflow.resumed" in actions(api, case_id)


def test_the_timer_sweep_skips_suspended_instances(api: Api, container: Container) -> None:
    case_id, instance_id = new_case(api)
    now = container.clock()
    with container.db.transaction() as session:
        instance = session.get(WorkflowInstance, instance_id)
        assert instance is not None
        instance.next_timer_at = now - timedelta(minutes=1)
    assert case_id in due_cases(container.db, now, 100)
    assert (
        api.post(f"/process-instances/{instance_id}/suspend", "admin", json={}).status_code == 200
    )
    assert case_id not in due_cases(container.db, now, 100)


def test_cancel_ends_the_case_cancels_its_tasks_and_writes_the_citizen(api: Api) -> None:
    case_id, instance_id = new_case(api)
    letters_before = len(api.get("/me/messages", "erika").get_json()["items"])

    missing = api.post(f"/process-instances/{instance_id}/cancel", "admin", json={})
    assert missing.status_code == 400
    cancelled = api.post(
        f"/process-instances/{instance_id}/cancel",
        "admin",
        json={"reason": "Der Vorschlag wurde zurückgezogen."},
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["state"] == "cancelled"

    case = api.get(f"/cases/{case_id}", "admin").get_json()
    assert case["status"] == "cancelled" and case["open_tasks"] == []
    assert api.get("/tasks", "anna").get_json()["items"] == []
    messages = api.get("/me/messages", "erika").get_json()["items"]
    assert len(messages) == letters_before + 1
    (letter,) = [m for m in messages if m["subject"] == "Einstellung Ihres Verfahrens"]
    assert letter["case_id"] == case_id and letter["document_id"]
    content = api.get(f"/documents/{letter['document_id']}/content", "erika")
    assert "Der Vorschlag wurde zurückgezogen." in content.get_data(as_text=True)
    assert {"task.cancelled", "workflow.cancelled", "case.status_changed"} <= set(
        actions(api, case_id)
    )
    again = api.post(f"/process-instances/{instance_id}/cancel", "admin", json={"reason": "x"})
    assert again.status_code == 409
    assert listed(api, "?state=cancelled") == [instance_id]


def test_restart_runs_the_failed_step_again_after_the_fix(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, instance_id = new_case(api)
    assert api.post(f"/process-instances/{instance_id}/restart", "admin").status_code == 409
    operators = container.workflows.operators.operators
    working = operators["case.set_status"]

    def broken(*_args: Any) -> Any:
        raise OperatorError("Statusdienst nicht erreichbar.", code="operator-failed")

    monkeypatch.setitem(operators, "case.set_status", broken)
    task_id = task_of(api, case_id)
    assert api.post(f"/tasks/{task_id}/claim", "anna").status_code == 200
    assert api.post(f"/tasks/{task_id}/complete", "anna", json=ADMISSIBLE).status_code == 200
    assert listed(api, "?state=failed") == [instance_id]
    detail = api.get(f"/process-instances/{instance_id}", "admin").get_json()
    assert detail["state"] == "failed" and len(detail["incidents"]) == 1

    monkeypatch.setitem(operators, "case.set_status", working)
    restarted = api.post(f"/process-instances/{instance_id}/restart", "admin")
    assert restarted.status_code == 200, restarted.get_json()
    assert restarted.get_json()["state"] == "running"
    assert "incident.retried" in actions(api, case_id)
    position = api.get(f"/process-instances/{instance_id}", "admin").get_json()["position"]
    assert [e["id"] for e in position] == ["assess_feasibility"]


def test_retrying_the_incident_of_a_suspended_instance_runs_nothing_and_keeps_it_open(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, instance_id = new_case(api)
    operators = container.workflows.operators.operators
    working = operators["case.set_status"]

    def broken(*_args: Any) -> Any:
        raise OperatorError("Statusdienst nicht erreichbar.", code="operator-failed")

    monkeypatch.setitem(operators, "case.set_status", broken)
    task_id = task_of(api, case_id)
    assert api.post(f"/tasks/{task_id}/claim", "anna").status_code == 200
    assert api.post(f"/tasks/{task_id}/complete", "anna", json=ADMISSIBLE).status_code == 200
    monkeypatch.setitem(operators, "case.set_status", working)
    assert (
        api.post(f"/process-instances/{instance_id}/suspend", "admin", json={}).status_code == 200
    )
    detail = api.get(f"/process-instances/{instance_id}", "admin").get_json()
    assert detail["state"] == "suspended" and listed(api, "?state=suspended") == [instance_id]
    (incident,) = detail["incidents"]

    retried = api.post(f"/incidents/{incident['id']}/retry", "admin")
    assert retried.status_code == 200 and retried.get_json()["status"] == "open"
    refused = api.post(f"/process-instances/{instance_id}/restart", "admin")
    assert refused.status_code == 409 and refused.get_json()["code"] == "instance-not-failed"
    assert api.get(f"/cases/{case_id}", "admin").get_json()["status"] != "in_feasibility_check"
