"""The round of public bodies (Träger öffentlicher Belange): the clerks of the participation
invite a body by name and e-mail address; it answers through its own link
(`Statements.answer`), within the period of the 0401's `beteiligungTOEB` block (else the
public one), as a named statement of the round `toeb`."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from egov.cases.service import record
from egov.clock import Clock
from egov.db import Database
from egov.errors import Invalid
from egov.identity.model import Principal
from egov.outbox.mail import enqueue_mail, is_address
from egov.participation.moderation import planning_case
from egov.participation.store import Invitation

MAX_NAME = 300


@dataclass
class Invitations:
    db: Database
    clock: Clock
    answer_url: str  # with {token}
    mail: bool = False  # e-mail set up: the body gets its link by e-mail

    def invite(
        self, principal: Principal, participation_id: str, body_name: str, email: str
    ) -> dict[str, Any]:
        """The invitation and its answer link (also for the clerk, to pass on otherwise)."""
        if not body_name.strip() or len(body_name) > MAX_NAME or not is_address(email):
            raise Invalid(
                "Bitte Name und E-Mail-Adresse des Trägers öffentlicher Belange angeben.",
                code="statement-invalid",
                invalid_params=[{"name": "body_name/email", "reason": "Name und Adresse"}],
            )
        token = secrets.token_urlsafe(32)
        link = self.answer_url.format(token=token)
        with self.db.transaction() as session:
            case = planning_case(session, principal, participation_id)
            now = self.clock()
            invitation = Invitation(
                case_id=case.id,
                body_name=body_name.strip(),
                email=email,
                token_hash=hashlib.sha256(token.encode("utf-8")).hexdigest(),
                invited_at=now,
                invited_by=principal.subject,
            )
            session.add(invitation)
            session.flush()
            if self.mail:
                enqueue_mail(
                    session,
                    case_id=case.id,
                    to=email,
                    subject=f"Beteiligung der Träger öffentlicher Belange: {case.title}"[:200],
                    text=(
                        f"Guten Tag,\n\nSie sind eingeladen, zu „{case.title}“ "
                        f"({case.reference}) Stellung zu nehmen. Ihre Stellungnahme senden Sie "
                        f"an:\n\n{link}\n"
                    ),
                    now=now,
                    idempotency_key=f"toeb-invitation:{invitation.id}",
                )
            details = {"invitation_id": invitation.id, "body_name": invitation.body_name}
            record(
                session,
                case,
                actor=principal.actor,
                action="toeb.invited",
                now=now,
                details=details,
            )
            return {
                "invitation_id": invitation.id,
                "body_name": invitation.body_name,
                "answer_url": link,
            }
