"""The Bürgerbudget in open data from its rounds (issue 15, ADR 0033): `RoundProposals`, the
`ProposalSource` the container uses, gives each proposal the round it belongs to and, only once
that round's vote has closed and its result is recorded (`data.allocation`, results.py), its
votes, rank, funding and the reason; never a count while the vote runs. The rounds themselves
(figures, and after the close the result) as the public round page shows them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from egov.buergerbudget.ballots_store import AdmittedProposal
from egov.buergerbudget.results import PublicRounds
from egov.buergerbudget.rounds import CLOSED, Round, RoundService, city_day
from egov.buergerbudget.rounds_store import BudgetRound
from egov.cases.store import Case
from egov.clock import Clock
from egov.opendata.sources import BUERGERBUDGET, CaseProposals, Proposal, public_id


@dataclass(frozen=True)
class Facts:
    """What the rounds know of one proposal's case."""

    round_year: int | None  # admitted to this round's vote; else the round it was filed in
    filed: date
    allocation: dict[str, Any] | None


def belongs_to(rounds: list[Round], filed: date) -> Round | None:
    """The round whose submissions opened last on or before the filing day (rounds.py)."""
    opened = [r for r in rounds if r.submissions_open <= filed]
    return max(opened, key=lambda r: (r.submissions_open, r.year), default=None)


@dataclass
class RoundProposals:
    cases: CaseProposals
    rounds: RoundService
    public: PublicRounds
    clock: Clock

    def proposals(self) -> list[Proposal]:
        rounds = self.rounds.list()
        closed = {r.year for r in rounds if r.phase(self.clock()) == CLOSED}
        facts = self._facts()
        found = []
        for proposal in self.cases.proposals():
            fact = facts.get(proposal.id)  # None: filed after the facts were read
            if fact is None:
                found.append(proposal)
                continue
            year = fact.round_year or getattr(belongs_to(rounds, fact.filed), "year", None)
            found.append(_with_result(proposal, year, fact.allocation if year in closed else None))
        return found

    def last_change(self) -> datetime | None:
        """The newest change of the cases or the rounds, or a vote's close after it (the close
        publishes the result)."""
        now = self.clock()
        closes = [r.vote_closes_at.astimezone(UTC).replace(tzinfo=None) for r in self.rounds.list()]
        with self.cases.db.reading() as session:
            edited = session.scalar(select(func.max(BudgetRound.updated_at)))
        moments = [self.cases.last_change(), edited, *(at for at in closes if at <= now)]
        return max((m for m in moments if m is not None), default=None)

    def round_pages(self) -> list[dict[str, Any]]:
        """Every round as its public page shows it (results.py decides what is public)."""
        return [self.public.get(r.year) for r in self.rounds.list()]

    def _facts(self) -> dict[str, Facts]:
        query = (
            select(Case.id, Case.created_at, Case.data, AdmittedProposal.round_year)
            .outerjoin(AdmittedProposal, AdmittedProposal.case_id == Case.id)
            .where(Case.procedure_key == BUERGERBUDGET)
        )
        with self.cases.db.reading() as session:
            rows = session.execute(query).all()
        return {
            public_id(case_id): Facts(year, city_day(created), data.get("allocation"))
            for case_id, created, data, year in rows
        }


def _with_result(proposal: Proposal, year: int | None, result: dict[str, Any] | None) -> Proposal:
    if result is None:
        return replace(proposal, round=year or proposal.round)
    return replace(
        proposal,
        round=year or proposal.round,
        votes=result["votes"],
        rank=result["rank"],
        funded=result["funded"],
        reason=result["reason"],
    )
