"""The result of a Bürgerbudget round: recorded once on every admitted proposal's case when the
vote has closed (`record_round`), and the round as the public sees it (`public_round`).

Recording: the allocation (allocation.py) of the round's admitted proposals (`buergerbudget.
zulassen`, with the department's cost) by the tally (online and confirmed offline votes),
written into each case's data as `allocation` (rank, votes, funded, reason, texts for the
letters; who proposed and confirmed it in `allocation_approvals`) with the audit event
`buergerbudget.allocated`, in one transaction, when a second person confirms the proposed
result (four eyes, result_confirmation.py). Each proposal's process, which waits for that
(`buergerbudget.abstimmung`), then gets its own result (operator `buergerbudget.ergebnis`) and
goes on: letter `result_funded` or `result_not_funded`, then implementation (funded) or the
end. A round already recorded is never allocated again.

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


def candidates(session: Session, year: int, votes: Votes) -> list[Candidate]:
    """The round's admitted proposals as the allocation sees them, with their votes."""
    return [
        Candidate(
            case_id=case.id,
            reference=case.reference,
            cost_cents=cents(proposal.cost_eur),
            submitted_at=case.created_at,
            online_votes=votes.get(case.id, (0, 0))[0],
            offline_votes=votes.get(case.id, (0, 0))[1],
        )
        for case, proposal in admitted_cases(session, year)
    ]


def recorded_round(session: Session, year: int) -> dict[str, dict[str, Any]]:
    """Case id -> its recorded allocation variables (empty: not recorded yet)."""
    return {
        c.id: c.data["allocation"]
        for c, _p in admitted_cases(session, year)
        if "allocation" in c.data
    }


def record_round(
    session: Session,
    year: int,
    actor: str,
    now: datetime,
    votes: Votes,
    approvals: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """The round's result by `votes` on each admitted proposal's case, recorded once (audited
    `buergerbudget.allocated`, with who proposed and confirmed it); again: what was recorded."""
    row = get_round(session, year)
    if row is None:
        raise not_found(year)
    recorded = recorded_round(session, year)
    if recorded:
        return recorded
    allocation = allocate(cents(row.total_budget_eur), candidates(session, year, votes))
    for case, _proposal in admitted_cases(session, year):
        variables = outcome_variables(allocation, year, case.id)
        change_case(
            session,
            case,
            actor=actor,
            action="buergerbudget.allocated",
            now=now,
            data={
                **case.data,
                "allocation": variables,
                "allocation_approvals": dict(approvals or {}),
            },
        )
        recorded[case.id] = variables
    return recorded


def result_operator(context: StepContext, _params: dict[str, Any], data: dict[str, Any]) -> Any:
    """`buergerbudget.ergebnis`, after the round's result was confirmed under four eyes
    (result_confirmation.py): each proposal's process gets its own `allocation`."""
    year = data.get("round_year")
    if not isinstance(year, int):
        raise OperatorError(
            "Der Vorschlag gehört zu keiner Runde (round_year fehlt).", code="operator-params"
        )
    recorded = recorded_round(context.session, year)
    if context.case.id not in recorded:
        raise OperatorError(
            "Das Ergebnis der Runde ist für diesen Vorschlag nicht festgestellt.",
            code="operator-params",
        )
    return recorded[context.case.id]


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
