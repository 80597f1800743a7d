"""Ballots, pure: the voter's pseudonym, the commitment that hashes a ballot version into the
round's chain without revealing it, the rules a ballot follows, and the round's chain
(`egov.audit.chain` over the round's events instead of a case's). ADR 0031."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egov.audit.chain import (
    GENESIS,
    LEGACY_SCHEME,
    ChainVerdict,
    EventRecord,
    event_hash,
    verify_chain,
)
from egov.errors import Invalid

CAST = "ballot.cast"  # a ballot version accepted: {ballot, version, commitment}
OFFLINE = "offline.confirmed"  # offline votes counted: {proposal, votes, entered_by, ...}


def pseudonym(key: bytes, year: int, subject: str) -> str:
    """The voter of a round as the ballot table knows them: HMAC-SHA256 of the qualified
    subject under the ballot key. Without the key it names nobody; other rounds differ."""
    return hmac.new(key, f"{year}\n{subject}".encode(), hashlib.sha256).hexdigest()


def commitment(salt: str, year: int, ballot_id: str, version: int, choices: Sequence[str]) -> str:
    content = {"round": year, "ballot": ballot_id, "version": version, "choices": sorted(choices)}
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{salt}:{blob}".encode()).hexdigest()


def checked_choices(choices: Sequence[str], admitted: Iterable[str], allowed: int) -> list[str]:
    """The ballot's proposals, sorted: at most `allowed`, each once, each admitted."""
    known = set(admitted)
    twice = [name for name, count in Counter(choices).items() if count > 1]
    unknown = [name for name in choices if name not in known]
    if twice or unknown or len(choices) > allowed:
        params = [{"name": name, "reason": "doppelt"} for name in twice]
        params += [{"name": name, "reason": "nicht zur Abstimmung zugelassen"} for name in unknown]
        if len(choices) > allowed:
            params.append({"name": "proposals", "reason": f"höchstens {allowed} Stimmen"})
        raise Invalid(
            f"Der Stimmzettel ist ungültig: höchstens {allowed} zugelassene Vorschläge, "
            "jeder nur einmal.",
            code="ballot-invalid",
            invalid_params=params,
        )
    return sorted(choices)


# A round's events are never erased (they hold no personal data), so their hash covers their
# content itself: the audit chain's first scheme, without a stored payload hash (ADR 0031).
ROUND_SCHEME = LEGACY_SCHEME


def chain_id(year: int) -> str:
    return f"buergerbudget-round:{year}"


@dataclass(frozen=True)
class Link:
    """What the next event of a round's chain needs of the last one."""

    seq: int
    prev_hash: str

    @classmethod
    def after(cls, last: tuple[int, str] | None) -> Link:
        return cls(1, GENESIS) if last is None else cls(last[0] + 1, last[1])


def record(
    year: int, link: Link, actor: str, action: str, after: dict[str, Any], at: datetime
) -> EventRecord:
    unhashed = EventRecord(
        chain_id(year),
        link.seq,
        actor,
        action,
        None,
        after,
        at,
        link.prev_hash,
        scheme=ROUND_SCHEME,
    )
    return EventRecord(**{**unhashed.__dict__, "hash": event_hash(unhashed)})


def verify(
    year: int, rows: Sequence[tuple[int, str, str, dict[str, Any], datetime, str, str]]
) -> ChainVerdict:
    """rows: (seq, actor, action, after, occurred_at, prev_hash, hash) in order."""
    records = [
        EventRecord(
            chain_id(year), seq, actor, action, None, after, at, prev, digest, scheme=ROUND_SCHEME
        )
        for seq, actor, action, after, at, prev, digest in rows
    ]
    return verify_chain(records)


def latest_commitments(rows: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Ballot id -> the last `ballot.cast` content of the chain (action, after) pairs."""
    latest: dict[str, dict[str, Any]] = {}
    for action, after in rows:
        if action == CAST:
            latest[str(after["ballot"])] = after
    return latest
