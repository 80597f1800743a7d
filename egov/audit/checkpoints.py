"""Signed checkpoints of the case chains: the table, making one, and verifying every chain
against the latest (ADR 0044; the Merkle root and statement in `checkpoint.py`); with a TSA
configured, each checkpoint's RFC 3161 time-stamp (ADR 0045, `timestamps.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import BigInteger, Integer, LargeBinary, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.audit.chain import ChainVerdict, verify_chain
from egov.audit.checkpoint import Head, head_fault, merkle_root, statement
from egov.audit.signing import Signer
from egov.audit.store import AuditEvent, list_events
from egov.audit.timestamps import Timestamper, TimestampFailed
from egov.clock import Clock
from egov.db import Base, Database, JsonType

log = logging.getLogger(__name__)


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    key_id: Mapped[str] = mapped_column(String(40))
    root: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    heads: Mapped[list[list[Any]]] = mapped_column(JsonType)  # [case id, seq, hash], sorted
    signature: Mapped[str] = mapped_column(String(100))
    # RFC 3161 (ADR 0045): the TSA's token over SHA-256 of the statement, the request's
    # nonce; no token: untimestamped (no TSA configured, or it failed at `timestamp_tried_at`)
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    timestamp_nonce: Mapped[int | None] = mapped_column(BigInteger, default=None)
    timestamp_tried_at: Mapped[datetime | None] = mapped_column(default=None)

    def signed_statement(self) -> bytes:
        return statement(self.root, self.size, self.created_at, self.key_id)

    def head_list(self) -> list[Head]:
        return [Head(str(case_id), int(seq), str(hash_)) for case_id, seq, hash_ in self.heads]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "key_id": self.key_id,
            "root": self.root,
            "size": self.size,
            "timestamped": self.timestamp_token is not None,
        }


@dataclass(frozen=True)
class BrokenChain:
    chain: str  # the case id for a case
    seq: int | None
    reason: str


@dataclass(frozen=True)
class Chain:
    """A chain other than a case's (a Bürgerbudget round's), as a source hands it over:
    its id, its own verdict and its event hashes in seq order."""

    id: str
    verdict: ChainVerdict
    hashes: Sequence[str]

    def head(self) -> Head | None:
        return Head(self.id, len(self.hashes), self.hashes[-1]) if self.hashes else None


class ChainSource(Protocol):
    """A feature above the audit floor whose chains the checkpoints also sign; every id it
    returns starts with `prefix`."""

    @property
    def prefix(self) -> str: ...

    def chains(self, session: Session) -> Iterable[Chain]: ...


@dataclass
class AuditReport:
    """What `egov verify-audit --all` found: every chain, and the latest checkpoint."""

    chains: int = 0
    broken: list[BrokenChain] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None
    checkpoint_fault: str | None = None
    timestamp: dict[str, Any] | None = None  # the latest checkpoint's RFC 3161 time-stamp

    @property
    def valid(self) -> bool:
        return not self.broken and self.checkpoint_fault is None

    def add(self, chain: str, verdict: ChainVerdict) -> None:
        self.chains += 1
        if not verdict.valid:
            reason = verdict.reason or "chain broken"
            self.broken.append(BrokenChain(chain, verdict.first_broken_seq, reason))


def current_heads(session: Session) -> list[Head]:
    """The newest event of every case's chain, in case-id order."""
    newest = (
        select(AuditEvent.case_id, func.max(AuditEvent.seq).label("seq"))
        .group_by(AuditEvent.case_id)
        .subquery()
    )
    query = (
        select(AuditEvent.case_id, AuditEvent.seq, AuditEvent.hash)
        .join(newest, (AuditEvent.case_id == newest.c.case_id) & (AuditEvent.seq == newest.c.seq))
        .order_by(AuditEvent.case_id)
    )
    return [Head(case_id, seq, hash_) for case_id, seq, hash_ in session.execute(query)]


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    return session.scalars(query).first()


@dataclass
class Checkpoints:
    db: Database
    clock: Clock
    signer: Signer
    sources: Sequence[ChainSource] = ()
    timestamper: Timestamper | None = None

    def make(self) -> AuditCheckpoint:
        """Sign the heads of all case chains as they are now, store the checkpoint, then
        (committed, so a failing TSA never blocks it) have it time-stamped."""
        row = self._sign()
        self._stamp(row)
        return row

    def timestamp_pending(self) -> int:
        """Time-stamp the latest checkpoint if it has no token and its last try is older
        than the retry interval (1 when a token was stored)."""
        if self.timestamper is None:
            return 0
        with self.db.reading() as session:
            latest = latest_checkpoint(session)
        if latest is None or latest.timestamp_token is not None:
            return 0
        retry = self.clock() - timedelta(seconds=self.timestamper.retry_seconds)
        tried = latest.timestamp_tried_at
        if tried is not None and tried > retry.replace(tzinfo=None):
            return 0
        return int(self._stamp(latest))

    def _stamp(self, row: AuditCheckpoint) -> bool:
        if self.timestamper is None:
            return False
        values: dict[str, Any] = {"timestamp_tried_at": self.clock()}
        try:
            stamp = self.timestamper.stamp(row.signed_statement())
            values |= {"timestamp_token": stamp.token, "timestamp_nonce": stamp.nonce}
        except TimestampFailed as failure:
            log.warning("audit_timestamp_failed checkpoint_id=%s reason=%s", row.id, failure)
        with self.db.transaction() as session:
            stored = session.get(AuditCheckpoint, row.id)
            if stored is None:
                return False
            for key, value in values.items():
                setattr(stored, key, value)
                setattr(row, key, value)
        return "timestamp_token" in values

    def _sign(self) -> AuditCheckpoint:
        with self.db.transaction() as session:
            heads = current_heads(session) + self._source_heads(session)
            root, now = merkle_root(heads), self.clock()
            signed = statement(root, len(heads), now, self.signer.key_id)
            row = AuditCheckpoint(
                created_at=now,
                key_id=self.signer.key_id,
                root=root,
                size=len(heads),
                heads=[head.as_list() for head in heads],
                signature=self.signer.sign(signed),
            )
            session.add(row)
            session.flush()
            session.expunge(row)
            return row

    def make_if_due(self, interval_seconds: float) -> bool:
        """A checkpoint when the latest is older than the interval (0: never)."""
        if interval_seconds <= 0:
            return False
        with self.db.reading() as session:
            latest = latest_checkpoint(session)
        due = self.clock() - timedelta(seconds=interval_seconds)
        if latest is not None and latest.created_at > due.replace(tzinfo=None):
            return False
        self.make()
        return True

    def verify_all(self) -> AuditReport:
        report = AuditReport()
        with self.db.reading() as session:
            case_ids = session.scalars(select(AuditEvent.case_id).distinct()).all()
            for case_id in sorted(case_ids):
                verdict = verify_chain([e.record() for e in list_events(session, case_id)])
                report.add(case_id, verdict)
            others = {chain.id: chain for s in self.sources for chain in s.chains(session)}
            for chain in others.values():
                report.add(chain.id, chain.verdict)
            latest = latest_checkpoint(session)
            if latest is not None:
                report.checkpoint = latest.summary()
                report.checkpoint_fault = self._checkpoint_fault(latest)
                if report.checkpoint_fault is None:
                    report.timestamp, report.checkpoint_fault = self._timestamp_check(latest)
                if report.checkpoint_fault is None:
                    report.broken += _behind_checkpoint(session, latest, self._owned, others)
        return report

    def _timestamp_check(self, checkpoint: AuditCheckpoint) -> tuple[dict[str, Any], str | None]:
        """The time-stamp's state (verified with its TSA time, invalid, missing, overdue,
        unchecked) and the fault it makes; a missing token is no fault within the grace
        period (the sweep tries again), an overdue one is."""
        token = checkpoint.timestamp_token
        if token is None and self.timestamper is None:
            return {"status": "not configured"}, None
        if token is None:
            assert self.timestamper is not None
            grace = timedelta(seconds=self.timestamper.grace_seconds)
            if checkpoint.created_at + grace > self.clock().replace(tzinfo=None):
                return {"status": "missing"}, None
            return {"status": "overdue"}, (
                f"latest checkpoint not time-stamped for more than {grace} (TSA unreachable?)"
            )
        if self.timestamper is None:
            return {"status": "unchecked: no EGOV_AUDIT_TSA_URL/CA file"}, None
        found = self.timestamper.check(
            token, checkpoint.signed_statement(), checkpoint.timestamp_nonce
        )
        state = {
            "status": "invalid" if found.fault else "verified",
            "time": found.time.isoformat() if found.time else None,
            "tsa": found.tsa,
        }
        return state, found.fault

    def _source_heads(self, session: Session) -> list[Head]:
        found = (chain.head() for source in self.sources for chain in source.chains(session))
        return [head for head in found if head is not None]

    def _owned(self, chain_id: str) -> bool:
        return any(chain_id.startswith(source.prefix) for source in self.sources)

    def _checkpoint_fault(self, checkpoint: AuditCheckpoint) -> str | None:
        heads = checkpoint.head_list()
        if checkpoint.key_id != self.signer.key_id:
            return f"checkpoint signed by key {checkpoint.key_id}, not the configured key"
        signed = checkpoint.signed_statement()
        if not self.signer.verifies(signed, checkpoint.signature):
            return "checkpoint signature invalid"
        if len(heads) != checkpoint.size or merkle_root(heads) != checkpoint.root:
            return "checkpoint heads do not match its signed root"
        return None


def _behind_checkpoint(
    session: Session,
    checkpoint: AuditCheckpoint,
    owned: Callable[[str], bool],
    others: dict[str, Chain],
) -> list[BrokenChain]:
    """The chains that no longer reach the head the checkpoint recorded for them."""
    lengths = dict(
        session.execute(select(AuditEvent.case_id, func.count()).group_by(AuditEvent.case_id)).all()
    )
    broken = []
    for head in checkpoint.head_list():
        if owned(head.chain):
            hashes = others[head.chain].hashes if head.chain in others else []
            at = (
                Head(head.chain, head.seq, hashes[head.seq - 1])
                if len(hashes) >= head.seq
                else None
            )
            fault = head_fault(head, at, len(hashes))
            if fault:
                broken.append(BrokenChain(head.chain, head.seq, fault))
            continue
        stored = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == head.chain, AuditEvent.seq == head.seq)
        ).first()
        current = Head(stored.case_id, stored.seq, stored.hash) if stored else None
        fault = head_fault(head, current, lengths.get(head.chain, 0))
        if fault:
            broken.append(BrokenChain(head.chain, head.seq, fault))
    return broken
