"""The documents a kept inbound message carries inline (an XBeteiligung 0402's `dokument`),
placed in the case file as attachments once the message's case is known: with their hashes,
`document.added` in the case's audit trail. A document of a name the case file has already is
a new version: the old one stays (the public side shows the newest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, get_case
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import NewDocument, add_document
from egov.integrations.inbound_parsing import Parsed
from egov.integrations.store import InboundMessage


def add_documents(
    session: Session,
    files: FileSystemStore,
    placement: Placement,
    case: Case,
    parsed: Parsed,
    *,
    actor: str,
    now: datetime,
) -> list[str]:
    """Document ids of the message's inline documents, added to `case`."""
    added = []
    for inline in parsed.documents:
        new = NewDocument(
            case.id, "attachment", inline.filename, inline.media_type, inline.content, actor, now
        )
        document = add_document(session, files, placement, new)
        added.append(document.id)
        details = {
            "document_id": document.id,
            "filename": inline.filename,
            "sha256": document.sha256,
            "message_id": parsed.message_id,
        }
        record(session, case, actor=actor, action="document.added", now=now, details=details)
    return added


def attach_later(
    db: Database,
    files: FileSystemStore,
    placement: Placement,
    inbound_id: str,
    case_id: str,
    parsed: Parsed,
    *,
    actor: str,
    now: datetime,
) -> None:
    """A kept message whose case was found only now (an admin's retry): its case noted and
    its documents added, in one transaction, so a second retry adds nothing again."""
    try:
        with db.transaction() as session:
            row = session.get(InboundMessage, inbound_id)
            case = get_case(session, case_id)
            assert row is not None and case is not None
            row.case_id = case_id
            add_documents(session, files, placement, case, parsed, actor=actor, now=now)
    except BaseException:
        placement.undo()
        raise
