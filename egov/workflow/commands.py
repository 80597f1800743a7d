"""An admin's commands on a process instance: suspend, resume, cancel (ADR 0021).

Each command is one short write transaction on the stored instance (no engine run, ADR 0018)
and is audited in the case's trail with the admin and the reason. Changing the row bumps the
instance's version, so an advance that computed on an older snapshot starts over from the
store, where `save_step` finds the instance halted and saves nothing (`Halted`).

- suspend: `running` → `suspended`. The timer sweep and the sweep of stalled instances select
  only running instances, inboxes hide the instance's tasks, completing one is a 409
  `instance-suspended`, messages are not correlated to it.
- resume: `suspended` → `running`; the instance is advanced again at once.
- cancel: `running` or `suspended` → `cancelled`; its live tasks are cancelled, its open
  failed step (incident) is resolved by hand with the reason, the case's status becomes
  `cancelled` (Eingestellt) and it is closed. If the bundle has the letter template
  `letters/eingestellt.txt`, the citizen gets it in the Postfach (with `$reason`). Where
  `procedure.json` lists `"cancel"` in `four_eyes`, a second admin confirms
  (`egov.workflow.four_eyes`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import change_case, record
from egov.cases.store import Case
from egov.documents.filestore import Placement
from egov.documents.store import referenced_in
from egov.errors import Conflict, Invalid, NotFound
from egov.outbox.service import new_rows
from egov.outbox.store import Incident, IncidentKind, IncidentStatus, Resolution
from egov.workflow import four_eyes
from egov.workflow.operators import StepContext
from egov.workflow.service import Workflows
from egov.workflow.steps import case_of
from egov.workflow.store import (
    InstanceStatus,
    ProcessDefinition,
    TaskStatus,
    WorkflowInstance,
    list_live_tasks,
)
from egov.workflow.variables import CANCEL_LETTER  # its data: variables.CANCEL_VARIABLES

CANCELLED_CASE_STATUS = "cancelled"
MAX_REASON = 2000
Command = Callable[[Session, WorkflowInstance, Case, Placement], None]


def checked_reason(reason: object, *, required: bool) -> str | None:
    if reason is None and not required:
        return None
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise Invalid(
            f"Bitte in 'reason' (1 bis {MAX_REASON} Zeichen) den Grund angeben.",
            code="instance-reason-missing",
        )
    return reason.strip()


@dataclass
class InstanceCommands:
    workflows: Workflows

    def suspend(self, actor: str, instance_id: str, reason: object = None) -> None:
        why = checked_reason(reason, required=False)

        def work(
            session: Session, instance: WorkflowInstance, case: Case, placement: Placement
        ) -> None:
            _expect(instance, InstanceStatus.RUNNING)
            instance.status = InstanceStatus.SUSPENDED
            self._audit(session, case, actor, "workflow.suspended", instance, why)

        self._command(instance_id, work)

    def resume(self, actor: str, instance_id: str, reason: object = None) -> None:
        why = checked_reason(reason, required=False)
        case_id: list[str] = []

        def work(
            session: Session, instance: WorkflowInstance, case: Case, placement: Placement
        ) -> None:
            _expect(instance, InstanceStatus.SUSPENDED)
            instance.status = InstanceStatus.RUNNING
            instance.advance_due_at = self.workflows.clock()  # the sweep advances it if we don't
            self._audit(session, case, actor, "workflow.resumed", instance, why)
            case_id.append(case.id)

        self._command(instance_id, work)
        self.workflows.advance_soon(case_id[0])  # a failure becomes an incident

    def cancel(self, actor: str, instance_id: str, reason: object) -> bool:
        """True if cancelled; False if only requested (four eyes: another admin confirms)."""
        why = checked_reason(reason, required=True)
        done = [True]

        def work(
            session: Session, instance: WorkflowInstance, case: Case, placement: Placement
        ) -> None:
            _expect(instance, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)
            now = self.workflows.clock()
            definition = session.get(ProcessDefinition, instance.definition_id)
            assert definition is not None
            confirms = None
            if four_eyes.demanded(definition, "cancel"):
                request = four_eyes.pending_request(session, case.id, instance.id, now)
                if request is None or request.actor == actor:
                    self._audit(session, case, actor, four_eyes.REQUESTED, instance, why)
                    done[0] = False
                    return
                confirms = request.actor
            instance.status = InstanceStatus.CANCELLED
            instance.next_timer_at, instance.advance_due_at = None, None
            instance.updated_at = now
            for task in list_live_tasks(session, instance.id):
                task.status = TaskStatus.CANCELLED
                details = {"task_id": task.id, "name": task.spec_name, "reason": "cancelled"}
                record(
                    session, case, actor=actor, action="task.cancelled", now=now, details=details
                )
            self._settle_incidents(session, case, actor, why or "")
            self._audit(session, case, actor, "workflow.cancelled", instance, why, confirms)
            change_case(
                session,
                case,
                actor=actor,
                action="case.status_changed",
                now=now,
                status=CANCELLED_CASE_STATUS,
                closed_at=now,
            )
            self._letter(session, definition, case, placement, actor, why or "")

        self._command(instance_id, work)
        return done[0]

    def _command(self, instance_id: str, work: Command) -> None:
        placement = Placement(
            self.workflows.files, still_referenced=referenced_in(self.workflows.db)
        )
        try:
            with self.workflows.db.transaction() as session:
                instance = session.get(WorkflowInstance, instance_id)
                if instance is None:
                    raise NotFound("Prozessinstanz nicht gefunden.", code="instance-not-found")
                work(session, instance, case_of(session, instance.case_id), placement)
                session.flush()
                written = new_rows(session)
        except BaseException:
            placement.undo()
            raise
        if written:
            self.workflows.on_outbox(written)

    def _audit(
        self,
        session: Session,
        case: Case,
        actor: str,
        action: str,
        instance: WorkflowInstance,
        reason: str | None,
        requested_by: str | None = None,
    ) -> None:
        details = {"instance_id": instance.id, "reason": reason}
        if requested_by is not None:  # four eyes: the admin who asked first
            details["requested_by"] = requested_by
        record(
            session, case, actor=actor, action=action, now=self.workflows.clock(), details=details
        )

    def _settle_incidents(self, session: Session, case: Case, actor: str, reason: str) -> None:
        query = select(Incident).where(
            Incident.case_id == case.id,
            Incident.status == IncidentStatus.OPEN,
            Incident.kind == IncidentKind.WORKFLOW_STEP,
        )
        now = self.workflows.clock()
        for incident in session.scalars(query):
            incident.status, incident.resolved_at = IncidentStatus.RESOLVED, now
            incident.resolution, incident.resolved_by = Resolution.BY_HAND, actor
            incident.resolution_note = f"Prozess eingestellt: {reason}"
            details = {"incident_id": incident.id, "kind": incident.kind}
            record(session, case, actor=actor, action="incident.resolved", now=now, details=details)

    def _letter(
        self,
        session: Session,
        definition: ProcessDefinition,
        case: Case,
        placement: Placement,
        actor: str,
        reason: str,
    ) -> None:
        if f"letters/{CANCEL_LETTER}.txt" not in definition.files:
            return
        context = StepContext(
            session=session,
            case=case,
            files=self.workflows.files,
            placement=placement,
            bundle_files=definition.files,
            now=self.workflows.clock(),
            actor=actor,
        )
        params = {"template": CANCEL_LETTER, "title": "Einstellung Ihres Verfahrens"}
        data = {"reason": reason, "applicant_name": case.applicant_name}
        self.workflows.operators.bind(context)("letters.create", params, data)


def _expect(instance: WorkflowInstance, *allowed: InstanceStatus) -> None:
    if instance.status not in allowed:
        raise Conflict(
            f"Die Prozessinstanz ist {STATUS_WORDS.get(instance.status, instance.status)}.",
            code="instance-state-conflict",
        )


STATUS_WORDS: dict[str, str] = {
    InstanceStatus.RUNNING: "aktiv",
    InstanceStatus.SUSPENDED: "angehalten",
    InstanceStatus.COMPLETED: "abgeschlossen",
    InstanceStatus.CANCELLED: "eingestellt",
}
