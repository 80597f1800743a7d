"""Process instances as operators see and stop them (like Camunda Cockpit, issue 12).

Admins list instances; admins and clerks of the case's org unit read one (variables redacted
per role, `egov.workflow.instances`). The commands are admin only, need a recent login (like
deploy) and are audited in the case's trail (`egov.workflow.commands`)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from egov.clock import iso
from egov.identity.model import Role
from egov.web import views
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires, requires_recent_login
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.instances import (
    CancelReason,
    Instance,
    InstanceDetail,
    InstanceList,
    InstancePath,
    InstancePending,
    InstanceQuery,
    Reason,
)
from egov.workflow import instances
from egov.workflow.four_eyes import Pending

bp = blueprint("instances", __name__, "Prozessinstanzen")


@bp.get("/process-instances", responses=answers((200, InstanceList)))
@requires(Role.ADMIN)
@validated
def find(query: InstanceQuery) -> Response:
    """Instances, oldest first, filtered by procedure, process and version, state, the
    element a task waits at, open incident."""
    found = instances.InstanceFilter(
        procedure=query.procedure,
        process_id=query.process_id,
        definition_version=query.definition_version,
        state=query.state,
        element=query.element,
        has_incident=query.has_incident,
    )
    return paged(container().instances.find(current_principal(), found, page_request()), row)


@bp.get("/process-instances/<instance_id>", responses=answers((200, InstanceDetail), 404))
@requires(Role.ADMIN, Role.CLERK)
@validated
def detail(path: InstancePath) -> Response:
    """One instance: position, completed elements, variables (redacted per role), incidents."""
    found = container().instances.detail(current_principal(), path.instance_id)
    return jsonify(
        {
            **row(found.row),
            "position": [element(e) for e in found.position],
            "completed": [element(e) for e in found.completed],
            "variables": found.variables,
            "incidents": [views.incident(i) for i in found.incidents],
            "held_messages": [held.listing() for held in found.held],
        }
    )


COMMAND_ANSWERS = answers((200, Instance), (202, InstancePending), 404, 409)


@bp.post("/process-instances/<instance_id>/suspend", responses=COMMAND_ANSWERS)
@requires(Role.ADMIN)
@requires_recent_login()
@validated
def suspend(path: InstancePath, body: Reason) -> Response:
    """Stop the instance for now: no timer, no advance, its tasks leave the inboxes, its
    messages are held. Four eyes (every command, where the procedure demands it): the first
    admin's command is a request (202, `pending`), another admin's within 24 hours carries
    it out (200), the same admin again is 409 `four-eyes-own-request`."""
    commands = container().instance_commands
    return _answer(path.instance_id, commands.suspend(_actor(), path.instance_id, body.reason))


@bp.post("/process-instances/<instance_id>/resume", responses=COMMAND_ANSWERS)
@requires(Role.ADMIN)
@requires_recent_login()
@validated
def resume(path: InstancePath, body: Reason) -> Response:
    """Let a suspended instance run again: its held messages are correlated in arrival
    order, then it is advanced. Four eyes: see suspend."""
    commands = container().instance_commands
    return _answer(path.instance_id, commands.resume(_actor(), path.instance_id, body.reason))


@bp.post("/process-instances/<instance_id>/cancel", responses=COMMAND_ANSWERS)
@requires(Role.ADMIN)
@requires_recent_login()
@validated
def cancel(path: InstancePath, body: CancelReason) -> Response:
    """End the instance: its tasks are cancelled, the case is `cancelled` (eingestellt), the
    citizen gets the bundle's letter `eingestellt` if there is one. Four eyes: see
    suspend."""
    commands = container().instance_commands
    return _answer(path.instance_id, commands.cancel(_actor(), path.instance_id, body.reason))


@bp.post("/process-instances/<instance_id>/restart", responses=COMMAND_ANSWERS)
@requires(Role.ADMIN)
@requires_recent_login()
@validated
def restart(path: InstancePath) -> Response:
    """Run the failed step again after a fix (the retry of its open incident). Four eyes:
    see suspend."""
    pending = container().instance_commands.restart(current_principal(), path.instance_id)
    return _answer(path.instance_id, pending)


def _actor() -> str:
    return current_principal().subject


def _answer(instance_id: str, pending: Pending | None) -> Response:
    found = row(container().instances.detail(current_principal(), instance_id).row)
    if pending is None:
        return jsonify(found)
    response = jsonify({**found, "pending": views.pending(pending)})
    response.status_code = 202
    return response


def row(r: instances.InstanceRow) -> dict[str, Any]:
    summary = r.summary()
    return {**summary, **{name: iso(summary[name]) for name in r.TIMES}}


def element(e: instances.Element) -> dict[str, Any]:
    return {"id": e.id, "name": e.name, "at": iso(e.at)}
