"""Projection of the engine's ready user tasks into the `tasks` table (the inbox).

A new task is due when its model says (`dueDate`, else the case's due date) and, if the model
names an assignee who is a member of the task's org unit in the directory, claimed by them
(egov.workflow.assignment); an assignee or due date that cannot be used leaves the task open
(or due with the case) and the case trail says why (`task.assignment_skipped`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case
from egov.db import new_id
from egov.identity.store import get_membership
from egov.workflow.assignment import AssignmentError, TaskModel, due_at, resolve
from egov.workflow.engine import UserTaskView
from egov.workflow.store import LIVE_TASK, Task, TaskStatus, WorkflowInstance, list_live_tasks
from egov.workflow.task_four_eyes import listed_tasks


def project_tasks(
    session: Session,
    instance: WorkflowInstance,
    case: Case,
    ready: list[UserTaskView],
    *,
    actor: str,
    now: datetime,
) -> None:
    live = {task.engine_task_id: task for task in list_live_tasks(session, instance.id)}
    ready_ids = {view.task_id for view in ready}
    for engine_id, task in live.items():
        if engine_id not in ready_ids and task.status in LIVE_TASK:
            task.status = TaskStatus.CANCELLED
            record(
                session,
                case,
                actor=actor,
                action="task.cancelled",
                now=now,
                details={"task_id": task.id, "name": task.spec_name},
            )
    for view in ready:
        if view.task_id in live:
            continue
        task = Task(
            id=new_id(),  # known before the flush: no flush per task of a large fan-out
            instance_id=instance.id,
            case_id=case.id,
            engine_task_id=view.task_id,
            spec_name=view.spec_name,
            title=view.title,
            org_unit_key=view.org_unit or case.org_unit_key,
            form_schema=view.form_schema,
            status=TaskStatus.OPEN,
            assignee=None,
            created_at=now,
            due_at=case.due_at,  # the model's due date: _apply_model
            claimed_at=None,
            completed_at=None,
            completed_by=None,
            result=None,
            four_eyes=view.four_eyes or view.spec_name in listed_tasks(session, instance),
        )
        session.add(task)
        record(
            session,
            case,
            actor=actor,
            action="task.created",
            now=now,
            details={"task_id": task.id, "name": task.spec_name, "org_unit": task.org_unit_key},
        )
        _apply_model(session, case, task, view, actor=actor, now=now)


def _apply_model(
    session: Session, case: Case, task: Task, view: UserTaskView, *, actor: str, now: datetime
) -> None:
    """The model's due date and assignee of a new task; what cannot be used is noted."""
    model = view.model or TaskModel()
    try:
        task.due_at = due_at(model.due_date, model.values, now) or task.due_at
    except AssignmentError as refusal:
        _skipped(session, case, task, "dueDate", str(refusal), actor=actor, now=now)
    try:
        assignee = resolve(model.assignee, model.values)
    except AssignmentError as refusal:
        _skipped(session, case, task, "assignee", str(refusal), actor=actor, now=now)
        return
    if assignee is None:
        if model.assignee:
            reason = f"{model.assignee!r} ergibt keinen Wert."
            _skipped(session, case, task, "assignee", reason, actor=actor, now=now)
        return
    if task.org_unit_key is None or get_membership(session, assignee, task.org_unit_key) is None:
        reason = f"{assignee!r} ist nicht Mitglied der Organisationseinheit {task.org_unit_key!r}."
        _skipped(session, case, task, "assignee", reason, actor=actor, now=now)
        return
    task.status, task.assignee, task.claimed_at = TaskStatus.CLAIMED, assignee, now
    details = {"task_id": task.id, "name": task.spec_name, "assignee": assignee, "by": "model"}
    record(session, case, actor=actor, action="task.claimed", now=now, details=details)


def _skipped(
    session: Session,
    case: Case,
    task: Task,
    attribute: str,
    reason: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    details = {"task_id": task.id, "name": task.spec_name, "attribute": attribute, "reason": reason}
    record(session, case, actor=actor, action="task.assignment_skipped", now=now, details=details)
