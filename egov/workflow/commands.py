"""An admin's commands on a process instance: suspend, resume, cancel (ADR 0021).

Each command is one short write transaction on the stored instance (no engine run, ADR 0018)
and is audited in the case's trail with the admin and the reason. Changing the row bumps the
instance's version, so an advance that computed on an older snapshot starts over from the
store, where `save_step` finds the instance halted and saves nothing (`Halted`).

- suspend: `running` → `suspended`. The timer sweep and the sweep of stalled instances select
  only running instances, inboxes hide the instance's tasks, completing one is a 409
  `instance-suspended`, inbound messages for it are held (no incident).
- resume: `suspended` → `running`; the messages held while it was suspended (inbound
  messages, follow-up submissions, Postfach replies: `egov.workflow.held`) are correlated in
  arrival order, and the instance is advanced again at once. A message arriving meanwhile
  queues behind the held ones.
- cancel: `running` or `suspended` → `cancelled`; its live tasks are cancelled, its open
  failed step (incident) is resolved by hand with the reason, the case's status becomes
  `cancelled` (Eingestellt) and it is closed; messages still held are discarded (audit
  `message.discarded`: what they brought stays in the case file). If the bundle has the
  letter template
  `letters/eingestellt.txt`, the citizen gets it in the Postfach (with `$reason`).
- withdraw: the applicant takes back an application not yet decided (the case is open, the
  instance running or suspended): cancelled as above without four eyes and without the
  letter, the case's status `withdrawn`, audit `case.withdrawn` with the optional reason;
  a decided case is a 409 `case-already-decided`.
- restart: a running instance with a failed step (an open workflow-step incident) runs it
  again: the incident's retry (`egov.runtime.incidents`, wired as `retry`).

Where `procedure.json` lists a command in `four_eyes`, a second admin confirms it
(`egov.workflow.four_eyes`): the first one's command answers the pending request.
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
from egov.identity.model import Principal
from egov.outbox.service import new_rows
from egov.outbox.store import Incident, IncidentKind, IncidentStatus, Resolution
from egov.workflow import four_eyes
from egov.workflow.four_eyes import Gate, Pending
from egov.workflow.held import HeldMessage, discard_held
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
WITHDRAWN_CASE_STATUS = "withdrawn"  # the applicant took the application back (issue 16)
MAX_REASON = 2000
LIVE = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)
Command = Callable[[Session, WorkflowInstance, Case, Placement], Gate]


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
    # after a resume: correlate the messages held while suspended (egov.integrations.inbound)
    on_resume: Callable[[str], object] = lambda _case_id: None
    # a cancel discarded held messages: the integrations mark what they kept (same transaction)
    on_discard: Callable[[Session, list[HeldMessage]], None] = lambda _session, _held: None
    # a restart: the retry of the failed step's incident (egov.runtime.incidents)
    retry: Callable[[Principal, str], object] = lambda _principal, _incident_id: None

    def suspend(self, actor: str, instance_id: str, reason: object = None) -> Pending | None:
        """None if suspended; the pending request if a second admin has to confirm."""
        why = checked_reason(reason, required=False)

        def work(session: Session, instance: WorkflowInstance, case: Case, _: Placement) -> Gate:
            _expect(instance, InstanceStatus.RUNNING)
            gate = self._gate(session, case, instance, "suspend", actor, why)
            if gate.go:
                instance.status = InstanceStatus.SUSPENDED
                self._audit(session, case, actor, "workflow.suspended", instance, why, gate)
            return gate

        return self._command(instance_id, work)

    def resume(self, actor: str, instance_id: str, reason: object = None) -> Pending | None:
        why = checked_reason(reason, required=False)
        case_id: list[str] = []

        def work(session: Session, instance: WorkflowInstance, case: Case, _: Placement) -> Gate:
            _expect(instance, InstanceStatus.SUSPENDED)
            gate = self._gate(session, case, instance, "resume", actor, why)
            if gate.go:
                instance.status = InstanceStatus.RUNNING
                instance.advance_due_at = self.workflows.clock()  # else the sweep advances it
                self._audit(session, case, actor, "workflow.resumed", instance, why, gate)
                case_id.append(case.id)
            return gate

        pending = self._command(instance_id, work)
        if case_id:
            self.on_resume(case_id[0])  # messages kept while it was suspended, in order
            self.workflows.advance_soon(case_id[0])  # a failure becomes an incident
        return pending

    def restart(self, principal: Principal, instance_id: str) -> Pending | None:
        """Run the failed step again: the retry of its open incident (`retry`, the incident
        desk's), after four eyes where the procedure demands them."""
        failed: list[str] = []

        def work(session: Session, instance: WorkflowInstance, case: Case, _: Placement) -> Gate:
            incident_id = _failed_step(session, instance)
            gate = self._gate(session, case, instance, "restart", principal.subject, None)
            if gate.go:
                failed.append(incident_id)
            if gate.go and gate.requested_by is not None:
                action = "workflow.restart_confirmed"
                self._audit(session, case, principal.subject, action, instance, None, gate)
            return gate

        pending = self._command(instance_id, work)
        if failed:
            self.retry(principal, failed[0])
        return pending

    def cancel(self, actor: str, instance_id: str, reason: object) -> Pending | None:
        """None if cancelled; the pending request if a second admin has to confirm."""
        why = checked_reason(reason, required=True)

        def work(
            session: Session, instance: WorkflowInstance, case: Case, placement: Placement
        ) -> Gate:
            _expect(instance, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)
            gate = self._gate(session, case, instance, "cancel", actor, why)
            if gate.go:
                self._cancel(session, instance, case, placement, actor, why or "")
                self._audit(session, case, actor, "workflow.cancelled", instance, why, gate)
            return gate

        return self._command(instance_id, work)

    def withdraw(self, actor: str, instance_id: str, reason: object = None) -> None:
        """The applicant withdraws the application: its instance ends cleanly, `withdrawn`."""
        why = checked_reason(reason, required=False)

        def work(
            session: Session, instance: WorkflowInstance, case: Case, placement: Placement
        ) -> Gate:
            if case.closed_at is not None or instance.status not in LIVE:
                raise already_decided()
            self._cancel(session, instance, case, placement, actor, why or "", withdrawn=True)
            self._audit(session, case, actor, "case.withdrawn", instance, why, four_eyes.OPEN)
            return four_eyes.OPEN

        self._command(instance_id, work)

    def _cancel(
        self,
        session: Session,
        instance: WorkflowInstance,
        case: Case,
        placement: Placement,
        actor: str,
        why: str,
        *,
        withdrawn: bool = False,
    ) -> None:
        now = self.workflows.clock()
        instance.status = InstanceStatus.CANCELLED
        instance.next_timer_at, instance.advance_due_at = None, None
        instance.updated_at = now
        for task in list_live_tasks(session, instance.id):
            task.status = TaskStatus.CANCELLED
            details = {"task_id": task.id, "name": task.spec_name, "reason": "cancelled"}
            record(session, case, actor=actor, action="task.cancelled", now=now, details=details)
        self._settle_incidents(session, case, actor, why)
        self.on_discard(session, discard_held(session, case, actor, now))
        change_case(
            session,
            case,
            actor=actor,
            action="case.status_changed",
            now=now,
            status=WITHDRAWN_CASE_STATUS if withdrawn else CANCELLED_CASE_STATUS,
            closed_at=now,
        )
        if not withdrawn:
            self._letter(session, _definition(session, instance), case, placement, actor, why)

    def _gate(
        self,
        session: Session,
        case: Case,
        instance: WorkflowInstance,
        command: str,
        actor: str,
        why: str | None,
    ) -> Gate:
        return four_eyes.gate(
            session,
            case,
            _definition(session, instance),
            command,
            actor=actor,
            reason=why,
            now=self.workflows.clock(),
            subject={"instance_id": instance.id},
        )

    def _command(self, instance_id: str, work: Command) -> Pending | None:
        placement = Placement(
            self.workflows.files, still_referenced=referenced_in(self.workflows.db)
        )
        try:
            with self.workflows.db.transaction() as session:
                # locked first, as a message delivery does (no deadlock, egov.workflow.held)
                instance = session.get(WorkflowInstance, instance_id, with_for_update=True)
                if instance is None:
                    raise NotFound("Prozessinstanz nicht gefunden.", code="instance-not-found")
                gate = work(session, instance, case_of(session, instance.case_id), placement)
                session.flush()
                written = new_rows(session)
        except BaseException:
            placement.undo()
            raise
        if written:
            self.workflows.on_outbox(written)
        return None if gate.go else gate.pending

    def _audit(
        self,
        session: Session,
        case: Case,
        actor: str,
        action: str,
        instance: WorkflowInstance,
        reason: str | None,
        gate: Gate,
    ) -> None:
        details = {"instance_id": instance.id, "reason": reason}
        if gate.requested_by is not None:  # four eyes: the admin who asked first
            details["requested_by"] = gate.requested_by
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


def already_decided() -> Conflict:
    return Conflict(
        "Der Antrag ist bereits entschieden und kann nicht zurückgenommen werden.",
        code="case-already-decided",
    )


def _failed_step(session: Session, instance: WorkflowInstance) -> str:
    """The open incident of the running instance's failed step (409 if there is none)."""
    query = select(Incident.id).where(
        Incident.case_id == instance.case_id,
        Incident.status == IncidentStatus.OPEN,
        Incident.kind == IncidentKind.WORKFLOW_STEP,
    )
    incident_id = session.scalars(query).first()
    if incident_id is None or instance.status != InstanceStatus.RUNNING:
        raise Conflict(
            "Die Prozessinstanz hat keinen fehlgeschlagenen Schritt.", code="instance-not-failed"
        )
    return incident_id


def _definition(session: Session, instance: WorkflowInstance) -> ProcessDefinition:
    definition = session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None
    return definition


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
