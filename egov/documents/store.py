"""Document metadata; the bytes live in a document store (see filestore.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, Database, new_id
from egov.documents.filestore import FileSystemStore, Placement
from egov.paging import Page, PageRequest, fetch_page


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # attachment, original-message, letter
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    sha512: Mapped[str | None] = mapped_column(String(128))
    storage_key: Mapped[str] = mapped_column(String(200))
    visible_to_applicant: Mapped[bool]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))


def get_document(session: Session, document_id: str) -> Document | None:
    return session.get(Document, document_id)


def list_by_case(session: Session, case_id: str) -> list[Document]:
    query = select(Document).where(Document.case_id == case_id).order_by(Document.created_at)
    return list(session.scalars(query))


def page_by_case(
    session: Session, case_id: str, page: PageRequest, *, applicant_only: bool = False
) -> Page[Document]:
    """The documents of a case, oldest first (`applicant_only`: those meant for the applicant)."""
    query = select(Document).where(Document.case_id == case_id)
    if applicant_only:
        query = query.where(Document.visible_to_applicant.is_(True))
    order = (Document.created_at, Document.id)
    return fetch_page(session, query, page, scope=f"documents:{case_id}", order=order)


def storage_key_in_use(session: Session, key: str) -> bool:
    return (
        session.scalars(select(Document.id).where(Document.storage_key == key)).first() is not None
    )


def referenced_in(db: Database) -> Callable[[str], bool]:
    """For Placement.undo: does a committed document refer to this content key?"""

    def check(key: str) -> bool:
        with db.reading() as session:
            return storage_key_in_use(session, key)

    return check


@dataclass(frozen=True)
class NewDocument:
    """A file to keep as a document of a case: who filed it and whether the applicant sees it."""

    case_id: str
    kind: str
    filename: str
    media_type: str
    content: bytes
    created_by: str
    created_at: datetime
    visible_to_applicant: bool = True


def add_document(
    session: Session, files: FileSystemStore, placement: Placement, new: NewDocument
) -> Document:
    """The bytes placed in the store (undone with `placement` if the transaction fails) and
    the document row added and flushed (it has its id)."""
    key, sha256 = files.put_bytes(new.content, placement)
    document = Document(
        case_id=new.case_id,
        kind=new.kind,
        filename=new.filename,
        media_type=new.media_type,
        size=len(new.content),
        sha256=sha256,
        sha512=hashlib.sha512(new.content).hexdigest(),
        storage_key=key,
        visible_to_applicant=new.visible_to_applicant,
        created_at=new.created_at,
        created_by=new.created_by,
    )
    session.add(document)
    session.flush()
    return document
