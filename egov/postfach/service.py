"""The citizen's Postfach: reading the messages of their cases and replying on a case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from egov.access import get_visible_case
from egov.cases.service import record
from egov.cases.store import Case
from egov.db import Database
from egov.errors import Invalid
from egov.identity.model import Principal
from egov.integrations.correlation import deliver_message
from egov.integrations.store import InboundStatus
from egov.paging import FIRST_PAGE, Page, PageRequest, fetch_page
from egov.postfach.store import PostfachMessage
from egov.workflow.held import HeldKind
from egov.workflow.service import Workflows

MAX_REPLY = 20_000
REPLY_MESSAGE = "citizen_reply"  # the BPMN message a waiting process receives


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
    query = (
        select(PostfachMessage)
        .join(Case, Case.id == PostfachMessage.case_id)
        .where(or_(to_applicant, *to_them))
    )
    order = (PostfachMessage.created_at, PostfachMessage.id)
    return fetch_page(session, query, page, scope="messages", order=order, descending=True)


@dataclass
class Postfach:
    db: Database
    workflows: Workflows

    def messages(
        self, principal: Principal, page: PageRequest = FIRST_PAGE
    ) -> Page[PostfachMessage]:
        """The messages of the principal's own cases, newest first, one page."""
        with self.db.reading() as session:
            return page_messages(session, principal, page)

    def reply(self, principal: Principal, case_id: str, subject: str, body: str) -> Reply:
        """Store the reply (a fact), then correlate it to a waiting `citizen_reply` event;
        an uncorrelated reply is just a Postfach message (no incident). For a suspended
        instance it is held and delivered on the resume (`egov.workflow.held`)."""
        if not body.strip() or len(body) > MAX_REPLY or len(subject) > 300:
            raise Invalid(
                "Die Nachricht ist leer oder zu lang.",
                code="message-invalid",
                invalid_params=[{"name": "body", "reason": f"1..{MAX_REPLY} Zeichen"}],
            )
        with self.db.transaction() as session:
            case = get_visible_case(session, principal, case_id)
            now = self.workflows.clock()
            message = PostfachMessage(
                case_id=case.id,
                direction="inbound",
                subject=subject or "Nachricht",
                body=body,
                document_id=None,
                created_at=now,
                read_at=None,
            )
            session.add(message)
            session.flush()
            record(
                session,
                case,
                actor=principal.subject,
                action="postfach.reply_received",
                now=now,
                details={"message_id": message.id},
            )
        payload = {"message_id": message.id, "subject": message.subject}
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
