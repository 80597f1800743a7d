"""The hash chain of a case's audit trail: pure functions, no I/O.

Each event's hash is SHA-256 over a canonical JSON of its content and the previous event's hash,
so altering, removing or reordering any row breaks every later link. Anyone with read access to
the events can verify the chain.

Scheme 2 (ADR 0039): the event hash covers the hash of the payload (`before`/`after`), not the
payload itself, so the payload can be erased after its retention ends while the chain stays
verifiable. A payload that is present must still match its payload hash. Scheme 1 (events
written before migration 0023 on a chain that did not verify then) hashes the payload itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
LEGACY_SCHEME = 1
PAYLOAD_HASH_SCHEME = 2


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
    payload_hash: str = ""
    scheme: int = PAYLOAD_HASH_SCHEME
    erased: bool = False


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


def _digest(content: dict[str, Any]) -> str:
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def payload_hash(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    return _digest({"before": before, "after": after})


def event_hash(event: EventRecord) -> str:
    content: dict[str, Any] = {
        "case_id": event.case_id,
        "seq": event.seq,
        "actor": event.actor,
        "action": event.action,
        "occurred_at": canonical_time(event.occurred_at),
        "prev_hash": event.prev_hash,
    }
    if event.scheme == LEGACY_SCHEME:
        content |= {"before": event.before, "after": event.after}
    else:
        content |= {"scheme": event.scheme, "payload_hash": event.payload_hash}
    return _digest(content)


def _payload_fault(event: EventRecord) -> str | None:
    if event.scheme == LEGACY_SCHEME:
        return "erased payload of an event of the old hash scheme" if event.erased else None
    if event.erased:
        present = event.before is not None or event.after is not None
        return "payload present on an erased event" if present else None
    if payload_hash(event.before, event.after) != event.payload_hash:
        return "event payload altered"
    return None


def verify_chain(events: Sequence[EventRecord]) -> ChainVerdict:
    expected_prev = GENESIS
    for position, event in enumerate(events, start=1):
        if event.seq != position:
            return ChainVerdict(False, len(events), position, "sequence gap or reordering")
        if event.prev_hash != expected_prev:
            return ChainVerdict(False, len(events), event.seq, "link to previous event broken")
        fault = _payload_fault(event)
        if fault:
            return ChainVerdict(False, len(events), event.seq, fault)
        if event_hash(event) != event.hash:
            return ChainVerdict(False, len(events), event.seq, "event content altered")
        expected_prev = event.hash
    return ChainVerdict(True, len(events))
