"""A statement through the XFall profile: the Fachdaten
`urn:egov-oss:fachdaten:beteiligung:1.0` (`stellungnahme`) in an `antrag.einreichen` of the
Leistung Beteiligung, sent to `POST /submissions` by a citizen or a citizen's portal.

The message names its participation (`beteiligung`: the id or Aktenzeichen the public API
gives, or the planning system's Vorgangs-ID), the variant (none: the whole plan), the text, an
optional GeoJSON point and whether the author may be named; its attachments are the
container's. The author is the applicant of
the container: a citizen filing themselves, or the person a portal vouches for (name, e-mail,
the reply Postfach). Authentication method `keine` marks an anonymous author, who must confirm
by e-mail like an anonymous statement of the JSON route. `filing` hands the mapped statement to
`Statements.file_in` in the intake's transaction: the rules of the JSON route, not a copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from egov.cases.store import Case
from egov.documents.filestore import Placement
from egov.errors import Invalid
from egov.identity.model import Principal
from egov.intake.filing import vouched_postfach
from egov.intake.model import CanonicalApplication
from egov.intake.service import Filing
from egov.intake.xbeteiligung import PROCEDURE_KEY
from egov.participation.statements import (
    Attachment,
    Author,
    NewStatement,
    Statements,
    _refuse,
    participation_case,
)

ANONYMOUS_METHOD = "keine"  # XFall profile: authentifizierung/methode of an unverified person


@dataclass(frozen=True)
class StatementMessage:
    participation: str  # the participation's id, Aktenzeichen or Vorgangs-ID
    statement: NewStatement
    author: Author | None  # None: anonymous (counts after the e-mail link)


def _location(text: str | None) -> dict[str, Any] | None:
    """The point as GeoJSON; `Statements` checks it is a point inside the plan's area."""
    if text is None:
        return None
    try:
        location = json.loads(text)
    except ValueError:
        location = None
    if not isinstance(location, dict):
        raise _refuse("statement-invalid", "location", "kein GeoJSON-Punkt (EPSG:4326)")
    return location


def statement_message(application: CanonicalApplication, sender: Principal) -> StatementMessage:
    data = application.data
    applicant = application.applicants[0]
    new = NewStatement(
        text=str(data["text"]),
        variant_id=data.get("variant_id"),
        location=_location(data.get("location")),
        attachments=tuple(
            Attachment(a.filename, a.media_type, a.path.read_bytes())
            for a in application.attachments
        ),
        named=bool(data.get("named")),
        email=applicant.email,
    )
    anonymous = applicant.authentication == ANONYMOUS_METHOD and not sender.is_citizen
    author = None
    if not anonymous:
        author = Author(
            sender.actor,
            subject=sender.subject if sender.is_citizen else None,
            name=f"{applicant.given_name} {applicant.family_name}".strip(),
            email=applicant.email,
            postfach=sender.postfach
            if sender.is_citizen
            else vouched_postfach(application, sender),
            named=new.named,
        )
    return StatementMessage(str(data["participation"]), new, author)


def filing(statements: Statements) -> Filing:
    """The intake's filing of statement messages: `Statements.file_in` in the intake's
    transaction, so the submission (idempotent by the message UUID) and the statement are
    stored together."""

    def file(
        session: Session, application: CanonicalApplication, sender: Principal, placement: Placement
    ) -> tuple[Case, dict[str, Any]]:
        message = statement_message(application, sender)
        author = message.author
        if author is None:
            author = statements.anonymous_author(
                message.statement,
                Invalid(
                    "Anonyme Stellungnahmen sind hier nicht möglich; bitte melden Sie sich an.",
                    code="statement-anonymous-not-allowed",
                ),
            )
        case = participation_case(session, message.participation)
        return case, statements.file_in(session, case, author, message.statement, placement)

    return Filing(PROCEDURE_KEY, file)
