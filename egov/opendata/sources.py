"""Where the datasets come from: the Bürgerbudget proposals behind a small interface
(`ProposalSource`: `CaseProposals` here, `RoundProposals` of rounds.py over it in the
container), the public read side of participations (`egov.participation.public`, which alone
decides what of them is public) and the times of every case for the statistics. Reads only;
no person's data is selected."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from egov.cases.store import Case, Procedure
from egov.db import Database
from egov.intake.xbeteiligung import PROCEDURE_KEY as BETEILIGUNG
from egov.opendata.statistics import CaseTimes, local_day
from egov.paging import MAX_LIMIT, PageRequest
from egov.participation.public import PublicParticipations
from egov.participation.store import Statement, StatementStatus
from egov.workflow.engine import Engine
from egov.workflow.instances import non_personal
from egov.workflow.script_pool import ScriptLimits
from egov.workflow.steps import compiled
from egov.workflow.store import ProcessDefinition, WorkflowInstance

BUERGERBUDGET = "buergerbudget"
# statuses in which the office has made a proposal public (admitted it to the vote, and every
# status after the vote): only then are its title, description and place published
PUBLISHED_STATUSES = frozenset(
    {"admitted_to_vote", "not_funded", "in_implementation", "implemented"}
)
CANCELLED = "cancelled"


def public_id(case_id: str) -> str:
    """A proposal's id in open data: stable, but not its case id, which would let anyone tell
    a case exists (the API answers 404 to those who may not see it)."""
    return hashlib.sha256(f"open-data:{case_id}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Proposal:
    """One Bürgerbudget proposal as open data may show it: no proposer, and its own text only
    once it is public."""

    id: str  # public_id(case id)
    round: int  # the round's year (`CaseProposals`: the year of receipt)
    status: str
    variables: dict[str, Any]  # the procedure's `non_personal_variables` and their values
    title: str | None
    description: str | None
    location: str | None
    votes: int | None = None  # the round's result: only once its vote closed
    rank: int | None = None
    funded: bool | None = None
    reason: str | None = None


class ProposalSource(Protocol):
    def proposals(self) -> list[Proposal]: ...

    def last_change(self) -> datetime | None: ...

    def round_pages(self) -> list[dict[str, Any]]: ...


@dataclass
class CaseProposals:
    """The proposals as main has them: the cases of the procedure `buergerbudget` and the
    non-personal variables of their process instances (read from the engine's state, memoised
    per instance version)."""

    db: Database
    script_limits: ScriptLimits
    _memo: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def proposals(self) -> list[Proposal]:
        query = (
            select(Case, WorkflowInstance)
            .outerjoin(WorkflowInstance, WorkflowInstance.case_id == Case.id)
            .where(Case.procedure_key == BUERGERBUDGET)
            .order_by(Case.created_at, Case.id)
        )
        with self.db.reading() as session:
            return [
                self._proposal(case, self._variables(session, instance))
                for case, instance in session.execute(query).all()
            ]

    def last_change(self) -> datetime | None:
        query = select(func.max(Case.updated_at)).where(Case.procedure_key == BUERGERBUDGET)
        with self.db.reading() as session:
            return session.scalar(query)

    def round_pages(self) -> list[dict[str, Any]]:
        return []  # no rounds without egov/buergerbudget

    def _variables(self, session: Session, instance: WorkflowInstance | None) -> dict[str, Any]:
        if instance is None:
            return {}
        known = self._memo.get(instance.id)
        if known is not None and known[0] == instance.version:
            return known[1]
        definition = session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None
        data = Engine.load(compiled(definition), instance.state, self.script_limits).data
        found = {name: data.get(name) for name in sorted(non_personal(definition))}
        self._memo[instance.id] = (instance.version, found)
        return found

    @staticmethod
    def _proposal(case: Case, variables: dict[str, Any]) -> Proposal:
        public = case.status in PUBLISHED_STATUSES
        return Proposal(
            id=public_id(case.id),
            round=local_day(case.created_at).year,
            status=case.status,
            variables=variables,
            title=case.title if public else None,
            description=case.data.get("description") if public else None,
            location=case.data.get("location") if public else None,
        )


def participations(public: PublicParticipations) -> list[dict[str, Any]]:
    """Every participation in detail, as the public read API shows it."""
    found, request = [], PageRequest(limit=MAX_LIMIT)
    while True:
        page = public.list(request)
        found += [public.get(item["id"]) for item in page.items]
        if page.next_cursor is None:
            return found
        request = PageRequest(page.next_cursor, MAX_LIMIT)


def participations_changed(db: Database) -> datetime | None:
    moments = [
        select(func.max(Case.updated_at)).where(Case.procedure_key == BETEILIGUNG),
        *(
            select(func.max(column)).where(Statement.status == StatementStatus.RECEIVED)
            for column in (Statement.created_at, Statement.hidden_at, Statement.weighed_at)
        ),
    ]
    with db.reading() as session:
        values = [session.scalar(query) for query in moments]
    return max((v for v in values if v is not None), default=None)


def case_times(db: Database) -> tuple[list[CaseTimes], dict[str, str], datetime | None]:
    """Every case's procedure and times, the procedures' names, the newest change."""
    query = select(Case.procedure_key, Case.created_at, Case.closed_at, Case.due_at, Case.status)
    with db.reading() as session:
        times = [
            CaseTimes(key, created, closed, due, status == CANCELLED)
            for key, created, closed, due, status in session.execute(query).all()
        ]
        names = dict(session.execute(select(Procedure.key, Procedure.name)).all())
        changed = session.scalar(select(func.max(Case.updated_at)))
    return times, names, changed
