"""Correlation of a message to the BPMN message event its case's process waits for, and what
happens when none waits: an incident of kind `correlation` (the message is kept; a Postfach
reply is just a message and opens none). A message whose instance is suspended, or that
arrives while messages held before it still wait, is held (`egov.workflow.held`) and
delivered on the resume in arrival order (`release_held`), each with the instance's row
locked, so that nothing overtakes them. Used by inbound messages
(`egov.integrations.inbound`), follow-up submissions (`nachreichung`) and Postfach replies.
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
from egov.integrations.store import InboundMessage, InboundStatus
from egov.outbox.incidents import open_incident
from egov.outbox.store import Incident, IncidentKind
from egov.workflow.engine import WorkflowError
from egov.workflow.held import (
    HeldKind,
    HeldMessage,
    HeldStatus,
    hold_if_waiting,
    lock_instance,
    oldest_held,
)
from egov.workflow.service import Workflows
from egov.workflow.store import InstanceStatus

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
    held_as: tuple[HeldKind, str],
    mark: Mark | None = None,
    incident_if_nothing_waits: bool = True,
) -> InboundStatus:
    """Correlate `name` to the case; if nothing waits (or the engine fails) keep an incident.
    Held instead (`held_as`: its kind and the id of what was stored) while the instance is
    suspended or held messages wait before it. The outcome: correlated, held or uncorrelated."""
    kind, source_id = held_as
    held = [False]

    def gate(session: Session) -> bool:
        case = get_case(session, case_id)
        assert case is not None
        now = workflows.clock()
        held[0] = hold_if_waiting(session, case, kind, source_id, name, payload, actor, now)
        return held[0]

    def then(session: Session, caught: bool) -> None:
        incident_id = None
        if caught:
            status = InboundStatus.CORRELATED
        elif held[0]:
            status = InboundStatus.HELD
        else:
            status = InboundStatus.UNCORRELATED
            if incident_if_nothing_waits:
                incident_id = _nothing_waiting(session, workflows, case_id, name)
        if mark is not None:
            mark(session, status, incident_id)
        outcome[0] = status

    outcome = [InboundStatus.UNCORRELATED]
    try:
        workflows.correlate(case_id, name, payload, actor, then=then, gate=gate)
    except Exception as exc:  # the message stays; a person looks at the incident
        _failed(workflows, case_id, name, exc, mark)
        return InboundStatus.UNCORRELATED
    return outcome[0]


def _nothing_waiting(session: Session, workflows: Workflows, case_id: str, name: str) -> str:
    text = f"Keine wartende Nachricht {name!r} im Vorgang."
    now = workflows.clock()
    return open_correlation_incident(session, case_id, "correlation-nothing-waiting", text, now).id


def _failed(
    workflows: Workflows,
    case_id: str,
    name: str,
    exc: Exception,
    mark: Mark | None,
    then: Callable[[Session, str], None] | None = None,
) -> None:
    log.exception("correlation_failed case_id=%s message=%s", case_id, name, exc_info=exc)
    code = exc.code if isinstance(exc, DomainError | WorkflowError) else "internal-error"
    with workflows.db.transaction() as session:
        text = f"Nachricht {name!r} konnte nicht zugeordnet werden ({code})."
        incident = open_correlation_incident(session, case_id, code, text, workflows.clock())
        if mark is not None:
            mark(session, InboundStatus.UNCORRELATED, incident.id)
        if then is not None:
            then(session, incident.id)


def release_held(workflows: Workflows, case_id: str) -> int:
    """Deliver the messages held for the case, oldest first, each in its own transaction with
    the instance's row locked (audit `message.released`); what nothing waits for is handled as
    on arrival (an incident, except for a Postfach reply). Stops when none is left or the
    instance is suspended again. How many were released."""
    released = 0
    while True:
        with workflows.db.reading() as session:
            row = oldest_held(session, case_id)
            if row is None:
                return released
            seq, name, payload, actor = row.seq, row.message_name, row.payload, row.actor
        if not _release_one(workflows, case_id, seq, name, payload, actor):
            return released
        released += 1


def _release_one(
    workflows: Workflows, case_id: str, seq: int, name: str, payload: dict[str, Any], actor: str
) -> bool:
    """Release held message `seq` if it is still the oldest; False if the instance was
    suspended again: it stays held. (An instance that ended meanwhile takes nothing: the
    message is handled as one nothing waits for.)"""
    go = [True]
    running = [True]

    def gate(session: Session) -> bool:
        instance = lock_instance(session, case_id)
        running[0] = instance is not None and instance.status != InstanceStatus.SUSPENDED
        oldest = oldest_held(session, case_id)
        go[0] = running[0] and oldest is not None and oldest.seq == seq  # else taken already
        return not go[0]

    def then(session: Session, caught: bool) -> None:
        if not go[0]:
            return
        incident_id = None
        row = session.get(HeldMessage, seq)
        assert row is not None
        if not caught and row.kind != HeldKind.REPLY:
            incident_id = _nothing_waiting(session, workflows, case_id, name)
        _settle(session, workflows, row, caught, incident_id)

    try:
        workflows.correlate(case_id, name, payload, actor, then=then, gate=gate)
    except Exception as exc:  # an engine failure: an incident, the next one is released

        def settle(session: Session, incident_id: str) -> None:
            row = session.get(HeldMessage, seq)
            if row is not None and row.status == HeldStatus.HELD:
                _settle(session, workflows, row, False, incident_id)

        _failed(workflows, case_id, name, exc, None, settle)
    return running[0]


def _settle(
    session: Session, workflows: Workflows, row: HeldMessage, caught: bool, incident: str | None
) -> None:
    now = workflows.clock()
    row.status = HeldStatus.DELIVERED if caught else HeldStatus.UNCLAIMED
    row.settled_at = now
    if row.kind == HeldKind.INBOUND:
        inbound = session.get(InboundMessage, row.source_id)
        if inbound is not None:
            inbound.status = InboundStatus.CORRELATED if caught else InboundStatus.UNCORRELATED
            inbound.incident_id = incident
    case = get_case(session, row.case_id)
    assert case is not None
    details = {**row.summary(), "held_id": row.seq, "delivered": caught, "incident_id": incident}
    record(session, case, actor=row.actor, action="message.released", now=now, details=details)


def held_releaser(workflows: Workflows) -> Callable[[str], int]:
    """`InstanceCommands.on_resume` (and the sweep): release the case's held messages."""
    return lambda case_id: release_held(workflows, case_id)


def discard_inbound(session: Session, discarded: list[HeldMessage]) -> None:
    """A cancel discarded held messages: their kept inbound messages say so."""
    for row in discarded:
        if row.kind == HeldKind.INBOUND:
            inbound = session.get(InboundMessage, row.source_id)
            if inbound is not None:
                inbound.status = InboundStatus.DISCARDED


def follow_up_correlator(workflows: Workflows) -> Callable[[str, str, list[str], str], None]:
    """Intake hook for follow-up submissions: message `nachreichung` to the referenced case."""

    def correlate(case_id: str, submission_id: str, document_ids: list[str], actor: str) -> None:
        payload = {"submission_id": submission_id, "document_ids": document_ids}
        held_as = (HeldKind.FOLLOW_UP, submission_id)
        deliver_message(workflows, case_id, "nachreichung", payload, actor, held_as=held_as)

    return correlate
