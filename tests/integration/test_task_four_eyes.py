"""Four eyes on a user task's decision (ADR 0042): completing a `four_eyes_tasks` task only
proposes the decision; a second clerk of the unit approves it (then the task completes with the
proposed data) or rejects it with a reason (back to the proposer). Neither the proposer nor
anyone deputizing with the proposer can approve; of concurrent approvals exactly one wins."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

from flask import Flask

from tests.conftest import Api
from tests.integration.test_camunda_models import (  # noqa: F401 (its fixture)
    PROCESS,
    aktenablage,
    bundle,
    deploy,
)
from tests.integration.test_cli_server import serve
from tests.integration.test_timers_support import actions, file_case, open_task_names

UNIT = "buero-buergerbudget"
DECISION = {"betrag": 1200, "geprueft": True}
PERIOD = {"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"}


def four_eyes_bundle() -> dict[str, str]:
    files = bundle()
    procedure = json.loads(files["procedure.json"])
    files["procedure.json"] = json.dumps({**procedure, "four_eyes_tasks": ["Task_Pruefen"]})
    return files


def a_case_with_ben_as_second_clerk(api: Api) -> tuple[str, str]:
    added = api.post(f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:ben"})
    assert added.status_code == 201, added.get_json()
    assert deploy(api, four_eyes_bundle()).status_code == 201
    case_id = file_case(api, PROCESS)
    [task] = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    return case_id, str(task["id"])


def propose(api: Api, task_id: str, user: str = "anna") -> dict[str, Any]:
    answer = api.post(f"/tasks/{task_id}/complete", user, json={"data": DECISION})
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def code(answer: Any, status: int) -> str:
    assert answer.status_code == status, answer.get_json()
    return str(answer.get_json()["code"])


def test_the_decision_takes_effect_only_when_a_second_clerk_approves(api: Api) -> None:
    case_id, task_id = a_case_with_ben_as_second_clerk(api)

    proposed = propose(api, task_id)

    assert (proposed["status"], proposed["proposed_by"]) == ("proposed", "dev:anna")
    assert proposed["proposal"] == DECISION
    assert open_task_names(api, case_id) == ["Task_Pruefen"]  # the process has not moved on
    in_bens_inbox = [t["id"] for t in api.get("/tasks", "ben").get_json()["items"]]
    in_annas_inbox = [t["id"] for t in api.get("/tasks", "anna").get_json()["items"]]
    assert task_id in in_bens_inbox and task_id not in in_annas_inbox

    approved = api.post(f"/tasks/{task_id}/approve", "ben")

    assert approved.status_code == 200, approved.get_json()
    assert (approved.get_json()["status"], approved.get_json()["result"]) == ("completed", DECISION)
    assert "Task_Pruefen" not in open_task_names(api, case_id)
    trail = actions(api, case_id)
    assert trail.index("task.decision_proposed") < trail.index("task.decision_approved")
    assert "task.completed" not in trail
    assert code(api.post(f"/tasks/{task_id}/approve", "ben"), 409) == "task-decision-not-pending"


def test_the_proposer_can_never_approve_their_own_decision(api: Api) -> None:
    case_id, task_id = a_case_with_ben_as_second_clerk(api)
    propose(api, task_id)

    assert code(api.post(f"/tasks/{task_id}/approve", "anna"), 409) == "task-decision-own"
    assert code(api.post(f"/tasks/{task_id}/complete", "anna", json={"data": DECISION}), 409) == (
        "task-not-open"
    )
    rejected = api.post(f"/tasks/{task_id}/reject", "anna", json={"reason": "ich selbst"})
    assert code(rejected, 409) == "task-decision-own"
    assert open_task_names(api, case_id) == ["Task_Pruefen"]
    assert "task.decision_approved" not in actions(api, case_id)


def test_a_deputy_arrangement_is_not_a_second_person(api: Api) -> None:
    _, task_id = a_case_with_ben_as_second_clerk(api)
    deputy = {**PERIOD, "deputy_subject": "dev:ben", "absent_subject": "dev:anna"}
    assert api.post("/deputies", "admin", json=deputy).status_code == 201
    propose(api, task_id)

    assert task_id not in [t["id"] for t in api.get("/tasks", "ben").get_json()["items"]]
    assert code(api.post(f"/tasks/{task_id}/approve", "ben"), 409) == "task-decision-own"


def test_the_proposer_deputizing_for_the_approver_is_no_second_person_either(api: Api) -> None:
    _, task_id = a_case_with_ben_as_second_clerk(api)
    deputy = {**PERIOD, "deputy_subject": "dev:anna", "absent_subject": "dev:ben"}
    assert api.post("/deputies", "admin", json=deputy).status_code == 201
    propose(api, task_id)

    assert task_id not in [t["id"] for t in api.get("/tasks", "ben").get_json()["items"]]
    assert code(api.post(f"/tasks/{task_id}/approve", "ben"), 409) == "task-decision-own"


def test_a_bundle_naming_a_four_eyes_task_its_models_lack_is_refused(api: Api) -> None:
    files = bundle()
    procedure = json.loads(files["procedure.json"])
    files["procedure.json"] = json.dumps({**procedure, "four_eyes_tasks": ["Task_Fehlt"]})

    refused = deploy(api, files)

    assert refused.status_code == 422, refused.get_json()
    assert "Task_Fehlt" in json.dumps(refused.get_json(), ensure_ascii=False)


def test_a_rejection_sends_the_decision_back_to_the_proposer_with_the_reason(api: Api) -> None:
    case_id, task_id = a_case_with_ben_as_second_clerk(api)
    propose(api, task_id)

    rejected = api.post(f"/tasks/{task_id}/reject", "ben", json={"reason": "Betrag zu hoch"})

    assert rejected.status_code == 200, rejected.get_json()
    assert (rejected.get_json()["status"], rejected.get_json()["assignee"]) == (
        "claimed",
        "dev:anna",
    )
    events = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    [event] = [e for e in events if e["action"] == "task.decision_rejected"]
    assert (event["actor"], event["after"]["reason"]) == ("dev:ben", "Betrag zu hoch")
    assert event["after"]["proposed_by"] == "dev:anna"
    mine = [t["id"] for t in api.get("/tasks?mine=true", "anna").get_json()["items"]]
    assert task_id in mine
    propose(api, task_id)  # the proposer decides again: it waits for a second clerk again
    assert api.post(f"/tasks/{task_id}/approve", "ben").status_code == 200


def approve_over_http(url: str, token: str, task_id: str) -> int:
    request = urllib.request.Request(
        f"{url}/api/v1/tasks/{task_id}/approve",
        data=b"",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_of_concurrent_approvals_exactly_one_wins(app: Flask, api: Api) -> None:
    case_id, task_id = a_case_with_ben_as_second_clerk(api)
    added = api.post(f"/org-units/{UNIT}/members", "admin", json={"subject": "dev:otto"})
    assert added.status_code == 201, added.get_json()
    propose(api, task_id)
    tokens = [api.token("ben"), api.token("otto")] * 2
    start = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def approve(url: str, token: str) -> None:
        start.wait()
        statuses.append(approve_over_http(url, token, task_id))

    for url in serve(app):  # the server runs while the loop body does
        threads = [threading.Thread(target=approve, args=(url, t)) for t in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(statuses) == [200, 409, 409, 409]
    assert actions(api, case_id).count("task.decision_approved") == 1


def test_the_bpmn_property_four_eyes_demands_a_second_clerk_too(api: Api) -> None:
    bpmn = bundle()["foerderantrag.bpmn"].replace(
        "<bpmn:incoming>Flow_1</bpmn:incoming>",
        '<bpmn:extensionElements><camunda:properties><camunda:property name="fourEyes" '
        'value="true"/></camunda:properties></bpmn:extensionElements>'
        "<bpmn:incoming>Flow_1</bpmn:incoming>",
        1,
    )
    assert deploy(api, bundle(bpmn)).status_code == 201
    case_id = file_case(api, PROCESS)
    [task] = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]

    assert propose(api, task["id"])["status"] == "proposed"
    assert open_task_names(api, case_id) == ["Task_Pruefen"]
