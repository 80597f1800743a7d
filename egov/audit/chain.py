"""The hash chain of a case's audit trail: pure functions, no I/O.

Each event's hash is SHA-256 over a canonical JSON of its content and the previous event's hash,
so altering, removing or reordering any row breaks every later link. Anyone with read access to
the events can verify the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class EventRecord:
    case_id: str
    seq: int
    actor: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    occurred_at: datetime
    prev_hash: str
    hash: str = ""


@dataclass(frozen=True)
class ChainVerdict:
    valid: bool
    length: int
    first_broken_seq: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "length": self.length,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
        }


def canonical_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(event: EventRecord) -> str:
    content = {
        "case_id": event.case_id,
        "seq": event.seq,
        "actor": event.actor,
        "action": event.action,
        "before": event.before,
        "after": event.after,
        "occurred_at": canonical_time(event.occurred_at),
        "prev_hash": event.prev_hash,
    }
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def verify_chain(events: Sequence[EventRecord]) -> ChainVerdict:
    expected_prev = GENESIS
    for position, event in enumerate(events, start=1):
        if event.seq != position:
            return ChainVerdict(False, len(events), position, "sequence gap or reordering")
        if event.prev_hash != expected_prev:
            return ChainVerdict(False, len(events), event.seq, "link to previous event broken")
        if event_hash(event) != event.hash:
            return ChainVerdict(False, len(events), event.seq, "event content altered")
        expected_prev = event.hash
    return ChainVerdict(True, len(events))
