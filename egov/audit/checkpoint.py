"""Signed checkpoints of the audit chains: pure functions, no I/O (ADR 0044).

A checkpoint is a Merkle root over the heads of all chains, each head the triple (chain id:
the case id for a case, head seq, head hash), sorted by chain id, and the statement that is
signed: the root, the number of heads, the time and the id of the signing key. A chain that
later lost its newest events no longer reaches the head the checkpoint recorded, which its
own hash chain cannot show (ADR 0039, consequences).

Leaves and inner nodes are hashed with different prefixes (0x00, 0x01, as RFC 6962), so an
inner node can never pass for a leaf; an odd node at the end of a level moves up unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from egov.audit.chain import canonical_time

STATEMENT_SCHEME = "egov-audit-checkpoint-1"


@dataclass(frozen=True, order=True)
class Head:
    chain: str  # a case id, or the id of another chain (`buergerbudget-round:2030`)
    seq: int
    hash: str

    def as_list(self) -> list[str | int]:
        return [self.chain, self.seq, self.hash]


def leaf_hash(head: Head) -> bytes:
    blob = json.dumps(head.as_list(), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + blob.encode("utf-8")).digest()


def merkle_root(heads: Sequence[Head]) -> str:
    """Hex root over the heads in chain-id order; the empty tree is SHA-256 of nothing."""
    level = [leaf_hash(head) for head in sorted(heads)]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [
            hashlib.sha256(b"\x01" + pair[0] + pair[1]).digest() if len(pair) == 2 else pair[0]
            for pair in pairs
        ]
    return level[0].hex()


def statement(root: str, size: int, created_at: datetime, key_id: str) -> bytes:
    """The bytes that are signed (and time-stamped): canonical JSON of the checkpoint."""
    content = {
        "scheme": STATEMENT_SCHEME,
        "root": root,
        "size": size,
        "created_at": canonical_time(created_at),
        "key_id": key_id,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")


def head_fault(head: Head, current: Head | None, chain_length: int) -> str | None:
    """Why a case's chain today does not reach the head a checkpoint recorded, or None.

    `current` is the chain's stored event at the checkpoint's seq (None if it has none),
    `chain_length` the number of events it has now."""
    if chain_length == 0:
        return "chain deleted after the checkpoint (the case or its audit events)"
    if chain_length < head.seq or current is None:
        return (
            f"events missing: the checkpoint recorded seq {head.seq}, the chain has {chain_length}"
        )
    if current.hash != head.hash:
        return f"event {head.seq} differs from the checkpoint"
    return None
