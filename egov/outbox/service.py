"""The outbox: side effects toward outside systems, delivered after commit.

`enqueue` writes a row in the transaction of the change that causes it. `Outbox.deliver`
claims a due row with a lease (so two workers never deliver it at the same time), calls the
handler for its kind OUTSIDE any transaction, then records the outcome: delivered, retried
later (exponential backoff with jitter) or, after `max_attempts`, failed with an incident
that a person can retry. A lease that ran out without an outcome was a delivery whose process
died: the claim that takes the row over counts that attempt, and a crashed row whose attempts
reach `max_crashes` fails with a `worker-crashed` incident instead of killing more workers.
Handlers receive the row's idempotency key and must pass it on, so that the receiver can
deduplicate: delivery is at least once, the effect exactly once.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Update, or_, select, update
from sqlalchemy.orm import Session

from egov.audit.store import append_event
from egov.clock import Clock
from egov.db import Database, new_id
from egov.errors import DomainError
from egov.outbox.incidents import open_incident
from egov.outbox.store import IncidentKind, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
NEW_ROWS = "outbox_new"
ACTOR = "system:outbox"


class Outcome(StrEnum):
    """What one call of `Outbox.deliver` did (counted by the sweep)."""

    DELIVERED = "delivered"
    RETRY = "retry"  # failed, another attempt is due later
    FAILED = "failed"  # failed for good, with an incident
    SKIPPED = "skipped"  # not due, or another worker holds it


class DeliveryError(DomainError):
    """A delivery failed; it is retried (or, if `permanent`, becomes an incident at once)."""

    code = "delivery-failed"
    default_message = "Die Zustellung ist fehlgeschlagen."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message, code=code)
        self.permanent = permanent


class WorkerCrashed(DomainError):
    """The process running a task or a delivery died; after N times it becomes an incident."""

    code = "worker-crashed"
    default_message = "Der Worker ist bei diesem Schritt wiederholt abgestürzt."

    def __init__(self, count: int) -> None:
        super().__init__(f"Der Worker ist {count}-mal bei diesem Schritt abgestürzt.")
        self.permanent = True


@dataclass(frozen=True)
class Delivery:
    """What a handler gets: the row's content, never a live ORM object."""

    id: str
    case_id: str | None
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int


Handler = Callable[[Delivery], None]


def enqueue(
    session: Session,
    *,
    case_id: str | None,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    idempotency_key: str | None = None,
    actor: str = "system",
) -> str:
    """Write a side effect into the current transaction; returns the outbox id."""
    row = OutboxMessage(
        id=new_id(),
        case_id=case_id,
        kind=kind,
        payload=payload,
        idempotency_key=idempotency_key or str(uuid.uuid4()),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        lease_until=None,
        last_error=None,
        created_at=now,
        delivered_at=None,
    )
    session.add(row)
    session.info.setdefault(NEW_ROWS, []).append(row.id)
    if case_id is not None:
        details = {"outbox_id": row.id, "kind": kind, "idempotency_key": row.idempotency_key}
        append_event(
            session, case_id, actor=actor, action="outbox.enqueued", occurred_at=now, after=details
        )
    return row.id


def new_rows(session: Session) -> list[str]:
    """Outbox ids written in this session's transaction (to dispatch after its commit)."""
    return list(session.info.get(NEW_ROWS, []))


@dataclass
class Outbox:
    db: Database
    clock: Clock
    handlers: dict[str, Handler] = field(default_factory=dict)
    max_attempts: int = 8
    base_delay: float = 2.0
    max_delay: float = 3600.0
    lease_seconds: float = 300.0
    max_crashes: int = 5  # counted attempts after which a crashed delivery is given up
    jitter: Callable[[], float] = random.random

    def register(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    def due(self, limit: int = 100) -> list[str]:
        now = self.clock()
        with self.db.reading() as session:
            query = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
                )
                .order_by(OutboxMessage.next_attempt_at)
                .limit(limit)
            )
            return list(session.scalars(query))

    def deliver(self, outbox_id: str) -> Outcome:
        """Deliver one row if it is due and nobody else holds it."""
        claim = self._claim(outbox_id)
        if claim is None:
            return Outcome.SKIPPED
        delivery, crashed = claim
        counted = delivery.attempt - 1  # the attempts so far, the crashed one included
        if crashed and counted >= self.max_crashes:
            return self.record_failure(replace(delivery, attempt=counted), WorkerCrashed(counted))
        handler = self.handlers.get(delivery.kind)
        try:
            if handler is None:
                raise DeliveryError(
                    f"Kein Zusteller für {delivery.kind!r}.",
                    code="delivery-kind-unknown",
                    permanent=True,
                )
            handler(delivery)
        except Exception as exc:
            return self.record_failure(delivery, exc)
        self._delivered(delivery)
        return Outcome.DELIVERED

    def retry(self, outbox_id: str, actor: str) -> None:
        """A person asks for another round of attempts (after fixing the receiver)."""
        now = self.clock()
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, outbox_id)
            if row is None or row.status != OutboxStatus.FAILED:
                raise DomainError(
                    "Die Zustellung wartet nicht auf einen neuen Versuch.", code="incident-not-open"
                )
            row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, now
            row.lease_until = None
            self._audit(session, row, actor, "outbox.retried", {})
            session.info.setdefault(NEW_ROWS, []).append(row.id)

    def give_up(self, outbox_id: str, count: int) -> Outcome:
        """Fail a pending row with a `worker-crashed` incident: the Celery task delivering it
        killed `count` worker processes (a person retries it after fixing the cause)."""
        with self.db.reading() as session:
            row = session.get(OutboxMessage, outbox_id)
            if row is None or row.status != OutboxStatus.PENDING:
                return Outcome.SKIPPED
            delivery = Delivery(
                row.id, row.case_id, row.kind, dict(row.payload), row.idempotency_key, count
            )
        return self.record_failure(delivery, WorkerCrashed(count))

    def _claim(self, outbox_id: str) -> tuple[Delivery, bool] | None:
        """Lease the row if it is due and nobody holds it: the delivery to make, and whether
        the previous attempt crashed (its lease ran out without an outcome). That attempt is
        counted by the same statement that takes the row over, with one reading of the
        clock, so a crash can neither be missed nor counted twice."""
        now = self.clock()
        lease = now + timedelta(seconds=self.lease_seconds)
        due = (
            OutboxMessage.id == outbox_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        with self.db.transaction() as session:
            crashed = False
            free = update(OutboxMessage).where(*due, OutboxMessage.lease_until.is_(None))
            if not _updated_one(session, free.values(lease_until=lease)):
                expired = update(OutboxMessage).where(*due, OutboxMessage.lease_until < now)
                counted = expired.values(lease_until=lease, attempts=OutboxMessage.attempts + 1)
                if not _updated_one(session, counted):
                    return None
                crashed = True
            row = session.get(OutboxMessage, outbox_id)
            assert row is not None
            if crashed:
                log.error("outbox_delivery_crashed id=%s attempts=%s", row.id, row.attempts)
            delivery = Delivery(
                row.id,
                row.case_id,
                row.kind,
                dict(row.payload),
                row.idempotency_key,
                row.attempts + 1,
            )
            return delivery, crashed

    def _delivered(self, delivery: Delivery) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, delivery.id)
            assert row is not None
            row.status, row.delivered_at, row.lease_until = OutboxStatus.DELIVERED, now, None
            row.attempts = delivery.attempt
            self._audit(session, row, ACTOR, "outbox.delivered", {"attempt": delivery.attempt})
        log.info(
            "outbox_delivered id=%s kind=%s attempt=%s",
            delivery.id,
            delivery.kind,
            delivery.attempt,
        )

    def record_failure(self, delivery: Delivery, exc: Exception) -> Outcome:
        """A failed attempt: retry later, or after the last attempt fail with an incident."""
        now = self.clock()
        code = exc.code if isinstance(exc, DomainError) else "delivery-failed"
        permanent = isinstance(exc, DeliveryError | WorkerCrashed) and exc.permanent
        log.warning(
            "outbox_attempt_failed id=%s kind=%s attempt=%s code=%s error=%r",
            delivery.id,
            delivery.kind,
            delivery.attempt,
            code,
            exc,
        )
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, delivery.id)
            assert row is not None
            row.attempts, row.lease_until = delivery.attempt, None
            row.last_error = f"{code}: {type(exc).__name__}"[:500]
            if permanent or delivery.attempt >= self.max_attempts:
                row.status = OutboxStatus.FAILED
                self._open_incident(session, row, code)
                return Outcome.FAILED
            row.next_attempt_at = now + timedelta(seconds=self.backoff(delivery.attempt))
            return Outcome.RETRY

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter between half and the whole delay."""
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return float(delay * (0.5 + 0.5 * self.jitter()))

    def _open_incident(self, session: Session, row: OutboxMessage, code: str) -> None:
        """One open incident per delivery; a failed retry updates it."""
        open_incident(
            session,
            kind=IncidentKind.DELIVERY,
            code=code,
            message=f"Zustellung {row.kind} nach {row.attempts} Versuchen fehlgeschlagen.",
            now=self.clock(),
            actor=ACTOR,
            case_id=row.case_id,
            outbox_id=row.id,
            attempts=row.attempts,
            details={"outbox_id": row.id, "kind": row.kind},
        )

    def _audit(
        self, session: Session, row: OutboxMessage, actor: str, action: str, details: dict[str, Any]
    ) -> None:
        if row.case_id is not None:
            append_event(
                session,
                row.case_id,
                actor=actor,
                action=action,
                occurred_at=self.clock(),
                after={"outbox_id": row.id, "kind": row.kind, **details},
            )


def _updated_one(session: Session, statement: Update) -> bool:
    return int(session.execute(statement).rowcount) == 1  # type: ignore[attr-defined]
