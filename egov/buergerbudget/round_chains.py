"""The rounds' hash chains as a source of the signed audit checkpoints (ADR 0044): each
round's ballot commitments and offline counts, verified, with their hashes in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.audit.chain import ChainVerdict
from egov.audit.checkpoints import Chain
from egov.buergerbudget import ballots as rules
from egov.buergerbudget.ballots_store import RoundEvent, events


def chain_verdict(year: int, trail: Sequence[RoundEvent]) -> ChainVerdict:
    rows = [(e.seq, e.actor, e.action, e.after, e.occurred_at, e.prev_hash, e.hash) for e in trail]
    return rules.verify(year, rows)


@dataclass(frozen=True)
class RoundChains:
    prefix: str = rules.chain_id(0).removesuffix("0")

    def chains(self, session: Session) -> list[Chain]:
        years = session.scalars(select(RoundEvent.round_year).distinct().order_by("round_year"))
        found = []
        for year in years:
            trail = events(session, year)
            verdict = chain_verdict(year, trail)
            found.append(Chain(rules.chain_id(year), verdict, [e.hash for e in trail]))
        return found
