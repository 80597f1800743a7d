"""Each BPMN construct through the API: deploy, file a case, complete its tasks, send its
messages, run the timer sweep; or the deploy is refused with a 422 `bpmn-unsupported` naming
file, element and line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov.runtime.worker import run_due
from egov.workflow.store import get_instance_by_case
from tests.builders import proposal
from tests.conftest import Api
from tests.integration.test_timers_support import (
    BPMN,
    FakeClock,
    actions,
    api_of,
    bundle,
    clocked_app,
    deploy,
    file_case,
    next_timer_at,
    open_task_names,
)

START = datetime(2026, 11, 23, 12, 0, 0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    application: Flask = clocked_app(database_url, tmp_path / "var", clock)
    yield api_of(application)
    application.extensions["egov"].db.dispose()


def complete(api: Api, case_id: str, name: str, data: dict[str, Any] | None = None) -> None:
    """Anna claims and completes the open task `name` of the case (with `data`)."""
    tasks = api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"]
    task = next(t for t in tasks if t["name"] == name)
    assert api.post(f"/tasks/{task['id']}/claim", "anna").status_code == 200
    body = {"data": data} if data else {}
    response = api.post(f"/tasks/{task['id']}/complete", "anna", json=body)
    assert response.status_code == 200, response.get_json()


def closed(api: Api, case_id: str) -> bool:
    return "case.closed" in actions(api, case_id)


def test_a_link_event_leads_to_its_catch_and_the_case_stays_open_until_the_end(api: Api) -> None:
    deploy(api, bundle("link_events", "99000000000301"))
    case_id = file_case(api, "link_events")
    complete(api, case_id, "check")
    assert open_task_names(api, case_id) == ["confirm"]
    assert not closed(api, case_id)
    complete(api, case_id, "confirm")
    assert closed(api, case_id)


def test_an_ad_hoc_subprocess_answers_200_and_ends_when_its_tasks_are_done(api: Api) -> None:
    deploy(api, bundle("ad_hoc", "99000000000302"))
    case_id = file_case(api, "ad_hoc")
    assert sorted(open_task_names(api, case_id)) == ["cost", "plan"]
    complete(api, case_id, "plan")
    assert open_task_names(api, case_id) == ["cost"]
    complete(api, case_id, "cost")
    assert open_task_names(api, case_id) == ["decide"]
    assert "incident.opened" not in actions(api, case_id)


def test_the_timer_of_an_event_based_gateway_fires_in_the_sweep(api: Api, clock: FakeClock) -> None:
    deploy(api, bundle("event_gateway_timer", "99000000000303"))
    case_id = file_case(api, "event_gateway_timer")
    assert next_timer_at(api.container, case_id) == START + timedelta(hours=1)
    clock.advance(minutes=61)
    assert run_due(api.container) == {"timer.advanced": 1}
    assert open_task_names(api, case_id) == ["remind"]
    assert actions(api, case_id).count("workflow.timer_fired") == 1
    assert next_timer_at(api.container, case_id) is None


def test_the_citizens_reply_beats_the_timer_of_an_event_based_gateway(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, bundle("event_gateway_timer", "99000000000303"))
    case_id = file_case(api, "event_gateway_timer")
    reply = {"subject": "Antwort", "body": "Hier meine Antwort."}
    response = api.post(f"/me/cases/{case_id}/messages", "erika", json=reply)
    assert response.get_json()["correlated"] is True
    assert open_task_names(api, case_id) == ["read"]
    assert next_timer_at(api.container, case_id) is None
    clock.advance(hours=2)
    assert run_due(api.container) == {}


def test_a_camunda_style_cycle_r2_pt1h_reminds_twice_then_stops(api: Api, clock: FakeClock) -> None:
    deploy(api, bundle("timer_cycle", "99000000000304"))
    case_id = file_case(api, "timer_cycle")
    for hour in (1, 2):
        assert next_timer_at(api.container, case_id) == START + timedelta(hours=hour)
        clock.advance(minutes=60, seconds=1)
        assert run_due(api.container) == {"timer.advanced": 1}
    assert sorted(open_task_names(api, case_id)) == ["check", "remind", "remind"]
    assert actions(api, case_id).count("workflow.timer_fired") == 2
    assert next_timer_at(api.container, case_id) is None
    clock.advance(hours=5)
    assert run_due(api.container) == {}


def feel_bundle() -> dict[str, str]:
    files = bundle("feel_decision", "99000000000305")
    files["feel_decision.dmn"] = (BPMN / "feel_decision.dmn").read_text(encoding="utf-8")
    return files


@pytest.mark.parametrize(
    ("category", "cost", "task"),
    [("verkehr", 3200.0, "traffic"), ("kultur", 3200.0, "other"), ("verkehr", 9000.0, "other")],
)
def test_a_decision_with_feel_unary_tests_routes_the_case(
    api: Api, category: str, cost: float, task: str
) -> None:
    deploy(api, feel_bundle())
    data = {"category": category, "estimated_cost_eur": cost}
    response = api.post(
        "/applications",
        "erika",
        json={"procedure": "feel_decision", "data": {**proposal_data(), **data}},
    )
    assert response.status_code == 201, response.get_json()
    assert open_task_names(api, str(response.get_json()["case_id"])) == [task]


def proposal_data() -> dict[str, object]:
    data: dict[str, object] = proposal()["data"]
    return data


def test_compensation_is_refused_naming_its_elements(api: Api) -> None:
    model, named = "refused_compensation", {"on_undo", "unbook", "undo"}
    response = api.post(
        "/process-definitions", "admin", json={"files": bundle(model, "99000000000307")}
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "bpmn-unsupported"
    assert {p["name"] for p in problem["invalid_params"]} == {f"{model}.bpmn#{e}" for e in named}
    assert all(isinstance(p["line"], int) for p in problem["invalid_params"])


# -- event subprocesses and conditional events -------------------------------------------

MESSAGE_START = '<bpmn:messageEventDefinition messageRef="m"/>'
STARTS = {
    "message": MESSAGE_START,
    "timer": "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
    "</bpmn:timerEventDefinition>",
    "signal": '<bpmn:signalEventDefinition signalRef="sig"/>',
    "escalation": '<bpmn:escalationEventDefinition escalationRef="esc"/>',
    "error": '<bpmn:errorEventDefinition errorRef="err"/>',
    "conditional": "<bpmn:conditionalEventDefinition><bpmn:condition>"
    "other_funding_available == True</bpmn:condition></bpmn:conditionalEventDefinition>",
}
THROWS = {  # what the main flow throws after `work`, where the trigger is inside the process
    "signal": '<bpmn:intermediateThrowEvent id="throw"><bpmn:signalEventDefinition '
    'signalRef="sig"/></bpmn:intermediateThrowEvent>',
    "escalation": '<bpmn:intermediateThrowEvent id="throw"><bpmn:escalationEventDefinition '
    'escalationRef="esc"/></bpmn:intermediateThrowEvent>',
    "error": '<bpmn:endEvent id="throw"><bpmn:errorEventDefinition errorRef="err"/>'
    "</bpmn:endEvent>",
}


def event_bundle(kind: str, interrupting: bool) -> dict[str, str]:
    files = bundle("event_subprocess", "99000000000311")
    bpmn = files["event_subprocess.bpmn"].replace(MESSAGE_START, STARTS[kind])
    bpmn = bpmn.replace('isInterrupting="true"', f'isInterrupting="{str(interrupting).lower()}"')
    if kind in THROWS:
        bpmn = bpmn.replace('<bpmn:intermediateThrowEvent id="throw"/>', THROWS[kind])
    if kind == "error":
        bpmn = bpmn.replace('<bpmn:sequenceFlow id="f4" sourceRef="throw" targetRef="after"/>', "")
    files["event_subprocess.bpmn"] = bpmn
    return files


def trigger(api: Api, clock: FakeClock, kind: str, case_id: str) -> None:
    if kind == "message":
        reply = {"subject": "Rücknahme", "body": "Ich nehme den Antrag zurück."}
        response = api.post(f"/me/cases/{case_id}/messages", "erika", json=reply)
        assert response.get_json()["correlated"] is True
    elif kind == "timer":
        clock.advance(minutes=61)
        assert run_due(api.container) == {"timer.advanced": 1}
    else:
        complete(api, case_id, "work", {"other_funding_available": True})


def inbox(api: Api) -> list[str]:
    """The names of the tasks in the inbox of Anna's unit."""
    return sorted(t["name"] for t in api.get("/tasks", "anna").get_json()["items"])


def position(api: Api, case_id: str) -> list[str]:
    with api.container.db.reading() as session:
        instance = get_instance_by_case(session, case_id)
        assert instance is not None
        instance_id = instance.id
    detail: dict[str, Any] = api.get(f"/process-instances/{instance_id}", "admin").get_json()
    return sorted(element["id"] for element in detail["position"])


EXTERNAL = ("message", "timer")  # come while `work` is open; the others when it is completed
TRAIL = {"message": "message.correlated", "timer": "workflow.timer_fired"}  # the trigger


@pytest.mark.parametrize("kind", sorted(STARTS))
def test_an_interrupting_event_subprocess_cancels_the_open_task_and_closes_the_case(
    api: Api, clock: FakeClock, kind: str
) -> None:
    deploy(api, event_bundle(kind, interrupting=True))
    case_id = file_case(api, "event_subprocess")
    assert open_task_names(api, case_id) == ["work"]
    trigger(api, clock, kind, case_id)
    assert open_task_names(api, case_id) == ["handle"]
    assert inbox(api) == ["handle"]
    assert "handle" in position(api, case_id)
    assert {"work", "after"}.isdisjoint(position(api, case_id))
    trail = actions(api, case_id)
    assert TRAIL.get(kind, "task.completed") in trail
    if kind in EXTERNAL:
        assert "task.cancelled" in trail
    complete(api, case_id, "handle")
    assert "case.closed" in actions(api, case_id)
    assert "incident.opened" not in actions(api, case_id)


@pytest.mark.parametrize("kind", sorted(set(STARTS) - {"error"}))
def test_a_non_interrupting_event_subprocess_runs_alongside_the_open_task(
    api: Api, clock: FakeClock, kind: str
) -> None:
    deploy(api, event_bundle(kind, interrupting=False))
    case_id = file_case(api, "event_subprocess")
    trigger(api, clock, kind, case_id)
    main = "work" if kind in EXTERNAL else "after"
    assert sorted(open_task_names(api, case_id)) == sorted(["handle", main])
    assert "task.cancelled" not in actions(api, case_id)
    complete(api, case_id, "handle")
    if kind in EXTERNAL:
        complete(api, case_id, "work")
    complete(api, case_id, "after")
    assert "case.closed" in actions(api, case_id)


def test_a_second_reply_starts_the_non_interrupting_event_subprocess_again(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, event_bundle("message", interrupting=False))
    case_id = file_case(api, "event_subprocess")
    trigger(api, clock, "message", case_id)
    trigger(api, clock, "message", case_id)
    assert sorted(open_task_names(api, case_id)) == ["handle", "handle", "work"]
    assert actions(api, case_id).count("message.correlated") == 2


@pytest.mark.parametrize("interrupting", [True, False])
def test_conditional_events_fire_when_a_completed_task_makes_their_condition_true(
    api: Api, interrupting: bool
) -> None:
    files = bundle("conditional_events", "99000000000312")
    if not interrupting:
        files["conditional_events.bpmn"] = files["conditional_events.bpmn"].replace(
            'cancelActivity="true"', 'cancelActivity="false"'
        )
    deploy(api, files)
    case_id = file_case(api, "conditional_events")
    assert inbox(api) == ["decide", "review"]
    complete(api, case_id, "decide", {"other_funding_available": True})
    expected = ["fund", "remind"] if interrupting else ["fund", "remind", "review"]
    assert inbox(api) == expected
    assert ("review" in position(api, case_id)) is not interrupting
    assert "incident.opened" not in actions(api, case_id)


def test_an_event_subprocess_of_an_embedded_subprocess_ends_it_and_the_process_goes_on(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, bundle("event_subprocess_nested", "99000000000313"))
    case_id = file_case(api, "event_subprocess_nested")
    assert inbox(api) == ["work"]
    trigger(api, clock, "message", case_id)
    assert inbox(api) == ["handle"]
    assert position(api, case_id) == ["handle", "inner", "on_reply"]
    complete(api, case_id, "handle")
    assert inbox(api) == ["outside"]
    assert "case.closed" not in actions(api, case_id)
    complete(api, case_id, "outside")
    assert "case.closed" in actions(api, case_id)
