"""The citizen's rights as use cases (issue 16, ADR 0041): the data export, withdrawing an
application, the notification e-mail address, the erasure request (Art. 17). Each method opens
its own transaction; the citizen is the principal, never an id from the request."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from egov.access import get_visible_case, visible_cases
from egov.cases.service import change_case
from egov.cases.store import Case, Procedure
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import referenced_in
from egov.identity.model import Principal
from egov.intake import drafts
from egov.outbox.service import new_rows
from egov.postfach.letters import Sender
from egov.retention.erasure import erase_case
from egov.rights import export
from egov.rights.erasure import verdict
from egov.rights.store import ErasureRequest
from egov.rights.withdrawal import WithdrawalNotice
from egov.workflow.commands import LIVE, InstanceCommands, already_decided
from egov.workflow.store import get_instance_by_case

ERASURE_REASON = "Löschantrag der betroffenen Person (Art. 17 DSGVO)"
ERASED_TITLE = "(gelöscht auf Antrag der betroffenen Person)"


@dataclass
class Rights:
    db: Database
    clock: Clock
    files: FileSystemStore
    ballot_key: bytes
    commands: InstanceCommands
    withdrawal: WithdrawalNotice = field(default_factory=WithdrawalNotice)

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
            raise already_decided()
        self.commands.withdraw(principal.subject, instance.id, reason)
        return self._acknowledge(principal, case_id)

    def _acknowledge(self, principal: Principal, case_id: str) -> Case:
        """The Eingangsbestätigung der Rücknahme and the unit's mail (egov.rights.withdrawal)."""
        placement = Placement(self.files, still_referenced=referenced_in(self.db))
        try:
            with self.db.transaction() as session:
                case = get_visible_case(session, principal, case_id)
                sender = Sender(self.files, placement, principal.subject, self.clock())
                self.withdrawal.tell(session, case, sender)
                session.flush()
                written = new_rows(session)
        except BaseException:
            placement.undo()
            raise
        self.commands.workflows.on_outbox(written)
        return case

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

    def request_erasure(self, principal: Principal) -> ErasureRequest:
        """Record my erasure request and erase every case of mine no retention duty keeps
        (`egov.rights.erasure`; an open one's process is withdrawn first) and my drafts of
        web-form applications."""
        for instance_id in self._open_erasable(principal):
            self.commands.withdraw(principal.subject, instance_id, ERASURE_REASON)
        now, unused = self.clock(), []
        with self.db.transaction() as session:
            outcome = []
            for case, procedure in _my_cases(session, principal):
                found = verdict(case, procedure, now)
                if found.erase:
                    unused += erase_case(
                        session,
                        case,
                        actor=principal.subject,
                        now=now,
                        reason=ERASURE_REASON,
                        title=ERASED_TITLE,
                    )
                outcome.append(found.entry(case))
            drafts.delete_owned_by(session, principal.subject)  # no duty keeps a draft
            request = ErasureRequest(subject=principal.subject, requested_at=now, outcome=outcome)
            session.add(request)
        for key in unused:  # after commit: a rollback must not lose a file
            self.files.delete(key)
        return request

    def _open_erasable(self, principal: Principal) -> list[str]:
        """The live instances of my open cases that will be erased."""
        now, found = self.clock(), []
        with self.db.reading() as session:
            for case, procedure in _my_cases(session, principal):
                instance = get_instance_by_case(session, case.id)
                if instance is None or instance.status not in LIVE or case.closed_at:
                    continue
                if verdict(case, procedure, now).erase:
                    found.append(instance.id)
        return found


def _my_cases(session: Session, principal: Principal) -> list[tuple[Case, Procedure]]:
    query = (
        visible_cases(principal)
        .add_columns(Procedure)
        .join(Procedure, Procedure.key == Case.procedure_key)
        .where(Case.erased_at.is_(None))
        .order_by(Case.created_at, Case.id)
    )
    return [(case, procedure) for case, procedure in session.execute(query)]
