"""The append-only audit table. Rows are written only through `append_event`; the only later
change is `erase_payloads`, which blanks the payload of a case's events when its retention
ended (the hash chain covers the payload's hash, so it stays verifiable: ADR 0039)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.audit.chain import (
    GENESIS,
    PAYLOAD_HASH_SCHEME,
    ChainVerdict,
    EventRecord,
    event_hash,
    payload_hash,
    verify_chain,
)
from egov.db import Base, JsonType
from egov.paging import Page, PageRequest, fetch_page


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    occurred_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    payload_hash: Mapped[str] = mapped_column(String(64))
    hash_scheme: Mapped[int] = mapped_column(Integer, default=PAYLOAD_HASH_SCHEME)
    # set when the payload was erased (retention): who, when and why; not part of the hash
    erased_at: Mapped[datetime | None]
    erased_by: Mapped[str | None] = mapped_column(String(200))
    erasure_reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    def record(self) -> EventRecord:
        return EventRecord(
            case_id=self.case_id,
            seq=self.seq,
            actor=self.actor,
            action=self.action,
            before=self.before,
            after=self.after,
            occurred_at=self.occurred_at,
            prev_hash=self.prev_hash,
            hash=self.hash,
            payload_hash=self.payload_hash,
            scheme=self.hash_scheme,
            erased=self.erased_at is not None,
        )


LAST_EVENTS = "audit_last_events"  # session.info: case id -> the event appended last


def append_event(
    session: Session,
    case_id: str,
    *,
    actor: str,
    action: str,
    occurred_at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Chain a new event onto the case's trail (same transaction as the change it records).

    Two writers racing on one case collide on the unique (case_id, seq): one transaction
    fails and is retried, so the chain never forks.
    """
    session.info.setdefault("audited_cases", set()).add(case_id)
    with session.no_autoflush:
        last = _last_event(session, case_id)
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    row = AuditEvent(
        case_id=case_id,
        seq=seq,
        actor=actor,
        action=action,
        before=before,
        after=after,
        occurred_at=occurred_at,
        prev_hash=prev,
        payload_hash=payload_hash(before, after),
        hash_scheme=PAYLOAD_HASH_SCHEME,
    )
    row.hash = event_hash(row.record())
    # remembered before `add`: a listener of the add (webhooks) may append the next event
    session.info.setdefault(LAST_EVENTS, {})[case_id] = row
    session.add(row)
    return row


def _last_event(session: Session, case_id: str) -> AuditEvent | None:
    """The case's newest event: the one this transaction appended last (a fan-out appends
    thousands), else the newest stored one."""
    cached: AuditEvent | None = session.info.get(LAST_EVENTS, {}).get(case_id)
    if cached is not None and cached in session:  # not rolled back with a savepoint
        return cached
    for obj in reversed(list(session.new)):
        if isinstance(obj, AuditEvent) and obj.case_id == case_id:
            return obj
    query = (
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def list_events(session: Session, case_id: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
    return list(session.scalars(query))


def page_events(session: Session, case_id: str, page: PageRequest) -> Page[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.case_id == case_id)
    return fetch_page(session, query, page, scope=f"events:{case_id}", order=(AuditEvent.seq,))


def verify_case_trail(session: Session, case_id: str) -> ChainVerdict:
    return verify_chain([e.record() for e in list_events(session, case_id)])


def erase_payloads(
    session: Session, case_id: str, *, actor: str, reason: str, now: datetime
) -> int:
    """Blank the payload of every event of the case (keeping its payload hash) and chain an
    event recording the erasure. Returns how many payloads were erased."""
    erased = 0
    for event in list_events(session, case_id):
        if event.erased_at is None:
            event.before, event.after = None, None
            event.erased_at, event.erased_by, event.erasure_reason = now, actor, reason[:300]
            erased += 1
    append_event(
        session,
        case_id,
        actor=actor,
        action="audit.payloads_erased",
        occurred_at=now,
        after={"events": erased, "reason": reason[:300]},
    )
    return erased
