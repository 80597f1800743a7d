"""After a citizen withdrew an application (issue 16): the Eingangsbestätigung der Rücknahme
as a Postfach letter (reference and date, announced by e-mail like every letter) and an
e-mail to each member of the case's unit who has an address, all written into one
transaction and sent through the outbox after it commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from egov.cases.model import CITY_TIME
from egov.cases.store import Case
from egov.identity.store import list_members
from egov.outbox import mail
from egov.postfach.letters import Letter, LetterNotice, Sender, send_letter

SUBJECT = "Eingangsbestätigung der Rücknahme"


@dataclass(frozen=True)
class WithdrawalNotice:
    """How a withdrawal is told: the citizen's letter notice (None: no e-mail), and whether
    the unit is mailed (e-mail configured)."""

    letter_notice: LetterNotice | None = None
    unit_mail: bool = False

    def tell(self, session: Session, case: Case, sender: Sender) -> None:
        """Write the letter and the mails into the session."""
        now = sender.now
        day = now.replace(tzinfo=UTC).astimezone(CITY_TIME).strftime("%d.%m.%Y")
        letter = Letter(
            f"{case.reference}-ruecknahme.txt",
            f"{SUBJECT}: {case.reference}",
            confirmation_text(case, day),
            idempotency_key=f"withdrawal:{case.id}",
        )
        send_letter(session, case, letter, sender, notice=self._notice(session, case, now))
        if self.unit_mail:
            self._mail_unit(session, case, day, now)

    def _notice(self, session: Session, case: Case, now: datetime) -> Callable[[str], bool] | None:
        notice, address = self.letter_notice, case.applicant_email
        if notice is None or address is None or not mail.is_address(address):
            return None

        def told(message_id: str) -> bool:
            mail.enqueue_mail(
                session,
                case_id=case.id,
                to=address,
                subject=f"Neue Nachricht zu Ihrem Antrag {case.reference}",
                text=notice.text(case.reference),
                now=now,
                idempotency_key=f"letter-notice:{message_id}",
            )
            return True

        return told

    def _mail_unit(self, session: Session, case: Case, day: str, now: datetime) -> None:
        for member in list_members(session, case.org_unit_key):
            if member.email and mail.is_address(member.email):
                mail.enqueue_mail(
                    session,
                    case_id=case.id,
                    to=member.email,
                    subject=f"Antrag zurückgenommen: Vorgang {case.reference}",
                    text=unit_text(case, day),
                    now=now,
                    idempotency_key=f"withdrawal-unit:{case.id}:{member.subject}",
                )


def confirmation_text(case: Case, day: str) -> str:
    return (
        "Guten Tag,\n\n"
        f"wir bestätigen den Eingang Ihrer Rücknahme des Antrags {case.reference} "
        f"({case.title}) am {day}. Das Verfahren ist damit beendet; Sie müssen nichts "
        "weiter tun.\n\n"
        "Mit freundlichen Grüßen\nIhre Stadtverwaltung\n"
    )


def unit_text(case: Case, day: str) -> str:
    return (
        f"Der Antrag {case.reference} ({case.title}) wurde am {day} von der antragstellenden "
        "Person zurückgenommen. Das Verfahren ist beendet, offene Aufgaben wurden abgebrochen.\n"
    )
