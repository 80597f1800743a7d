"""The implementation of a funded Bürgerbudget proposal: one row per case, its milestones,
actual cost and photos (documents of the case file). No personal data in this table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType


class ImplementationStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    DONE = "done"  # closed: nothing changes any more


class MilestoneStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Implementation(Base):
    __tablename__ = "buergerbudget_implementations"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    org_unit_key: Mapped[str] = mapped_column(String(100))  # the responsible unit
    status: Mapped[str] = mapped_column(String(20))  # ImplementationStatus
    # [{id, title, planned_on, actual_on, status}], dates as ISO days
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    actual_cost_cents: Mapped[int | None] = mapped_column(Integer)
    photo_ids: Mapped[list[str]] = mapped_column(JsonType)  # documents of the case file
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


def get_implementation(session: Session, case_id: str) -> Implementation | None:
    return session.get(Implementation, case_id)


def list_by_year(session: Session, year: int) -> list[Implementation]:
    query = select(Implementation).where(Implementation.year == year)
    return list(session.scalars(query.order_by(Implementation.case_id)))
