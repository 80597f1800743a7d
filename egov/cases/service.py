"""Opening, changing and finding cases. Every change goes through `change_case`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from egov.audit.store import append_event
from egov.cases.model import format_reference, is_valid_status, processing_deadline
from egov.cases.store import Case, Procedure, new_id, next_reference_number
from egov.errors import Invalid, NotFound
from egov.identity.model import Principal
from egov.workflow.store import Task


@dataclass(frozen=True)
class NewCase:
    procedure: Procedure
    title: str
    applicant_name: str
    owner_subject: str | None
    owner_postfach: str | None
    vertrauensniveau: str
    data: dict[str, Any]
    applicant_email: str | None = None


def open_case(session: Session, new: NewCase, *, actor: str, now: datetime) -> Case:
    number = next_reference_number(session, now.year)
    case = Case(
        id=new_id(),
        reference=format_reference(now.year, number),
        procedure_key=new.procedure.key,
        org_unit_key=new.procedure.org_unit_key,
        status="received",
        title=new.title[:300],
        applicant_name=new.applicant_name[:300],
        applicant_email=(new.applicant_email or "").strip()[:254] or None,
        owner_subject=new.owner_subject,
        owner_postfach=new.owner_postfach,
        vertrauensniveau=new.vertrauensniveau,
        data=new.data,
        created_at=now,
        updated_at=now,
        due_at=processing_deadline(now, new.procedure.processing_days),
        closed_at=None,
        escalated_at=None,
    )
    session.info.setdefault("audited_cases", set()).add(case.id)
    session.add(case)
    session.flush()
    append_event(
        session,
        case.id,
        actor=actor,
        action="case.opened",
        occurred_at=now,
        after={"reference": case.reference, "procedure": case.procedure_key, **case.snapshot()},
    )
    return case


def change_case(
    session: Session, case: Case, *, actor: str, action: str, now: datetime, **changes: Any
) -> None:
    """Apply changes to a case and write their audit event in the same transaction."""
    if "status" in changes and not is_valid_status(changes["status"]):
        raise Invalid(f"Unbekannter Status: {changes['status']!r}", code="case-status-invalid")
    before = case.snapshot()
    for name, value in changes.items():
        setattr(case, name, value)
    case.updated_at = now
    append_event(
        session,
        case.id,
        actor=actor,
        action=action,
        occurred_at=now,
        before=before,
        after=case.snapshot(),
    )


def record(
    session: Session,
    case: Case,
    *,
    actor: str,
    action: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Write an audit event for something that happened to a case without changing its row."""
    append_event(session, case.id, actor=actor, action=action, occurred_at=now, after=details)


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


def owns(principal: Principal, case: Case) -> bool:
    return case.owner_subject == principal.subject or (
        principal.postfach is not None and case.owner_postfach == principal.postfach
    )
