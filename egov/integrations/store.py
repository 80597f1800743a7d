"""Inbound messages from Fachverfahren: every one is kept, whether or not it correlated."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egov.db import Base, new_id


class InboundStatus(StrEnum):
    RECEIVED = "received"  # stored, correlation not yet tried
    CORRELATED = "correlated"  # a waiting message event took it
    HELD = "held"  # its instance is suspended: correlated on the resume, in arrival order
    UNCORRELATED = "uncorrelated"  # kept with a correlation incident
    RESOLVED = "resolved"  # a person resolved that incident by hand
    DISCARDED = "discarded"  # held, then its instance was cancelled: never delivered


class InboundMessage(Base):
    """A message from a Fachverfahren or a citizen, kept whether or not it correlated. One row
    per (sender, message UUID): a re-sent message is answered like the first time."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("source", "message_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    received_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(200))  # the authenticated sender
    message_name: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(100))  # the XÖV nachrichtenUUID
    case_reference: Mapped[str | None] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # InboundStatus
    incident_id: Mapped[str | None] = mapped_column(String(36))
