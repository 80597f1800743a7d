"""BPMN timers live in the database and fire once, on egov's clock, in every sweep mode."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from egov.container import build
from egov.runtime.worker import run_due
from egov.workflow.timers import fire_due_timers
from tests.conftest import Api, make_settings
from tests.integration.test_timers_support import (
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
def timed_app(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Flask]:
    application = clocked_app(database_url, tmp_path / "var", clock)
    yield application
    application.extensions["egov"].db.dispose()


@pytest.fixture
def api(timed_app: Flask) -> Api:
    return api_of(timed_app)


def test_a_boundary_timer_on_a_user_task_fires_once_after_its_due_time(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, bundle("timer_boundary", "99000000000101"))
    case_id = file_case(api, "timer_boundary")
    assert open_task_names(api, case_id) == ["check"]
    assert next_timer_at(api.container, case_id) == START + timedelta(hours=1)

    clock.advance(minutes=59)
    assert run_due(api.container) == {}
    assert open_task_names(api, case_id) == ["check"]

    clock.advance(minutes=2)
    assert run_due(api.container) == {"timer.advanced": 1}
    assert run_due(api.container) == {}

    trail = actions(api, case_id)
    assert trail.count("workflow.timer_fired") == 1
    assert trail.count("task.cancelled") == 1
    assert trail[-1] == "case.closed"
    assert open_task_names(api, case_id) == []
    assert next_timer_at(api.container, case_id) is None


def test_a_boundary_timer_is_dropped_when_the_clerk_completes_the_task_in_time(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, bundle("timer_boundary", "99000000000101"))
    case_id = file_case(api, "timer_boundary")
    task = api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"][0]
    assert api.post(f"/tasks/{task['id']}/claim", "anna").status_code == 200
    assert api.post(f"/tasks/{task['id']}/complete", "anna", json={}).status_code == 200

    clock.advance(hours=2)
    assert run_due(api.container) == {}
    assert "workflow.timer_fired" not in actions(api, case_id)
    assert next_timer_at(api.container, case_id) is None


def test_an_intermediate_timer_date_without_offset_is_read_in_jena_time(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, bundle("timer_intermediate", "99000000000102"))
    case_id = file_case(api, "timer_intermediate")
    due = datetime(2026, 11, 24, 8, 0, 0)  # 09:00 in Jena (CET) is 08:00 UTC
    assert next_timer_at(api.container, case_id) == due
    assert open_task_names(api, case_id) == []

    clock.now = due - timedelta(seconds=1)
    assert fire_due_timers(api.container.workflows) == {}
    clock.now = due + timedelta(seconds=1)
    assert fire_due_timers(api.container.workflows) == {"timer.advanced": 1}

    assert open_task_names(api, case_id) == ["check"]
    assert actions(api, case_id).count("workflow.timer_fired") == 1
    assert next_timer_at(api.container, case_id) is None


def test_a_timer_due_while_all_workers_are_down_fires_once_after_they_come_back(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    first = clocked_app(database_url, tmp_path / "var", clock)
    deploy(api_of(first), bundle("timer_boundary", "99000000000101"))
    case_id = file_case(api_of(first), "timer_boundary")
    first.extensions["egov"].db.dispose()  # every process is gone; nothing sweeps

    clock.advance(days=3)
    restarted = build(make_settings(tmp_path / "var", database_url), clock)
    try:
        assert run_due(restarted) == {"timer.advanced": 1}
        assert run_due(restarted) == {}
        view = clocked_app(database_url, tmp_path / "var", clock)
        assert actions(api_of(view), case_id).count("workflow.timer_fired") == 1
        view.extensions["egov"].db.dispose()
    finally:
        restarted.db.dispose()


def test_two_sweeps_racing_in_threads_fire_a_timer_once(api: Api, clock: FakeClock) -> None:
    deploy(api, bundle("timer_boundary", "99000000000101"))
    case_ids = [file_case(api, "timer_boundary") for _ in range(3)]
    clock.advance(hours=2)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def sweep() -> None:
        barrier.wait()
        results.append(fire_due_timers(api.container.workflows))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 2 and all("timer.failed" not in r for r in results)
    for case_id in case_ids:
        trail = actions(api, case_id)
        assert trail.count("workflow.timer_fired") == 1
        assert trail.count("case.closed") == 1
    assert run_due(api.container) == {}
