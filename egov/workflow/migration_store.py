"""Tables of migration batches and their items; an item keeps the instance's old state so that
the migration can be reversed (ADR 0022)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType, new_id


class BatchStatus(StrEnum):
    PENDING = "pending"  # created, the worker has not finished it
    AWAITING = "awaiting"  # items wait for a second admin (four eyes), the rest was tried
    DONE = "done"  # every item was tried, none failed
    DONE_WITH_FAILURES = "done-with-failures"  # every item was tried, some failed or refused
    REVERSED = "reversed"  # the migrated items were put back


class ItemStatus(StrEnum):
    PENDING = "pending"
    HELD = "held"  # four eyes: waits for a second admin's confirmation
    MIGRATED = "migrated"
    FAILED = "failed"  # refused (reasons) or failed; the instance is untouched
    REVERSED = "reversed"


class MigrationBatch(Base):
    __tablename__ = "migration_batches"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source_definition_id: Mapped[str] = mapped_column(ForeignKey("process_definitions.id"))
    target_definition_id: Mapped[str] = mapped_column(ForeignKey("process_definitions.id"))
    mapping: Mapped[dict[str, Any]] = mapped_column(JsonType)  # source id -> target id | None
    status: Mapped[str] = mapped_column(String(20))  # BatchStatus
    created_by: Mapped[str] = mapped_column(String(200))
    confirmed_by: Mapped[str | None] = mapped_column(String(200))  # four eyes
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    reversed_at: Mapped[datetime | None]


class MigrationItem(Base):
    __tablename__ = "migration_items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("migration_batches.id"), index=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(String(20))  # ItemStatus
    reasons: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    old_definition_id: Mapped[str | None] = mapped_column(String(36))
    old_state: Mapped[str | None] = mapped_column(Text)  # the state before, for the reversal
    migrated_version: Mapped[int | None] = mapped_column(Integer)  # instance version after
    # runs that started on this item (counted before the work: a crashed worker counts too)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("batch_id", "instance_id"),)


def item_counts(items: list[MigrationItem]) -> dict[str, int]:
    """How many items of a batch are in each status (every status named, 0 if none)."""
    counts = {status.value: 0 for status in ItemStatus}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    return counts


def items_of(session: Session, batch_id: str) -> list[MigrationItem]:
    query = select(MigrationItem).where(MigrationItem.batch_id == batch_id)
    return list(session.scalars(query.order_by(MigrationItem.id)))


def stalled_batches(session: Session, quiet_since: datetime, limit: int = 100) -> list[str]:
    """Pending batches created before `quiet_since` with no item settled (or released)
    since: their runner died or its broker message was lost."""
    progress = exists().where(
        MigrationItem.batch_id == MigrationBatch.id, MigrationItem.updated_at >= quiet_since
    )
    query = (
        select(MigrationBatch.id)
        .where(MigrationBatch.status == BatchStatus.PENDING)
        .where(MigrationBatch.created_at < quiet_since, ~progress)
        .order_by(MigrationBatch.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))
