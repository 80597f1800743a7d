"""Reversal of a migration batch (ADR 0022): every migrated instance back to the state kept
before, if it has not moved on since, each in its own short transaction and audit event.
The kept state is read and loaded with no transaction open (ADR 0018)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.clock import Clock
from egov.db import Database
from egov.errors import NotFound
from egov.workflow.engine import Engine
from egov.workflow.migration import Reason
from egov.workflow.migration_store import (
    BatchStatus,
    ItemStatus,
    MigrationBatch,
    MigrationItem,
    items_of,
)
from egov.workflow.script_pool import ScriptLimits
from egov.workflow.steps import case_of, compiled, save_step
from egov.workflow.store import LIVE_TASK, ProcessDefinition, Task, WorkflowInstance

log = logging.getLogger(__name__)
MOVED = Reason(
    "instance-moved", "Die Instanz hat sich seit der Migration verändert; sie bleibt migriert."
)


def definition_of(session: Session, definition_id: str) -> ProcessDefinition:
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise NotFound("Prozessversion nicht gefunden.", code="definition-not-found")
    return definition


def retitle(session: Session, instance_id: str, engine: Engine) -> None:
    """Live inbox entries take the name and form of their element in the new version."""
    views = {view.task_id: view for view in engine.ready_user_tasks()}
    query = select(Task).where(Task.instance_id == instance_id, Task.status.in_(LIVE_TASK))
    for task in session.scalars(query):
        view = views.get(task.engine_task_id)
        if view is not None:
            task.spec_name, task.title = view.spec_name, view.title
            task.form_schema = view.form_schema


@dataclass
class Reversal:
    db: Database
    clock: Clock
    script_limits: ScriptLimits

    def batch(self, batch_id: str, actor: str) -> None:
        """Every migrated item of the batch back, then the batch is `reversed`."""
        with self.db.reading() as session:
            migrated = [
                i.id for i in items_of(session, batch_id) if i.status == ItemStatus.MIGRATED
            ]
        for item_id in migrated:
            self.item(batch_id, item_id, actor)
        with self.db.transaction() as session:
            batch = session.get(MigrationBatch, batch_id)
            assert batch is not None
            if batch.status != BatchStatus.REVERSED:
                batch.status = BatchStatus.REVERSED
                batch.reversed_at = self.clock()

    def item(self, batch_id: str, item_id: str, actor: str) -> None:
        with self.db.reading() as session:
            item = session.get(MigrationItem, item_id)
            assert item is not None and item.old_state and item.old_definition_id
            old = definition_of(session, item.old_definition_id)
            kept, expected = item.old_state, item.migrated_version
            session.expunge_all()
        engine = Engine.load(compiled(old), kept, self.script_limits)  # unlocked
        with self.db.transaction() as session:
            item = session.get(MigrationItem, item_id)
            assert item is not None
            instance = session.get(WorkflowInstance, item.instance_id)
            assert instance is not None
            if item.status != ItemStatus.MIGRATED:
                return  # reversed meanwhile by another call
            if instance.version != expected:
                item.reasons = [MOVED.as_dict()]
                return
            case = case_of(session, instance.case_id)
            now = self.clock()
            instance.definition_id = old.id
            work_left = instance.advance_due_at is not None
            save_step(
                session, case, instance, engine, actor=actor, now=now, work_left=work_left,
                state=kept,
            )  # fmt: skip
            retitle(session, instance.id, engine)
            record(
                session,
                case,
                actor=actor,
                action="workflow.migration_reversed",
                now=now,
                details={"migration_id": batch_id, "instance_id": instance.id,
                         "to_version": old.version},
            )  # fmt: skip
            item.status = ItemStatus.REVERSED
            item.updated_at = now
        log.info("migration_reversed batch_id=%s instance_id=%s", batch_id, item.instance_id)
