"""Projection of the engine's ready user tasks into the `tasks` table (the inbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case
from egov.db import new_id
from egov.workflow.engine import UserTaskView
from egov.workflow.store import LIVE_TASK, Task, TaskStatus, WorkflowInstance, list_live_tasks


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
            due_at=case.due_at,
            claimed_at=None,
            completed_at=None,
            completed_by=None,
            result=None,
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
