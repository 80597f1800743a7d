"""The public vote of a round: a citizen's whole ballot, cast and changed until the vote
closes, read back by its voter only; the proposals admitted to the vote (operator
`buergerbudget.zulassen`) and the vote's state for the waiting proposals (operator
`buergerbudget.abstimmung`). Each accepted ballot version is committed into the round's chain
(ADR 0031). The tally, its verification and offline votes: `vote_tally.py`."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from egov.buergerbudget import ballots as rules
from egov.buergerbudget.ballots_store import (
    AdmittedProposal,
    Ballot,
    admitted,
    append,
    ballot_of,
)
from egov.buergerbudget.results import admitted_cases
from egov.buergerbudget.rounds import VOTE, Round, not_found, of_row
from egov.buergerbudget.rounds_store import get_round
from egov.cases.service import record
from egov.clock import Clock
from egov.db import Database, lost_race, new_id
from egov.errors import Conflict, DomainError, Invalid, NotFound
from egov.identity.model import Principal, Vertrauensniveau
from egov.identity.sessions import DEVELOPMENT_ENVS
from egov.identity.sessions import MIN_SECRET_KEY_LENGTH as MIN_KEY_LENGTH
from egov.workflow.operators import OperatorError, StepContext

T = TypeVar("T")
RETRIES = 8


@dataclass(frozen=True)
class BallotView:
    """What the voter reads of their own ballot (and nobody else)."""

    round: int
    proposals: list[str]
    version: int
    commitment: str
    cast_at: datetime


@dataclass(frozen=True)
class BallotOption:
    """A proposal on the ballot: the id the ballot names it by, and what the voter reads."""

    proposal: str
    title: str
    description: str | None
    category: str | None
    cost_eur: float


def ballot_key(configured: str, env: str, data_dir: Path) -> bytes:
    """EGOV_BUERGERBUDGET_BALLOT_KEY; in development/test, if empty, one generated once in
    `data_dir` (`ballot-key`)."""
    if configured:
        if env not in DEVELOPMENT_ENVS and len(configured) < MIN_KEY_LENGTH:
            raise RuntimeError(
                f"EGOV_BUERGERBUDGET_BALLOT_KEY: at least {MIN_KEY_LENGTH} characters"
            )
        return configured.encode()
    if env not in DEVELOPMENT_ENVS:
        raise RuntimeError(f"EGOV_BUERGERBUDGET_BALLOT_KEY must be set when EGOV_ENV={env}")
    path = data_dir / "ballot-key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip().encode()  # made before, or by another process now
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def retried(db: Database, work: Callable[[Session], T]) -> T:
    """`work` in a transaction, again when it lost a race (a unique key or a version)."""
    for attempt in range(RETRIES):
        try:
            with db.transaction() as session:
                return work(session)
        except (IntegrityError, StaleDataError) as exc:
            if attempt == RETRIES - 1:
                raise Conflict(code="conflict") from exc
        except OperationalError as exc:
            if not lost_race(exc) or attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def round_of(session: Session, year: int) -> Round:
    row = get_round(session, year)
    if row is None:
        raise not_found(year)
    return of_row(row)


@dataclass
class Vote:
    db: Database
    clock: Clock
    ballot_key: bytes

    def cast(self, voter: Principal, year: int, proposals: Sequence[str]) -> BallotView:
        """The voter's whole ballot (PUT): the same ballot again changes nothing."""
        voter_key = self._voter(voter, year)

        def work(session: Session) -> BallotView:
            found = round_of(session, year)
            self._may_vote(found, voter)
            names = [p.case_id for p in admitted(session, year)]
            choices = rules.checked_choices(list(proposals), names, found.votes_per_citizen)
            row = ballot_of(session, year, voter_key)
            if row is not None and row.choices == choices:
                return _view(row)
            now = self.clock()
            if row is None:
                row = Ballot(
                    round_year=year,
                    voter=voter_key,
                    choices=[],
                    salt="",
                    commitment="",
                    cast_at=now,
                )
                row.id = new_id()
                version = 1
            else:
                version = row.version + 1
            row.salt = secrets.token_hex(32)
            row.choices, row.cast_at = choices, now
            row.commitment = rules.commitment(row.salt, year, row.id, version, choices)
            session.add(row)
            session.flush()
            content = {"ballot": row.id, "version": row.version, "commitment": row.commitment}
            append(session, year, "citizen", rules.CAST, content, now)
            return _view(row)

        return retried(self.db, work)

    def ballot(self, voter: Principal, year: int) -> BallotView:
        voter_key = self._voter(voter, year)
        with self.db.reading() as session:
            round_of(session, year)
            row = ballot_of(session, year, voter_key)
            if row is None:
                raise NotFound(
                    "Sie haben in dieser Runde noch nicht abgestimmt.", code="ballot-not-found"
                )
            return _view(row)

    def refusal(self, voter: Principal, year: int) -> DomainError | None:
        """Why `voter` may not cast a ballot in the round now (a page says it before the
        form); None: they may."""
        with self.db.reading() as session:
            found = round_of(session, year)
        try:
            self._may_vote(found, voter)
        except DomainError as refused:
            return refused
        return None

    def options(self, year: int) -> list[BallotOption]:
        """The proposals admitted to the round's vote, in the order they were admitted, with
        the ids a ballot names them by (the public round page shows no ids)."""
        with self.db.reading() as session:
            round_of(session, year)
            return [
                BallotOption(
                    case.id,
                    case.title,
                    case.data.get("description"),
                    case.data.get("category"),
                    proposal.cost_eur,
                )
                for case, proposal in admitted_cases(session, year)
            ]

    def _voter(self, voter: Principal, year: int) -> str:
        return rules.pseudonym(self.ballot_key, year, voter.subject)

    def _may_vote(self, found: Round, voter: Principal) -> None:
        needed = Vertrauensniveau(found.vertrauensniveau)
        level = voter.vertrauensniveau
        if level is None or level.rank < needed.rank:
            raise Invalid(
                f"Zum Abstimmen ist das Vertrauensniveau „{needed.value}“ nötig.",
                code="assurance-level-too-low",
            )
        if found.phase(self.clock()) != VOTE:
            raise Conflict("Die Abstimmung dieser Runde ist nicht geöffnet.", code="vote-not-open")


def _view(row: Ballot) -> BallotView:
    return BallotView(row.round_year, list(row.choices), row.version, row.commitment, row.cast_at)


# --- the operators of the proposal's process ------------------------------------------------


def round_of_case(context: StepContext, data: dict[str, Any]) -> Round:
    year = data.get("round_year")
    if not isinstance(year, int):
        raise OperatorError(
            "Der Vorschlag gehört zu keiner Runde (round_year fehlt).", code="operator-params"
        )
    return round_of(context.session, year)


def admit(context: StepContext, _params: dict[str, Any], data: dict[str, Any]) -> Any:
    """`buergerbudget.zulassen`: the proposal joins its round's vote (audited
    `buergerbudget.admitted`); returns the vote's state (see `result_confirmation.vote_state`)."""
    found = round_of_case(context, data)
    if context.session.get(AdmittedProposal, context.case.id) is None:
        cost = float(data.get("cost_estimate_eur") or 0)
        context.session.add(
            AdmittedProposal(
                case_id=context.case.id,
                round_year=found.year,
                cost_eur=cost,
                admitted_at=context.now,
            )
        )
        record(
            context.session,
            context.case,
            actor=context.actor,
            action="buergerbudget.admitted",
            now=context.now,
            details={"round": found.year},
        )
    return {"closed": False, "closes_at": found.vote_closes_at.isoformat()}
