"""What other features hold about a case, erased with it (issue 16): triage's suggestions and
the clerks' decisions on them, the inbound messages with their stored bytes, the messages held
for its instance, the participation's statements (authors, text, attachments as documents of
the case) and the invitations of public bodies. None of it is kept: a statement's published
text can name or describe its author, and the weighing report in the case's data is erased
with the data."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from egov.integrations.store import InboundMessage
from egov.participation.store import Invitation, Statement
from egov.triage.store import TriageDecision, TriageSuggestion
from egov.workflow.held import HeldMessage

ROWS = (TriageDecision, TriageSuggestion, HeldMessage, Statement, Invitation, InboundMessage)


def erase_related(session: Session, case_id: str) -> set[str]:
    """Delete the rows; returns the storage keys of the inbound messages' bytes."""
    inbound = select(InboundMessage.storage_key).where(InboundMessage.case_id == case_id)
    keys = set(session.scalars(inbound))
    for table in ROWS:  # decisions before the suggestions they point at
        session.execute(delete(table).where(table.case_id == case_id))
    return keys


def inbound_uses(session: Session, key: str) -> bool:
    query = select(InboundMessage.id).where(InboundMessage.storage_key == key).limit(1)
    return session.scalars(query).first() is not None
