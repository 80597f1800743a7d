"""Messages held for a process instance (ADR 0021): an inbound message, a follow-up submission
(`nachreichung`) or a Postfach reply that arrives while the case's instance is suspended, or
while messages held before it still wait, is kept here in arrival order (`seq`) and delivered
on the resume (`egov.integrations.release`); a cancel discards what is still held.

Every decision to hold is taken with the instance's row locked (`lock_instance`: SELECT ...
FOR UPDATE on PostgreSQL, the write lock of `BEGIN IMMEDIATE` on SQLite), and so is every
release of one held message: a message arriving during a release queues behind the held ones
and cannot overtake them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.cases.service import record
from egov.cases.store import Case
from egov.clock import iso
from egov.db import Base, JsonType
from egov.workflow.store import InstanceStatus, WorkflowInstance


class HeldKind(StrEnum):
    INBOUND = "inbound"  # a Fachverfahren's message (an `inbound_messages` row)
    FOLLOW_UP = "nachreichung"  # a follow-up submission (its documents are in the case file)
    REPLY = "postfach-reply"  # a citizen's Postfach reply (a `postfach_messages` row)


class HeldStatus(StrEnum):
    HELD = "held"  # waits for the resume
    DELIVERED = "delivered"  # released: a waiting message event took it
    UNCLAIMED = "unclaimed"  # released: nothing waited (handled as on arrival)
    DISCARDED = "discarded"  # the instance was cancelled: never delivered


class HeldMessage(Base):
    __tablename__ = "held_messages"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # HeldKind
    source_id: Mapped[str] = mapped_column(String(36))  # inbound message, submission, reply
    message_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    actor: Mapped[str] = mapped_column(String(200))  # who sent it
    status: Mapped[str] = mapped_column(String(20))  # HeldStatus
    held_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]

    def summary(self) -> dict[str, Any]:
        return {"kind": self.kind, "source_id": self.source_id, "message_name": self.message_name}

    def listing(self) -> dict[str, Any]:
        """As the instance's detail lists it (API and CLI)."""
        times = {"held_at": iso(self.held_at), "settled_at": iso(self.settled_at)}
        return {**self.summary(), "status": self.status, **times}


def lock_instance(session: Session, case_id: str) -> WorkflowInstance | None:
    """The case's instance, its row locked until the transaction ends."""
    query = (
        select(WorkflowInstance)
        .where(WorkflowInstance.case_id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).first()


def held_query(case_id: object) -> Any:
    return select(HeldMessage).where(
        HeldMessage.case_id == case_id, HeldMessage.status == HeldStatus.HELD
    )


def oldest_held(session: Session, case_id: str) -> HeldMessage | None:
    return session.scalars(held_query(case_id).order_by(HeldMessage.seq)).first()


def list_by_case(session: Session, case_id: str) -> list[HeldMessage]:
    query = select(HeldMessage).where(HeldMessage.case_id == case_id)
    return list(session.scalars(query.order_by(HeldMessage.seq)))


def hold_if_waiting(
    session: Session,
    case: Case,
    kind: HeldKind,
    source_id: str,
    name: str,
    payload: dict[str, Any],
    actor: str,
    now: datetime,
) -> bool:
    """Hold the message (row and audit `message.held`) if the case's instance is suspended or
    messages held before it still wait; with the instance's row locked. True if held."""
    instance = lock_instance(session, case.id)
    if instance is None:
        return False
    ahead = session.scalar(select(held_query(case.id).exists()))
    if instance.status != InstanceStatus.SUSPENDED and not ahead:
        return False
    row = HeldMessage(
        case_id=case.id,
        kind=kind,
        source_id=source_id,
        message_name=name,
        payload=payload,
        actor=actor,
        status=HeldStatus.HELD,
        held_at=now,
        settled_at=None,
    )
    session.add(row)
    session.flush()
    reason = "instance-suspended" if instance.status == InstanceStatus.SUSPENDED else "queued"
    details = {**row.summary(), "held_id": row.seq, "reason": reason}
    record(session, case, actor=actor, action="message.held", now=now, details=details)
    return True


def discard_held(session: Session, case: Case, actor: str, now: datetime) -> list[HeldMessage]:
    """A cancel: what is still held is never delivered (audit `message.discarded` each)."""
    discarded = list(session.scalars(held_query(case.id).order_by(HeldMessage.seq)))
    for row in discarded:
        row.status, row.settled_at = HeldStatus.DISCARDED, now
        details = {**row.summary(), "held_id": row.seq, "reason": "instance-cancelled"}
        record(session, case, actor=actor, action="message.discarded", now=now, details=details)
    return discarded


def cases_to_release(session: Session, limit: int = 100) -> list[str]:
    """Instances not suspended that still have held messages (a release that did not
    finish)."""
    query = (
        select(WorkflowInstance.case_id)
        .where(WorkflowInstance.status != InstanceStatus.SUSPENDED)
        .where(held_query(WorkflowInstance.case_id).exists())
        .limit(limit)
    )
    return list(session.scalars(query))
