"""Opening and changing cases. Every change goes through `change_case` (or `record` for an
event that leaves the case row as it is), which writes the audit event with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from egov.audit.store import append_event
from egov.cases import retention_service
from egov.cases.model import RECEIVED, format_reference, is_valid_status, processing_deadline
from egov.cases.store import Case, Procedure, next_reference_number
from egov.db import new_id
from egov.errors import Invalid
from egov.identity.model import Principal


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
        status=RECEIVED,
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
    if changes.get("closed_at") is not None:  # its retention starts (egov.cases.retention)
        retention_service.assign(session, case, actor=actor, now=now, action="retention.assigned")


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


def owns(principal: Principal, case: Case) -> bool:
    """The principal is the case's applicant (by login subject or by Postfach)."""
    return case.owner_subject == principal.subject or (
        principal.postfach is not None and case.owner_postfach == principal.postfach
    )
