"""The result of a Bürgerbudget round: recorded once on every admitted proposal's case when the
vote has closed (`Results.allocate`), and the round as the public sees it (`public_round`).

Recording: the allocation (allocation.py) of the round's admitted proposals by the tally,
written into each case's data as `allocation` (rank, votes, funded, reason) with the audit
event `buergerbudget.allocated`, in one transaction; after the commit each case's process is
sent the message `buergerbudget_ergebnis` with those variables (letter, status, then
implementation or end). A round already recorded is not allocated again: the stored result
is returned, and the message is sent again only to processes still waiting for it.

Public: the admitted proposals (title, description, location, category, cost, status) and,
once the vote has closed, their votes, the result and the implementation. Never the proposer
(name, e-mail, address, subject, Postfach), never an internal note. Only this module decides
what of a round is public.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.buergerbudget.allocation import Allocation, Candidate, allocate, cents, eur_text
from egov.buergerbudget.implementation import photos_of, view
from egov.buergerbudget.implementation_store import get_implementation
from egov.buergerbudget.rounds import CLOSED, Round, RoundService, city_day, not_found
from egov.buergerbudget.rounds_store import BudgetRound, get_round, round_opened_by
from egov.cases.service import change_case
from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.documents.store import Document
from egov.errors import Conflict, NotFound

PROCEDURE = "buergerbudget"
RESULT_MESSAGE = "buergerbudget_ergebnis"
WAITING = "admitted_to_vote"  # the status of a proposal in the vote
# statuses of admitted proposals: in the vote, and after it
ADMITTED = frozenset({WAITING, "funded", "not_funded", "in_implementation", "implemented"})
PUBLIC_FIELDS = ("description", "location", "category")
Tally = Mapping[str, tuple[int, int]]  # case id -> (online votes, confirmed offline votes)


def proposal_cost_cents(data: Mapping[str, Any]) -> int:
    """The department's estimate incl. five years of follow-up costs; before it exists, the
    proposer's estimate plus follow-up costs."""
    if data.get("cost_estimate_eur") is not None:
        return cents(data["cost_estimate_eur"])
    return cents(data.get("estimated_cost_eur") or 0) + cents(data.get("follow_up_cost_eur") or 0)


def admitted_cases(session: Session, year: int) -> list[Case]:
    query = select(Case).where(Case.procedure_key == PROCEDURE, Case.status.in_(ADMITTED))
    found = session.scalars(query.order_by(Case.created_at, Case.id))
    return [case for case in found if _round_year(session, case) == year]


def _round_year(session: Session, case: Case) -> int | None:
    row = round_opened_by(session, city_day(case.created_at))
    return None if row is None else row.year


def outcome_variables(allocation: Allocation, year: int, case_id: str) -> dict[str, Any]:
    """What the case and its process keep of the result (the letters' `allocation_*`)."""
    o = allocation.outcome(case_id)
    return {
        "year": year,
        "rank": o.rank,
        "votes": o.votes,
        "online_votes": o.online_votes,
        "offline_votes": o.offline_votes,
        "funded": o.funded,
        "reason": o.reason,
        "cost_text": eur_text(o.cost_cents),
        "proposals": len(allocation.outcomes),
        "budget_text": eur_text(allocation.budget_cents),
    }


@dataclass
class Results:
    db: Database
    clock: Clock
    # after the commit: deliver the result to the case's process (Workflows.correlate)
    correlate: Callable[[str, str, dict[str, Any], str], bool] | None = None

    def allocate(self, year: int, tally: Tally, actor: str) -> dict[str, dict[str, Any]]:
        """Record the round's result on each admitted proposal's case (once); case id ->
        its allocation variables."""
        with self.db.transaction() as session:
            row = get_round(session, year)
            if row is None:
                raise not_found(year)
            cases = admitted_cases(session, year)
            recorded = {c.id: c.data["allocation"] for c in cases if "allocation" in c.data}
            if not recorded:
                recorded = self._record(session, row, cases, tally, actor)
        for case_id, variables in recorded.items():
            if self.correlate is not None:
                self.correlate(case_id, RESULT_MESSAGE, {"allocation": variables}, actor)
        return recorded

    def _record(
        self, session: Session, row: BudgetRound, cases: list[Case], tally: Tally, actor: str
    ) -> dict[str, dict[str, Any]]:
        if any(c.status != WAITING for c in cases):
            # a proposal past the vote without a recorded result: changed by hand
            raise Conflict("Die Runde ist schon verteilt.", code="round-allocated")
        candidates = [
            Candidate(
                case_id=c.id,
                reference=c.reference,
                cost_cents=proposal_cost_cents(c.data),
                submitted_at=c.created_at,
                online_votes=tally.get(c.id, (0, 0))[0],
                offline_votes=tally.get(c.id, (0, 0))[1],
            )
            for c in cases
        ]
        allocation = allocate(cents(row.total_budget_eur), candidates)
        now = self.clock()
        recorded = {}
        for case in cases:
            variables = outcome_variables(allocation, row.year, case.id)
            change_case(
                session,
                case,
                actor=actor,
                action="buergerbudget.allocated",
                now=now,
                data={**case.data, "allocation": variables},
            )
            recorded[case.id] = variables
        return recorded


def public_proposal(session: Session, case: Case, closed: bool) -> dict[str, Any]:
    data = case.data
    result = data.get("allocation") if closed else None
    implementation = get_implementation(session, case.id) if closed else None
    shown = None
    if implementation is not None:
        shown = view(implementation, photos_of(session, implementation))
        del shown["case_id"]  # the case stays internal
        for photo in shown["photos"]:
            photo["link"] = f"/api/v1/public/buergerbudget/photos/{photo['id']}"
    return {
        "title": case.title,
        **{name: data.get(name) for name in PUBLIC_FIELDS},
        "cost_eur": proposal_cost_cents(data) / 100,
        "status": case.status,
        "votes": None if result is None else result["votes"],
        "offline_votes": None if result is None else result["offline_votes"],
        "result": None if result is None else {k: result[k] for k in ("rank", "funded", "reason")},
        "implementation": shown,
    }


def public_round(found: Round, phase: str, proposals: list[dict[str, Any]]) -> dict[str, Any]:
    closed = phase == CLOSED
    funded = [p for p in proposals if p["result"] is not None and p["result"]["funded"]]
    spent = sum(cents(p["cost_eur"]) for p in funded)
    return {
        **{k: v for k, v in found.as_dict().items() if k != "vertrauensniveau"},
        "phase": phase,
        "vote_closed": closed,
        "proposals": sorted(
            proposals, key=lambda p: (p["result"] is None, (p["result"] or {}).get("rank", 0))
        ),
        "result": None
        if not closed or not any(p["result"] for p in proposals)
        else {
            "funded": len(funded),
            "spent_eur": spent / 100,
            "remaining_eur": (cents(found.total_budget_eur) - spent) / 100,
        },
    }


@dataclass
class PublicRounds:
    db: Database
    clock: Clock
    rounds: RoundService
    files: FileSystemStore

    def get(self, year: int) -> dict[str, Any]:
        found = self.rounds.get(year)
        phase = found.phase(self.clock())
        with self.db.reading() as session:
            cases = admitted_cases(session, found.year)
            proposals = [public_proposal(session, c, phase == CLOSED) for c in cases]
        return public_round(found, phase, proposals)

    def photo(self, document_id: str) -> tuple[Document, Iterator[bytes]]:
        """A photo of an implementation and its bytes (stored without its Exif data)."""
        with self.db.reading() as session:
            document = session.get(Document, document_id)
            item = None if document is None else get_implementation(session, document.case_id)
            if document is None or item is None or document_id not in item.photo_ids:
                raise NotFound("Foto nicht gefunden.", code="photo-not-found")
        return document, self.files.iter_chunks(document.storage_key)
