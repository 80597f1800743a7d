"""Concurrency: case references stay unique; two writers can never both advance one instance:
one wins, the other retries on the new state."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm.exc import StaleDataError

from egov.audit.chain import verify_chain
from egov.audit.store import list_events
from egov.cases.store import next_reference_number
from egov.container import Container
from egov.workflow.projection import project_tasks
from egov.workflow.store import WorkflowInstance, get_instance_by_case
from tests.builders import proposal
from tests.conftest import Api


def test_concurrent_applications_get_unique_references(app: Flask, container: Container) -> None:
    references: list[str] = []
    failures: list[int] = []

    def file_three() -> None:
        api = Api(app.test_client(), container)
        for _ in range(3):
            response = api.post("/applications", "erika", json=proposal())
            if response.status_code == 201:
                references.append(response.get_json()["case_reference"])
            else:
                failures.append(response.status_code)

    threads = [threading.Thread(target=file_three) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(references) == 18
    assert len(set(references)) == 18


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_an_open_intake_does_not_hold_the_reference_counter(
    container: Container,
) -> None:
    """The number is allocated in a transaction of its own (ADR 0047): while one intake's
    transaction is still open, the next intake gets the next number at once. (SQLite's
    writers are serial: there the number stays in the intake's transaction.)"""
    allocated: list[int] = []
    with container.db.transaction() as first:
        number = next_reference_number(first, 2031)
        other = threading.Thread(target=lambda: allocated.append(allocate(container)))
        other.start()
        other.join(timeout=10)
        assert allocated == [number + 1]  # did not wait for `first` to commit


def allocate(container: Container) -> int:
    with container.db.transaction() as session:
        return next_reference_number(session, 2031)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_writers_on_one_instance_one_wins_the_other_gets_stale_data(
    api: Api, container: Container
) -> None:
    api.post("/applications", "erika", json=proposal())
    first, second = container.db.sessions(), container.db.sessions()
    try:
        mine = first.query(WorkflowInstance).one()
        theirs = second.query(WorkflowInstance).one()
        mine.state = mine.state + " "
        first.commit()
        theirs.state = theirs.state + "  "
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_advancing_one_instance_at_once_one_wins_the_other_retries(
    api: Api,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Both load the instance at the same version and run the engine to the first user task;
    the barrier holds each until the other has done so. The first commit wins; the other's
    versioned UPDATE finds no row (StaleDataError), and it runs its step again on the new
    state, where nothing is left to do. One task, one trail, nothing applied twice."""
    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "advance", lambda _case_id: True)  # left to do
        case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    barrier = threading.Barrier(2, timeout=10)
    first_passes = iter(range(2))

    def meeting(*args: Any, **kwargs: Any) -> Any:
        if next(first_passes, None) is not None:  # the retry does not wait
            barrier.wait()
        return project_tasks(*args, **kwargs)

    monkeypatch.setattr("egov.workflow.steps.project_tasks", meeting)
    outcomes: list[bool] = []
    workers = [
        threading.Thread(target=lambda: outcomes.append(container.workflows.advance(case_id)))
        for _ in range(2)
    ]
    with caplog.at_level(logging.INFO, logger="egov.workflow.service"):
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    assert outcomes == [True, True]
    assert [r.message for r in caplog.records if "workflow_step_conflict" in r.message] == [
        "workflow_step_conflict attempt=0 error=StaleDataError"
    ]
    assert len(api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]) == 1
    with container.db.reading() as session:
        instance = get_instance_by_case(session, case_id)
        assert instance is not None and instance.advance_due_at is None
        trail = list_events(session, case_id)
        assert [e.action for e in trail].count("task.created") == 1
        assert verify_chain([e.record() for e in trail]).valid
