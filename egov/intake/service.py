"""Intake of one message: spool, parse, check, store and open the case in one transaction.

The receipt is returned only after the commit. The workflow starts after that (see
`Intake.after_commit`), so a process that fails at start never loses an application.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from egov.cases.keys import add_keys
from egov.cases.service import open_case, record
from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import Document, referenced_in
from egov.errors import Conflict, Forbidden
from egov.identity.model import Principal
from egov.intake.errors import IntakeError
from egov.intake.filing import (
    case_texts,
    follow_up_case,
    new_case,
    refuse_too_long,
    resolve_procedure,
)
from egov.intake.formats import FormatRegistry
from egov.intake.idempotency import scoped_key
from egov.intake.model import CanonicalApplication
from egov.intake.parsing import parse_message
from egov.intake.store import Submission, get_by_idempotency_key, get_by_message_id
from egov.intake.xml_guard import Limits, root_tag

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FollowUp:
    """A follow-up submission attached to an existing case (to be correlated after commit)."""

    case_id: str
    submission_id: str
    document_ids: list[str]
    actor: str


@dataclass(frozen=True)
class IntakeOutcome:
    receipt: dict[str, Any]
    created: bool  # False: a re-send answered with the first receipt
    follow_up: FollowUp | None = None
    update: bool = False  # an update of a case kept as an inbound message (`Intake.updates`)
    filed: bool = False  # filed on an existing case by a `Filing` (no case opened, no start)


@dataclass(frozen=True)
class Filing:
    """Fachdaten that file something on an existing case instead of opening one (a statement
    on a participation): `file` runs in the intake transaction, stores what it files and
    returns the case and what the receipt tells of it."""

    procedure_key: str  # the procedure of the message's Leistung
    file: Callable[
        [Session, CanonicalApplication, Principal, Placement], tuple[Case, dict[str, Any]]
    ]


# a message that updates a case instead of opening one: (sender, bytes, Idempotency-Key)
UpdateHandler = Callable[[Principal, bytes, str | None], IntakeOutcome]
ROOT_PROBE_BYTES = 64 * 1024  # the root element of a message is within its first bytes


@dataclass
class Spooled:
    path: Path
    sha256: str
    size: int
    fingerprint: str = ""

    def __post_init__(self) -> None:
        self.fingerprint = self.fingerprint or self.sha256


@dataclass
class Intake:
    db: Database
    files: FileSystemStore
    registry: FormatRegistry
    limits: Limits
    clock: Clock
    after_commit: Callable[[str], None]
    # follow-ups: (case_id, submission_id, document_ids, actor), after commit
    on_follow_up: Callable[[str, str, list[str], str], None] = lambda *_: None
    # by root element: messages that update a case (the XBeteiligung 0402), wired by the container
    updates: dict[str, UpdateHandler] = field(default_factory=dict)
    # by Fachdaten namespace: messages filed on an existing case, wired by the container
    filings: dict[str, Filing] = field(default_factory=dict)

    def submit(
        self,
        body: IO[bytes],
        principal: Principal,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> IntakeOutcome:
        """Take one message. `fingerprint` identifies what the client sent when that was not
        the message itself (the JSON form path); a re-send must match it."""
        if not (principal.is_citizen or principal.is_client):
            raise Forbidden("Nur Antragstellende und Portale reichen Anträge ein.")
        spooled = spool(body, self.files, self.limits.max_bytes)
        if fingerprint is not None:
            spooled.fingerprint = fingerprint
        try:
            update = self._update_handler(spooled)
            if update is not None:
                return update(principal, spooled.path.read_bytes(), idempotency_key)
            idempotency_key = scoped_key(principal.subject, idempotency_key)
            outcome = self._replay(principal, idempotency_key=idempotency_key, spooled=spooled)
            if outcome is None:
                outcome = self._parse_and_store(spooled, principal, idempotency_key)
        finally:
            spooled.path.unlink(missing_ok=True)
        if outcome.follow_up is not None:
            f = outcome.follow_up
            self.on_follow_up(f.case_id, f.submission_id, f.document_ids, f.actor)
        elif outcome.created and not outcome.filed:
            self.after_commit(outcome.receipt["case_id"])
        return outcome

    def _update_handler(self, spooled: Spooled) -> UpdateHandler | None:
        if not self.updates:
            return None
        with open(spooled.path, "rb") as source:
            tag = root_tag(source.read(ROOT_PROBE_BYTES))
        return self.updates.get(tag or "")

    def _parse_and_store(
        self, spooled: Spooled, principal: Principal, idempotency_key: str | None
    ) -> IntakeOutcome:
        with open(spooled.path, "rb") as source:
            application = parse_message(
                source, limits=self.limits, workdir=self.files.incoming, registry=self.registry
            )
        try:
            replay = self._replay(principal, message_id=application.message_id, spooled=spooled)
            if replay is not None:
                return replay
            try:
                return self._store(application, spooled, principal, idempotency_key)
            except IntegrityError:
                # a concurrent re-send won the race; answer as it was answered
                replay = self._replay(
                    principal,
                    message_id=application.message_id,
                    idempotency_key=idempotency_key,
                    spooled=spooled,
                )
                if replay is None:
                    raise
                return replay
        finally:
            for attachment in application.attachments:
                attachment.path.unlink(missing_ok=True)

    def _replay(
        self,
        principal: Principal,
        *,
        spooled: Spooled,
        message_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> IntakeOutcome | None:
        """The first answer to a re-send, only to the principal that first sent it: the same
        message UUID from anyone else is a conflict, never someone else's receipt."""
        with self.db.reading() as session:
            first = None
            if idempotency_key:
                first = get_by_idempotency_key(session, idempotency_key)
            if first is None and message_id:
                first = get_by_message_id(session, message_id)
        if first is None:
            return None
        if first.submitted_by != principal.subject:
            log.info("submission_conflict reason=other-sender message_id=%s", first.message_id)
            raise Conflict(
                "Diese Nachricht wurde bereits von einem anderen Absender eingereicht.",
                code="submission-conflict",
            )
        if first.fingerprint != spooled.fingerprint:
            raise Conflict(
                "Diese Nachricht wurde bereits mit anderem Inhalt eingereicht.",
                code="submission-conflict",
            )
        return IntakeOutcome(receipt=first.receipt, created=False)

    def _store(
        self,
        application: CanonicalApplication,
        spooled: Spooled,
        principal: Principal,
        idempotency_key: str | None,
    ) -> IntakeOutcome:
        placement = Placement(self.files, still_referenced=referenced_in(self.db))
        try:
            with self.db.transaction() as session:
                return self._store_in(
                    session, application, spooled, principal, idempotency_key, placement
                )
        except BaseException:
            placement.undo()
            raise

    def _store_in(
        self,
        session: Session,
        application: CanonicalApplication,
        spooled: Spooled,
        principal: Principal,
        idempotency_key: str | None,
        placement: Placement,
    ) -> IntakeOutcome:
        now = self.clock()
        filing = self.filings.get(application.fachdaten_namespace)
        expected = None if filing is None else filing.procedure_key
        procedure = resolve_procedure(session, application, principal, expected)
        reference = application.follow_up_case_reference
        filed: dict[str, Any] | None = None
        if filing is not None:
            case, filed = filing.file(session, application, principal, placement)
        elif reference:
            case = follow_up_case(session, reference, procedure, principal)
        else:
            new = new_case(procedure, application, principal)
            refuse_too_long(case_texts(new))
            case = open_case(session, new, actor=principal.actor, now=now)
            add_keys(session, case, application.case_keys)
        original_key = self.files.place(spooled.path, spooled.sha256, placement)
        submission = Submission(
            message_id=application.message_id,
            idempotency_key=idempotency_key,
            format_key=application.format_key,
            message_type=application.message_type,
            content_sha256=spooled.sha256,
            fingerprint=spooled.fingerprint,
            size=spooled.size,
            storage_key=original_key,
            submitted_by=principal.subject,
            case_id=case.id,
            received_at=now,
            receipt={},
        )
        session.add(submission)
        session.add(
            Document(
                case_id=case.id,
                kind="original-message",
                filename=f"{application.message_id}.xml",
                media_type="application/xml",
                size=spooled.size,
                sha256=spooled.sha256,
                sha512=None,
                storage_key=original_key,
                visible_to_applicant=False,
                created_at=now,
                created_by=principal.subject,
            )
        )
        session.flush()
        submission.receipt = {
            "submission_id": submission.id,
            "case_id": case.id,
            "case_reference": case.reference,
            "status": case.status if filed is None else filed["status"],
        }
        if filed is not None:
            submission.receipt["statement"] = filed
        record(
            session,
            case,
            actor=principal.actor,
            action="submission.received",
            now=now,
            details={
                "submission_id": submission.id,
                "message_id": application.message_id,
                "sha256": spooled.sha256,
                "size": spooled.size,
                "follow_up": bool(reference),
            },
        )
        if filed is not None:  # the filing stored the attachments as its own
            return IntakeOutcome(receipt=submission.receipt, created=True, filed=True)
        document_ids = self._store_documents(session, case, application, principal, placement)
        follow_up = None
        if reference:
            follow_up = FollowUp(case.id, submission.id, document_ids, principal.actor)
        return IntakeOutcome(receipt=submission.receipt, created=True, follow_up=follow_up)

    def _store_documents(
        self,
        session: Session,
        case: Case,
        application: CanonicalApplication,
        principal: Principal,
        placement: Placement,
    ) -> list[str]:
        now = self.clock()
        document_ids = []
        for attachment in application.attachments:
            key = self.files.place(attachment.path, attachment.sha256, placement)
            document = Document(
                case_id=case.id,
                kind="attachment",
                filename=attachment.filename,
                media_type=attachment.media_type,
                size=attachment.size,
                sha256=attachment.sha256,
                sha512=attachment.sha512,
                storage_key=key,
                visible_to_applicant=True,
                created_at=now,
                created_by=principal.subject,
            )
            session.add(document)
            session.flush()
            document_ids.append(document.id)
            record(
                session,
                case,
                actor=principal.actor,
                action="document.added",
                now=now,
                details={
                    "document_id": document.id,
                    "filename": attachment.filename,
                    "sha256": attachment.sha256,
                },
            )
        return document_ids


def spool(body: IO[bytes], files: FileSystemStore, max_bytes: int) -> Spooled:
    """Copy the request body to a temp file, hashing it and enforcing the size limit."""
    digest = hashlib.sha256()
    size = 0
    handle, path = files.temp_file()
    try:
        with handle:
            while chunk := body.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise IntakeError(
                        "message-too-large",
                        f"Die Nachricht ist größer als {max_bytes} Bytes.",
                    )
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Spooled(path=path, sha256=digest.hexdigest(), size=size)
