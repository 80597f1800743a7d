"""Incidents: a person retries the failed step, or resolves the incident by hand.

Resolving by hand (with a note) says the cause was dealt with outside egov: a failed delivery
is cancelled (its effect was made by hand or is no longer wanted), a kept inbound message is
marked resolved, a failed workflow step is no longer advanced by the sweep (the clerk goes on
with the case by hand). Either way the case's audit trail says who did what and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import get_case
from egov.db import Database
from egov.errors import Conflict, Invalid, NotFound
from egov.identity.model import Principal
from egov.integrations.inbound import Inbound
from egov.integrations.store import InboundMessage, InboundStatus
from egov.outbox.service import Outbox, Outcome
from egov.outbox.store import (
    Incident,
    IncidentKind,
    IncidentStatus,
    OutboxMessage,
    OutboxStatus,
    Resolution,
    get_incident,
    page_incidents,
)
from egov.paging import FIRST_PAGE, Page, PageRequest
from egov.workflow.service import Workflows
from egov.workflow.store import get_instance_by_case


@dataclass
class Incidents:
    db: Database
    workflows: Workflows
    outbox: Outbox
    inbound: Inbound

    def find(
        self, status: IncidentStatus | None = IncidentStatus.OPEN, page: PageRequest = FIRST_PAGE
    ) -> Page[Incident]:
        """Incidents with the given status (None: all), oldest first, one page."""
        with self.db.reading() as session:
            return page_incidents(session, status, page)

    def get(self, incident_id: str) -> Incident:
        """One incident, open or resolved (404 `incident-not-found`)."""
        with self.db.reading() as session:
            incident = get_incident(session, incident_id)
            if incident is None:
                raise NotFound("Störung nicht gefunden.", code="incident-not-found")
            return incident

    def retry(self, principal: Principal, incident_id: str) -> Incident:
        with self.db.reading() as session:
            incident = _still_open(session, incident_id)
            case_id, outbox_id, kind = incident.case_id, incident.outbox_id, incident.kind
            if case_id is None and kind != IncidentKind.CORRELATION:
                raise Conflict(
                    "Die Störung betrifft keinen Vorgang.", code="incident-not-retryable"
                )
            if kind == IncidentKind.MIGRATION:  # a new migration, after the cause is found
                raise Conflict(
                    "Eine abgebrochene Migration wird nicht wiederholt; bitte die Ursache "
                    "klären und die Instanz neu migrieren.",
                    code="incident-not-retryable",
                )
            started = case_id is not None and get_instance_by_case(session, case_id) is not None
        if kind == IncidentKind.CORRELATION:  # a kept inbound message: correlate it again
            redelivered = self.inbound.redeliver(incident_id, principal.subject)
            if redelivered is None:
                raise Conflict(
                    "Zu dieser Störung ist keine Nachricht gespeichert; bitte manuell klären.",
                    code="incident-not-retryable",
                )
            ok = redelivered
        elif outbox_id is not None:  # a failed delivery: a new round of attempts, the first now
            self.outbox.retry(outbox_id, principal.subject)
            ok = self.outbox.deliver(outbox_id) == Outcome.DELIVERED
        elif case_id is not None and started:
            ok = self.workflows.advance(case_id)
        elif case_id is not None:
            self.workflows.start(case_id)
            with self.db.reading() as session:
                ok = get_instance_by_case(session, case_id) is not None
        return self._settle(principal, incident_id, ok)

    def _settle(self, principal: Principal, incident_id: str, ok: bool) -> Incident:
        with self.db.transaction() as session:
            incident = session.get(Incident, incident_id)
            assert incident is not None
            now = self.workflows.clock()
            if ok:
                incident.status, incident.resolved_at = IncidentStatus.RESOLVED, now
                incident.resolution, incident.resolved_by = Resolution.RETRIED, principal.subject
            case = get_case(session, incident.case_id) if incident.case_id else None
            if case is not None:
                record(
                    session,
                    case,
                    actor=principal.subject,
                    action="incident.retried",
                    now=now,
                    details={"incident_id": incident.id, "resolved": ok},
                )
            return incident

    def resolve(self, principal: Principal, incident_id: str, note: object) -> Incident:
        """Close an open incident without retrying; `note` says how it was dealt with."""
        if not isinstance(note, str) or not note.strip() or len(note) > MAX_NOTE:
            raise Invalid(
                f"Bitte in 'note' (1 bis {MAX_NOTE} Zeichen) angeben, wie die Störung "
                "behoben wurde.",
                code="resolution-note-missing",
            )
        with self.db.transaction() as session:
            incident = _still_open(session, incident_id)
            now = self.workflows.clock()
            settled = _settle_by_hand(session, incident, self.inbound, principal.subject)
            incident.status, incident.resolved_at = IncidentStatus.RESOLVED, now
            incident.resolution, incident.resolved_by = Resolution.BY_HAND, principal.subject
            incident.resolution_note = note.strip()
            case = get_case(session, incident.case_id) if incident.case_id else None
            if case is not None:
                record(
                    session,
                    case,
                    actor=principal.subject,
                    action="incident.resolved",
                    now=now,
                    details={"incident_id": incident.id, "kind": incident.kind, **settled},
                )
            return incident


MAX_NOTE = 2000


def _still_open(session: Session, incident_id: str) -> Incident:
    incident = get_incident(session, incident_id)
    if incident is None:
        raise NotFound("Störung nicht gefunden.", code="incident-not-found")
    if incident.status != IncidentStatus.OPEN:
        raise Conflict("Die Störung ist nicht mehr offen.", code="incident-not-open")
    return incident


def _settle_by_hand(
    session: Session, incident: Incident, inbound: Inbound, actor: str
) -> dict[str, str]:
    """Stop whatever would otherwise run again for this incident; what was stopped. A kept
    message is discarded (a 0402 answered with its 0422, `Inbound.discarded`)."""
    if incident.outbox_id is not None:
        row = session.get(OutboxMessage, incident.outbox_id)
        if row is not None and row.status == OutboxStatus.FAILED:
            row.status, row.lease_until = OutboxStatus.CANCELLED, None
            return {"outbox_id": row.id, "outbox_status": OutboxStatus.CANCELLED}
    if incident.kind == IncidentKind.CORRELATION:
        query = select(InboundMessage).where(InboundMessage.incident_id == incident.id)
        for message in session.scalars(query):
            message.status = InboundStatus.RESOLVED
            answered = inbound.discarded(session, message, actor)
            return {"inbound_id": message.id} | ({"answer_outbox_id": answered} if answered else {})
    if incident.kind == IncidentKind.WORKFLOW_STEP and incident.case_id is not None:
        instance = get_instance_by_case(session, incident.case_id)
        if instance is not None:
            instance.advance_due_at = None  # the sweep leaves it to the clerk
    return {}
