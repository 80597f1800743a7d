"""The citizen's Postfach: reading the messages of their cases (opening a letter marks it
read) and replying on a case, with attachments (a Nachreichung: documents of the case)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from egov.access import get_visible_case
from egov.cases.service import record
from egov.cases.store import Case
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import Document, NewDocument, add_document, referenced_in
from egov.errors import Invalid, NotFound
from egov.identity.model import Principal
from egov.intake.model import filename_problem, media_type_problem
from egov.integrations.correlation import deliver_message
from egov.integrations.store import InboundStatus
from egov.paging import FIRST_PAGE, Page, PageRequest, fetch_page
from egov.postfach.store import PostfachMessage
from egov.workflow.held import HeldKind
from egov.workflow.service import Workflows

log = logging.getLogger(__name__)
MAX_REPLY = 20_000
MAX_ATTACHMENTS = 5  # files of one reply
REPLY_MESSAGE = "citizen_reply"  # the BPMN message a waiting process receives


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Reply:
    message: PostfachMessage
    correlated: bool  # a waiting message event `citizen_reply` took it
    held: bool  # its instance is suspended: delivered to the process on the resume


def page_messages(
    session: Session, principal: Principal, page: PageRequest
) -> Page[PostfachMessage]:
    """The messages of the principal's own cases and those addressed to them (as the author
    of a statement), newest first."""
    query = select(PostfachMessage).join(Case, Case.id == PostfachMessage.case_id)
    order = (PostfachMessage.created_at, PostfachMessage.id)
    query = query.where(_readable_by(principal))
    return fetch_page(session, query, page, scope="messages", order=order, descending=True)


def _readable_by(principal: Principal) -> ColumnElement[bool]:
    """The messages the principal reads (joined with their case)."""
    owned = [Case.owner_subject == principal.subject]
    to_them = [PostfachMessage.recipient_subject == principal.subject]
    if principal.postfach:
        owned.append(Case.owner_postfach == principal.postfach)
        to_them.append(PostfachMessage.recipient_postfach == principal.postfach)
    to_applicant = and_(
        PostfachMessage.recipient_subject.is_(None),
        PostfachMessage.recipient_postfach.is_(None),
        or_(*owned),
    )
    return or_(to_applicant, *to_them)


@dataclass
class Postfach:
    db: Database
    workflows: Workflows
    files: FileSystemStore

    def messages(
        self, principal: Principal, page: PageRequest = FIRST_PAGE
    ) -> Page[PostfachMessage]:
        """The messages of the principal's own cases, newest first, one page."""
        with self.db.reading() as session:
            return page_messages(session, principal, page)

    def read(self, principal: Principal, message_id: str) -> PostfachMessage:
        """One message the principal reads; a letter to them is marked read the first time
        (`read_at`; a mark on the message, not a change of the case: no audit event)."""
        with self.db.transaction() as session:
            query = (
                select(PostfachMessage)
                .join(Case, Case.id == PostfachMessage.case_id)
                .where(PostfachMessage.id == message_id, _readable_by(principal))
            )
            message = session.scalars(query).first()
            if message is None:
                raise NotFound("Nachricht nicht gefunden.", code="message-not-found")
            if message.direction == "outbound" and message.read_at is None:
                message.read_at = self.workflows.clock()
                log.info("postfach_letter_read message_id=%s", message.id)
            return message

    def reply(
        self,
        principal: Principal,
        case_id: str,
        subject: str,
        body: str,
        attachments: Sequence[Attachment] = (),
    ) -> Reply:
        """Store the reply (a fact) with its attachments as documents of the case, then
        correlate it to a waiting `citizen_reply` event; an uncorrelated reply is just a
        Postfach message (no incident). For a suspended instance it is held and delivered on
        the resume (`egov.workflow.held`)."""
        check_reply(subject, body, attachments)
        placement = Placement(self.files, still_referenced=referenced_in(self.db))
        try:
            message, document_ids = self._store_reply(
                principal, case_id, subject, body, attachments, placement
            )
        except BaseException:
            placement.undo()
            raise
        payload: dict[str, Any] = {"message_id": message.id, "subject": message.subject}
        if document_ids:
            payload["document_ids"] = document_ids
        outcome = deliver_message(
            self.workflows,
            message.case_id,
            REPLY_MESSAGE,
            payload,
            principal.subject,
            held_as=(HeldKind.REPLY, message.id),
            incident_if_nothing_waits=False,
        )
        return Reply(message, outcome == InboundStatus.CORRELATED, outcome == InboundStatus.HELD)

    def _store_reply(
        self,
        principal: Principal,
        case_id: str,
        subject: str,
        body: str,
        attachments: Sequence[Attachment],
        placement: Placement,
    ) -> tuple[PostfachMessage, list[str]]:
        with self.db.transaction() as session:
            case = get_visible_case(session, principal, case_id)
            now = self.workflows.clock()
            documents = [
                self._document(session, case, principal, attachment, placement)
                for attachment in attachments
            ]
            message = PostfachMessage(
                case_id=case.id,
                direction="inbound",
                subject=subject or "Nachricht",
                body=body,
                document_id=documents[0].id if documents else None,
                created_at=now,
                read_at=None,
            )
            session.add(message)
            session.flush()
            document_ids = [document.id for document in documents]
            details: dict[str, object] = {"message_id": message.id}
            if document_ids:
                details["document_ids"] = document_ids
            record(
                session,
                case,
                actor=principal.subject,
                action="postfach.reply_received",
                now=now,
                details=details,
            )
            return message, document_ids

    def _document(
        self,
        session: Session,
        case: Case,
        principal: Principal,
        attachment: Attachment,
        placement: Placement,
    ) -> Document:
        """One attachment of a reply as a document of the case, audited `document.added`."""
        now = self.workflows.clock()
        new = NewDocument(
            case.id,
            "attachment",
            attachment.filename,
            attachment.media_type,
            attachment.content,
            principal.subject,
            now,
        )
        document = add_document(session, self.files, placement, new)
        record(
            session,
            case,
            actor=principal.subject,
            action="document.added",
            now=now,
            details={"document_id": document.id, "filename": document.filename},
        )
        return document


def check_reply(subject: str, body: str, attachments: Sequence[Attachment]) -> None:
    """A reply's text is 1..MAX_REPLY characters, its subject at most 300, with at most
    MAX_ATTACHMENTS files of acceptable names and media types; else 400 `message-invalid`."""
    if not body.strip() or len(body) > MAX_REPLY or len(subject) > 300:
        raise Invalid(
            "Die Nachricht ist leer oder zu lang.",
            code="message-invalid",
            invalid_params=[{"name": "body", "reason": f"1..{MAX_REPLY} Zeichen"}],
        )
    if len(attachments) > MAX_ATTACHMENTS:
        raise _bad_attachment("attachments", f"höchstens {MAX_ATTACHMENTS} Dateien")
    for index, attachment in enumerate(attachments):
        name = f"attachments[{index}]"
        if (problem := filename_problem(attachment.filename)) is not None:
            raise _bad_attachment(f"{name}.filename", problem)
        if (problem := media_type_problem(attachment.media_type)) is not None:
            raise _bad_attachment(f"{name}.media_type", problem)
        if not attachment.content:
            raise _bad_attachment(name, "Die Datei ist leer.")


def _bad_attachment(name: str, reason: str) -> Invalid:
    return Invalid(
        "Eine Datei kann so nicht angenommen werden.",
        code="message-invalid",
        invalid_params=[{"name": name, "reason": reason}],
    )
