"""Sending a task's form from its page (issue 17): completing the task (`POST .../erledigen`)
with the fields of `egov.workspace.formfields`, a refusal shown again on the task page with
the German reasons next to their fields (status 200, as the workspace's other forms: a 4xx
document is an error in the browser's console); four eyes: a second clerk approves or
rejects a proposed decision; the triage decision of a review task. The same services as
`POST /api/v1/tasks/{id}/complete|approve|reject|triage`."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.errors import Invalid
from egov.ui.access import page_for
from egov.ui.pages import see_other
from egov.web.context import container
from egov.workspace.casepage import CLERKS, signed_in, task_page
from egov.workspace.formfields import data_from, errors_of, fields_of
from egov.workspace.views import bp

MAX_REASON = 2000


@bp.post("/aufgaben/<task_id>/erledigen")
@page_for(CLERKS)
def complete(task_id: str) -> BaseResponse:
    """Complete the task with its form; a refusal shows the page again with the reasons."""
    who = signed_in()
    egov = container()
    task = egov.inbox.get(who, task_id)
    data = data_from(task.form_schema, request.form)
    try:
        egov.inbox.complete(who, task_id, data)
    except Invalid as refusal:
        if refusal.code != "form-invalid":
            raise
        errors = errors_of(refusal, fields_of(task.form_schema))
        return task_page(task_id, errors=errors, values=request.form)
    return see_other(url_for("workspace.inbox", erledigt=task.id))


@bp.post("/aufgaben/<task_id>/freigeben")
@page_for(CLERKS)
def approve(task_id: str) -> BaseResponse:
    """Four eyes: approve the proposed decision; the task completes with it."""
    who = signed_in()
    done = container().inbox.approve(who, task_id)
    return see_other(url_for("workspace.inbox", erledigt=done.id))


@bp.post("/aufgaben/<task_id>/ablehnen")
@page_for(CLERKS)
def reject(task_id: str) -> BaseResponse:
    """Four eyes: reject the proposed decision with a reason; back to the proposer."""
    who = signed_in()
    reason = (request.form.get("grund") or "").strip()
    if not reason or len(reason) > MAX_REASON:
        message = _("Bitte nennen Sie einen Grund (höchstens %(n)s Zeichen).", n=MAX_REASON)
        return task_page(task_id, errors={"grund": message}, values=request.form)
    back = container().inbox.reject(who, task_id, reason)
    return see_other(url_for("workspace.inbox", erledigt=back.id))


@bp.post("/aufgaben/<task_id>/triage")
@page_for(CLERKS)
def decide_triage(task_id: str) -> BaseResponse:
    """Confirm or override the triage suggestion of a review task (`POST .../triage`)."""
    who = signed_in()
    form = request.form
    body = {
        "decision": form.get("decision"),
        "org_unit": form.get("org_unit") or None,
        "reason": form.get("reason"),
    }
    try:
        done = container().triage.decide(who, task_id, body)
    except Invalid as refusal:
        if not refusal.invalid_params:
            raise
        errors = {str(p["name"]): str(p["reason"]) for p in refusal.invalid_params}
        return task_page(task_id, errors=errors, values=form)
    return see_other(url_for("workspace.inbox", erledigt=done.id))
