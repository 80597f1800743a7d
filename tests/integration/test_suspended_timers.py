"""A suspended instance's BPMN timer waits: the sweep leaves it alone until the resume."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from egov.runtime.worker import run_due
from egov.workflow.store import get_instance_by_case
from tests.conftest import Api
from tests.integration.test_timers_support import (
    FakeClock,
    actions,
    api_of,
    bundle,
    clocked_app,
    deploy,
    file_case,
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


def test_a_due_timer_of_a_suspended_instance_fires_only_after_the_resume(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, bundle("timer_boundary", "99000000000101"))
    case_id = file_case(api, "timer_boundary")
    with api.container.db.reading() as session:
        instance = get_instance_by_case(session, case_id)
        assert instance is not None
        instance_id = instance.id
    path = f"/process-instances/{instance_id}"
    assert api.post(f"{path}/suspend", "admin", json={}).status_code == 200

    clock.advance(hours=2)
    assert run_due(api.container) == {}
    assert actions(api, case_id).count("workflow.timer_fired") == 0
    assert open_task_names(api, case_id) == ["check"]

    assert api.post(f"{path}/resume", "admin", json={}).status_code == 200
    assert actions(api, case_id).count("workflow.timer_fired") == 1
    assert open_task_names(api, case_id) == []
    assert api.get(path, "admin").get_json()["state"] == "completed"
    assert run_due(api.container) == {}
