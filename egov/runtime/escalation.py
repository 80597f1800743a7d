"""Escalation, part of every sweep: open cases past their Frist are marked overdue, once,
and the supervisors of their org unit are told.

A case is overdue when it is not closed and its `due_at` (the end of the last business day of
its Frist, see `egov.cases.model.processing_deadline` and `egov.cases.fristen`) lies before
now. In ONE transaction the sweep

* sets `escalated_at` through `change_case`, which writes the audit event `case.overdue`
  (a `case.overdue` webhook follows from that event, see `egov.integrations.webhooks`);
* writes one e-mail per supervisor of the case's org unit into the outbox (memberships with
  role `supervisor` and an `email`; idempotency key per escalation and supervisor). The mail
  names the reference, the Frist, the org unit and a link (`EGOV_EMAIL_CASE_URL`), nothing of
  the application itself;
* if a supervisor could not be mailed (the unit has none, one has no address, or e-mail is not
  configured), writes the audit event `escalation.unnotified` with the reason and the
  subjects not reached, and logs `case_overdue_unnotified` as a warning.

Clerks and supervisors also find escalated, still open cases with `GET /api/v1/cases?overdue=true`.

Once: only cases with `escalated_at` NULL are picked, each in its own transaction, re-checked
after loading. Two sweeps racing on one case collide on the version counter of `cases` (or on
the audit sequence, or on the mails' idempotency keys); the loser's transaction, mails
included, rolls back, and the case is already escalated.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from egov.cases.model import CITY_TIME
from egov.cases.service import change_case, record
from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database
from egov.identity.store import OrgUnitMembership, list_members
from egov.outbox import mail
from egov.settings import Settings

log = logging.getLogger(__name__)
ACTOR = "system:deadlines"


@dataclass(frozen=True)
class Notification:
    """How supervisors hear of an escalation: by e-mail, if e-mail is set up."""

    email: bool = False
    case_url: str = "{case_id}"  # template with {case_id} and {reference}

    @classmethod
    def from_settings(cls, settings: Settings) -> Notification:
        return cls(mail.configured(settings), mail.case_url_template(settings))


@dataclass(frozen=True)
class _Outcome:
    reference: str
    org_unit: str
    due_at: datetime
    mailed: int
    unnotified: str | None  # the reason somebody was not told


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


def escalate_overdue(
    db: Database, clock: Clock, limit: int = 100, notification: Notification | None = None
) -> dict[str, int]:
    """Escalate every overdue case once; counts `deadline.escalated`."""
    now, notification = clock(), notification or Notification()
    escalated = sum(
        1
        for case_id in overdue_unescalated(db, now, limit)
        if _escalate(db, case_id, now, notification)
    )
    return {"deadline.escalated": escalated} if escalated else {}


def _escalate(db: Database, case_id: str, now: datetime, notification: Notification) -> bool:
    try:
        with db.transaction() as session:
            case = get_case(session, case_id)
            if case is None or case.closed_at is not None or case.escalated_at is not None:
                return False
            change_case(
                session, case, actor=ACTOR, action="case.overdue", now=now, escalated_at=now
            )
            outcome = _notify(session, case, now, notification)
    except (StaleDataError, IntegrityError):
        log.info("case_overdue_conflict case_id=%s", case_id)
        return False
    log.warning(
        "case_overdue case_id=%s reference=%s org_unit=%s due_at=%s mailed=%s",
        case_id,
        outcome.reference,
        outcome.org_unit,
        outcome.due_at.isoformat(),
        outcome.mailed,
    )
    if outcome.unnotified:
        log.warning(
            "case_overdue_unnotified case_id=%s org_unit=%s reason=%s",
            case_id,
            outcome.org_unit,
            outcome.unnotified,
        )
    return True


def _notify(session: Session, case: Case, now: datetime, notification: Notification) -> _Outcome:
    """Mail every supervisor of the case's unit; audit whoever could not be told."""
    supervisors = [m for m in list_members(session, case.org_unit_key) if m.role == "supervisor"]
    mailed = [m for m in supervisors if m.email] if notification.email else []
    for member in mailed:
        assert member.email is not None
        mail.enqueue_mail(
            session,
            case_id=case.id,
            to=member.email,
            subject=f"Frist überschritten: Vorgang {case.reference}",
            text=overdue_text(case, mail.case_url(notification.case_url, case.id, case.reference)),
            now=now,
            idempotency_key=_mail_key(case.id, now, member.subject),
            actor=ACTOR,
        )
    missed = [m.subject for m in supervisors if m not in mailed]
    reason = _reason(supervisors, missed, notification)
    if reason is not None:
        details = {"org_unit": case.org_unit_key, "reason": reason, "supervisors": missed}
        record(session, case, actor=ACTOR, action="escalation.unnotified", now=now, details=details)
    return _Outcome(case.reference, case.org_unit_key, case.due_at, len(mailed), reason)


def _reason(
    supervisors: list[OrgUnitMembership], missed: list[str], notification: Notification
) -> str | None:
    if not supervisors:
        return "no-supervisor"
    if not missed:
        return None
    return "email-not-configured" if not notification.email else "no-email-address"


def _mail_key(case_id: str, now: datetime, subject: str) -> str:
    who = hashlib.sha256(subject.encode()).hexdigest()[:16]
    return f"case.overdue:{case_id}:{now:%Y%m%dT%H%M%S%f}:{who}"


def overdue_text(case: Case, link: str) -> str:
    """The mail to a supervisor: reference, Frist, unit and link; nothing from the application."""
    due = case.due_at.replace(tzinfo=UTC).astimezone(CITY_TIME)
    return (
        "Guten Tag,\n\n"
        f"die Bearbeitungsfrist des Vorgangs {case.reference} ist am {due:%d.%m.%Y} "
        "abgelaufen; der Vorgang ist noch nicht abgeschlossen.\n\n"
        f"Organisationseinheit: {case.org_unit_key}\n"
        f"Verfahren: {case.procedure_key}\n"
        f"Vorgang: {link}\n\n"
        "Sie erhalten diese Nachricht, weil Sie die Organisationseinheit leiten. "
        "Sie wurde automatisch erzeugt; bitte antworten Sie nicht darauf.\n"
    )


__all__ = ["Notification", "escalate_overdue", "overdue_text", "overdue_unescalated"]
