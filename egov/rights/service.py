"""The citizen's rights as use cases (issue 16, ADR 0041): the data export, withdrawing an
application, the notification e-mail address. Each method opens
its own transaction; the citizen is the principal, never an id from the request."""

from __future__ import annotations

from dataclasses import dataclass

from egov.access import get_visible_case, visible_cases
from egov.cases.service import change_case
from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.errors import Conflict
from egov.identity.model import Principal
from egov.rights import export
from egov.workflow.commands import InstanceCommands
from egov.workflow.store import get_instance_by_case


@dataclass
class Rights:
    db: Database
    clock: Clock
    files: FileSystemStore
    ballot_key: bytes
    commands: InstanceCommands

    def export(self, principal: Principal) -> bytes:
        """The ZIP of everything egov holds about the citizen (GDPR Art. 15)."""
        with self.db.reading() as session:
            package = export.collect(session, self.files, principal, self.ballot_key)
        return package.zip(principal.subject, self.clock())

    def withdraw(self, principal: Principal, case_id: str, reason: str | None) -> Case:
        """Withdraw my application while it is not decided: its process ends, `withdrawn`."""
        with self.db.reading() as session:
            case = get_visible_case(session, principal, case_id)
            instance = get_instance_by_case(session, case.id)
        if instance is None:
            raise Conflict(
                "Der Antrag ist bereits entschieden und kann nicht zurückgenommen werden.",
                code="case-already-decided",
            )
        self.commands.withdraw(principal.subject, instance.id, reason)
        with self.db.reading() as session:
            return get_visible_case(session, principal, case_id)

    def set_notification_email(self, principal: Principal, email: str | None) -> list[str]:
        """Change (or, with None, withdraw) the e-mail address letters are announced to, on
        every case of mine not erased; audited per case. Returns their references."""
        action = "case.notification_email_changed" if email else "case.notification_email_withdrawn"
        now = self.clock()
        with self.db.transaction() as session:
            mine = visible_cases(principal).where(Case.erased_at.is_(None))
            cases = list(session.scalars(mine.order_by(Case.created_at, Case.id)))
            for case in cases:
                if case.applicant_email != email:
                    change_case(
                        session,
                        case,
                        actor=principal.subject,
                        action=action,
                        now=now,
                        applicant_email=email,
                    )
            return [case.reference for case in cases]
