"""Incidents: failed workflow steps and deliveries that wait for a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.cases.store import new_id
from egov.db import Base, JsonType

OPEN_STEP = "status = 'open' AND kind = 'workflow-step'"


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # workflow-step, delivery
    outbox_id: Mapped[str | None] = mapped_column(ForeignKey("outbox_messages.id"))
    code: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    correlation_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))  # open, resolved
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(20))  # retried, by-hand
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # one open workflow-step incident per case, even when two workers fail at once
        Index(
            "uq_incidents_open_step_per_case",
            "case_id",
            unique=True,
            postgresql_where=text(OPEN_STEP),
            sqlite_where=text(OPEN_STEP),
        ),
    )


def list_incidents(session: Session, status: str | None = "open") -> list[Incident]:
    """Incidents with the given status (None: all), oldest first."""
    query = select(Incident).order_by(Incident.created_at)
    if status is not None:
        query = query.where(Incident.status == status)
    return list(session.scalars(query))


def open_for_case(session: Session, case_id: str, kind: str | None = None) -> list[Incident]:
    query = select(Incident).where(Incident.case_id == case_id, Incident.status == "open")
    if kind is not None:
        query = query.where(Incident.kind == kind)
    return list(session.scalars(query))


class OutboxMessage(Base):
    """A side effect toward an outside system, written in the transaction of the change
    that causes it and delivered after commit, at least once, under its idempotency key."""

    __tablename__ = "outbox_messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # pending, delivered, failed, cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)


def list_outbox_by_case(
    session: Session, case_id: str, statuses: tuple[str, ...] | None = None
) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.case_id == case_id)
        .order_by(OutboxMessage.created_at)
    )
    if statuses is not None:
        query = query.where(OutboxMessage.status.in_(statuses))
    return list(session.scalars(query))


class InboundMessage(Base):
    """A message from a Fachverfahren or a citizen, kept whether or not it correlated."""

    __tablename__ = "inbound_messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    received_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(200))  # the authenticated sender
    message_name: Mapped[str] = mapped_column(String(100))
    case_reference: Mapped[str | None] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # correlated, uncorrelated, resolved
    incident_id: Mapped[str | None] = mapped_column(String(36))
