"""The clerk's inbox."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from egov.errors import DomainError
from egov.identity.model import Role
from egov.web import views
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged

bp = Blueprint("tasks", __name__)


@bp.get("/tasks")
@requires(Role.CLERK, Role.ADMIN)
def tasks() -> Response:
    """My inbox: tasks claimed by me and unclaimed tasks of my org units (`?mine=true`)."""
    mine_only = request.args.get("mine") == "true"
    found = container().inbox.tasks(current_principal(), mine_only=mine_only, page=page_request())
    return paged(found, views.task)


@bp.get("/tasks/<task_id>")
@requires(Role.CLERK, Role.ADMIN)
def task(task_id: str) -> Response:
    """One task with its form (JSON Schema)."""
    return jsonify(views.task(container().inbox.get(current_principal(), task_id), with_form=True))


@bp.post("/tasks/<task_id>/claim")
@requires(Role.CLERK)
def claim(task_id: str) -> Response:
    """Take a task: 409 if someone else has it or it is no longer open."""
    return jsonify(views.task(container().inbox.claim(current_principal(), task_id)))


@bp.post("/tasks/<task_id>/unclaim")
@requires(Role.CLERK)
def unclaim(task_id: str) -> Response:
    """Give a claimed task back to the group."""
    return jsonify(views.task(container().inbox.unclaim(current_principal(), task_id)))


@bp.post("/tasks/<task_id>/complete")
@requires(Role.CLERK)
def complete(task_id: str) -> Response:
    """Complete a task with form data (422 if it fails the form)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("Erwartet wird ein JSON-Objekt.", code="bad-request")
    data = body.get("data", {})
    done = container().inbox.complete(current_principal(), task_id, data)
    return jsonify(views.task(done, with_form=True))
