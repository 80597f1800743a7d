"""What a principal may read of a case: detail, documents, audit trail. Object-level checks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.audit.chain import ChainVerdict
from egov.audit.store import AuditEvent, list_events, verify_case_trail
from egov.cases.service import get_visible_case, owns
from egov.cases.store import Case
from egov.documents import store as documents
from egov.documents.store import Document
from egov.errors import NotFound
from egov.identity.model import Principal
from egov.integrations.store import Incident, OutboxMessage, list_outbox_by_case
from egov.postfach.store import PostfachMessage
from egov.workflow.store import Task, list_tasks_by_case


@dataclass(frozen=True)
class CaseParts:
    case: Case
    documents: list[Document]
    tasks: list[Task]
    incidents: list[Incident]
    messages: list[PostfachMessage]
    waiting_on: list[OutboxMessage]  # side effects still pending, or failed


def case_parts(session: Session, principal: Principal, case_id: str) -> CaseParts:
    case = get_visible_case(session, principal, case_id)
    incidents = list(session.scalars(select(Incident).where(Incident.case_id == case.id)))
    return CaseParts(
        case,
        documents.list_by_case(session, case.id),
        list_tasks_by_case(session, case.id),
        incidents,
        messages_of_case(session, case.id),
        list_outbox_by_case(session, case.id, ("pending", "failed")),
    )


def audit_trail(
    session: Session, principal: Principal, case_id: str
) -> tuple[list[AuditEvent], ChainVerdict]:
    case = get_visible_case(session, principal, case_id)
    return list_events(session, case.id), verify_case_trail(session, case.id)


def readable_document(session: Session, principal: Principal, document_id: str) -> Document:
    """Clerks of the case's units and admins read every document; the owner the visible ones."""
    document = documents.get_document(session, document_id)
    if document is None:
        raise NotFound("Dokument nicht gefunden.", code="document-not-found")
    case = session.get(Case, document.case_id)
    assert case is not None
    if principal.is_citizen:
        allowed = owns(principal, case) and document.visible_to_applicant
    else:
        allowed = _staff_may_see(session, principal, case)
    if not allowed:
        raise NotFound("Dokument nicht gefunden.", code="document-not-found")
    return document


def case_documents(session: Session, principal: Principal, case_id: str) -> list[Document]:
    case = get_visible_case(session, principal, case_id)
    docs = documents.list_by_case(session, case.id)
    return [d for d in docs if d.visible_to_applicant] if principal.is_citizen else docs


def messages_of_case(session: Session, case_id: str) -> list[PostfachMessage]:
    query = (
        select(PostfachMessage)
        .where(PostfachMessage.case_id == case_id)
        .order_by(PostfachMessage.created_at)
    )
    return list(session.scalars(query))


def _staff_may_see(session: Session, principal: Principal, case: Case) -> bool:
    try:
        get_visible_case(session, principal, case.id)
    except NotFound:
        return False
    return principal.is_clerk or principal.is_admin
