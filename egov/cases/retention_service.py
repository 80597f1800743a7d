"""A case's retention: its end date when it closes or its procedure's rules change, and the
legal hold (Sperre) that keeps it from deletion. Every change is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.audit.store import append_event
from egov.cases import retention
from egov.cases.retention import parse, retention_end, rule_for
from egov.cases.store import Case, Procedure
from egov.errors import Conflict, Invalid

MAX_HOLD_REASON = 500


def retention_of(procedure: Procedure, case: Case) -> tuple[datetime | None, dict[str, Any] | None]:
    """The end of the closed case's retention and the rule it follows (None: no rule)."""
    rule = rule_for(parse(procedure.retention), case.status)
    if rule is None or case.closed_at is None:
        return None, None
    return retention_end(case.closed_at, rule.years), rule.as_dict()


def assign(session: Session, case: Case, *, actor: str, now: datetime, action: str) -> bool:
    """Set the case's retention from its procedure's rules; audited when it changes."""
    procedure = session.get(Procedure, case.procedure_key)
    if procedure is None:
        return False
    until, rule = retention_of(procedure, case)
    if (until, rule) == (case.retention_until, case.retention_rule):
        return False
    before = _shown(case)
    case.retention_until, case.retention_rule = until, rule
    append_event(
        session, case.id, actor=actor, action=action, occurred_at=now,
        before=before, after=_shown(case),
    )  # fmt: skip
    return True


def recompute(session: Session, procedure_key: str, *, actor: str, now: datetime) -> int:
    """After the procedure's rules changed: new end dates for its closed cases."""
    closed = select(Case).where(
        Case.procedure_key == procedure_key, Case.closed_at.is_not(None), Case.erased_at.is_(None)
    )
    return sum(
        assign(session, case, actor=actor, now=now, action="retention.recomputed")
        for case in session.scalars(closed)
    )


def hold(session: Session, case: Case, reason: str, *, actor: str, now: datetime) -> None:
    if case.legal_hold_at is not None:
        raise Conflict("Der Vorgang ist bereits gesperrt.", code="legal-hold-exists")
    reason = _checked_reason(reason)
    case.legal_hold_reason, case.legal_hold_by, case.legal_hold_at = reason, actor, now
    details = {"reason": reason}
    append_event(
        session, case.id, actor=actor, action="retention.hold_set", occurred_at=now, after=details
    )


def release(session: Session, case: Case, reason: str, *, actor: str, now: datetime) -> None:
    if case.legal_hold_at is None:
        raise Conflict("Der Vorgang ist nicht gesperrt.", code="legal-hold-missing")
    reason = _checked_reason(reason)
    before = {"reason": case.legal_hold_reason, "by": case.legal_hold_by}
    case.legal_hold_reason, case.legal_hold_by, case.legal_hold_at = None, None, None
    append_event(
        session, case.id, actor=actor, action="retention.hold_released", occurred_at=now,
        before=before, after={"reason": reason},
    )  # fmt: skip


def _checked_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text or len(text) > MAX_HOLD_REASON:
        raise Invalid(
            f"Ein Grund ist nötig (höchstens {MAX_HOLD_REASON} Zeichen).",
            code="legal-hold-reason-invalid",
            invalid_params=[{"name": "reason", "reason": "Text erwartet"}],
        )
    return text


def _shown(case: Case) -> dict[str, Any]:
    until = case.retention_until
    return {"until": until.date().isoformat() if until else None, "rule": case.retention_rule}


def spec_problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with `retention` and `archive_duty` of a procedure.json, by field."""
    found = retention.problems(spec["retention"]) if "retention" in spec else []
    if "archive_duty" in spec and (refused := retention.archive_duty_problem(spec["archive_duty"])):
        found.append(("archive_duty", refused))
    return found


def apply_rules(
    session: Session, procedure: Procedure, spec: dict[str, Any], *, actor: str, now: datetime
) -> None:
    """Register the checked rules of the procedure.json on its procedure; when they changed
    (a new active version), the end dates of its closed cases are recomputed, audited."""
    rules = [rule.as_dict() for rule in retention.parse(spec.get("retention"))]
    procedure.archive_duty = spec.get("archive_duty", True)
    changed = procedure.retention != rules
    procedure.retention = rules
    if changed:
        session.flush()
        recompute(session, procedure.key, actor=actor, now=now)
