"""The citizen's Postfach: messages to the applicant of a case, or to a named recipient of
it (`recipient_subject`/`recipient_postfach`: the author of a statement on a participation,
who is not its applicant; only that recipient reads such a message)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, new_id


class PostfachMessage(Base):
    __tablename__ = "postfach_messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))  # outbound (to citizen), inbound
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    recipient_subject: Mapped[str | None] = mapped_column(String(200), index=True)
    recipient_postfach: Mapped[str | None] = mapped_column(String(200), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)  # sent once


def list_by_case(
    session: Session, case_id: str, applicant_only: bool = False
) -> list[PostfachMessage]:
    """`applicant_only`: without the messages to a named recipient (what the applicant sees)."""
    query = select(PostfachMessage).where(PostfachMessage.case_id == case_id)
    if applicant_only:
        query = query.where(
            PostfachMessage.recipient_subject.is_(None),
            PostfachMessage.recipient_postfach.is_(None),
        )
    return list(session.scalars(query.order_by(PostfachMessage.created_at)))


def get_by_idempotency_key(session: Session, key: str) -> PostfachMessage | None:
    query = select(PostfachMessage).where(PostfachMessage.idempotency_key == key)
    return session.scalars(query).first()
