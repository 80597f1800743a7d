"""Retention as admins run it: the legal hold (Sperre) on a case (issue 16). The rules and end
dates live with the cases (`egov.cases.retention`, `egov.cases.retention_service`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from egov.access import get_visible_case
from egov.cases import retention_service
from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Database
from egov.errors import Forbidden
from egov.identity.model import Principal


@dataclass
class Retention:
    db: Database
    clock: Clock

    def hold(self, principal: Principal, case_id: str, reason: str) -> Case:
        """Hold the case: it is never due for deletion until released (audited)."""
        with self.db.transaction() as session:
            case = _admin_case(session, principal, case_id)
            retention_service.hold(session, case, reason, actor=principal.subject, now=self.clock())
            return case

    def release(self, principal: Principal, case_id: str, reason: str) -> Case:
        with self.db.transaction() as session:
            case = _admin_case(session, principal, case_id)
            retention_service.release(
                session, case, reason, actor=principal.subject, now=self.clock()
            )
            return case


def _admin_case(session: Session, principal: Principal, case_id: str) -> Case:
    if not principal.is_admin:
        raise Forbidden("Nur Administratoren dürfen Vorgänge sperren.", code="forbidden")
    return get_visible_case(session, principal, case_id)
