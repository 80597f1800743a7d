"""The round's result under four eyes (issue 16, ADR 0031 amended).

After the vote has closed (and the offline votes of the closing event are confirmed), one person
of the Büro Bürgerbudget (or an admin) proposes the result: the tally now, with the allocation it
gives (`propose`). A second person confirms it (`confirm`): never the proposer, nor someone who
deputizes for them or for whom they deputize (`egov.workflow.task_four_eyes.second_person`); the
tally must still be the one proposed. Only then is the result recorded on every admitted
proposal's case (`results.record_round`, audit `buergerbudget.allocated` naming both people), and
the proposals' processes, which ask every `RESULT_POLL` until then (`vote_state`), send their
letters. A rejection (with a reason) discards the proposal. Each step is audited on every case of
the round: `buergerbudget.result_proposed`, `.result_rejected`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from egov.buergerbudget.allocation import allocate, cents, eur_text
from egov.buergerbudget.results import Votes, admitted_cases, candidates, record_round
from egov.buergerbudget.rounds import CLOSED
from egov.buergerbudget.rounds_store import RoundResult, get_result, get_round
from egov.buergerbudget.vote import retried, round_of, round_of_case
from egov.buergerbudget.vote_tally import count, may_count
from egov.cases.service import record
from egov.clock import Clock, iso
from egov.db import Database
from egov.errors import Conflict
from egov.identity.model import Principal
from egov.workflow.operators import StepContext
from egov.workflow.task_four_eyes import second_person

RESULT_POLL = timedelta(minutes=15)  # how often a proposal's process asks for the result


@dataclass(frozen=True)
class ResultView:
    round: int
    state: str  # "open" (nothing proposed), "proposed", "confirmed"
    proposed_by: str | None
    proposed_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    outcomes: list[dict[str, Any]]  # per proposal: case id, rank, votes, funded, reason


def result_confirmed(session: Session, year: int) -> bool:
    """The round's result may be recorded: confirmed under four eyes, or recorded before
    four eyes existed (a case of the round carries its `allocation`)."""
    row = get_result(session, year)
    if row is not None:
        return row.confirmed_by is not None
    return any("allocation" in case.data for case, _proposal in admitted_cases(session, year))


def vote_state(context: StepContext, _params: dict[str, Any], data: dict[str, Any]) -> Any:
    """`buergerbudget.abstimmung`: {closed, closes_at}: the process waits on `closes_at` (a
    timer) and asks again, so a vote moved before it opened is still waited for. "closed"
    only once the round's result is confirmed; until then it asks every `RESULT_POLL`."""
    found = round_of_case(context, data)
    if found.phase(context.now) != CLOSED:
        return {"closed": False, "closes_at": found.vote_closes_at.isoformat()}
    if not result_confirmed(context.session, found.year):
        return {"closed": False, "closes_at": iso(context.now + RESULT_POLL)}  # now is UTC
    return {"closed": True, "closes_at": found.vote_closes_at.isoformat()}


@dataclass
class ResultConfirmation:
    db: Database
    clock: Clock

    def view(self, reader: Principal, year: int) -> ResultView:
        may_count(reader)
        with self.db.reading() as session:
            round_of(session, year)
            return _view(session, year, get_result(session, year))

    def propose(self, person: Principal, year: int) -> ResultView:
        """The tally now and the allocation it gives, to be confirmed by a second person
        (replaces an earlier unconfirmed proposal)."""
        may_count(person)

        def work(session: Session) -> ResultView:
            now = self.clock()
            if round_of(session, year).phase(now) != CLOSED:
                raise Conflict("Die Abstimmung läuft noch.", code="vote-not-closed")
            if result_confirmed(session, year):
                raise Conflict("Das Ergebnis ist schon bestätigt.", code="result-confirmed")
            row, votes = get_result(session, year), _tally(session, year)
            if row is None:
                row = RoundResult(year=year, votes=votes, proposed_by=person.actor, proposed_at=now)
                session.add(row)
            else:
                row.votes, row.proposed_by, row.proposed_at = votes, person.actor, now
            session.flush()
            _audit(session, year, person.actor, "buergerbudget.result_proposed", now, {})
            return _view(session, year, row)

        return retried(self.db, work)

    def confirm(self, person: Principal, year: int) -> ResultView:
        """The second person confirms: the result is recorded on every case of the round."""
        may_count(person)

        def work(session: Session) -> ResultView:
            now = self.clock()
            row = _proposed(session, year)
            second_person(session, row.proposed_by, person.actor, now)
            if _tally(session, year) != row.votes:
                raise Conflict(
                    "Die Auszählung hat sich seit dem Vorschlag geändert; bitte das Ergebnis "
                    "neu vorschlagen.",
                    code="result-tally-changed",
                )
            row.confirmed_by, row.confirmed_at = person.actor, now
            votes: Votes = {case_id: (v[0], v[1]) for case_id, v in row.votes.items()}
            approvals = {"proposed_by": row.proposed_by, "confirmed_by": person.actor}
            record_round(session, year, person.actor, now, votes, approvals)
            return _view(session, year, row)

        return retried(self.db, work)

    def reject(self, person: Principal, year: int, reason: str) -> ResultView:
        """The second person rejects the proposal (with a reason); it is discarded."""
        may_count(person)

        def work(session: Session) -> ResultView:
            now = self.clock()
            row = _proposed(session, year)
            second_person(session, row.proposed_by, person.actor, now)
            details = {"reason": reason, "proposed_by": row.proposed_by}
            session.delete(row)
            session.flush()
            _audit(session, year, person.actor, "buergerbudget.result_rejected", now, details)
            return _view(session, year, None)

        return retried(self.db, work)


def _proposed(session: Session, year: int) -> RoundResult:
    round_of(session, year)
    row = get_result(session, year)
    if row is None:
        raise Conflict("Es ist kein Ergebnis vorgeschlagen.", code="result-not-proposed")
    if row.confirmed_by is not None:
        raise Conflict("Das Ergebnis ist schon bestätigt.", code="result-confirmed")
    return row


def _tally(session: Session, year: int) -> dict[str, list[int]]:
    return {c.proposal: [c.online, c.offline] for c in count(session, year).counts}


def _audit(
    session: Session, year: int, actor: str, action: str, now: datetime, details: dict[str, Any]
) -> None:
    for case, _proposal in admitted_cases(session, year):
        record(
            session, case, actor=actor, action=action, now=now, details={"round": year, **details}
        )


def _view(session: Session, year: int, row: RoundResult | None) -> ResultView:
    if row is None:
        return ResultView(year, "open", None, None, None, None, [])
    found = get_round(session, year)
    assert found is not None
    votes: Votes = {case_id: (v[0], v[1]) for case_id, v in row.votes.items()}
    allocation = allocate(cents(found.total_budget_eur), candidates(session, year, votes))
    outcomes = [
        {
            "case_id": o.case_id,
            "reference": o.reference,
            "rank": o.rank,
            "votes": o.votes,
            "funded": o.funded,
            "cost_text": eur_text(o.cost_cents),
            "reason": o.reason,
        }
        for o in allocation.outcomes
    ]
    state = "proposed" if row.confirmed_by is None else "confirmed"
    return ResultView(
        year, state, row.proposed_by, row.proposed_at, row.confirmed_by, row.confirmed_at, outcomes
    )


__all__ = ["RESULT_POLL", "ResultConfirmation", "ResultView", "result_confirmed", "vote_state"]
