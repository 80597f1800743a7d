"""Each BPMN construct through the API: deploy, file a case, complete its tasks; or the deploy
is refused with a 422 `bpmn-unsupported` naming file, element and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from egov.runtime.worker import run_due
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


def complete(api: Api, case_id: str, name: str) -> None:
    """Anna claims and completes the open task `name` of the case."""
    tasks = api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"]
    task = next(t for t in tasks if t["name"] == name)
    assert api.post(f"/tasks/{task['id']}/claim", "anna").status_code == 200
    response = api.post(f"/tasks/{task['id']}/complete", "anna", json={})
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


def test_a_conditional_event_is_refused_at_deploy_naming_file_element_and_line(
    api: Api,
) -> None:
    response = api.post(
        "/process-definitions",
        "admin",
        json={"files": bundle("refused_conditional_event", "99000000000306")},
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "bpmn-unsupported"
    [param] = problem["invalid_params"]
    assert param["name"] == "refused_conditional_event.bpmn#until_paid"
    assert param["line"] == 6
    assert "Bedingte Ereignisse" in param["reason"]
    assert "conditional_event" not in json.dumps(
        api.get("/process-definitions", "admin").get_json()
    )


@pytest.mark.parametrize(
    ("model", "named"),
    [
        ("refused_event_subprocess", {"on_reply"}),
        ("refused_compensation", {"on_undo", "unbook", "undo"}),
    ],
)
def test_event_subprocesses_and_compensation_are_refused_naming_their_elements(
    api: Api, model: str, named: set[str]
) -> None:
    response = api.post(
        "/process-definitions", "admin", json={"files": bundle(model, "99000000000307")}
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "bpmn-unsupported"
    assert {p["name"] for p in problem["invalid_params"]} == {f"{model}.bpmn#{e}" for e in named}
    assert all(isinstance(p["line"], int) for p in problem["invalid_params"])
