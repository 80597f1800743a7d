"""Incidents: failed workflow steps and deliveries that wait for a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.cases.store import new_id
from egov.db import Base


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # workflow-step
    code: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    correlation_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))  # open, resolved
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


def list_open(session: Session) -> list[Incident]:
    query = select(Incident).where(Incident.status == "open").order_by(Incident.created_at)
    return list(session.scalars(query))


def open_for_case(session: Session, case_id: str) -> list[Incident]:
    query = select(Incident).where(Incident.case_id == case_id, Incident.status == "open")
    return list(session.scalars(query))
