"""Non-interrupting event subprocesses through the API, as BPMN 2.0 says: while an instance
runs its scope stays active (a further reply starts another, a cycle keeps firing) and what an
instance wrote is the scope's data when it completes (a gateway of the main flow reads it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from egov.runtime.worker import run_due
from tests.conftest import Api
from tests.integration.test_bpmn_constructs import STARTS, complete, event_bundle, trigger
from tests.integration.test_timers_support import (
    FakeClock,
    actions,
    api_of,
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


def main_flow_done(api: Api, case_id: str) -> None:
    complete(api, case_id, "work")
    complete(api, case_id, "after")


def test_three_replies_start_three_instances_though_the_main_flow_ended_after_the_first(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, event_bundle("message", interrupting=False))
    case_id = file_case(api, "event_subprocess")
    trigger(api, clock, "message", case_id)
    main_flow_done(api, case_id)
    assert open_task_names(api, case_id) == ["handle"]
    trigger(api, clock, "message", case_id)
    trigger(api, clock, "message", case_id)
    assert open_task_names(api, case_id) == ["handle", "handle", "handle"]
    assert actions(api, case_id).count("message.correlated") == 3
    for _ in range(3):
        assert "case.closed" not in actions(api, case_id)
        complete(api, case_id, "handle")
    assert "case.closed" in actions(api, case_id)
    assert "incident.opened" not in actions(api, case_id)


def test_a_cycle_r3_pt1m_fires_three_times_though_the_main_flow_ended(
    api: Api, clock: FakeClock
) -> None:
    files = event_bundle("timer", interrupting=False)
    cycle = STARTS["timer"].replace(
        "timeDuration>PT1H</bpmn:timeDuration", "timeCycle>R3/PT1M</bpmn:timeCycle"
    )
    files["event_subprocess.bpmn"] = files["event_subprocess.bpmn"].replace(STARTS["timer"], cycle)
    deploy(api, files)
    case_id = file_case(api, "event_subprocess")
    clock.advance(minutes=1, seconds=1)
    assert run_due(api.container) == {"timer.advanced": 1}
    main_flow_done(api, case_id)
    for _ in range(2):
        clock.advance(minutes=1)
        assert run_due(api.container) == {"timer.advanced": 1}
    assert open_task_names(api, case_id) == ["handle", "handle", "handle"]
    assert actions(api, case_id).count("workflow.timer_fired") == 3
    assert next_timer_at(api.container, case_id) is None
    for _ in range(3):
        complete(api, case_id, "handle")
    assert "case.closed" in actions(api, case_id)


def review_bundle() -> dict[str, str]:
    """The main flow's `throw` is a gateway: to `review` if the reply's handling set
    `other_funding_available`, else to `after`."""
    files = event_bundle("message", interrupting=False)
    gateway = (
        '<bpmn:exclusiveGateway id="throw" default="f4"/>'
        '<bpmn:userTask id="review" name="Prüfen"/>'
        '<bpmn:sequenceFlow id="f6" sourceRef="throw" targetRef="review"><bpmn:conditionExpression>'
        "other_funding_available == True</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f7" sourceRef="review" targetRef="end"/>'
    )
    bpmn = files["event_subprocess.bpmn"].replace(
        '<bpmn:intermediateThrowEvent id="throw"/>', gateway
    )
    lane = "<bpmn:flowNodeRef>handle</bpmn:flowNodeRef>"
    files["event_subprocess.bpmn"] = bpmn.replace(
        lane, f"{lane}<bpmn:flowNodeRef>review</bpmn:flowNodeRef>"
    )
    return files


@pytest.mark.parametrize(("written", "task"), [(True, "review"), (False, "after")])
def test_a_gateway_of_the_main_flow_routes_on_what_the_event_subprocess_wrote(
    api: Api, clock: FakeClock, written: bool, task: str
) -> None:
    deploy(api, review_bundle())
    case_id = file_case(api, "event_subprocess")
    trigger(api, clock, "message", case_id)
    complete(api, case_id, "handle", {"other_funding_available": written})
    complete(api, case_id, "work")
    assert open_task_names(api, case_id) == [task]
    complete(api, case_id, task)
    assert "case.closed" in actions(api, case_id)
