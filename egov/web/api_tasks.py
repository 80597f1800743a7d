"""The clerk's inbox."""

from __future__ import annotations

from flask import Response, jsonify

from egov.identity.model import Role
from egov.web import views
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.tasks import (
    Completion,
    Rejection,
    Task,
    TaskList,
    TaskPath,
    TaskQuery,
    TaskWithForm,
)
from egov.web.schemas.triage import TaskWithTriage
from egov.workflow.inbox_filter import TaskFilter, View
from egov.workflow.store import TaskStatus

bp = blueprint("tasks", __name__, "Aufgaben")


@bp.get("/tasks", responses=answers((200, TaskList)))
@requires(Role.CLERK, Role.ADMIN)
@validated
def tasks(query: TaskQuery) -> Response:
    """My inbox: tasks claimed by me and unclaimed tasks of my org units (`?mine=true`),
    narrowed as the workspace's tabs and filters narrow it (`view`, `procedure`, `status`,
    `q`); by Frist. A review task says whether triage suggests its unit (`triage`:
    suggested | abstained)."""
    found, marks = container().triage.tasks(
        current_principal(), mine_only=query.mine, page=page_request(), narrowed=narrowed(query)
    )
    return paged(found, lambda t: {**views.task(t), "triage": marks.get(t.id)})


def narrowed(query: TaskQuery) -> TaskFilter | None:
    """The filter of the query; None without any (the cursors of the plain inbox)."""
    if not (query.view or query.procedure or query.status or query.q):
        return None
    return TaskFilter(
        view=View(query.view or View.UNITS),
        procedure=query.procedure,
        status=TaskStatus(query.status) if query.status else None,
        search=query.q,
    )


@bp.get("/tasks/<task_id>", responses=answers((200, TaskWithTriage), 404))
@requires(Role.CLERK, Role.ADMIN)
@validated
def task(path: TaskPath) -> Response:
    """One task with its form (JSON Schema), its case, the process data the form declares
    and, on a review task, the suggestion of the triage to confirm or override."""
    shown = container().triage.detail(current_principal(), path.task_id)
    return jsonify(views.task_triage(shown.detail, shown.suggestion))


@bp.post("/tasks/<task_id>/claim", responses=answers((200, Task), 404, 409))
@requires(Role.CLERK)
@validated
def claim(path: TaskPath) -> Response:
    """Take a task: 409 if someone else has it or it is no longer open."""
    return jsonify(views.task(container().inbox.claim(current_principal(), path.task_id)))


@bp.post("/tasks/<task_id>/unclaim", responses=answers((200, Task), 404, 409))
@requires(Role.CLERK)
@validated
def unclaim(path: TaskPath) -> Response:
    """Give a claimed task back to the group."""
    return jsonify(views.task(container().inbox.unclaim(current_principal(), path.task_id)))


@bp.post("/tasks/<task_id>/complete", responses=answers((200, TaskWithForm), 404, 409, 422))
@requires(Role.CLERK)
@validated
def complete(path: TaskPath, body: Completion) -> Response:
    """Complete a task with form data (422 if it fails the form). A four-eyes task only
    records the decision (`status` proposed) until a second clerk approves it."""
    done = container().inbox.complete(current_principal(), path.task_id, body.data)
    return jsonify(views.task(done, with_form=True))


@bp.post("/tasks/<task_id>/approve", responses=answers((200, TaskWithForm), 404, 409))
@requires(Role.CLERK)
@validated
def approve(path: TaskPath) -> Response:
    """Four eyes: a second clerk approves the proposed decision, the task completes with it
    (409 `task-decision-own` for the proposer and anyone deputizing with them)."""
    done = container().inbox.approve(current_principal(), path.task_id)
    return jsonify(views.task(done, with_form=True))


@bp.post("/tasks/<task_id>/reject", responses=answers((200, TaskWithForm), 404, 409, 422))
@requires(Role.CLERK)
@validated
def reject(path: TaskPath, body: Rejection) -> Response:
    """Four eyes: a second clerk rejects the proposed decision with a reason; the task goes
    back to the proposer (claimed)."""
    back = container().inbox.reject(current_principal(), path.task_id, body.reason)
    return jsonify(views.task(back, with_form=True))
