"""The citizen's Postfach: messages to the applicant of a case."""

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


def list_by_case(session: Session, case_id: str) -> list[PostfachMessage]:
    query = (
        select(PostfachMessage)
        .where(PostfachMessage.case_id == case_id)
        .order_by(PostfachMessage.created_at)
    )
    return list(session.scalars(query))
