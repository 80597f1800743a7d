"""camunda:assignee and camunda:dueDate are used: the task is claimed by the named member of
its org unit when it becomes ready, and due when the model says, both visible in GET /tasks;
an assignee who is no member (here resolved from `${applicant_name}`) leaves the task open and
the case trail says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Api
from tests.integration.test_camunda_models import (  # noqa: F401 (its fixture)
    PROCESS,
    aktenablage,
    bundle,
    deploy,
    model,
)
from tests.integration.test_timers_support import file_case

UNIT = "buero-buergerbudget"


def with_task_attributes(assignee: str, due: str) -> dict[str, str]:
    bpmn = model().replace(
        'camunda:dueDate="P5D"', f'camunda:dueDate="{due}" camunda:assignee="{assignee}"'
    )
    return bundle(bpmn)


def the_task(api: Api, case_id: str) -> dict[str, Any]:
    [task] = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    return dict(api.get(f"/tasks/{task['id']}", "admin").get_json())


def test_the_named_member_holds_the_task_and_it_is_due_as_modelled(api: Api) -> None:
    added = api.post(f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:anna"})
    assert added.status_code == 201, added.get_json()
    assert deploy(api, with_task_attributes("dev:anna", "P5D")).status_code == 201

    before = api.container.clock().replace(tzinfo=UTC)
    case_id = file_case(api, PROCESS)
    after = api.container.clock().replace(tzinfo=UTC)

    task = the_task(api, case_id)
    assert (task["status"], task["assignee"]) == ("claimed", "dev:anna")
    due = datetime.fromisoformat(task["due_at"])
    assert before + timedelta(days=5) <= due <= after + timedelta(days=5)
    listed = api.get("/tasks", "anna").get_json()["items"]
    assert [(t["id"], t["assignee"], t["due_at"]) for t in listed if t["id"] == task["id"]] == [
        (task["id"], "dev:anna", task["due_at"])
    ]
    events = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    [claimed] = [e for e in events if e["action"] == "task.claimed"]
    assert claimed["after"]["assignee"] == "dev:anna"


def test_an_assignee_who_is_no_member_leaves_the_task_open_and_the_trail_says_why(
    api: Api,
) -> None:
    assert deploy(api, with_task_attributes("${applicant_name}", "2099-12-31")).status_code == 201

    case_id = file_case(api, PROCESS)

    task = the_task(api, case_id)
    assert (task["status"], task["assignee"]) == ("open", None)
    due = datetime.fromisoformat(task["due_at"])
    assert due == datetime(2099, 12, 31, 22, 59, 59, tzinfo=UTC)  # the end of the day in Jena
    events = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    [skipped] = [e for e in events if e["action"] == "task.assignment_skipped"]
    assert skipped["after"]["attribute"] == "assignee"
    assert "nicht Mitglied" in skipped["after"]["reason"]
