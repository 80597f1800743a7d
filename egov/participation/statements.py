"""Filing a statement (Stellungnahme) on a participation, confirming an anonymous one, and a
public body's answer through its invitation link (`answer`, the TöB round, `toeb.py`).

`Statements.file` checks that the participation is open (its process set the status
`participation_open`), the variant, the location (a GeoJSON point inside the plan's area) and
the attachments (count, media type, size; SHA-256 and SHA-512 kept), then stores the statement
with its number, its attachments in the case file and `statement.received` in the audit trail,
in one transaction. A logged-in citizen's statement counts at once; an anonymous one (only
where EGOV_PARTICIPATION_ANONYMOUS allows it) counts once the link of its confirmation e-mail
is followed (`confirmation.py`), the e-mail written to the outbox in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.keys import CaseKey
from egov.cases.service import record
from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import NewDocument, add_document, referenced_in
from egov.errors import Forbidden, Invalid, NotFound
from egov.identity.errors import AuthenticationError
from egov.identity.model import Principal
from egov.intake.model import filename_problem
from egov.intake.xbeteiligung import KEY_SCHEME, PROCEDURE_KEY
from egov.outbox.mail import enqueue_mail, is_address
from egov.participation import period
from egov.participation.geometry import inside, point_of
from egov.participation.period import Period
from egov.participation.store import (
    Statement,
    StatementStatus,
    get_invitation,
    next_number,
)

OPEN, CLOSED = "participation_open", "participation_closed"
OPEN_PHASE, CLOSED_PHASE = period.OPEN, period.CLOSED
MAX_TEXT = 20_000
MEDIA_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class NewStatement:
    text: str
    variant_id: str | None = None  # None: the whole plan
    location: dict[str, Any] | None = None
    attachments: tuple[Attachment, ...] = ()
    named: bool = False  # the author wants to be named in public
    email: str | None = None  # anonymous: where the confirmation link goes


@dataclass(frozen=True)
class Author:
    """Who files: a citizen, an anonymous person (`confirm`: counts after the e-mail link) or
    a public body of the TöB round (named: a public body is no private person)."""

    actor: str
    subject: str | None = None
    name: str | None = None
    email: str | None = None
    postfach: str | None = None
    named: bool = False
    round: str = "public"
    confirm: bool = False


@dataclass(frozen=True)
class StatementLimits:
    max_attachments: int = 5
    max_attachment_bytes: int = 5 * 1024 * 1024


def receipt(case: Case, statement: Statement) -> dict[str, Any]:
    return {
        "statement_id": statement.id,
        "participation_id": case.id,
        "number": statement.number,
        "receipt": f"{case.reference}-S{statement.number:04d}",
        "status": statement.status,
        "confirmation_required": statement.status == StatementStatus.UNCONFIRMED,
    }


def open_round(session: Session, participation_id: str, round_: str, now: datetime) -> Case:
    """The participation's case, refused unless the round's period runs: the TöB round by the
    period of its own block (`toeb`), the public one by the case's status (its timers)."""
    case = get_case(session, participation_id)
    if case is None or case.procedure_key != PROCEDURE_KEY:
        raise NotFound("Beteiligungsverfahren nicht gefunden.", code="participation-not-found")
    toeb = case.data.get("toeb") or {}
    if round_ != "toeb" or not toeb.get("period_end"):
        return open_participation(session, case)
    phase = Period.of(toeb.get("period_start"), toeb.get("period_end")).phase(now)
    if phase != OPEN_PHASE:
        return _refuse_period(phase == CLOSED_PHASE)
    return case


def _refuse_period(closed: bool) -> NoReturn:
    if closed:
        raise Invalid(
            "Der Beteiligungszeitraum ist beendet; Stellungnahmen sind nicht mehr möglich.",
            code="participation-closed",
        )
    raise Invalid(
        "Der Beteiligungszeitraum hat noch nicht begonnen.", code="participation-not-open"
    )


def participation_case(session: Session, participation: str) -> Case:
    """The participation named by its id, its Aktenzeichen or the planning system's
    Vorgangs-ID (the second half of its case key), refused unless its period runs."""
    case = get_case(session, participation)
    if case is None:
        case = session.scalars(select(Case).where(Case.reference == participation)).first()
    if case is None:
        by_vorgang = CaseKey.value.endswith(f", {json.dumps(participation)}]", autoescape=True)
        query = select(CaseKey.case_id).where(CaseKey.scheme == KEY_SCHEME, by_vorgang)
        found = list(session.scalars(query.limit(2)))
        case = get_case(session, found[0]) if len(found) == 1 else None
    return open_participation(session, case)


def open_participation(session: Session, participation: str | Case | None) -> Case:
    """The participation's case, refused unless its period runs."""
    case = get_case(session, participation) if isinstance(participation, str) else participation
    if case is None or case.procedure_key != PROCEDURE_KEY:
        raise NotFound("Beteiligungsverfahren nicht gefunden.", code="participation-not-found")
    if case.status != OPEN:
        return _refuse_period(case.status == CLOSED)
    return case


def _refuse(code: str, name: str, reason: str) -> Invalid:
    return Invalid(
        "Die Stellungnahme ist unvollständig oder ungültig.",
        code=code,
        invalid_params=[{"name": name, "reason": reason}],
    )


def check(case: Case, new: NewStatement, limits: StatementLimits) -> None:
    if not new.text.strip() or len(new.text) > MAX_TEXT:
        raise _refuse("statement-invalid", "text", f"1 bis {MAX_TEXT} Zeichen")
    variants = {v.get("id") for v in case.data.get("variants") or []}
    if new.variant_id is not None and new.variant_id not in variants:
        raise _refuse("statement-invalid", "variant_id", "keine Variante dieses Verfahrens")
    if new.location is not None:
        point = point_of(new.location)
        if point is None:
            raise _refuse("statement-invalid", "location", "kein GeoJSON-Punkt (EPSG:4326)")
        if not inside(point, case.data.get("geltungsbereich")):
            raise _refuse("statement-location-outside", "location", "außerhalb des Plangebiets")
    if len(new.attachments) > limits.max_attachments:
        raise _refuse("statement-invalid", "attachments", f"höchstens {limits.max_attachments}")
    for index, attachment in enumerate(new.attachments):
        name = f"attachments[{index}]"
        problem = filename_problem(attachment.filename)
        if problem is not None:
            raise _refuse("statement-invalid", f"{name}.filename", problem)
        if attachment.media_type not in MEDIA_TYPES:
            raise _refuse("statement-invalid", f"{name}.media_type", "nur PDF, PNG oder JPEG")
        if len(attachment.content) > limits.max_attachment_bytes:
            reason = f"höchstens {limits.max_attachment_bytes} Bytes"
            raise _refuse("statement-invalid", f"{name}.content", reason)


@dataclass
class Statements:
    db: Database
    files: FileSystemStore
    clock: Clock
    confirm_url: str  # with {token}
    anonymous: bool = False  # EGOV_PARTICIPATION_ANONYMOUS (and e-mail set up)
    limits: StatementLimits = StatementLimits()

    def file(
        self, principal: Principal | None, participation_id: str, new: NewStatement
    ) -> dict[str, Any]:
        """`principal` None: anonymous."""
        if principal is not None and not principal.is_citizen:
            raise Forbidden("Nur Bürgerinnen und Bürger geben Stellungnahmen ab.")
        if principal is None:  # log in, then file: 401
            refusal = AuthenticationError("token-missing", "Bitte melden Sie sich zuerst an.")
            author = self.anonymous_author(new, refusal)
        else:
            author = Author(
                principal.actor,
                principal.subject,
                principal.name,
                principal.email,
                principal.postfach,
                named=new.named,
            )
        return self._filed(lambda s: (participation_case(s, participation_id), author), new)

    def anonymous_author(self, new: NewStatement, refusal: Exception) -> Author:
        """An anonymous author (counts after the e-mail link): `refusal` unless allowed."""
        if not self.anonymous:
            raise refusal
        if not is_address(new.email):
            raise _refuse("statement-invalid", "email", "für die Bestätigung nötig")
        return Author("anonymous", email=new.email, confirm=True)

    def answer(self, token: str, new: NewStatement) -> dict[str, Any]:
        """A public body's statement through the link of its invitation (the TöB round)."""

        def case_of(session: Session) -> tuple[Case, Author]:
            invitation = get_invitation(session, digest(token))
            if invitation is None:
                raise NotFound("Einladungslink unbekannt.", code="invitation-not-found")
            case = open_round(session, invitation.case_id, "toeb", self.clock())
            body = Author(
                f"toeb:{invitation.id}",
                name=invitation.body_name,
                email=invitation.email,
                named=True,
                round="toeb",
            )
            return case, body

        return self._filed(case_of, new)

    def _filed(
        self, case_of: Callable[[Session], tuple[Case, Author]], new: NewStatement
    ) -> dict[str, Any]:
        placement = Placement(self.files, still_referenced=referenced_in(self.db))
        try:
            with self.db.transaction() as session:
                case, author = case_of(session)
                return self.file_in(session, case, author, new, placement)
        except BaseException:
            placement.undo()
            raise

    def file_in(
        self,
        session: Session,
        case: Case,
        author: Author,
        new: NewStatement,
        placement: Placement,
    ) -> dict[str, Any]:
        """The statement checked and stored in the caller's transaction (both routes)."""
        check(case, new, self.limits)
        return self._store(session, case, author, new, placement)

    def _store(
        self,
        session: Session,
        case: Case,
        author: Author,
        new: NewStatement,
        placement: Placement,
    ) -> dict[str, Any]:
        now = self.clock()
        token = secrets.token_urlsafe(32) if author.confirm else None
        statement = Statement(
            case_id=case.id,
            number=next_number(session, case.id),
            status=StatementStatus.RECEIVED if token is None else StatementStatus.UNCONFIRMED,
            round=author.round,
            variant_id=new.variant_id,
            text=new.text,
            location=new.location,
            attachment_ids=self._attachments(session, case, new, author.actor, now, placement),
            author_subject=author.subject,
            author_name=author.name,
            author_email=author.email,
            author_postfach=author.postfach,
            named=author.named and author.name is not None,
            confirmation_hash=None if token is None else digest(token),
            created_at=now,
            confirmed_at=None,
        )
        session.add(statement)
        session.flush()
        details = {"statement_id": statement.id, "number": statement.number}
        details |= {"variant_id": new.variant_id, "anonymous": author.confirm}
        details["round"] = author.round
        record(
            session, case, actor=author.actor, action="statement.received", now=now, details=details
        )
        if token is not None and author.email is not None:
            self._confirmation_mail(session, case, statement, author.email, token, now)
        return receipt(case, statement)

    def _attachments(
        self,
        session: Session,
        case: Case,
        new: NewStatement,
        actor: str,
        now: datetime,
        placement: Placement,
    ) -> list[str]:
        ids = []
        for attachment in new.attachments:
            new_document = NewDocument(
                case.id,
                "statement-attachment",
                attachment.filename,
                attachment.media_type,
                attachment.content,
                actor,
                now,
                visible_to_applicant=False,
            )
            document = add_document(session, self.files, placement, new_document)
            ids.append(document.id)
            details = {"document_id": document.id, "filename": document.filename}
            record(session, case, actor=actor, action="document.added", now=now, details=details)
        return ids

    def _confirmation_mail(
        self,
        session: Session,
        case: Case,
        statement: Statement,
        email: str,
        token: str,
        now: datetime,
    ) -> None:
        text = (
            "Guten Tag,\n\n"
            f"Sie haben eine Stellungnahme zu „{case.title}“ abgegeben "
            f"(Nummer {case.reference}-S{statement.number:04d}). Sie zählt, sobald Sie sie "
            f"mit diesem Link bestätigen:\n\n{self.confirm_url.format(token=token)}\n\n"
            "Haben Sie keine Stellungnahme abgegeben, ignorieren Sie diese E-Mail.\n"
        )
        enqueue_mail(
            session,
            case_id=case.id,
            to=email,
            subject="Bitte bestätigen Sie Ihre Stellungnahme",
            text=text,
            now=now,
            idempotency_key=f"statement-confirmation:{statement.id}",
        )


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
