"""Triage in the case flow: suggest on intake or as a service task, show, decide, measure.

`TriageDesk` is the one service object (`container.triage`). On `intake` its `start_variables`
is `Workflows.prepare_start`: it asks the chain with no transaction open and starts the
process with `triage_org_unit`, the inbox of the review task. As a service task the operator
`triage.suggest` does the same inside the step. Neither ever fails the filing: a failing or
slow plugin is skipped by the chain, a failing chain is an abstention to Allgemein.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database
from egov.identity.model import Principal
from egov.paging import FIRST_PAGE, Page, PageRequest
from egov.settings import Settings
from egov.triage import decisions, metrics, routing
from egov.triage.model import Triage
from egov.triage.plugins import FACTORIES
from egov.triage.plugins.rules import Rules
from egov.triage.runner import Chain, build_triage
from egov.triage.store import (
    DatabaseRecentCases,
    TriageSuggestion,
    decided_rows,
    latest_suggestion,
    list_decisions,
)
from egov.triage.store import decision_of as stored_decision
from egov.workflow.inbox import Inbox, TaskDetail, visible_task
from egov.workflow.inbox_filter import TaskFilter
from egov.workflow.operators import OperatorError, StepContext
from egov.workflow.store import Task
from egov.workflow.triage_config import OPERATOR, of_files


def chain_of(settings: Settings, db: Database, clock: Clock) -> Chain:
    """The chain EGOV_TRIAGE_PLUGINS names; its rules compare with the open cases stored."""
    chain = build_triage(settings, FACTORIES)
    for plugin in chain.plugins:
        if isinstance(plugin, Rules):
            plugin.recent_cases, plugin.clock = DatabaseRecentCases(db), clock
    return chain


@dataclass(frozen=True)
class InboxPage:
    tasks: Page[Task]
    marks: dict[str, str]  # task id -> suggested | abstained (review tasks)
    cases: dict[str, Case]  # by id, for each task


@dataclass(frozen=True)
class TaskTriage:
    """A task as the clerk opens it, with the suggestion to confirm (None: no review task)."""

    detail: TaskDetail
    suggestion: dict[str, Any] | None


@dataclass
class TriageDesk:
    db: Database
    clock: Clock
    chain: Triage
    inbox: Inbox

    def start_variables(self, case_id: str) -> dict[str, Any]:
        """`Workflows.prepare_start`: the suggestion of a procedure triaged on intake."""
        with self.db.reading() as session:
            case = get_case(session, case_id)
            config = None if case is None else routing.config_of_case(session, case)
            if case is None or config is None or config.on != "intake":
                return {}
            done = latest_suggestion(session, case_id)
            if done is not None:  # a retried start: triage has spoken already
                return {"triage_org_unit": done.org_unit_key}
            item = routing.triage_input(session, case)
        threshold = self.chain.default_threshold if config.threshold is None else config.threshold
        result = routing.ask(self.chain, item, threshold)  # no transaction open
        with self.db.transaction() as session:
            case = get_case(session, case_id)
            assert case is not None
            row = routing.keep(session, case, result, mode="intake", now=self.clock())
            return {"triage_org_unit": row.org_unit_key}

    def operator(self, context: StepContext, params: dict[str, Any], _data: dict[str, Any]) -> str:
        """`triage.suggest`: the org unit key of the review task's inbox (resultVariable)."""
        config = of_files(context.bundle_files)
        configured = config.threshold if config else None
        threshold = params.get("threshold", configured or self.chain.default_threshold)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise OperatorError(
                "triage.suggest: 'threshold' muss eine Zahl von 0 bis 1 sein.",
                code="operator-params",
            )
        item = routing.triage_input(context.session, context.case)
        result = routing.ask(self.chain, item, float(threshold))
        row = routing.keep(
            context.session, context.case, result, mode="service_task", now=context.now
        )
        return row.org_unit_key

    def tasks(
        self,
        principal: Principal,
        *,
        mine_only: bool = False,
        page: PageRequest = FIRST_PAGE,
        narrowed: TaskFilter | None = None,
    ) -> tuple[Page[Task], dict[str, str]]:
        """`GET /tasks`: the inbox, and which of its tasks are review tasks (`inbox_marks`);
        `narrowed`: the workspace's tabs and filters."""
        found = self.inbox.tasks(principal, mine_only=mine_only, page=page, found=narrowed)
        with self.db.reading() as session:
            return found, decisions.inbox_marks(session, list(found.items))

    def inbox_page(
        self, principal: Principal, narrowed: TaskFilter, page: PageRequest = FIRST_PAGE
    ) -> InboxPage:
        """The workspace's inbox: one page of tasks, their review marks and their cases."""
        found, marks = self.tasks(principal, page=page, narrowed=narrowed)
        with self.db.reading() as session:
            cases = {t.case_id: get_case(session, t.case_id) for t in found.items}
        return InboxPage(found, marks, {key: case for key, case in cases.items() if case})

    def detail(self, principal: Principal, task_id: str) -> TaskTriage:
        """`GET /tasks/{id}`: the task, and on a review task the suggestion it shows."""
        detail = self.inbox.detail(principal, task_id)
        with self.db.reading() as session:
            suggestion = decisions.review_suggestion(session, detail.task)
            shown = None if suggestion is None else _shown(session, suggestion)
        return TaskTriage(detail, shown)

    def decide(self, principal: Principal, task_id: str, body: dict[str, Any]) -> Task:
        """Confirm or override the suggestion of a review task; the task completes with the
        decided unit as `routed_org_unit` and the case is routed on (then advances)."""
        with self.db.reading() as session:
            task = visible_task(session, principal, task_id)
            suggestion = decisions.pending(session, task)
            checked = decisions.check(
                session, suggestion, body.get("decision"), body.get("org_unit"), body.get("reason")
            )
            suggestion_id = suggestion.id

        def write(session: Any, current: Task) -> None:
            decisions.write(session, current, suggestion_id, checked, principal, self.clock())

        data = {"routed_org_unit": checked.org_unit, "triage_decision": checked.decision}
        return self.inbox.complete(principal, task_id, data, also=write)

    def metrics(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, Any]:
        with self.db.reading() as session:
            return metrics.report(list_decisions(session, _naive(since), _naive(until)))

    def training_rows(self) -> Iterator[tuple[str, str]]:
        """(text, org unit name) of decided cases, for `egov triage train --from-decisions`."""
        with self.db.reading() as session:
            yield from decided_rows(session)


def _shown(session: Any, suggestion: TriageSuggestion) -> dict[str, Any]:
    """The suggestion as the clerk sees it: the best org unit, priority and procedure
    suggestions, flags, abstention."""
    result = suggestion.result
    suggestions = result.get("suggestions", [])

    def best(kind: str) -> dict[str, Any] | None:
        found = [s for s in suggestions if s.get("kind") == kind]
        return max(found, key=lambda s: s.get("confidence", 0.0)) if found else None

    decided = stored_decision(session, suggestion.id)
    return {
        "id": suggestion.id,
        "org_unit": suggestion.org_unit_key,
        "abstained": suggestion.abstained,
        "threshold": suggestion.threshold,
        "suggested": best("org_unit"),
        "priority": best("priority"),
        "procedure": best("procedure"),
        "flags": [s for s in suggestions if s.get("kind") == "flag"],
        "failures": result.get("failures", []),
        "created_at": suggestion.created_at,
        "decision": None if decided is None else decided.decision,
    }


def _naive(moment: datetime | None) -> datetime | None:
    """A period bound as egov stores times: naive UTC (a bound without offset is UTC)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


__all__ = ["OPERATOR", "TaskTriage", "TriageDesk"]
