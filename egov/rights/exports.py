"""The data export of a large account, made in the background (GDPR Art. 15, ADR 0041).

An account whose stored bytes (original submissions and documents of its cases) exceed
`EGOV_EXPORT_SYNC_MAX_BYTES` is not packed inside a request: `GET /me/export` answers 409
`export-asynchronous`, and `POST /me/exports` records a `DataExport` and enqueues its packing
through the outbox (kind `rights.export`: retried, else an incident; in the embedded worker or
a Celery worker). The worker packs the same ZIP as the direct export, keeps it in the document
store and writes a letter with the download link into the citizen's Postfach (on their newest
case; a citizen who never applied but commented on a participation gets it on the newest of
those procedures, addressed to them alone, the way a statement's receipt is). The owner alone
downloads it (`GET /me/exports/{id}`; anyone else: 404) until `EGOV_EXPORT_LIFETIME_DAYS` have
passed; then the sweep deletes the file and the link answers
410 `export-expired`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from egov.access import visible_cases
from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import Document, referenced_in
from egov.errors import Conflict, NotFound
from egov.identity.model import Principal, Role
from egov.intake.store import Submission
from egov.outbox.service import Delivery, enqueue
from egov.participation.store import Statement
from egov.postfach.letters import Letter, Sender, send_letter
from egov.rights import export
from egov.rights.store import DataExport

KIND = "rights.export"
PENDING, READY, EXPIRED = "pending", "ready", "expired"
ACTOR = "system:export"


@dataclass
class Exports:
    db: Database
    clock: Clock
    files: FileSystemStore
    ballot_key: bytes
    sync_max_bytes: int
    lifetime: timedelta

    def check_direct(self, principal: Principal) -> None:
        """409 `export-asynchronous` when the account is too large to pack in a request."""
        with self.db.reading() as session:
            size = stored_bytes(session, principal)
        if size > self.sync_max_bytes:
            raise Conflict(
                "Ihre Daten sind zu umfangreich für eine sofortige Auskunft. Bitte fordern Sie "
                "die Auskunft an (POST /api/v1/me/exports); der Link kommt in Ihr Postfach.",
                code="export-asynchronous",
            )

    def start(self, principal: Principal) -> DataExport:
        """Record the export and enqueue its packing (a pending one is returned again)."""
        now = self.clock()
        with self.db.transaction() as session:
            pending = session.scalars(
                select(DataExport).where(
                    DataExport.subject == principal.subject, DataExport.status == PENDING
                )
            ).first()
            if pending is not None:
                return pending
            row = DataExport(
                subject=principal.subject,
                postfach=principal.postfach,
                status=PENDING,
                requested_at=now,
            )
            session.add(row)
            session.flush()
            enqueue(
                session,
                case_id=None,
                kind=KIND,
                payload={"export_id": row.id},
                now=now,
                idempotency_key=f"{KIND}:{row.id}",
                actor=principal.subject,
            )
            return row

    def get(self, principal: Principal, export_id: str) -> DataExport:
        with self.db.reading() as session:
            return _own(session, principal, export_id)

    def download(self, principal: Principal, export_id: str) -> tuple[DataExport, Iterator[bytes]]:
        """The ZIP while it may be downloaded (409 `export-not-ready`, 410 `export-expired`)."""
        with self.db.reading() as session:
            row = _own(session, principal, export_id)
        if row.status == PENDING:
            raise Conflict("Die Auskunft wird noch erstellt.", code="export-not-ready")
        if row.status == EXPIRED or row.storage_key is None:
            raise Conflict(
                "Der Link ist abgelaufen; bitte fordern Sie die Auskunft neu an.",
                code="export-expired",
            )
        return row, self.files.iter_chunks(row.storage_key)

    def pack(self, delivery: Delivery) -> None:
        """The outbox handler of `rights.export`: the ZIP, stored, and the Postfach letter."""
        export_id = str(delivery.payload.get("export_id"))
        placement = Placement(self.files, still_referenced=referenced_in(self.db))
        try:
            with self.db.transaction() as session:
                row = session.get(DataExport, export_id)
                if row is None or row.status != PENDING:
                    return  # a re-delivery of a packed (or expired) export
                now = self.clock()
                owner = owner_of(row)
                package = export.collect(session, self.files, owner, self.ballot_key)
                data = package.zip(row.subject, now)
                row.storage_key, row.sha256 = self.files.put_bytes(data, placement)
                row.size, row.status, row.completed_at = len(data), READY, now
                row.expires_at = now + self.lifetime
                _letter(session, owner, row, Sender(self.files, placement, ACTOR, now))
        except BaseException:
            placement.undo()
            raise

    def expire_due(self, limit: int = 100) -> int:
        """Delete the ZIPs whose time is up; their links answer 410 from now on."""
        now, keys = self.clock(), []
        with self.db.transaction() as session:
            query = select(DataExport).where(
                DataExport.status == READY, DataExport.expires_at <= now
            )
            for row in session.scalars(query.limit(limit)):
                if row.storage_key is not None:
                    keys.append(row.storage_key)
                row.status, row.storage_key = EXPIRED, None
        for key in keys:  # after commit: a rollback must not lose a file still linked
            self.files.delete(key)
        return len(keys)


def stored_bytes(session: Session, principal: Principal) -> int:
    """The bytes of the submissions and documents of the citizen's cases."""
    mine = visible_cases(principal).with_only_columns(Case.id).scalar_subquery()
    documents = session.scalar(
        select(func.coalesce(func.sum(Document.size), 0)).where(Document.case_id.in_(mine))
    )
    submissions = session.scalar(
        select(func.coalesce(func.sum(Submission.size), 0)).where(Submission.case_id.in_(mine))
    )
    return int(documents or 0) + int(submissions or 0)


def owner_of(row: DataExport) -> Principal:
    """The citizen as the export reads them: their subject and Postfach."""
    return Principal(
        subject=row.subject, roles=frozenset({Role.CITIZEN}), name="", postfach=row.postfach
    )


def _own(session: Session, principal: Principal, export_id: str) -> DataExport:
    row = session.get(DataExport, export_id)
    if row is None or row.subject != principal.subject:
        raise NotFound("Auskunft nicht gefunden.", code="export-not-found")
    session.expunge(row)
    return row


def _letter(session: Session, owner: Principal, row: DataExport, sender: Sender) -> None:
    newest = session.scalars(
        visible_cases(owner)
        .where(Case.erased_at.is_(None))
        .order_by(Case.created_at.desc(), Case.id.desc())
    ).first()
    recipient: tuple[str | None, str | None] = (None, None)  # None: the applicant of `newest`
    if newest is None:  # no case of their own: the newest participation they commented on
        commented = (
            select(Case)
            .join(Statement, Statement.case_id == Case.id)
            .where(Statement.author_subject == owner.subject, Case.erased_at.is_(None))
            .order_by(Statement.created_at.desc(), Statement.id.desc())
        )
        newest = session.scalars(commented).first()
        recipient = (owner.subject, owner.postfach)
    if newest is None:
        return  # no case, no Postfach: `GET /me/exports/{id}` shows the export's state
    assert row.expires_at is not None
    until = row.expires_at.strftime("%d.%m.%Y")
    body = (
        "Guten Tag,\n\nIhre Auskunft über die bei uns gespeicherten Daten (Art. 15 DSGVO) "
        f"liegt bereit. Sie können sie bis zum {until} herunterladen:\n"
        f"/api/v1/me/exports/{row.id}/download\n\nDanach wird die Datei gelöscht; Sie können "
        "die Auskunft jederzeit neu anfordern.\n"
    )
    letter = Letter(
        f"auskunft-{row.id}.txt",
        "Ihre Datenauskunft liegt bereit",
        body,
        recipient_subject=recipient[0],
        recipient_postfach=recipient[1],
        idempotency_key=f"{KIND}:{row.id}",
    )
    send_letter(session, newest, letter, sender, details={"export_id": row.id})


__all__ = ["KIND", "Exports", "owner_of", "stored_bytes"]
