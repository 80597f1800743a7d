"""Read side of cases: filtered, keyset-paged lists for the clerk's and citizen's views
(the paging scheme of every list: `egov.paging`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists
from sqlalchemy.orm import Session

from egov.access import visible_cases
from egov.casefile.search import matching
from egov.cases.store import Case
from egov.errors import Invalid
from egov.identity.model import Principal
from egov.paging import Page, PageRequest, fetch_page
from egov.workflow.store import Task, TaskStatus


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    procedure: str | None = None
    org_unit: str | None = None
    assignee: str | None = None
    due_before: datetime | None = None
    text: str | None = None
    overdue: bool = False  # escalated by the deadline sweep and still open


def list_cases(
    session: Session, principal: Principal, flt: CaseFilter, page: PageRequest
) -> Page[Case]:
    """The visible cases matching `flt`, newest first, one page."""
    query = _filtered(visible_cases(principal), flt)
    if flt.text:
        query = query.where(matching(flt.text, session.get_bind().dialect.name))
    order = (Case.created_at, Case.id)
    return fetch_page(session, query, page, scope="cases", order=order, descending=True)


def _filtered(query: Select[Case], flt: CaseFilter) -> Select[Case]:
    if flt.status:
        query = query.where(Case.status == flt.status)
    if flt.procedure:
        query = query.where(Case.procedure_key == flt.procedure)
    if flt.org_unit:
        query = query.where(Case.org_unit_key == flt.org_unit)
    if flt.due_before:
        query = query.where(Case.due_at < flt.due_before, Case.closed_at.is_(None))
    if flt.overdue:
        query = query.where(Case.escalated_at.is_not(None), Case.closed_at.is_(None))
    if flt.assignee:
        query = query.where(
            exists().where(
                Task.case_id == Case.id,
                Task.assignee == flt.assignee,
                Task.status == TaskStatus.CLAIMED,
            )
        )
    return query


def parse_filter(args: Any) -> CaseFilter:
    try:
        due = args.get("due_before")
        return CaseFilter(
            status=args.get("status"),
            procedure=args.get("procedure"),
            org_unit=args.get("org_unit"),
            assignee=args.get("assignee"),
            due_before=datetime.fromisoformat(due) if due else None,
            text=args.get("q"),
            overdue=_flag(args.get("overdue")),
        )
    except ValueError as exc:
        raise Invalid(
            "Ungültiger Filter.",
            code="bad-request",
            invalid_params=[
                {
                    "name": "due_before|overdue",
                    "reason": "due_before: ISO-8601; overdue: true|false",
                }
            ],
        ) from exc


def _flag(value: str | None) -> bool:
    if value is None or value.lower() in ("", "false", "0"):
        return False
    if value.lower() in ("true", "1"):
        return True
    raise ValueError(f"not a flag: {value!r}")
