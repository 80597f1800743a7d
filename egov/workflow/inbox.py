"""The clerk's inbox: listing, claiming, unclaiming and completing user tasks.

A task is visible to admins and to clerks of its org unit (from the BPMN: property `orgUnit`,
`orgUnitVariable` or the lane); invisible tasks answer `task-not-found`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, get_case
from egov.db import Database
from egov.errors import Conflict, Invalid, NotFound
from egov.identity.model import Principal
from egov.paging import FIRST_PAGE, Page, PageRequest, fetch_page
from egov.workflow.engine import Engine
from egov.workflow.forms import form_problems, task_context
from egov.workflow.inbox_filter import TaskFilter, View, narrowed
from egov.workflow.service import Workflows, compiled
from egov.workflow.store import (
    InstanceStatus,
    ProcessDefinition,
    Task,
    TaskStatus,
    WorkflowInstance,
)
from egov.workflow.task_four_eyes import deputy_relations, second_person

NO_DUE_DATE = datetime(9999, 12, 31)  # tasks without a Frist come last, on every database


@dataclass(frozen=True)
class TaskDetail:
    task: Task
    case: Case
    context: dict[str, Any]  # declared process variables the caller may see


Guard = Callable[[Session, Task], None]
"""Raises when a task may not be completed through its form (e.g. a triage review task,
which only the clerk's triage decision completes)."""


@dataclass
class Inbox:
    db: Database
    workflows: Workflows
    guard: Guard | None = None

    def tasks(
        self,
        principal: Principal,
        *,
        mine_only: bool = False,
        page: PageRequest = FIRST_PAGE,
        found: TaskFilter | None = None,
    ) -> Page[Task]:
        """Tasks claimed by me and unclaimed tasks of my org units, by due date, one page;
        `found` narrows them (the workspace's tabs and filters, `egov.workflow.inbox_filter`)."""
        order = (func.coalesce(Task.due_at, NO_DUE_DATE), Task.created_at, Task.id)
        mine_only = mine_only or (found is not None and found.view == View.MINE)
        scope = "tasks:mine" if mine_only else "tasks"
        now = self.workflows.clock()
        with self.db.reading() as session:
            related = deputy_relations(session, principal.subject, now)
            query = inbox_query(principal, mine_only=mine_only, not_proposed_by=related)
            if found is not None:
                query, scope = narrowed(query, found, now), found.scope
            return fetch_page(
                session,
                query,
                page,
                scope=scope,
                order=order,
                key=lambda t: (t.due_at or NO_DUE_DATE, t.created_at, t.id),
            )

    def get(self, principal: Principal, task_id: str) -> Task:
        with self.db.reading() as session:
            return visible_task(session, principal, task_id)

    def detail(self, principal: Principal, task_id: str) -> TaskDetail:
        """The task with its case and the process data its form declares (`x-egov-context`),
        as far as the principal's roles may see it."""
        with self.db.reading() as session:
            task = visible_task(session, principal, task_id)
            case = get_case(session, task.case_id)
            assert case is not None
            data = self._task_data(session, task)
        return TaskDetail(task, case, task_context(task.form_schema, data or {}, principal))

    def _task_data(self, session: Session, task: Task) -> dict[str, Any] | None:
        instance = session.get(WorkflowInstance, task.instance_id)
        definition = (
            None if instance is None else session.get(ProcessDefinition, instance.definition_id)
        )
        if instance is None or definition is None:
            return None
        engine = Engine.load(compiled(definition), instance.state, self.workflows.script_limits)
        return engine.task_data(task.engine_task_id)

    def claim(self, principal: Principal, task_id: str) -> Task:
        with self.db.transaction() as session:
            task = visible_task(session, principal, task_id)
            if task.status == TaskStatus.CLAIMED and task.assignee == principal.subject:
                return task
            _transition(
                session,
                task,
                frm=(TaskStatus.OPEN,),
                assignee=None,
                values={
                    "status": TaskStatus.CLAIMED,
                    "assignee": principal.subject,
                    "claimed_at": self.workflows.clock(),
                },
            )
            _record(session, task, principal, "task.claimed", self.workflows)
            return _reload(session, task)

    def unclaim(self, principal: Principal, task_id: str) -> Task:
        with self.db.transaction() as session:
            task = visible_task(session, principal, task_id)
            _transition(
                session,
                task,
                frm=(TaskStatus.CLAIMED,),
                assignee=principal.subject,
                values={"status": TaskStatus.OPEN, "assignee": None, "claimed_at": None},
            )
            _record(session, task, principal, "task.unclaimed", self.workflows)
            return _reload(session, task)

    def complete(
        self,
        principal: Principal,
        task_id: str,
        data: dict[str, Any],
        *,
        also: Guard | None = None,
    ) -> Task:
        """Complete the task with its form data; `also` writes in the same transaction as
        the completion (then the guard is not asked: the caller is the one it points to)."""
        with self.db.reading() as session:
            task = visible_task(session, principal, task_id)
            if also is None and self.guard is not None:
                self.guard(session, task)
        validate_form(task.form_schema, data)
        if task.four_eyes and also is not None:  # deploy refuses it; never around four eyes
            raise Conflict(
                "Diese Aufgabe verlangt das Vier-Augen-Prinzip und lässt sich so nicht "
                "abschließen.",
                code="task-four-eyes-required",
            )
        if task.four_eyes:
            return self._propose(principal, task, data)
        return self._complete(principal, task, data, also)

    def _complete(
        self,
        principal: Principal,
        task: Task,
        data: dict[str, Any],
        also: Guard | None,
        *,
        proposer: str | None = None,
    ) -> Task:
        """Complete in the engine and mark done; with `proposer`, the approval of a four-eyes
        proposal (the row must still be proposed by them: exactly one approval wins)."""
        task_id, case_id, engine_task_id = task.id, task.case_id, task.engine_task_id

        def finish(engine: Any) -> None:
            engine.complete_user_task(engine_task_id, data)

        def mark_done(session: Session) -> None:
            current = visible_task(session, principal, task_id)
            if proposer is not None:
                _approve(session, current, principal, proposer, self.workflows)
                return
            if current.status not in (TaskStatus.OPEN, TaskStatus.CLAIMED):
                raise Conflict("Die Aufgabe ist nicht mehr offen.", code="task-not-open")
            if current.status == TaskStatus.CLAIMED and current.assignee != principal.subject:
                raise Conflict(
                    "Die Aufgabe bearbeitet jemand anderes.", code="task-claimed-by-other"
                )
            now = self.workflows.clock()
            current.status, current.assignee = TaskStatus.COMPLETED, principal.subject
            current.completed_at, current.completed_by, current.result = (
                now,
                principal.subject,
                data,
            )
            _record(session, current, principal, "task.completed", self.workflows, data)
            if also is not None:
                also(session, current)

        self.workflows.act(case_id, principal.subject, finish, before=mark_done)
        self.workflows.advance_soon(case_id)
        return self.get(principal, task_id)

    # -- four eyes (egov.workflow.task_four_eyes) ------------------------------------------------

    def _propose(self, principal: Principal, task: Task, data: dict[str, Any]) -> Task:
        """Record the decision as proposed; it waits for a second clerk."""
        with self.db.transaction() as session:
            current = visible_task(session, principal, task.id)
            _transition(
                session,
                current,
                frm=(TaskStatus.OPEN, TaskStatus.CLAIMED),
                assignee=principal.subject if current.status == TaskStatus.CLAIMED else None,
                values={
                    "status": TaskStatus.PROPOSED,
                    "assignee": principal.subject,
                    "proposed_by": principal.subject,
                    "proposed_at": self.workflows.clock(),
                    "proposal": data,
                },
            )
            _record(session, current, principal, "task.decision_proposed", self.workflows, data)
            return _reload(session, current)

    def approve(self, principal: Principal, task_id: str) -> Task:
        """The second clerk approves the proposal: the task completes with its data."""
        with self.db.reading() as session:
            task = _proposed(visible_task(session, principal, task_id))
            second_person(session, str(task.proposed_by), principal.subject, self.workflows.clock())
        return self._complete(
            principal, task, dict(task.proposal or {}), None, proposer=task.proposed_by
        )

    def reject(self, principal: Principal, task_id: str, reason: str) -> Task:
        """The second clerk rejects the proposal: back to the proposer, claimed, with reason."""
        with self.db.transaction() as session:
            task = _proposed(visible_task(session, principal, task_id))
            proposer = str(task.proposed_by)
            second_person(session, proposer, principal.subject, self.workflows.clock())
            proposal = task.proposal
            _transition(
                session,
                task,
                frm=(TaskStatus.PROPOSED,),
                assignee=proposer,
                values={
                    "status": TaskStatus.CLAIMED,
                    "assignee": proposer,
                    "proposed_by": None,
                    "proposed_at": None,
                    "proposal": None,
                },
            )
            _record(
                session,
                task,
                principal,
                "task.decision_rejected",
                self.workflows,
                extra={"reason": reason, "proposed_by": proposer, "proposal": proposal},
            )
            return _reload(session, task)


def inbox_query(
    principal: Principal, *, mine_only: bool = False, not_proposed_by: Iterable[str] = ()
) -> Select[Task]:
    """Open tasks of the principal: claimed by me, or unclaimed in one of my org units, or a
    four-eyes proposal of someone else (not of `not_proposed_by`: those I deputize for or who
    deputize for me); not those of suspended instances (they come back on resume)."""
    units = sorted(principal.org_units)
    mine = (Task.status == TaskStatus.CLAIMED) & (Task.assignee == principal.subject)
    suspended = exists().where(
        WorkflowInstance.id == Task.instance_id,
        WorkflowInstance.status == InstanceStatus.SUSPENDED,
    )
    if mine_only:
        return select(Task).where(mine, ~suspended)
    unclaimed = (Task.status == TaskStatus.OPEN) & Task.org_unit_key.in_(units)
    to_approve = (  # four eyes: proposals of others wait for me
        (Task.status == TaskStatus.PROPOSED)
        & Task.org_unit_key.in_(units)
        & Task.proposed_by.not_in([principal.subject, *not_proposed_by])
    )
    return select(Task).where(or_(mine, unclaimed, to_approve), ~suspended)


def visible_task(session: Session, principal: Principal, task_id: str) -> Task:
    task = session.get(Task, task_id)
    if task is None or not may_see(principal, task):
        raise NotFound("Aufgabe nicht gefunden.", code="task-not-found")
    return task


def may_see(principal: Principal, task: Task) -> bool:
    if principal.is_admin:
        return True
    return principal.is_clerk and task.org_unit_key in principal.org_units


def validate_form(schema: dict[str, Any] | None, data: dict[str, Any]) -> None:
    """422 `form-invalid` naming each field with a German reason (`egov.workflow.forms`)."""
    if not isinstance(data, dict):
        raise Invalid("Die Formulardaten müssen ein Objekt sein.", code="form-invalid")
    if not schema:
        return
    problems = form_problems(schema, data)
    if problems:
        raise Invalid(
            "Die Formulardaten sind ungültig.", code="form-invalid", invalid_params=problems
        )


def _transition(
    session: Session,
    task: Task,
    *,
    frm: tuple[str, ...],
    assignee: str | None,
    values: dict[str, Any],
) -> None:
    """Compare-and-set on the row, so two clerks can never both claim one task."""
    query = update(Task).where(Task.id == task.id, Task.status.in_(frm))
    if assignee is not None:
        query = query.where(Task.assignee == assignee)
    if session.execute(query.values(**values)).rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(task)
        if task.status == TaskStatus.CLAIMED:
            raise Conflict("Die Aufgabe bearbeitet jemand anderes.", code="task-claimed-by-other")
        raise Conflict("Die Aufgabe ist nicht mehr offen.", code="task-not-open")


def _record(
    session: Session,
    task: Task,
    principal: Principal,
    action: str,
    workflows: Workflows,
    data: dict[str, Any] | None = None,
    *,
    extra: dict[str, Any] | None = None,
) -> None:
    case = get_case(session, task.case_id)
    assert case is not None
    details: dict[str, Any] = {"task_id": task.id, "name": task.spec_name, **(extra or {})}
    if data is not None:
        details["data"] = data
    record(
        session,
        case,
        actor=principal.subject,
        action=action,
        now=workflows.clock(),
        details=details,
    )


def _not_pending() -> Conflict:
    return Conflict(
        "Für diese Aufgabe wartet keine Entscheidung auf Freigabe.",
        code="task-decision-not-pending",
    )


def _proposed(task: Task) -> Task:
    if task.status != TaskStatus.PROPOSED or task.proposed_by is None:
        raise _not_pending()
    return task


def _approve(
    session: Session, task: Task, principal: Principal, proposer: str, workflows: Workflows
) -> None:
    """Compare-and-set proposed -> completed: of two concurrent approvals exactly one wins."""
    now = workflows.clock()
    query = update(Task).where(
        Task.id == task.id, Task.status == TaskStatus.PROPOSED, Task.proposed_by == proposer
    )
    values = {
        "status": TaskStatus.COMPLETED,
        "completed_at": now,
        "completed_by": proposer,
        "result": task.proposal,
    }
    if session.execute(query.values(**values)).rowcount != 1:  # type: ignore[attr-defined]
        raise _not_pending()
    session.refresh(task)
    extra = {"proposed_by": proposer}
    _record(session, task, principal, "task.decision_approved", workflows, task.result, extra=extra)


def _reload(session: Session, task: Task) -> Task:
    session.refresh(task)
    return task
