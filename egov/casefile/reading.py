"""What a principal may read of a case: detail, documents, audit trail. Object-level checks
(`egov.access`) come first, then the parts are read in the caller's session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from egov.access import get_visible_case
from egov.audit.chain import ChainVerdict
from egov.audit.store import AuditEvent, page_events, verify_case_trail
from egov.cases.store import Case
from egov.documents import store as documents
from egov.documents.store import Document
from egov.identity.model import Principal
from egov.outbox.store import (
    Incident,
    OutboxMessage,
    OutboxStatus,
    list_incidents_by_case,
    list_outbox_by_case,
)
from egov.paging import Page, PageRequest
from egov.postfach import store as postfach
from egov.postfach.store import PostfachMessage
from egov.workflow.store import Task, list_tasks_by_case

WAITING = (OutboxStatus.PENDING, OutboxStatus.FAILED)


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
    return CaseParts(
        case,
        documents.list_by_case(session, case.id),
        list_tasks_by_case(session, case.id),
        list_incidents_by_case(session, case.id),
        postfach.list_by_case(session, case.id, applicant_only=principal.is_citizen),
        list_outbox_by_case(session, case.id, WAITING),
    )


def audit_trail(
    session: Session, principal: Principal, case_id: str, page: PageRequest
) -> tuple[Page[AuditEvent], ChainVerdict]:
    """One page of the trail and the verification of the whole chain."""
    case = get_visible_case(session, principal, case_id)
    return page_events(session, case.id, page), verify_case_trail(session, case.id)


def case_documents(
    session: Session, principal: Principal, case_id: str, page: PageRequest
) -> Page[Document]:
    case = get_visible_case(session, principal, case_id)
    return documents.page_by_case(session, case.id, page, applicant_only=principal.is_citizen)
