"""Correlation of a message to the BPMN message event its case's process waits for, and what
happens when none waits: an incident of kind `correlation` (the message is kept), or, for a
kept message whose instance is suspended, `held` until the resume (`Inbound.release`).
Used by inbound messages (`egov.integrations.inbound`), follow-up submissions and Postfach
replies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import get_case
from egov.errors import DomainError
from egov.integrations.store import InboundStatus
from egov.outbox.incidents import open_incident
from egov.outbox.store import Incident, IncidentKind
from egov.workflow.engine import WorkflowError
from egov.workflow.service import Workflows
from egov.workflow.store import InstanceStatus, get_instance_by_case

log = logging.getLogger(__name__)
Mark = Callable[[Session, InboundStatus, str | None], None]


def open_correlation_incident(
    session: Session, case_id: str | None, code: str, message: str, now: datetime
) -> Incident:
    """Keep an inbound message that found no case or nothing waiting: an incident."""
    incident = open_incident(
        session,
        kind=IncidentKind.CORRELATION,
        code=code,
        message=message,
        now=now,
        actor="system:inbound",
        case_id=case_id,
    )
    log.warning("correlation_incident id=%s case_id=%s code=%s", incident.id, case_id, code)
    return incident


def deliver_message(
    workflows: Workflows,
    case_id: str,
    name: str,
    payload: dict[str, Any],
    actor: str,
    *,
    mark: Mark | None = None,
    incident_if_nothing_waits: bool = True,
) -> bool:
    """Correlate `name` to the case; if nothing waits (or the engine fails) keep an incident.
    A kept message (`mark`) for a suspended instance is held instead."""

    def then(session: Session, caught: bool) -> None:
        incident_id = None
        if caught:
            status = InboundStatus.CORRELATED
        elif mark is not None and _suspended(session, case_id):
            status = InboundStatus.HELD
            details = {"message_name": name, "reason": "instance-suspended"}
            now = workflows.clock()
            case = get_case(session, case_id)
            assert case is not None
            record(session, case, actor=actor, action="message.held", now=now, details=details)
        else:
            status = InboundStatus.UNCORRELATED
            if incident_if_nothing_waits:
                text = f"Keine wartende Nachricht {name!r} im Vorgang."
                now = workflows.clock()
                incident_id = open_correlation_incident(
                    session, case_id, "correlation-nothing-waiting", text, now
                ).id
        if mark is not None:
            mark(session, status, incident_id)

    try:
        return workflows.correlate(case_id, name, payload, actor, then=then)
    except Exception as exc:  # the message stays; a person looks at the incident
        log.exception("correlation_failed case_id=%s message=%s", case_id, name)
        code = exc.code if isinstance(exc, DomainError | WorkflowError) else "internal-error"
        with workflows.db.transaction() as session:
            text = f"Nachricht {name!r} konnte nicht zugeordnet werden ({code})."
            incident = open_correlation_incident(session, case_id, code, text, workflows.clock())
            if mark is not None:
                mark(session, InboundStatus.UNCORRELATED, incident.id)
        return False


def _suspended(session: Session, case_id: str) -> bool:
    instance = get_instance_by_case(session, case_id)
    return instance is not None and instance.status == InstanceStatus.SUSPENDED


def follow_up_correlator(workflows: Workflows) -> Callable[[str, str, list[str], str], None]:
    """Intake hook for follow-up submissions: message `nachreichung` to the referenced case."""

    def correlate(case_id: str, submission_id: str, document_ids: list[str], actor: str) -> None:
        payload = {"submission_id": submission_id, "document_ids": document_ids}
        deliver_message(workflows, case_id, "nachreichung", payload, actor)

    return correlate
