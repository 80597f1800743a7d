"""The timer sweep: advance every running instance whose earliest BPMN timer is due.

Timers live in the database: after every step `workflow_instances.next_timer_at` is the
earliest due time of the instance's waiting timer events (naive UTC, see
:mod:`egov.workflow.engine_time`). A sweep selects the instances with `next_timer_at <= now`
and advances each in its own step transaction; the engine fires the timers whose due time lies
before the step's clock, records `workflow.timer_fired`, and saves the next due time.

Exactly once: two sweeps (threads, processes, a restarted worker) may pick the same instance.
Both steps load the same state; the optimistic version counter of `workflow_instances` lets only
one commit, the other retries on the committed state where the timer has already fired, so it
finds nothing due. A crashed or stopped worker only delays a timer until the next sweep.

A step that fails becomes an incident (as every automatic step); its timer is parked
(`next_timer_at` = NULL) so the sweep does not fail again every second. The admin's retry of
the incident advances the instance, which fires the timer and saves the next due time.

Timer start events: a case's instance is created by intake, so a timer start event of the
case's process only delays the process after the case was opened (it waits like any timer).
Timer start events meant to create new instances on a schedule are not supported. The timer
start of an event subprocess waits as a boundary timer of its scope
(:mod:`egov.workflow.event_subprocesses`): due and swept like any other; a non-interrupting
cycle keeps firing while its scope is active (:mod:`egov.workflow.event_scopes`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from egov.db import Database
from egov.workflow.service import Workflows
from egov.workflow.store import InstanceStatus, WorkflowInstance

log = logging.getLogger(__name__)


def due_cases(db: Database, now: datetime, limit: int) -> list[str]:
    """Case ids of running instances with a timer due at `now`, the longest waiting first."""
    query = (
        select(WorkflowInstance.case_id)
        .where(
            WorkflowInstance.status == InstanceStatus.RUNNING,
            WorkflowInstance.next_timer_at.is_not(None),
            WorkflowInstance.next_timer_at <= now,
        )
        .order_by(WorkflowInstance.next_timer_at)
        .limit(limit)
    )
    with db.reading() as session:
        return list(session.scalars(query))


def fire_due_timers(
    workflows: Workflows, now: datetime | None = None, limit: int = 100
) -> dict[str, int]:
    """Advance the instances whose timers are due; counts `timer.advanced` / `timer.failed`."""
    moment = now if now is not None else workflows.clock()
    counts: dict[str, int] = {}
    for case_id in due_cases(workflows.db, moment, limit):
        outcome = "timer.advanced" if workflows.advance(case_id) else "timer.failed"
        if outcome == "timer.failed":
            _park(workflows.db, case_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _park(db: Database, case_id: str) -> None:
    """Stop sweeping a failed instance until its incident is retried."""
    log.warning("workflow_timer_parked case_id=%s", case_id)
    with db.transaction() as session:
        session.execute(
            update(WorkflowInstance)
            .where(WorkflowInstance.case_id == case_id)
            .values(next_timer_at=None)
            .execution_options(synchronize_session=False)
        )


__all__ = ["due_cases", "fire_due_timers"]
