"""Read side of cases: filtered, keyset-paginated lists for the clerk's and citizen's views."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, or_
from sqlalchemy.orm import Session

from egov.access import visible_cases
from egov.cases.store import Case
from egov.errors import Invalid
from egov.identity.model import Principal
from egov.jsoninput import JsonRefused, loads
from egov.workflow.store import Task, TaskStatus

MAX_LIMIT = 200
CURSOR_DEPTH = 1  # [created_at, case_id]


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    procedure: str | None = None
    org_unit: str | None = None
    assignee: str | None = None
    due_before: datetime | None = None
    text: str | None = None
    overdue: bool = False  # escalated by the deadline sweep and still open
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Case]
    next_cursor: str | None


def list_cases(session: Session, principal: Principal, flt: CaseFilter) -> Page:
    query = _filtered(visible_cases(principal), flt)
    if flt.cursor:
        created_at, case_id = decode_cursor(flt.cursor)
        query = query.where(
            or_(
                Case.created_at < created_at, and_(Case.created_at == created_at, Case.id < case_id)
            )
        )
    limit = max(1, min(flt.limit, MAX_LIMIT))
    rows = list(
        session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items, encode_cursor(items[-1]) if more and items else None)


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
    if flt.text:
        pattern = f"%{flt.text.lower()}%"
        query = query.where(
            or_(
                Case.reference.ilike(pattern),
                Case.title.ilike(pattern),
                Case.applicant_name.ilike(pattern),
            )
        )
    return query


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.created_at.isoformat(), case.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position of a cursor made by `encode_cursor`; anything else is refused (400)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, case_id = loads(raw, max_depth=CURSOR_DEPTH, name="cursor")
        return datetime.fromisoformat(created_at), str(case_id)
    except JsonRefused as exc:  # the cursor is opaque: name it, not a place inside it
        reason = exc.invalid_params[0]["reason"]
        invalid = [{"name": "cursor", "reason": reason}]
        raise Invalid(exc.message, code=exc.code, invalid_params=invalid) from exc
    except (ValueError, TypeError) as exc:
        raise Invalid(
            "Ungültiger Cursor.",
            code="bad-request",
            invalid_params=[{"name": "cursor", "reason": "unreadable"}],
        ) from exc


def parse_filter(args: Any) -> CaseFilter:
    try:
        limit = int(args.get("limit", 50))
        due = args.get("due_before")
        return CaseFilter(
            status=args.get("status"),
            procedure=args.get("procedure"),
            org_unit=args.get("org_unit"),
            assignee=args.get("assignee"),
            due_before=datetime.fromisoformat(due) if due else None,
            text=args.get("q"),
            overdue=_flag(args.get("overdue")),
            limit=limit,
            cursor=args.get("cursor"),
        )
    except ValueError as exc:
        raise Invalid(
            "Ungültiger Filter.",
            code="bad-request",
            invalid_params=[
                {
                    "name": "limit|due_before|overdue",
                    "reason": "limit: ganze Zahl; due_before: ISO-8601; overdue: true|false",
                }
            ],
        ) from exc


def _flag(value: str | None) -> bool:
    if value is None or value.lower() in ("", "false", "0"):
        return False
    if value.lower() in ("true", "1"):
        return True
    raise ValueError(f"not a flag: {value!r}")
