"""Opening an incident: the one way work that failed for good is handed to a person.

Four kinds open them (`IncidentKind`): a failed automatic step of a case's process (one open
incident per case: a failed retry updates it), a delivery that gave up (one per outbox row),
an inbound message that could not be correlated (one per message) and an instance whose
migration killed its worker on every run (one per migration item). Each opening is
written in the caller's transaction, and when the incident concerns a case, the case's audit
trail gets `incident.opened`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.audit.store import append_event
from egov.correlation import current_correlation_id
from egov.outbox.store import Incident, IncidentKind, IncidentStatus

MAX_MESSAGE = 2000


def open_incident(
    session: Session,
    *,
    kind: IncidentKind,
    code: str,
    message: str,
    now: datetime,
    actor: str,
    case_id: str | None = None,
    outbox_id: str | None = None,
    attempts: int = 1,
    correlation_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> Incident:
    """Open (or, for a step or a delivery that failed again, update) the incident; `attempts`
    are added to its count, `details` to the audit event."""
    incident = _still_open(session, kind, case_id, outbox_id)
    if incident is None:
        incident = Incident(
            case_id=case_id,
            kind=kind,
            outbox_id=outbox_id,
            status=IncidentStatus.OPEN,
            attempts=0,
            created_at=now,
            resolved_at=None,
        )
        session.add(incident)
    incident.attempts += attempts
    incident.code, incident.message = code, message[:MAX_MESSAGE]
    incident.correlation_id = (
        correlation_id or current_correlation_id() or str(uuid.uuid4())
    )  # the request's or task's id, so the operator finds its log lines
    session.flush()
    if case_id is not None:
        after = {**(details or {}), "incident_id": incident.id, "code": code}
        append_event(
            session, case_id, actor=actor, action="incident.opened", occurred_at=now, after=after
        )
    return incident


def _still_open(
    session: Session, kind: IncidentKind, case_id: str | None, outbox_id: str | None
) -> Incident | None:
    """The open incident a new failure updates instead of opening another one."""
    query = select(Incident).where(Incident.status == IncidentStatus.OPEN, Incident.kind == kind)
    if kind == IncidentKind.WORKFLOW_STEP and case_id is not None:
        return session.scalars(query.where(Incident.case_id == case_id)).first()
    if kind == IncidentKind.DELIVERY and outbox_id is not None:
        return session.scalars(query.where(Incident.outbox_id == outbox_id)).first()
    return None  # every uncorrelated message gets its own incident
