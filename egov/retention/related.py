"""What other features hold about a case, erased with it (issue 16): triage's suggestions and
the clerks' decisions on them, the inbound messages with their stored bytes, the messages held
for its instance, the participation's statements (authors, text, attachments as documents of
the case) and the invitations of public bodies. None of it is kept: a statement's published
text can name or describe its author, and the weighing report in the case's data is erased
with the data. An inbound message that named the case but was never correlated with it (it
came for another procedure, or its case was unknown then) goes too: it is matched by the
case's reference or its submissions' message ids (the portal reference)."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from egov.cases.store import Case
from egov.intake.store import Submission
from egov.integrations.store import InboundMessage
from egov.participation.store import Invitation, Statement
from egov.triage.store import TriageDecision, TriageSuggestion
from egov.workflow.held import HeldMessage

ROWS = (TriageDecision, TriageSuggestion, HeldMessage, Statement, Invitation)


def erase_related(session: Session, case: Case) -> set[str]:
    """Delete the rows; returns the storage keys of the inbound messages' bytes. Call it
    before the case's submissions are deleted (their message ids find uncorrelated messages)."""
    portal = select(func.lower(Submission.message_id)).where(Submission.case_id == case.id)
    names = {case.reference.lower(), *session.scalars(portal)}
    unmatched = InboundMessage.case_id.is_(None) & func.lower(InboundMessage.case_reference).in_(
        names
    )
    about = or_(InboundMessage.case_id == case.id, unmatched)
    keys = set(session.scalars(select(InboundMessage.storage_key).where(about)))
    session.execute(delete(InboundMessage).where(about))
    for table in ROWS:  # decisions before the suggestions they point at
        session.execute(delete(table).where(table.case_id == case.id))
    return keys


def inbound_uses(session: Session, key: str) -> bool:
    query = select(InboundMessage.id).where(InboundMessage.storage_key == key).limit(1)
    return session.scalars(query).first() is not None
