"""Timers live in the database, not in the broker: a boundary timer that comes due while
every worker and the scheduler are down fires once, after they come back.

Real processes (gunicorn, `egov worker`, `egov scheduler`) and the wall clock: the timer is a
few seconds long so that the test can wait it out.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from egov.audit.store import AuditEvent
from egov.workflow.deploy import deploy_bundle
from egov.workflow.store import get_instance_by_case
from tests.integration.test_timers_support import bundle
from tests.production.stack import Stack, message

pytestmark = pytest.mark.postgres

TIMER_SECONDS = 4
LEIKA_DIGITS = "99000000000171"
EXAMPLE_LEIKA = b"urn:de:fim:leika:leistung:99107004000000"


def deploy_short_timer(stack: Stack) -> None:
    files = bundle("timer_boundary", LEIKA_DIGITS)
    files["timer_boundary.bpmn"] = files["timer_boundary.bpmn"].replace(
        '"PT1H"', f'"PT{TIMER_SECONDS}S"'
    )
    container = stack.container()
    with container.db.transaction() as session:
        deploy_bundle(
            session,
            {name: text.encode() for name, text in files.items()},
            actor="admin",
            now=container.clock(),
        )


def actions(stack: Stack, case_id: str) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.case_id == case_id)
    with stack.container().db.reading() as session:
        return list(session.scalars(query.order_by(AuditEvent.seq)))


def timer_armed(stack: Stack, case_id: str) -> bool:
    with stack.container().db.reading() as session:
        instance = get_instance_by_case(session, case_id)
        return instance is not None and instance.next_timer_at is not None


def test_a_timer_due_while_all_workers_are_down_fires_once_after_they_come_back(
    stack: Stack,
) -> None:
    deploy_short_timer(stack)
    if "worker" not in stack.processes:
        stack.start_worker("worker")
    body = message()[1].replace(EXAMPLE_LEIKA, f"urn:de:fim:leika:leistung:{LEIKA_DIGITS}".encode())
    answer = stack.submit(body)
    assert answer.status == 201, answer.body
    case_id = answer.body["case_id"]
    stack.wait_until(lambda: timer_armed(stack, case_id), 30, "the user task with its timer")

    stack.stop("worker")  # nothing runs engine work any more
    stack.stop("scheduler")
    time.sleep(TIMER_SECONDS + 2)
    assert "workflow.timer_fired" not in actions(stack, case_id)

    stack.start_worker("worker")
    stack.start_scheduler()
    stack.wait_until(
        lambda: "case.closed" in actions(stack, case_id), 30, "the timer after the restart"
    )
    time.sleep(2)  # a few more sweeps: none fires it again
    trail = actions(stack, case_id)
    assert trail.count("workflow.timer_fired") == 1 and trail.count("case.closed") == 1
    assert not timer_armed(stack, case_id)
