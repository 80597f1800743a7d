"""The submissions table: every accepted message with its original bytes (by content key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType, new_id


class Submission(Base):
    __tablename__ = "submissions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(String(100), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    format_key: Mapped[str] = mapped_column(String(80))
    message_type: Mapped[str] = mapped_column(String(120))
    content_sha256: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of what the client sent
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    submitted_by: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    received_at: Mapped[datetime]
    receipt: Mapped[dict[str, Any]] = mapped_column(JsonType)


def get_by_message_id(session: Session, message_id: str) -> Submission | None:
    return session.scalars(select(Submission).where(Submission.message_id == message_id)).first()


def get_by_idempotency_key(session: Session, key: str) -> Submission | None:
    query = select(Submission).where(Submission.idempotency_key == key)
    return session.scalars(query).first()


def list_by_case(session: Session, case_id: str) -> list[Submission]:
    query = select(Submission).where(Submission.case_id == case_id).order_by(Submission.received_at)
    return list(session.scalars(query))
