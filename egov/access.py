"""Who may see which case and which of its documents: the object-level rules.

A case is visible to an admin always; to a clerk when it belongs to one of the clerk's org
units or has a task (in any status) in one of them; to a citizen when it is theirs (by login
subject or Postfach); to a technical client never. Invisible cases answer `case-not-found`,
so that nobody can probe for other people's cases. The rule depends on the task projection,
so this module sits above `egov.workflow`.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from egov.cases.service import owns
from egov.cases.store import Case, get_case
from egov.documents.store import Document, get_document
from egov.errors import NotFound
from egov.identity.model import Principal
from egov.workflow.store import Task


def visible_cases(principal: Principal) -> Select[Case]:
    """Object-level rule: which cases a principal may see at all."""
    query = select(Case)
    if principal.is_admin:
        return query
    if principal.is_clerk:
        units = sorted(principal.org_units)
        has_task_here = exists().where(Task.case_id == Case.id, Task.org_unit_key.in_(units))
        return query.where(or_(Case.org_unit_key.in_(units), has_task_here))
    if principal.is_citizen:
        mine = [Case.owner_subject == principal.subject]
        if principal.postfach:
            mine.append(Case.owner_postfach == principal.postfach)
        return query.where(or_(*mine))
    return query.where(Case.id.is_(None))


def get_visible_case(session: Session, principal: Principal, case_id: str) -> Case:
    case = session.scalars(visible_cases(principal).where(Case.id == case_id)).first()
    if case is None:
        raise NotFound("Vorgang nicht gefunden.", code="case-not-found")
    return case


def readable_document(session: Session, principal: Principal, document_id: str) -> Document:
    """Clerks of the case's units and admins read every document; the owner the visible ones."""
    document = get_document(session, document_id)
    case = None if document is None else get_case(session, document.case_id)
    if document is None or case is None or not _may_read(session, principal, case, document):
        raise NotFound("Dokument nicht gefunden.", code="document-not-found")
    return document


def _may_read(session: Session, principal: Principal, case: Case, document: Document) -> bool:
    if principal.is_citizen:
        return owns(principal, case) and document.visible_to_applicant
    if not (principal.is_clerk or principal.is_admin):
        return False
    visible = visible_cases(principal).where(Case.id == case.id)
    return session.scalars(visible).first() is not None
