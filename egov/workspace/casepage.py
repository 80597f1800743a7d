"""The case page of the workspace (issue 17, docs/frontends.md): at `/arbeitsplatz/vorgaenge/
<case_id>` the case, at `/arbeitsplatz/aufgaben/<task_id>` the same page around one of its
tasks. Shown: the application as the citizen entered it (labels from the procedure's form),
the documents (images and PDFs to view, every one to download), the Frist, the process
diagram with the current steps marked (and listed, as its text alternative), the audit trail
with the verification of its hash chain; on a task page the task's context (`x-egov-context`),
the triage suggestion to confirm or override, a four-eyes proposal to approve or reject, and
the form (`egov.workspace.formfields`, sent through `egov.workspace.taskform`).

The same services as `GET /api/v1/cases/{id}`, `/events`, `/documents/{id}/content`,
`/tasks/{id}` and `/process-instances/{id}`: a clerk of another unit gets their 404."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from egov.casefile.reading import CaseParts
from egov.cases.store import Case
from egov.identity.model import Principal, Role
from egov.paging import PageRequest
from egov.ui.access import STAFF, page_for, viewer
from egov.ui.pages import local_path, page_url, render
from egov.web import downloads
from egov.web.context import container
from egov.web.paging import page_request
from egov.workflow.store import TaskStatus
from egov.workspace.formfields import fields_of, labelled, labels_of
from egov.workspace.views import bp

CLERKS = frozenset({Role.CLERK})  # who may change a task, as in the API
PREVIEWED = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
UNITS = PageRequest(limit=100)
LIVE = (TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.PROPOSED)


@bp.get("/vorgaenge/<case_id>")
@page_for(STAFF)
def case(case_id: str) -> Response:
    """The case page."""
    who = signed_in()
    parts = container().case_file.detail(who, case_id)
    return render(
        "workspace/case/case.html",
        title=_("Vorgang %(reference)s", reference=parts.case.reference),
        **case_context(who, parts),
    )


@bp.get("/aufgaben/<task_id>")
@page_for(STAFF)
def task(task_id: str) -> Response:
    """The case page around one task, with its form."""
    return task_page(task_id)


def task_page(
    task_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    """The task's page; after a refused form with its `errors` and the sent `values`."""
    who = signed_in()
    egov = container()
    shown = egov.triage.detail(who, task_id)
    found = shown.detail.task
    fields = fields_of(found.form_schema)
    parts = egov.case_file.detail(who, found.case_id)
    return render(
        "workspace/case/task.html",
        title=found.title,
        task=found,
        context=shown.detail.context,
        triage=shown.suggestion,
        units=_org_units() if shown.suggestion else {},
        fields=fields,
        proposal=labelled(fields, found.proposal),
        errors=dict(errors or {}),
        values=values or {},
        may_act=Role.CLERK in who.roles,
        here=local_path(request.path, url_for("workspace.task", task_id=task_id)),
        **case_context(who, parts),
    )


def case_context(who: Principal, parts: CaseParts) -> dict[str, Any]:
    """What both pages show of the case."""
    egov = container()
    events, verdict = egov.case_file.events(who, parts.case.id, page_request())
    instance = egov.instances.of_case(who, parts.case.id)
    rows, labels = application(parts.case)
    return {
        "viewer": who,
        "case": parts.case,
        "application": rows,
        "labels": labels,
        "documents": parts.documents,
        "previewed": PREVIEWED,
        "open_tasks": [t for t in parts.tasks if t.status in LIVE],
        "events": events.items,
        "more_events": page_url(events.next_cursor),
        "verdict": verdict,
        "instance": instance,
        "now": egov.clock(),
    }


def application(case: Case) -> tuple[list[tuple[str, Any]], dict[str, str]]:
    """(label, value) of the application's data, in the procedure form's order (then what
    the form does not name, by its key), and the form's labels by key."""
    labels = labels_of(container().catalogue.procedure(case.procedure_key).form)
    data = case.data or {}
    rows = [(label, data[key]) for key, label in labels.items() if key in data]
    return rows + [(key, value) for key, value in data.items() if key not in labels], labels


def _org_units() -> dict[str, str]:
    """The org units by key (an override of the triage suggestion names one)."""
    return {u.key: u.name for u in container().directory.org_units(UNITS).items}


@bp.get("/dokumente/<document_id>")
@page_for(STAFF)
def document(document_id: str) -> Response:
    """A document's bytes: to download, or (`?ansehen=1`, images and PDFs only) to view."""
    doc, chunks = container().case_file.content(signed_in(), document_id)
    response = Response(chunks, mimetype=doc.media_type)
    disposition = downloads.attachment(doc.filename)
    if request.args.get("ansehen") and doc.media_type in PREVIEWED:
        disposition = disposition.replace("attachment", "inline", 1)
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/prozessinstanzen/<instance_id>/diagramm")
@page_for(STAFF)
def diagram(instance_id: str) -> Response:
    """The BPMN XML of the instance's version, for `ui/diagram.js`."""
    xml = container().instances.diagram(signed_in(), instance_id)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private"})


@bp.app_template_filter("number")
def number(value: float) -> str:
    """A number as the page's language writes it ("4.800,5")."""
    return str(format_decimal(value))


def signed_in() -> Principal:
    """The viewer of a page behind `page_for` (which checked the login)."""
    who = viewer()
    assert who is not None
    return who
