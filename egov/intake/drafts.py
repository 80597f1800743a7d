"""Drafts of web-form applications: what a citizen typed into a procedure's form and the files
attached to it, kept server-side per person and procedure until the application is submitted
(or the draft is left unchanged for `KEEP_DAYS`, a stash for `STASH_DAYS`; older ones are
deleted on the next write).

The portal (`egov.portal.apply`) keeps the raw values of its form fields here, so that what was
typed survives a validation error, the pages of the form and a new login. A form sent after
the login ended is kept under a random `stash:` owner and claimed by the person who logs in
with that token (`claim`). Nothing here is a case yet: no audit trail; `clear` after submit.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, Text, and_, delete, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.clock import Clock
from egov.db import Base, Database, new_id
from egov.errors import Invalid, NotFound
from egov.intake.model import filename_problem, media_type_problem
from egov.intake.webform import MAX_ATTACHMENTS
from egov.settings import Settings

KEEP_DAYS = 30
STASH = "stash:"
STASH_DAYS = 1
MAX_OWNER = 200
Values = dict[str, Any]  # a form's raw values: field name -> text (or list of texts)


class ApplicationDraft(Base):
    __tablename__ = "application_drafts"
    owner: Mapped[str] = mapped_column(String(MAX_OWNER), primary_key=True)
    procedure_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    values: Mapped[str] = mapped_column(Text)  # JSON object of the raw form values
    updated_at: Mapped[datetime] = mapped_column(index=True)


class DraftFile(Base):
    __tablename__ = "application_draft_files"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(String(MAX_OWNER), index=True)
    procedure_key: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column()


@dataclass(frozen=True)
class AttachmentLimits:
    """What `POST /api/v1/applications` accepts: at most `count` files of at most `total_bytes`
    together (the message's limit, base64 inflates by 4/3), any `type/subtype`."""

    count: int
    total_bytes: int


def attachment_limits(settings: Settings) -> AttachmentLimits:
    """The API's limits: MAX_ATTACHMENTS files; the message (EGOV_MAX_MESSAGE_BYTES) holds them
    in base64 (4/3), with room for the form's fields (EGOV_MAX_JSON_BYTES)."""
    total = settings.max_message_bytes * 3 // 4 - settings.max_json_bytes
    return AttachmentLimits(MAX_ATTACHMENTS, max(total, 0))


@dataclass(frozen=True)
class AttachedFile:
    id: str
    filename: str
    media_type: str
    size: int


@dataclass(frozen=True)
class Draft:
    values: Values
    files: tuple[AttachedFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


@dataclass
class ApplicationDrafts:
    db: Database
    clock: Clock
    limits: AttachmentLimits

    def get(self, owner: str, procedure_key: str) -> Draft:
        """The draft (empty when there is none)."""
        with self.db.reading() as session:
            row = session.get(ApplicationDraft, (owner, procedure_key))
            values = json.loads(row.values) if row is not None else {}
            return Draft(values, _files(session, owner, procedure_key))

    def save(self, owner: str, procedure_key: str, values: Values) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            _purge(session, now)
            row = session.get(ApplicationDraft, (owner, procedure_key))
            text = json.dumps(values, ensure_ascii=False)
            if row is None:
                session.add(
                    ApplicationDraft(
                        owner=owner, procedure_key=procedure_key, values=text, updated_at=now
                    )
                )
            else:
                row.values, row.updated_at = text, now

    def stash(self, procedure_key: str, values: Values) -> str:
        """Keep a form sent without a login; the token claims it after the login."""
        token = secrets.token_urlsafe(24)
        self.save(STASH + token, procedure_key, values)
        return token

    def claim(self, owner: str, procedure_key: str, token: str) -> None:
        """The stash of `token` becomes `owner`'s draft of `procedure_key` (once)."""
        stashed = STASH + token[: MAX_OWNER - len(STASH)]
        with self.db.transaction() as session:
            row = session.get(ApplicationDraft, (stashed, procedure_key))
            if row is None:
                return
            values, updated_at = row.values, row.updated_at
            session.delete(row)
            session.flush()
            mine = session.get(ApplicationDraft, (owner, procedure_key))
            if mine is None:
                session.add(
                    ApplicationDraft(
                        owner=owner,
                        procedure_key=procedure_key,
                        values=values,
                        updated_at=updated_at,
                    )
                )
            else:
                mine.values, mine.updated_at = values, updated_at

    def attach(
        self, owner: str, procedure_key: str, filename: str, media_type: str, content: bytes
    ) -> None:
        """Add a file within the limits of the API (else `Invalid` naming the reason)."""
        problem = filename_problem(filename) or media_type_problem(media_type)
        if problem is not None:
            raise _refused(f"Die Datei „{filename[:80]}“ geht nicht: {problem}.")
        now = self.clock()
        with self.db.transaction() as session:
            _purge(session, now)
            count, total = session.execute(
                select(func.count(DraftFile.id), func.coalesce(func.sum(DraftFile.size), 0)).where(
                    DraftFile.owner == owner, DraftFile.procedure_key == procedure_key
                )
            ).one()
            if count >= self.limits.count:
                raise _refused(f"Sie können höchstens {self.limits.count} Dateien anhängen.")
            if total + len(content) > self.limits.total_bytes:
                mb = self.limits.total_bytes // (1024 * 1024)
                raise _refused(f"Alle Dateien zusammen dürfen höchstens {mb} MB groß sein.")
            session.add(
                DraftFile(
                    owner=owner,
                    procedure_key=procedure_key,
                    filename=filename,
                    media_type=media_type,
                    size=len(content),
                    content=content,
                    created_at=now,
                )
            )
            self._touch(session, owner, procedure_key, now)

    def detach(self, owner: str, procedure_key: str, file_id: str) -> None:
        with self.db.transaction() as session:
            found = session.get(DraftFile, file_id)
            if found is None or (found.owner, found.procedure_key) != (owner, procedure_key):
                raise NotFound("Diese Datei gibt es nicht.", code="draft-file-not-found")
            session.delete(found)

    def contents(self, owner: str, procedure_key: str) -> list[tuple[str, str, bytes]]:
        """The files as the web form sends them: (filename, media_type, content)."""
        with self.db.reading() as session:
            query = _query(owner, procedure_key)
            return [(f.filename, f.media_type, f.content) for f in session.scalars(query)]

    def clear(self, owner: str, procedure_key: str) -> None:
        with self.db.transaction() as session:
            session.execute(
                delete(DraftFile).where(
                    DraftFile.owner == owner, DraftFile.procedure_key == procedure_key
                )
            )
            session.execute(
                delete(ApplicationDraft).where(
                    ApplicationDraft.owner == owner, ApplicationDraft.procedure_key == procedure_key
                )
            )

    def _touch(self, session: Session, owner: str, procedure_key: str, now: datetime) -> None:
        row = session.get(ApplicationDraft, (owner, procedure_key))
        if row is None:
            session.add(
                ApplicationDraft(
                    owner=owner, procedure_key=procedure_key, values="{}", updated_at=now
                )
            )
        else:
            row.updated_at = now


def _query(owner: str, procedure_key: str) -> Any:
    return (
        select(DraftFile)
        .where(DraftFile.owner == owner, DraftFile.procedure_key == procedure_key)
        .order_by(DraftFile.created_at, DraftFile.id)
    )


def _files(session: Session, owner: str, procedure_key: str) -> tuple[AttachedFile, ...]:
    query = _query(owner, procedure_key).with_only_columns(
        DraftFile.id, DraftFile.filename, DraftFile.media_type, DraftFile.size
    )
    return tuple(AttachedFile(*row) for row in session.execute(query))


def _purge(session: Session, now: datetime) -> None:
    """Drafts left unchanged for KEEP_DAYS (stashes: STASH_DAYS), with their files."""
    old = select(ApplicationDraft.owner, ApplicationDraft.procedure_key).where(
        or_(
            ApplicationDraft.updated_at < now - timedelta(days=KEEP_DAYS),
            and_(
                ApplicationDraft.owner.startswith(STASH),
                ApplicationDraft.updated_at < now - timedelta(days=STASH_DAYS),
            ),
        )
    )
    for owner, key in session.execute(old).all():
        session.execute(
            delete(DraftFile).where(DraftFile.owner == owner, DraftFile.procedure_key == key)
        )
        session.execute(
            delete(ApplicationDraft).where(
                ApplicationDraft.owner == owner, ApplicationDraft.procedure_key == key
            )
        )


def _refused(message: str) -> Invalid:
    return Invalid(message, code="attachment-refused")


def owned_by(session: Session, owner: str) -> list[tuple[ApplicationDraft, list[DraftFile]]]:
    """Every draft of `owner` with its files (the citizen's data export)."""
    drafts = session.scalars(
        select(ApplicationDraft)
        .where(ApplicationDraft.owner == owner)
        .order_by(ApplicationDraft.procedure_key)
    )
    found = []
    for draft in drafts:
        files = session.scalars(
            select(DraftFile)
            .where(DraftFile.owner == owner, DraftFile.procedure_key == draft.procedure_key)
            .order_by(DraftFile.created_at, DraftFile.id)
        )
        found.append((draft, list(files)))
    return found


def delete_owned_by(session: Session, owner: str) -> None:
    """Every draft of `owner` with its files (the citizen's erasure request)."""
    session.execute(delete(DraftFile).where(DraftFile.owner == owner))
    session.execute(delete(ApplicationDraft).where(ApplicationDraft.owner == owner))
