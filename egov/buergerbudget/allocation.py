"""The allocation of a Bürgerbudget round (ADR 0032), a pure function without I/O.

The admitted proposals are ranked by their votes (online plus confirmed offline votes) and
funded greedily within the round's total budget: down the ranking, each proposal whose cost
fits into what is left is funded; one that no longer fits is skipped and the next is tried,
so an expensive proposal never blocks a cheaper one below it.

Ties are broken by a fixed order, so the same votes always give the same result, whatever
order the proposals come in: more votes first, then lower cost, then earlier submission,
then the case reference (unique, so the order is total). The rank is the position in that
order (1, 2, 3 …; no shared ranks). Amounts are whole cents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Candidate:
    """One admitted proposal as the allocation sees it."""

    case_id: str
    reference: str
    cost_cents: int
    submitted_at: datetime
    online_votes: int = 0
    offline_votes: int = 0

    @property
    def votes(self) -> int:
        return self.online_votes + self.offline_votes


@dataclass(frozen=True)
class Outcome:
    """The result for one proposal: its rank and votes, funded or why not."""

    case_id: str
    reference: str
    rank: int
    votes: int
    online_votes: int
    offline_votes: int
    cost_cents: int
    funded: bool
    remaining_before_cents: int  # what was left of the budget when its turn came
    reason: str  # German, for the letter, the case and the public page


@dataclass(frozen=True)
class Allocation:
    budget_cents: int
    outcomes: tuple[Outcome, ...]  # in rank order

    @property
    def spent_cents(self) -> int:
        return sum(o.cost_cents for o in self.outcomes if o.funded)

    @property
    def remaining_cents(self) -> int:
        return self.budget_cents - self.spent_cents

    def outcome(self, case_id: str) -> Outcome:
        return next(o for o in self.outcomes if o.case_id == case_id)


def cents(eur: float | int | str | Decimal) -> int:
    """An amount in EUR as whole cents, rounded half up (4250.505 → 425051)."""
    exact = Decimal(str(eur)) * 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def eur_text(amount_cents: int) -> str:
    """German money text: 1234567 → "12.345,67 EUR"."""
    sign = "-" if amount_cents < 0 else ""
    euros, rest = divmod(abs(amount_cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} EUR"


def ranking_key(candidate: Candidate) -> tuple[int, int, datetime, str]:
    """The tie-break: more votes, lower cost, earlier submission, case reference."""
    return (-candidate.votes, candidate.cost_cents, candidate.submitted_at, candidate.reference)


def allocate(budget_cents: int, candidates: Iterable[Candidate]) -> Allocation:
    """Rank the candidates and fund them greedily within `budget_cents`."""
    ranked = sorted(candidates, key=ranking_key)
    _check(budget_cents, ranked)
    remaining = budget_cents
    outcomes = []
    for rank, candidate in enumerate(ranked, start=1):
        funded = candidate.cost_cents <= remaining
        outcomes.append(_outcome(candidate, rank, remaining, funded))
        if funded:
            remaining -= candidate.cost_cents
    return Allocation(budget_cents, tuple(outcomes))


def _outcome(candidate: Candidate, rank: int, remaining: int, funded: bool) -> Outcome:
    votes = f"{candidate.votes} Stimme" + ("" if candidate.votes == 1 else "n")
    reason = (
        f"gefördert: Rang {rank} mit {votes}"
        if funded
        else f"nicht gefördert: Rang {rank} mit {votes}, passt nicht mehr in das "
        f"verbleibende Budget (Rest: {eur_text(remaining)})"
    )
    return Outcome(
        case_id=candidate.case_id,
        reference=candidate.reference,
        rank=rank,
        votes=candidate.votes,
        online_votes=candidate.online_votes,
        offline_votes=candidate.offline_votes,
        cost_cents=candidate.cost_cents,
        funded=funded,
        remaining_before_cents=remaining,
        reason=reason,
    )


def _check(budget_cents: int, ranked: list[Candidate]) -> None:
    if budget_cents < 0:
        raise ValueError("the budget must not be negative")
    references = [c.reference for c in ranked]
    if len(set(references)) != len(references):
        raise ValueError("every candidate needs its own case reference")
    if any(c.cost_cents < 0 or c.online_votes < 0 or c.offline_votes < 0 for c in ranked):
        raise ValueError("costs and votes must not be negative")
