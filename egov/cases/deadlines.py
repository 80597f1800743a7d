"""The escalation sweep: open cases past their Frist are marked overdue, once.

A case is overdue when it is not closed and its `due_at` (the end of the last business day of
its Frist, see `model.processing_deadline`) lies before now. The sweep sets `escalated_at`
through `change_case`, which writes the audit event `case.overdue` in the same transaction, and
logs `case_overdue` for operations. The internal notification is the list
`GET /api/v1/cases?overdue=true`: clerks of the case's org unit (supervisors are clerks of their
units) see there the escalated, still open cases. No Postfach message goes out.

Once: only cases with `escalated_at` NULL are picked, each in its own transaction, re-checked
after loading. Two sweeps racing on one case collide on the version counter of `cases` (or on
the audit sequence); the loser gives up and the case is already escalated.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from egov.cases.service import change_case
from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database

log = logging.getLogger(__name__)
ACTOR = "system:deadlines"


def overdue_unescalated(db: Database, now: datetime, limit: int) -> list[str]:
    """Ids of open cases past their Frist that were not escalated yet, oldest Frist first."""
    query = (
        select(Case.id)
        .where(Case.closed_at.is_(None), Case.escalated_at.is_(None), Case.due_at < now)
        .order_by(Case.due_at)
        .limit(limit)
    )
    with db.reading() as session:
        return list(session.scalars(query))


def escalate_overdue(db: Database, clock: Clock, limit: int = 100) -> dict[str, int]:
    """Escalate every overdue case once; counts `deadline.escalated`."""
    now = clock()
    escalated = sum(
        1 for case_id in overdue_unescalated(db, now, limit) if _escalate(db, case_id, now)
    )
    return {"deadline.escalated": escalated} if escalated else {}


def _escalate(db: Database, case_id: str, now: datetime) -> bool:
    try:
        with db.transaction() as session:
            case = get_case(session, case_id)
            if case is None or case.closed_at is not None or case.escalated_at is not None:
                return False
            due_at = case.due_at
            change_case(
                session, case, actor=ACTOR, action="case.overdue", now=now, escalated_at=now
            )
            reference, org_unit = case.reference, case.org_unit_key
    except (StaleDataError, IntegrityError):
        log.info("case_overdue_conflict case_id=%s", case_id)
        return False
    log.warning(
        "case_overdue case_id=%s reference=%s org_unit=%s due_at=%s",
        case_id,
        reference,
        org_unit,
        due_at.isoformat(),
    )
    return True


__all__ = ["escalate_overdue", "overdue_unescalated"]
