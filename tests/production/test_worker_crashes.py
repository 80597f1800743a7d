"""Workers die (kill -9, os._exit) and nothing is lost or done twice: the database holds
every piece of work, the sweep finds what the dead worker held, the receiver deduplicates,
and work that keeps killing workers ends as an incident. Runs after test_production_flow
(a worker is running); the last test checks the invariants over everything the folder did."""

from __future__ import annotations

import time
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select

from egov.outbox.store import Incident, OutboxMessage
from egov.runtime.dispatch import ADVANCE_CASE
from tests.production.conftest import MAX_DELIVERIES
from tests.production.invariants import check
from tests.production.plugin import CRASH_CASES
from tests.production.receiver import Receiver
from tests.production.stack import Stack, message

pytestmark = pytest.mark.postgres


def running_worker(stack: Stack) -> Stack:
    if "worker" not in stack.processes:
        stack.start_worker("worker")
    return stack


def new_case(stack: Stack) -> str:
    answer = stack.submit(message()[1])
    assert answer.status == 201, answer.body
    return str(answer.body["case_id"])


def row(stack: Stack, row_id: str) -> OutboxMessage:
    with stack.container().db.reading() as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found


def open_incidents(stack: Stack, case_id: str) -> list[Incident]:
    query = select(Incident).where(Incident.case_id == case_id, Incident.status == "open")
    with stack.container().db.reading() as session:
        return list(session.scalars(query))


def test_a_worker_killed_while_delivering_delivers_the_effect_once_after_a_restart(
    stack: Stack, receiver: Receiver
) -> None:
    running_worker(stack)
    row_id = stack.send_row(new_case(stack), "test.http", {"sleep": 2})
    key = row(stack, row_id).idempotency_key
    stack.wait_until(lambda: receiver.requests[key] >= 1, 30, "the delivery to begin")

    stack.kill("worker")  # kill -9, the pool processes too, while the receiver sleeps
    assert row(stack, row_id).status == "pending"
    stack.start_worker("worker")

    stack.wait_until(lambda: row(stack, row_id).status == "delivered", 40, "redelivery")
    assert receiver.requests[key] >= 2  # delivered at least once more after the crash
    assert receiver.applied.count(key) == 1  # the effect exactly once
    assert row(stack, row_id).attempts == 2  # the crashed attempt is counted


def test_a_delivery_that_kills_every_worker_ends_as_an_incident_after_n_deliveries(
    stack: Stack,
) -> None:
    running_worker(stack)
    case_id = new_case(stack)
    row_id = stack.send_row(case_id, "test.crash", {})

    stack.wait_until(lambda: row(stack, row_id).status == "failed", 60, "the delivery cap")
    assert row(stack, row_id).attempts == MAX_DELIVERIES
    incidents = [i for i in open_incidents(stack, case_id) if i.outbox_id == row_id]
    assert [(i.kind, i.code) for i in incidents] == [("delivery", "worker-crashed")]
    assert stack.processes["worker"].poll() is None  # the worker survived its pool


def test_a_step_that_kills_every_worker_ends_as_an_incident_after_n_deliveries(
    stack: Stack,
) -> None:
    running_worker(stack)
    case_id = new_case(stack)
    Redis.from_url(stack.broker_url).sadd(CRASH_CASES, case_id)
    _sender(stack).send(ADVANCE_CASE, case_id)

    stack.wait_until(lambda: bool(open_incidents(stack, case_id)), 60, "the task cap")
    assert [(i.kind, i.code) for i in open_incidents(stack, case_id)] == [
        ("workflow-step", "worker-crashed")
    ]


def test_the_invariants_hold_after_the_crashes(stack: Stack) -> None:
    deadline = time.monotonic() + 30  # the workers may still be settling the crashed rows
    while check(stack) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert check(stack) == []


def _sender(stack: Stack) -> Any:
    from egov.runtime.celery_app import CelerySender
    from egov.settings import Settings

    return CelerySender.from_settings(Settings.from_env(stack.env))
