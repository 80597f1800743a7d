"""Use cases of the migration of running instances (issue 12): plan, dry run, batch (with
four eyes where the procedure demands it: held items wait for `confirm`), reversal.

Every instance is migrated on a snapshot without a transaction (ADR 0018) and saved in its
own short transaction with its own audit event (``workflow.migrated``: from version, to
version, the mapping of its active elements, who). The item keeps the state before, so
that :meth:`Migrations.reverse` can put it back (ADR 0022) as long as
the instance has not moved on since.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from egov.cases.service import record
from egov.clock import Clock
from egov.db import OUTAGE, Database, lost_race
from egov.errors import Conflict, Invalid, NotFound
from egov.workflow import four_eyes
from egov.workflow.engine import Engine
from egov.workflow.migration import (
    Plan,
    Reason,
    Refused,
    active_elements,
    generate_plan,
    migrate,
)
from egov.workflow.migration_progress import begin_attempt, finish_batch
from egov.workflow.migration_reversal import Reversal, definition_of, retitle
from egov.workflow.migration_store import (
    BatchStatus,
    ItemStatus,
    MigrationBatch,
    MigrationItem,
    items_of,
)
from egov.workflow.script_pool import ScriptLimits
from egov.workflow.steps import Moved, case_of, compiled, save_step
from egov.workflow.store import InstanceStatus, ProcessDefinition, WorkflowInstance

log = logging.getLogger(__name__)
MAX_INSTANCES = 1000  # one batch, one dry run
RETRIES = 5  # an instance that moves while it is migrated is tried again
FAILED = Reason("migration-failed", "Die Migration dieser Instanz ist fehlgeschlagen.")


@dataclass(frozen=True)
class PlanRequest:
    source_definition_id: str
    target_definition_id: str
    instructions: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedMigration:
    source: ProcessDefinition
    target: ProcessDefinition
    plan: Plan


@dataclass(frozen=True)
class Verdict:
    instance_id: str
    case_id: str | None
    reasons: list[Reason]

    @property
    def migratable(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class BatchView:
    batch: MigrationBatch
    items: list[MigrationItem]


@dataclass
class Migrations:
    db: Database
    clock: Clock
    script_limits: ScriptLimits = ScriptLimits()  # noqa: RUF009 - frozen, shared safely
    after_commit: Callable[[str], None] = lambda _batch_id: None
    max_attempts: int = 3  # runs that may start on one item (EGOV_MIGRATION_MAX_ATTEMPTS)

    # -- plan and dry run -------------------------------------------------------------------

    def plan(self, request: PlanRequest) -> PlannedMigration:
        with self.db.reading() as session:
            source = definition_of(session, request.source_definition_id)
            target = definition_of(session, request.target_definition_id)
            session.expunge_all()
        if source.process_id != target.process_id:
            raise Invalid(
                "Quell- und Zielversion gehören zu verschiedenen Prozessen.",
                code="migration-process-mismatch",
                invalid_params=[{"name": "target_definition_id", "reason": "anderer Prozess"}],
            )
        try:
            plan = generate_plan(compiled(source), compiled(target), request.instructions)
        except ValueError as exc:
            raise Invalid(
                "Eine Anweisung nennt ein Element, das es nicht gibt.",
                code="migration-instruction-invalid",
                invalid_params=[{"name": "instructions", "reason": f"unbekannt: {exc.args[0]}"}],
            ) from exc
        return PlannedMigration(source, target, plan)

    def _instances(
        self, planned: PlannedMigration, ids: Iterable[str] | None, waiting_at: Sequence[str]
    ) -> list[str]:
        """The named instances, or (no ids) the running instances of the source version;
        with `waiting_at`, only those that stand at one of these elements."""
        with self.db.reading() as session:
            if ids is not None:
                wanted = list(dict.fromkeys(ids))
            else:
                query = select(WorkflowInstance.id).where(
                    WorkflowInstance.definition_id == planned.source.id,
                    WorkflowInstance.status == InstanceStatus.RUNNING,
                )
                wanted = list(session.scalars(query.order_by(WorkflowInstance.id)))
        if waiting_at:
            wanted = [one for one in wanted if self._waits_at(one, set(waiting_at))]
        if len(wanted) > MAX_INSTANCES:
            raise Invalid(
                f"Höchstens {MAX_INSTANCES} Instanzen je Lauf.",
                code="migration-too-many",
                invalid_params=[{"name": "instance_ids", "reason": f"höchstens {MAX_INSTANCES}"}],
            )
        return wanted

    def _waits_at(self, instance_id: str, elements: set[str]) -> bool:
        _, engine = self._snapshot(instance_id)
        return engine is not None and bool(active_elements(engine) & elements)

    def _snapshot(self, instance_id: str) -> tuple[WorkflowInstance | None, Engine | None]:
        with self.db.reading() as session:
            instance = session.get(WorkflowInstance, instance_id)
            if instance is None:
                return None, None
            definition = definition_of(session, instance.definition_id)
            session.expunge_all()
        engine = Engine.load(compiled(definition), instance.state, self.script_limits)
        return instance, engine

    def _verdict(self, planned: PlannedMigration, instance_id: str) -> tuple[Verdict, Any]:
        instance, engine = self._snapshot(instance_id)
        if instance is None or engine is None:
            gone = Reason("instance-not-found", "Die Instanz gibt es nicht.")
            return Verdict(instance_id, None, [gone]), None
        if instance.definition_id != planned.source.id:
            wrong = Reason(
                "definition-mismatch",
                "Die Instanz läuft nicht auf der Quellversion des Plans.",
                instance.definition_id,
            )
            return Verdict(instance_id, instance.case_id, [wrong]), None
        if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED):
            ended = Reason("instance-finished", "Die Instanz ist beendet oder eingestellt.")
            return Verdict(instance_id, instance.case_id, [ended]), None
        active = sorted(active_elements(engine))  # before: migrate changes the engine
        try:
            migrated = migrate(engine, planned.plan, compiled(planned.target), self.script_limits)
        except Refused as refused:
            return Verdict(instance_id, instance.case_id, refused.reasons), None
        except OUTAGE:
            raise
        except Exception:
            log.exception("migration_check_failed instance_id=%s", instance_id)
            return Verdict(instance_id, instance.case_id, [FAILED]), None
        return Verdict(instance_id, instance.case_id, []), (instance, active, migrated)

    def dry_run(
        self, planned: PlannedMigration, ids: list[str] | None, waiting_at: Sequence[str] = ()
    ) -> list[Verdict]:
        """Per instance: can it be migrated by the plan, and if not, why (nothing changes)."""
        chosen = self._instances(planned, ids, waiting_at)
        return [self._verdict(planned, one)[0] for one in chosen]

    # -- batches ----------------------------------------------------------------------------

    def create(
        self,
        planned: PlannedMigration,
        ids: list[str] | None,
        actor: str,
        waiting_at: Sequence[str] = (),
    ) -> str:
        """A batch of the instances (pending); the worker migrates them after the commit."""
        wanted = self._instances(planned, ids, waiting_at)
        now = self.clock()
        with self.db.transaction() as session:
            batch = MigrationBatch(
                source_definition_id=planned.source.id,
                target_definition_id=planned.target.id,
                mapping=dict(planned.plan.mapping),
                status=BatchStatus.PENDING,
                created_by=actor,
                created_at=now,
            )
            session.add(batch)
            session.flush()
            for instance_id in wanted:
                instance = session.get(WorkflowInstance, instance_id)
                if instance is None:
                    raise NotFound("Instanz nicht gefunden.", code="instance-not-found")
                gate = self._gate(session, batch.id, instance, actor)
                session.add(
                    MigrationItem(
                        batch_id=batch.id,
                        instance_id=instance_id,
                        case_id=instance.case_id,
                        status=ItemStatus.PENDING if gate.go else ItemStatus.HELD,
                        reasons=[],
                        updated_at=now,
                    )
                )
            batch_id = batch.id
        self.after_commit(batch_id)
        return batch_id

    def _gate(
        self, session: Session, batch_id: str, instance: WorkflowInstance, actor: str
    ) -> four_eyes.Gate:
        definition = session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None
        return four_eyes.gate(
            session,
            case_of(session, instance.case_id),
            definition,
            "migrate",
            actor=actor,
            reason=None,
            now=self.clock(),
            subject={"instance_id": instance.id, "migration_id": batch_id},
        )

    def confirm(self, batch_id: str, actor: str) -> BatchView:
        """Four eyes: another admin releases the held instances of the batch (each one whose
        procedure demands it); the worker then migrates them."""
        with self.db.transaction() as session:
            batch = session.get(MigrationBatch, batch_id)
            if batch is None:
                raise NotFound("Migration nicht gefunden.", code="migration-not-found")
            held = [i for i in items_of(session, batch_id) if i.status == ItemStatus.HELD]
            if not held or batch.status == BatchStatus.REVERSED:
                raise Conflict(
                    "Keine Instanz dieser Migration wartet auf eine Bestätigung.",
                    code="migration-not-held",
                )
            for item in held:
                instance = session.get(WorkflowInstance, item.instance_id)
                assert instance is not None
                if self._gate(session, batch_id, instance, actor).go:
                    item.status, item.updated_at = ItemStatus.PENDING, self.clock()
            batch.confirmed_by, batch.status = actor, BatchStatus.PENDING
        self.after_commit(batch_id)
        return self.get(batch_id)

    def get(self, batch_id: str) -> BatchView:
        with self.db.reading() as session:
            batch = session.get(MigrationBatch, batch_id)
            if batch is None:
                raise NotFound("Migration nicht gefunden.", code="migration-not-found")
            items = items_of(session, batch_id)
            session.expunge_all()
        return BatchView(batch, items)

    def _planned(self, batch: MigrationBatch) -> PlannedMigration:
        with self.db.reading() as session:
            source = definition_of(session, batch.source_definition_id)
            target = definition_of(session, batch.target_definition_id)
            session.expunge_all()
        plan = Plan(source.process_id, target.process_id, batch.mapping)
        return PlannedMigration(source, target, plan)

    def run(self, batch_id: str) -> None:
        """The worker's part: every pending item in its own transaction and audit event."""
        view = self.get(batch_id)
        planned = self._planned(view.batch)
        actor = view.batch.confirmed_by or view.batch.created_by  # held items: the second admin
        for item in view.items:
            if item.status == ItemStatus.PENDING and self._attempt(item.id):
                self._run_item(planned, item.id, item.instance_id, actor)
        with self.db.transaction() as session:
            finish_batch(session, batch_id, self.clock())

    def _attempt(self, item_id: str) -> bool:
        with self.db.transaction() as session:
            return begin_attempt(session, item_id, self.max_attempts, self.clock())

    def _run_item(
        self, planned: PlannedMigration, item_id: str, instance_id: str, actor: str
    ) -> None:
        """Snapshot, migrate unlocked, save if the instance is still at the snapshot's
        version (else again, up to RETRIES times); a refusal or failure marks the item."""
        for _ in range(RETRIES):
            verdict, ready = self._verdict(planned, instance_id)
            if ready is None:
                self._fail(item_id, verdict.reasons)
                return
            before, active, migrated = ready
            try:
                with self.db.transaction() as session:
                    instance = session.get(WorkflowInstance, instance_id)
                    if instance is None or instance.version != before.version:
                        raise Moved(instance_id)
                    item = session.get(MigrationItem, item_id)
                    assert item is not None
                    if item.status != ItemStatus.PENDING:  # a second runner was faster
                        return
                    self._apply(session, planned, instance, item, migrated, active, actor)
            except (Moved, StaleDataError, IntegrityError):
                continue
            except OperationalError as exc:
                if not lost_race(exc):
                    raise  # an outage: the batch stays pending
                continue
            except Exception:
                log.exception("migration_failed instance_id=%s", instance_id)
                self._fail(item_id, [FAILED])
                return
            log.info("migration_item_migrated instance_id=%s", instance_id)
            return
        self._fail(item_id, [Reason("concurrent-update", "Die Instanz änderte sich gerade.")])

    def _apply(
        self,
        session: Session,
        planned: PlannedMigration,
        instance: WorkflowInstance,
        item: MigrationItem,
        migrated: Engine,
        active: list[str],
        actor: str,
    ) -> None:
        now = self.clock()
        case = case_of(session, instance.case_id)
        item.old_definition_id = instance.definition_id
        item.old_state = instance.state
        instance.definition_id = planned.target.id
        work_left = instance.advance_due_at is not None  # input not yet advanced stays due
        save_step(session, case, instance, migrated, actor=actor, now=now, work_left=work_left)
        retitle(session, instance.id, migrated)
        record(
            session,
            case,
            actor=actor,
            action="workflow.migrated",
            now=now,
            details={
                "migration_id": item.batch_id,
                "instance_id": instance.id,
                "process_id": planned.source.process_id,
                "from_version": planned.source.version,
                "to_version": planned.target.version,
                "mapping": {name: planned.plan.mapping.get(name) for name in active},
            },
        )
        session.flush()
        item.status = ItemStatus.MIGRATED
        item.migrated_version = instance.version
        item.updated_at = now

    def _fail(self, item_id: str, reasons: list[Reason]) -> None:
        with self.db.transaction() as session:
            item = session.get(MigrationItem, item_id)
            assert item is not None
            if item.status != ItemStatus.PENDING:  # a second runner settled it
                return
            item.status = ItemStatus.FAILED
            item.reasons = [reason.as_dict() for reason in reasons]
            item.updated_at = self.clock()

    # -- reversal ---------------------------------------------------------------------------

    def reverse(self, batch_id: str, actor: str) -> BatchView:
        """Put every migrated item back to its kept state, each in its own transaction. An
        instance that moved on since its migration stays migrated (reason instance-moved)."""
        if self.get(batch_id).batch.status == BatchStatus.PENDING:
            raise Conflict("Die Migration läuft noch.", code="migration-running")
        Reversal(self.db, self.clock, self.script_limits).batch(batch_id, actor)
        return self.get(batch_id)


__all__ = ["BatchView", "Migrations", "PlanRequest", "PlannedMigration", "Verdict"]
