"""The result of a Bürgerbudget round: recorded once on every admitted proposal's case when the
vote has closed (`record_round`), and the round as the public sees it (`public_round`).

Recording: the allocation (allocation.py) of the round's admitted proposals (`buergerbudget.
zulassen`, with the department's cost) by the tally (online and confirmed offline votes),
written into each case's data as `allocation` (rank, votes, funded, reason, texts for the
letters) with the audit event `buergerbudget.allocated`, in one transaction. The first
proposal's process whose vote timer finds the vote closed does it (operator
`buergerbudget.ergebnis`, in its step's transaction); every process, that one included, then
gets its own result and goes on: letter `result_funded` or `result_not_funded`, then
implementation (funded) or the end. A round already recorded is never allocated again; two
processes racing to record collide on the cases' versions and the loser's step is retried.

Public: the admitted proposals (title, description, location, category, cost, status) and,
once the vote has closed, their votes, the result and the implementation. Never the proposer
(name, e-mail, address, subject, Postfach), never an internal note. Only this module decides
what of a round is public.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from egov.buergerbudget import ballots as rules
from egov.buergerbudget.allocation import Allocation, Candidate, allocate, cents, eur_text
from egov.buergerbudget.ballots_store import AdmittedProposal, admitted, events
from egov.buergerbudget.implementation import photos_of, view
from egov.buergerbudget.implementation_store import get_implementation
from egov.buergerbudget.rounds import CLOSED, Round, RoundService, not_found
from egov.buergerbudget.rounds_store import get_round
from egov.buergerbudget.vote_tally import count
from egov.cases.model import status_label
from egov.cases.service import change_case
from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.documents.store import Document
from egov.errors import Conflict, NotFound
from egov.workflow.operators import OperatorError, StepContext

PUBLIC_FIELDS = ("description", "location", "category")
Votes = Mapping[str, tuple[int, int]]  # case id -> (online votes, confirmed offline votes)


def admitted_cases(session: Session, year: int) -> list[tuple[Case, AdmittedProposal]]:
    """The round's admitted proposals (`buergerbudget.zulassen`) with their cases."""
    found = []
    for proposal in admitted(session, year):
        case = session.get(Case, proposal.case_id)
        if case is not None:
            found.append((case, proposal))
    return found


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


def record_round(
    session: Session, year: int, actor: str, now: datetime, votes: Votes | None = None
) -> dict[str, dict[str, Any]]:
    """The round's result on each admitted proposal's case, recorded once (audited
    `buergerbudget.allocated`); again: what was recorded. `votes` None: the round's tally."""
    row = get_round(session, year)
    if row is None:
        raise not_found(year)
    cases = admitted_cases(session, year)
    recorded = {c.id: c.data["allocation"] for c, _p in cases if "allocation" in c.data}
    if recorded:
        return recorded
    if votes is None:
        votes = {c.proposal: (c.online, c.offline) for c in count(session, year).counts}
    candidates = [
        Candidate(
            case_id=case.id,
            reference=case.reference,
            cost_cents=cents(proposal.cost_eur),
            submitted_at=case.created_at,
            online_votes=votes.get(case.id, (0, 0))[0],
            offline_votes=votes.get(case.id, (0, 0))[1],
        )
        for case, proposal in cases
    ]
    allocation = allocate(cents(row.total_budget_eur), candidates)
    for case, _proposal in cases:
        variables = outcome_variables(allocation, year, case.id)
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


def result_operator(context: StepContext, _params: dict[str, Any], data: dict[str, Any]) -> Any:
    """`buergerbudget.ergebnis`, after the vote closed: the first proposal's process records
    the round's result for all (`record_round`); each gets its own (the `allocation`)."""
    year = data.get("round_year")
    if not isinstance(year, int):
        raise OperatorError(
            "Der Vorschlag gehört zu keiner Runde (round_year fehlt).", code="operator-params"
        )
    recorded = record_round(context.session, year, context.actor, context.now)
    if context.case.id not in recorded:
        raise OperatorError(
            "Der Vorschlag ist nicht zur Abstimmung zugelassen.", code="operator-params"
        )
    return recorded[context.case.id]


@dataclass
class Results:
    db: Database
    clock: Clock

    def allocate(self, year: int, actor: str, votes: Votes | None = None) -> dict[str, Any]:
        """Record the round's result now (else the first proposal's process does it when
        the vote has closed); case id -> its allocation variables."""
        with self.db.transaction() as session:
            return record_round(session, year, actor, self.clock(), votes)


def public_proposal(
    session: Session, case: Case, proposal: AdmittedProposal, closed: bool
) -> dict[str, Any]:
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
        "cost_eur": proposal.cost_eur,
        "status": case.status,
        "status_label": status_label(case.status),
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
            proposals = [
                public_proposal(session, case, proposal, phase == CLOSED)
                for case, proposal in admitted_cases(session, found.year)
            ]
        return public_round(found, phase, proposals)

    def commitments(self, year: int) -> dict[str, Any]:
        """After the vote closed: the final commitment of every ballot in the round's chain
        (sorted, no ballot id, no voter), so a voter finds their ballot's commitment among
        those counted (ADR 0031). Before: 409 `vote-not-closed`."""
        if self.rounds.get(year).phase(self.clock()) != CLOSED:
            raise Conflict("Die Abstimmung ist noch nicht beendet.", code="vote-not-closed")
        with self.db.reading() as session:
            trail = [(e.action, e.after) for e in events(session, year)]
        latest = rules.latest_commitments(trail).values()
        return {"year": year, "commitments": sorted(str(c["commitment"]) for c in latest)}

    def photo(self, document_id: str) -> tuple[Document, Iterator[bytes]]:
        """A photo of an implementation and its bytes (stored without its Exif data)."""
        with self.db.reading() as session:
            document = session.get(Document, document_id)
            item = None if document is None else get_implementation(session, document.case_id)
            if document is None or item is None or document_id not in item.photo_ids:
                raise NotFound("Foto nicht gefunden.", code="photo-not-found")
        return document, self.files.iter_chunks(document.storage_key)
