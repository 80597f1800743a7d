"""Tables of the outbox (side effects waiting for delivery) and of incidents (work that
failed and waits for a person), with their statuses as named constants."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType, new_id
from egov.paging import Page, PageRequest, fetch_page


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for (another) attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up: an incident is open
    CANCELLED = "cancelled"  # a person resolved its incident by hand


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class IncidentKind(StrEnum):
    WORKFLOW_STEP = "workflow-step"  # an automatic step of a case's process failed
    DELIVERY = "delivery"  # an outbox row failed for good
    CORRELATION = "correlation"  # an inbound message found no case or nothing waiting
    MIGRATION = "migration"  # an instance of a migration batch killed its worker every time


class Resolution(StrEnum):
    RETRIED = "retried"
    BY_HAND = "by-hand"


OPEN_STEP = f"status = '{IncidentStatus.OPEN}' AND kind = '{IncidentKind.WORKFLOW_STEP}'"


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # IncidentKind
    outbox_id: Mapped[str | None] = mapped_column(ForeignKey("outbox_messages.id"))
    code: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    correlation_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))  # IncidentStatus
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(20))  # Resolution
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


def get_incident(session: Session, incident_id: str) -> Incident | None:
    return session.get(Incident, incident_id)


def page_incidents(session: Session, status: str | None, page: PageRequest) -> Page[Incident]:
    """Incidents with the given status (None: all), oldest first."""
    query = select(Incident)
    if status is not None:
        query = query.where(Incident.status == status)
    order = (Incident.created_at, Incident.id)
    return fetch_page(session, query, page, scope=f"incidents:{status or 'all'}", order=order)


def list_incidents_by_case(session: Session, case_id: str) -> list[Incident]:
    query = select(Incident).where(Incident.case_id == case_id).order_by(Incident.created_at)
    return list(session.scalars(query))


def open_for_case(session: Session, case_id: str, kind: str | None = None) -> list[Incident]:
    query = select(Incident).where(
        Incident.case_id == case_id, Incident.status == IncidentStatus.OPEN
    )
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
    status: Mapped[str] = mapped_column(String(20))  # OutboxStatus
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
