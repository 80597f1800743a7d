"""What every engine step writes, and the advance that computes without the write lock.

ADR 0018 (engine-lock): the engine's own work (scripts in the sandbox, gateways, DMN, a fan-out
of thousands of tasks, the serialization of the state) runs with **no transaction open**, on
a snapshot read from the database; only then a short write transaction checks that the
instance is still at the version read (else the advance starts over from the stored state),
runs the one ready service task if there is one (its operator writes in that transaction) and
saves. SQLite's write lock (``BEGIN IMMEDIATE``) and PostgreSQL's row lock are held for the
save, never while the engine computes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from egov.cases.service import change_case, record
from egov.cases.store import Case, get_case
from egov.errors import Conflict, NotFound
from egov.workflow.engine import CompiledDefinition, Engine
from egov.workflow.projection import project_tasks
from egov.workflow.store import InstanceStatus, ProcessDefinition, WorkflowInstance

__all__ = ["Halted", "Moved", "case_of", "compiled", "save_step", "start_data"]
LOCAL_TIME = ZoneInfo("Europe/Berlin")  # deadlines of the city are local dates


class Moved(Exception):
    """The instance changed between the snapshot and the write: start over from the store."""


class Halted(Conflict):
    """An admin suspended or cancelled the instance (egov.workflow.commands): nothing is
    saved; a person's input is refused with 409, an advance stops (False, no incident)."""

    def __init__(self, status: str) -> None:
        if status == InstanceStatus.SUSPENDED:
            super().__init__("Der Prozess ist angehalten.", code="instance-suspended")
        else:
            super().__init__("Der Prozess ist eingestellt.", code="instance-cancelled")


def save_step(
    session: Session,
    case: Case,
    instance: WorkflowInstance,
    engine: Engine,
    *,
    actor: str,
    now: datetime,
    work_left: bool,
    state: str | None = None,
) -> None:
    """Saves the engine's state (`state`: its dump, if made before the transaction), the next
    timer, the fired timers, the projected user tasks and the closing of a completed case.
    `work_left`: the engine has work to do that this step did not do (the sweep advances
    the instance if nobody does)."""
    if instance.status in (InstanceStatus.SUSPENDED, InstanceStatus.CANCELLED):
        raise Halted(instance.status)
    instance.state = state if state is not None else engine.dump()
    instance.updated_at = now
    instance.advance_due_at = (instance.advance_due_at or now) if work_left else None
    instance.next_timer_at = None if engine.completed else engine.next_timer_due()
    for timer in engine.fired_timers:
        record(
            session,
            case,
            actor="system:timer",
            action="workflow.timer_fired",
            now=now,
            details={"timer": timer},
        )
    engine.fired_timers.clear()
    ready = engine.ready_user_tasks(with_data=False)
    project_tasks(session, instance, case, ready, actor=actor, now=now)
    if engine.completed and instance.status != InstanceStatus.COMPLETED:
        instance.status = InstanceStatus.COMPLETED
        change_case(
            session,
            case,
            actor="system:workflow",
            action="case.closed",
            now=now,
            closed_at=now,
        )
    session.flush()


_compiled_cache: dict[str, CompiledDefinition] = {}


def compiled(definition: ProcessDefinition) -> CompiledDefinition:
    """Deployed definitions never change, so the compiled form is cached by id."""
    hit = _compiled_cache.get(definition.id)
    if hit is None:
        hit = CompiledDefinition(
            process_id=definition.process_id,
            spec_json=definition.spec_json,
            content_hash=definition.content_hash,
            forms=definition.forms,
        )
        _compiled_cache[definition.id] = hit
    return hit


def case_of(session: Session, case_id: str) -> Case:
    case = get_case(session, case_id)
    if case is None:
        raise NotFound("Vorgang nicht gefunden.", code="case-not-found")
    return case


def start_data(case: Case) -> dict[str, Any]:
    return {
        **case.data,
        "case_reference": case.reference,
        "applicant_name": case.applicant_name,
        "submitted_at": case.created_at.replace(tzinfo=UTC).astimezone(LOCAL_TIME).isoformat(),
    }
