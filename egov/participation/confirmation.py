"""Confirming an anonymous statement by the link of its confirmation e-mail.

The link only shows a page (`check`): a mail scanner that follows links confirms nothing. The
page's button POSTs the link's token, and only that confirms (`confirm`). The token is bound
to its statement (only its SHA-256 is stored, in the statement's row), works once (a
confirmed statement's link is refused as used) and expires EGOV_STATEMENT_CONFIRMATION_HOURS
after the statement was filed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database
from egov.errors import DomainError, NotFound
from egov.participation.statements import digest, receipt
from egov.participation.store import Statement, StatementStatus, get_by_confirmation


@dataclass
class Confirmations:
    db: Database
    clock: Clock
    valid_for: timedelta = timedelta(hours=72)  # EGOV_STATEMENT_CONFIRMATION_HOURS

    def check(self, token: str) -> dict[str, Any]:
        """What the link's page shows (the receipt and the participation's title); changes
        nothing. Unknown, used or expired: refused."""
        with self.db.reading() as session:
            case, statement = self._pending(session, token)
            return _shown(case, statement)

    def confirm(self, token: str) -> dict[str, Any]:
        """The statement counts (once), audited `statement.confirmed`."""
        with self.db.transaction() as session:
            case, statement = self._pending(session, token)
            now = self.clock()
            statement.status, statement.confirmed_at = StatementStatus.RECEIVED, now
            details = {"statement_id": statement.id, "number": statement.number}
            record(
                session, case, actor="anonymous", action="statement.confirmed", now=now,
                details=details,
            )  # fmt: skip
            return _shown(case, statement)

    def _pending(self, session: Session, token: str) -> tuple[Case, Statement]:
        statement = get_by_confirmation(session, digest(token))
        case = None if statement is None else get_case(session, statement.case_id)
        if statement is None or case is None:
            raise NotFound(
                "Dieser Bestätigungslink ist unbekannt.", code="statement-confirmation-not-found"
            )
        if statement.status != StatementStatus.UNCONFIRMED:
            raise DomainError(
                "Diese Stellungnahme ist bereits bestätigt; der Link gilt nur einmal.",
                code="statement-confirmation-used",
            )
        if self.clock() > statement.created_at + self.valid_for:
            raise DomainError(
                "Dieser Bestätigungslink ist abgelaufen. Bitte geben Sie die Stellungnahme "
                "erneut ab.",
                code="statement-confirmation-expired",
            )
        return case, statement


def _shown(case: Case, statement: Statement) -> dict[str, Any]:
    return {**receipt(case, statement), "title": case.title}
