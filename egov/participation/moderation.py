"""Moderation and weighing (Abwägung) of a participation's statements, by the clerks of its
org unit (or an admin). Hiding keeps the original: the public sees "hidden by moderation:
reason", the case file the text. A weighing answers one or many statements (a topic) with one
decision and reasoning. Each is audited on the participation's case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database
from egov.errors import Invalid, NotFound
from egov.identity.model import Principal
from egov.intake.xbeteiligung import PROCEDURE_KEY
from egov.paging import Page, PageRequest
from egov.participation.store import Decision, Statement, page_by_case

MAX_REASON = 4000


def planning_case(session: Session, principal: Principal, participation_id: str) -> Case:
    """The participation, if the principal works on it (admin, or clerk of its unit)."""
    case = get_case(session, participation_id)
    allowed = case is not None and (
        principal.is_admin or (principal.is_clerk and case.org_unit_key in principal.org_units)
    )
    if case is None or not allowed or case.procedure_key != PROCEDURE_KEY:
        raise NotFound("Beteiligungsverfahren nicht gefunden.", code="participation-not-found")
    return case


def _statement(session: Session, case: Case, statement_id: str) -> Statement:
    statement = session.get(Statement, statement_id)
    if statement is None or statement.case_id != case.id:
        raise NotFound("Stellungnahme nicht gefunden.", code="statement-not-found")
    return statement


def _text(name: str, value: str, limit: int = MAX_REASON) -> str:
    if not value.strip() or len(value) > limit:
        raise Invalid(
            "Bitte eine Begründung angeben.",
            code="statement-invalid",
            invalid_params=[{"name": name, "reason": f"1 bis {limit} Zeichen"}],
        )
    return value.strip()


@dataclass(frozen=True)
class Weighing:
    statement_ids: tuple[str, ...]
    decision: str
    reasoning: str
    topic: str | None = None


@dataclass
class Moderation:
    db: Database
    clock: Clock

    def statements(
        self, principal: Principal, participation_id: str, page: PageRequest
    ) -> Page[Statement]:
        """Every statement with its author, hidden or not, for the clerks."""
        with self.db.reading() as session:
            planning_case(session, principal, participation_id)
            return page_by_case(session, participation_id, page)

    def hide(
        self, principal: Principal, participation_id: str, statement_id: str, reason: str
    ) -> Statement:
        with self.db.transaction() as session:
            case = planning_case(session, principal, participation_id)
            statement = _statement(session, case, statement_id)
            statement.hidden_reason = _text("reason", reason)
            statement.hidden_by, statement.hidden_at = principal.subject, self.clock()
            details = {"statement_id": statement.id, "number": statement.number}
            details["reason"] = statement.hidden_reason
            record(
                session,
                case,
                actor=principal.actor,
                action="statement.hidden",
                now=statement.hidden_at,
                details=details,
            )
            return statement

    def weigh(self, principal: Principal, participation_id: str, weighing: Weighing) -> int:
        """Record one decision and reasoning for each named statement; how many."""
        if weighing.decision not in set(Decision):
            raise Invalid(
                "Unbekanntes Ergebnis der Abwägung.",
                code="statement-invalid",
                invalid_params=[{"name": "decision", "reason": ", ".join(Decision)}],
            )
        reasoning = _text("reasoning", weighing.reasoning)
        with self.db.transaction() as session:
            case = planning_case(session, principal, participation_id)
            now = self.clock()
            numbers = []
            for statement_id in dict.fromkeys(weighing.statement_ids):
                statement = _statement(session, case, statement_id)
                statement.decision, statement.reasoning = weighing.decision, reasoning
                statement.topic = weighing.topic
                statement.weighed_by, statement.weighed_at = principal.subject, now
                numbers.append(statement.number)
            details: dict[str, Any] = {"numbers": numbers, "decision": weighing.decision}
            details |= {"topic": weighing.topic, "reasoning": reasoning}
            record(
                session,
                case,
                actor=principal.actor,
                action="statement.weighed",
                now=now,
                details=details,
            )
            return len(numbers)
