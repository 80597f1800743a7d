"""Running process instances. Every engine step is one transaction.

A step loads the instance, lets the engine act, saves the serialized state (optimistic
version counter), projects the ready user tasks into `tasks`, writes audit events and commits.
User input (start, task completion) is committed in its own step before the engine advances,
so a failing automatic step becomes an incident and never swallows a person's work.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from egov.cases.service import record
from egov.cases.store import get_procedure
from egov.clock import Clock
from egov.correlation import current_correlation_id
from egov.db import OUTAGE, Database, SchemaOutdated, error_name, lost_race
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import referenced_in
from egov.errors import Conflict, DomainError, NotFound
from egov.outbox.incidents import open_incident
from egov.outbox.service import new_rows
from egov.outbox.store import IncidentKind
from egov.workflow.engine import Engine, WorkflowError
from egov.workflow.operators import OperatorRegistry, StepContext
from egov.workflow.script_pool import ScriptLimits
from egov.workflow.steps import Halted, Moved, case_of, compiled, save_step, start_data
from egov.workflow.store import (
    InstanceStatus,
    ProcessDefinition,
    WorkflowInstance,
    active_definition,
    get_instance_by_case,
)

log = logging.getLogger(__name__)
RETRIES = 5
Action = Callable[[Engine], None]


@dataclass
class Workflows:
    db: Database
    files: FileSystemStore
    operators: OperatorRegistry
    clock: Clock
    script_limits: ScriptLimits = ScriptLimits()  # noqa: RUF009 - frozen, shared safely
    on_outbox: Callable[[list[str]], None] = lambda _ids: None
    prepare_start: Callable[[str], dict[str, Any]] = lambda _id: {}  # start variables: triage

    def start(self, case_id: str) -> None:
        """Create the case's process instance (own step), then advance it. In a database
        outage nothing is started: the sweep restarts cases without an instance. A failing
        `prepare_start` is logged and the process starts without its variables."""
        try:
            extra = self.prepare_start(case_id)
        except Exception as exc:
            log.warning("workflow_prepare_failed case_id=%s error=%s", case_id, error_name(exc))
            extra = {}
        try:
            self._retrying(lambda s: self._create_instance(s, case_id, extra))
        except OUTAGE as exc:
            log.warning("workflow_start_deferred case_id=%s error=%s", case_id, error_name(exc))
            return
        except Exception as exc:
            self.open_incident(case_id, exc)
            return
        self.advance_soon(case_id)

    def advance(self, case_id: str) -> bool:
        """Run the engine until it waits. False (and an incident) if the step failed; a
        database outage is raised, not an incident (the work is to be retried as it is)."""
        try:
            self._advance(case_id)
        except Halted:
            return False  # suspended or cancelled: nothing ran (and no incident)
        except OUTAGE:
            raise
        except Exception as exc:
            self.open_incident(case_id, exc)
            return False
        return True

    def advance_soon(self, case_id: str) -> bool:
        """`advance` right after a committed input (start, task, message). In a database
        outage the advance is left to the sweep, which finds the input's `advance_due_at`,
        so the caller, whose input is stored, is not told that it failed."""
        try:
            return self.advance(case_id)
        except OUTAGE as exc:
            log.warning("workflow_advance_deferred case_id=%s error=%s", case_id, error_name(exc))
            return False

    def act(
        self,
        case_id: str,
        actor: str,
        action: Action,
        before: Callable[[Session], None] | None = None,
    ) -> None:
        """Apply a person's input to the engine as one step, without advancing.

        The engine applies the input to a snapshot with no transaction open (ADR 0018); then
        one write transaction runs `before` (e.g. marking the task completed), checks that the
        instance is still at the snapshot's version (else all over again) and saves. An input
        the engine refuses is applied the old way, in one transaction, so that `before` says
        first why (e.g. 409 task-not-open).
        """
        for attempt in range(RETRIES):
            try:
                _, version, engine = self._snapshot(case_id)
                action(engine)
            except Exception:

                def work(session: Session) -> None:
                    if before is not None:
                        before(session)
                    self._step(session, case_id, action, actor)

                self._retrying(work)
                return
            try:
                self._save_input(case_id, engine, version, actor, before)
                return
            except Moved as exc:
                log.info("workflow_step_conflict attempt=%s error=%s", attempt, exc)
        raise Conflict(code="concurrent-update")

    def _save_input(
        self,
        case_id: str,
        engine: Engine,
        version: int,
        actor: str,
        before: Callable[[Session], None] | None,
    ) -> None:
        state = engine.dump()  # unlocked
        try:
            with self.db.transaction() as session:
                if before is not None:
                    before(session)
                case = case_of(session, case_id)
                instance = get_instance_by_case(session, case_id)
                if instance is None or instance.version != version:
                    raise Moved(f"version {version} is gone")
                now = self.clock()
                save_step(
                    session,
                    case,
                    instance,
                    engine,
                    actor=actor,
                    now=now,
                    work_left=True,
                    state=state,
                )
                written = new_rows(session)
        except (StaleDataError, IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not lost_race(exc):
                raise  # an outage
            raise Moved(error_name(exc)) from exc
        if written:
            self.on_outbox(written)

    def correlate(
        self,
        case_id: str,
        message_name: str,
        payload: dict[str, Any],
        actor: str,
        then: Callable[[Session, bool], None] | None = None,
        gate: Callable[[Session], bool] | None = None,
    ) -> bool:
        """Deliver a message to the case's waiting catch event as one step, then advance.

        False if no running instance or no event waits for `message_name` (nothing changes).
        `gate(session)` runs first in the transaction: True keeps the message from the engine
        (it was held, `egov.workflow.held`). `then(session, caught)` runs in the same
        transaction (e.g. marking the inbound message).
        """
        caught = [False]

        def work(session: Session) -> None:
            kept = gate is not None and gate(session)
            caught[0] = not kept and self._send(session, case_id, message_name, payload, actor)
            if then is not None:
                then(session, caught[0])

        self._retrying(work)
        if caught[0]:
            self.advance_soon(case_id)
        return caught[0]

    def _send(
        self, session: Session, case_id: str, name: str, payload: dict[str, Any], actor: str
    ) -> bool:
        instance = get_instance_by_case(session, case_id)
        if instance is None or instance.status != InstanceStatus.RUNNING:
            return False
        result = [False]

        def deliver(engine: Engine) -> None:
            result[0] = engine.send_message(name, payload)

        self._step(session, case_id, deliver, actor)
        if result[0]:
            record(
                session,
                case_of(session, case_id),
                actor=actor,
                action="message.correlated",
                now=self.clock(),
                details={"message_name": name, "payload": payload},
            )
        return result[0]

    def _create_instance(self, session: Session, case_id: str, extra: dict[str, Any]) -> None:
        case = case_of(session, case_id)
        if get_instance_by_case(session, case_id) is not None:
            return  # already started (a retried start is a no-op)
        procedure = get_procedure(session, case.procedure_key)
        definition = active_definition(session, procedure.process_id) if procedure else None
        if definition is None:
            raise DomainError("Kein Prozessmodell bereitgestellt.", code="definition-missing")
        engine = Engine.start(
            compiled(definition), {**start_data(case), **extra}, self.script_limits, self.clock
        )
        now = self.clock()
        instance = WorkflowInstance(
            case_id=case.id,
            definition_id=definition.id,
            status=InstanceStatus.RUNNING,
            state=engine.dump(),
            next_timer_at=engine.next_timer_due(),
            advance_due_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(instance)
        session.flush()
        record(
            session,
            case,
            actor="system:workflow",
            action="workflow.started",
            now=now,
            details={
                "instance_id": instance.id,
                "process_id": definition.process_id,
                "definition_version": definition.version,
            },
        )

    def _step(self, session: Session, case_id: str, action: Action, actor: str) -> None:
        """A person's input (or a message) applied to the engine, without advancing it."""
        case = case_of(session, case_id)
        instance = get_instance_by_case(session, case_id)
        if instance is None:
            raise NotFound("Kein Prozess zu diesem Vorgang.", code="instance-not-found")
        definition = session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None
        engine = Engine.load(compiled(definition), instance.state, self.script_limits, self.clock)
        action(engine)
        save_step(session, case, instance, engine, actor=actor, now=self.clock(), work_left=True)

    def _advance(self, case_id: str) -> None:
        """Run the engine until it waits, holding the write lock only to save (ADR 0018)."""
        for attempt in range(RETRIES):
            try:
                self._advance_from_store(case_id)
                return
            except Moved as exc:
                log.info("workflow_step_conflict attempt=%s error=%s", attempt, exc)
        raise Conflict(code="concurrent-update")

    def _snapshot(self, case_id: str) -> tuple[ProcessDefinition, int, Engine]:
        """The instance as stored, read without the write lock: definition, version, engine."""
        with self.db.reading() as session:
            instance = get_instance_by_case(session, case_id)
            if instance is None:
                raise NotFound("Kein Prozess zu diesem Vorgang.", code="instance-not-found")
            definition = session.get(ProcessDefinition, instance.definition_id)
            assert definition is not None
            version, state = instance.version, instance.state
        engine = Engine.load(compiled(definition), state, self.script_limits, self.clock)
        return definition, version, engine

    def _advance_from_store(self, case_id: str) -> None:
        definition, version, engine = self._snapshot(case_id)
        while True:
            service_waits = engine.compute()  # no transaction open: no lock held
            version = self._save(case_id, definition, engine, version, service_waits)
            if not service_waits:
                return

    def _save(
        self,
        case_id: str,
        definition: ProcessDefinition,
        engine: Engine,
        version: int,
        run_service: bool,
    ) -> int:
        """One short write transaction: the instance must still be at `version`; the ready
        service task runs (its operator writes here); the state is saved. The new version."""
        state = None if run_service else engine.dump()  # the big serialization, unlocked
        try:
            with self.db.transaction() as session:
                case = case_of(session, case_id)
                instance = get_instance_by_case(session, case_id)
                if instance is None or instance.version != version:
                    raise Moved(f"version {version} is gone")
                now = self.clock()
                placement = Placement(self.files, still_referenced=referenced_in(self.db))
                try:
                    if run_service:
                        context = StepContext(
                            session=session,
                            case=case,
                            files=self.files,
                            placement=placement,
                            bundle_files=definition.files,
                            now=now,
                        )
                        engine.run_service(self.operators.bind(context))
                    save_step(
                        session,
                        case,
                        instance,
                        engine,
                        actor="system:workflow",
                        now=now,
                        work_left=run_service,
                        state=state,
                    )
                except BaseException:
                    placement.undo()
                    raise
                written = new_rows(session)
                saved = instance.version
        except (StaleDataError, IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not lost_race(exc):
                raise  # an outage
            raise Moved(error_name(exc)) from exc
        if written:
            self.on_outbox(written)  # after commit: side effects may go out now
        return saved

    def _retrying(self, work: Callable[[Session], None]) -> None:
        for attempt in range(RETRIES):
            try:
                with self.db.transaction() as session:
                    work(session)
                    written = new_rows(session)
                if written:
                    self.on_outbox(written)  # after commit: side effects may go out now
                return
            except (StaleDataError, IntegrityError, OperationalError) as exc:
                if isinstance(exc, OperationalError) and not lost_race(exc):
                    raise  # an outage: retrying at once would not help
                log.info("workflow_step_conflict attempt=%s error=%s", attempt, error_name(exc))
                if attempt == RETRIES - 1:
                    raise Conflict(code="concurrent-update") from exc

    def open_incident(self, case_id: str, exc: Exception) -> None:
        """Record a failed step of the case: one open incident per case, audited."""
        correlation_id = current_correlation_id() or str(uuid.uuid4())
        code, message = "internal-error", "Interner Fehler im Prozess."
        if isinstance(exc, DomainError | WorkflowError | SchemaOutdated):  # meant for people
            code, message = exc.code, exc.message
        failed = "workflow_step_failed case_id=%s correlation_id=%s code=%s"
        log.error(failed, case_id, correlation_id, code, exc_info=exc)

        def write(session: Session) -> None:
            case_of(session, case_id)
            open_incident(
                session,
                kind=IncidentKind.WORKFLOW_STEP,
                code=code,
                message=str(message),
                now=self.clock(),
                actor="system:workflow",
                case_id=case_id,
                correlation_id=correlation_id,
                details={"correlation_id": correlation_id},
            )

        # a racing worker's incident collides on the unique index: retry, then update it
        self._retrying(write)


__all__ = ["WorkflowError", "Workflows", "compiled"]
