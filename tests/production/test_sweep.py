"""The sweep, in-process on SQLite and PostgreSQL (what `egov serve` runs every second and
`egov.sweep` runs in a worker): it finds what a dead process left behind."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from egov.clock import utcnow
from egov.container import Container
from egov.outbox.service import enqueue
from egov.outbox.store import OutboxMessage, open_for_case
from egov.runtime.sweep import Sweeper
from egov.workflow.store import get_instance_by_case
from tests.builders import proposal
from tests.conftest import Api


def later(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def checkpoint_signed(container: Container) -> None:
    """The audit checkpoint of this hour is signed before, so the sweeps below count only
    what each test is about (the checkpoint itself: test_audit_checkpoints.py)."""
    container.checkpoints.make_if_due(container.settings.audit_checkpoint_interval_seconds)


def claimed_row(api: Api, container: Container, effects: list[str]) -> tuple[str, str]:
    """A row whose delivering process died right after its claim (lease held, no outcome)."""
    container.outbox.register("test.effect", lambda d: effects.append(d.idempotency_key))
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    with container.db.transaction() as session:
        row_id = enqueue(
            session, case_id=case_id, kind="test.effect", payload={}, now=container.clock()
        )
    assert container.outbox._claim(row_id) is not None
    return case_id, row_id


def row(container: Container, row_id: str) -> OutboxMessage:
    with container.db.reading() as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found


def test_a_delivery_whose_process_died_is_counted_and_delivered_by_a_later_sweep(
    api: Api, container: Container
) -> None:
    effects: list[str] = []
    _, row_id = claimed_row(api, container, effects)
    assert Sweeper(container, None)() == {}  # the lease still holds
    container.outbox.clock = lambda: later(container.outbox.lease_seconds + 1)

    assert Sweeper(container, None)() == {"delivered": 1}
    assert (row(container, row_id).status, row(container, row_id).attempts) == ("delivered", 2)
    assert effects == [row(container, row_id).idempotency_key]


def test_the_redelivered_task_itself_counts_the_crash_when_the_lease_runs_out_at_its_claim(
    api: Api, container: Container
) -> None:
    """No sweep in between: `egov.deliver-outbox` handed back to a new worker claims the row
    the moment its lease expires, and that claim counts the crashed attempt (a separate count
    before the claim, with its own clock reading, missed it when the lease ran out between)."""
    effects: list[str] = []
    _, row_id = claimed_row(api, container, effects)
    assert container.outbox.deliver(row_id) == "skipped"  # the dead worker's lease holds
    container.outbox.clock = lambda: later(container.outbox.lease_seconds + 1)

    assert container.outbox.deliver(row_id) == "delivered"
    assert (row(container, row_id).status, row(container, row_id).attempts) == ("delivered", 2)
    assert effects == [row(container, row_id).idempotency_key]


def test_a_delivery_that_killed_its_process_too_often_becomes_an_incident(
    api: Api, container: Container
) -> None:
    case_id, row_id = claimed_row(api, container, [])
    with container.db.transaction() as session:
        session.get(OutboxMessage, row_id).attempts = 4  # type: ignore[union-attr]
    container.outbox.clock = lambda: later(container.outbox.lease_seconds + 1)

    Sweeper(container, None)()
    assert (row(container, row_id).status, row(container, row_id).attempts) == ("failed", 5)
    with container.db.reading() as session:
        incidents = open_for_case(session, case_id, "delivery")
        assert [(i.outbox_id, i.code) for i in incidents] == [(row_id, "worker-crashed")]


def test_a_case_whose_start_was_lost_is_started_by_the_sweep(
    api: Api, container: Container
) -> None:
    container.intake.after_commit = lambda _case_id: None  # the process died after commit
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    assert Sweeper(container, None)() == {}  # too young: its start may still be on the way
    container.clock = lambda: later(61)

    assert Sweeper(container, None)() == {"restarted": 1}
    with container.db.reading() as session:
        assert get_instance_by_case(session, case_id) is not None
    assert Sweeper(container, None)() == {}


def test_an_instance_whose_advance_was_lost_is_advanced_by_the_sweep(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instance was created (an input committed) but the process that was to run the
    engine on died: no task appears until the sweep advances it, once."""
    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "advance", lambda _case_id: True)  # died here
        case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    assert api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"] == []
    assert Sweeper(container, None)() == {}  # too young: its advance may still be on the way
    container.clock = lambda: later(61)

    assert Sweeper(container, None)() == {"stalled": 1}
    assert len(api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]) == 1
    with container.db.reading() as session:
        instance = get_instance_by_case(session, case_id)
        assert instance is not None and instance.advance_due_at is None
    assert Sweeper(container, None)() == {}


def test_a_completed_task_whose_advance_was_lost_moves_on_after_the_sweep(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    (task,) = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "advance", lambda _case_id: True)
        done = api.post(
            f"/tasks/{task['id']}/complete",
            "anna",
            json={"data": {"formal_decision": "admissible"}},
        )
    assert done.status_code == 200
    assert api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"] == []
    container.clock = lambda: later(61)

    assert Sweeper(container, None)() == {"stalled": 1}
    (following,) = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    assert following["id"] != task["id"]


def database_outage(*_args: object) -> None:
    driver = ConnectionError("server closed the connection unexpectedly (db.internal:5432)")
    raise OperationalError("UPDATE workflow_instances ...", {}, driver)


def test_a_database_outage_in_the_first_step_is_left_to_the_sweep_not_made_an_incident(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outage passes by itself, so no person is asked to retry: the applicant still gets
    the receipt of the stored application, and the sweep runs the engine on later."""
    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "_advance_from_store", database_outage)
        answer = api.post("/applications", "erika", json=proposal())
    assert answer.status_code == 201
    case_id = answer.get_json()["case_id"]
    with container.db.reading() as session:
        assert list(open_for_case(session, case_id, "workflow-step")) == []
    container.clock = lambda: later(61)

    assert Sweeper(container, None)() == {"stalled": 1}
    assert len(api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]) == 1


def test_a_database_outage_during_a_sweep_advance_is_raised_for_the_next_sweep(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "advance", lambda _case_id: True)  # died here
        case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    container.clock = lambda: later(61)
    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "_advance_from_store", database_outage)
        with pytest.raises(OperationalError):
            Sweeper(container, None)()
    with container.db.reading() as session:
        assert list(open_for_case(session, case_id, "workflow-step")) == []

    assert Sweeper(container, None)() == {"stalled": 1}


def test_an_unexpected_error_in_a_step_opens_an_incident_without_the_error_text(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("connection to db.internal:5432 refused (code e3q8)")

    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "_advance_from_store", broken)
        case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]

    (incident,) = api.get("/incidents", "admin").get_json()["items"]
    assert (incident["case_id"], incident["code"]) == (case_id, "internal-error")
    assert "db.internal" not in str(incident) and "e3q8" not in str(incident)


def test_the_sweep_deletes_upload_spool_files_a_killed_process_left_behind(
    container: Container,
) -> None:
    cut_off, in_progress = container.files.temp_file(), container.files.temp_file()
    for handle, _path in (cut_off, in_progress):
        handle.write(b"<xbau:antrag ...")
        handle.close()
    two_hours_ago = time.time() - 7200
    os.utime(cut_off[1], (two_hours_ago, two_hours_ago))

    assert Sweeper(container, None)() == {"temp_removed": 1}
    assert not cut_off[1].exists() and in_progress[1].exists()
