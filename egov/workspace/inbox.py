"""The clerk's Posteingang at `/arbeitsplatz/posteingang` (issue 17, docs/frontends.md): the
tabs mine, my units, unclaimed and overdue, filtered by procedure and status, searched,
sorted by Frist and paged as `GET /api/v1/tasks` pages; claim and release as forms (POST,
CSRF). The same services as `egov/web/api_tasks.py`; what a clerk may see is theirs."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.errors import Invalid, NotFound
from egov.identity.model import Principal, Role
from egov.paging import PageRequest
from egov.ui.access import STAFF, page_for
from egov.ui.pages import N_, local_path, page_url, render, see_other
from egov.web.context import container
from egov.web.paging import page_request
from egov.workflow.inbox_filter import MAX_SEARCH, TaskFilter, View
from egov.workflow.store import TaskStatus
from egov.workspace.casepage import CLERKS, signed_in
from egov.workspace.views import bp

TABS = {
    View.UNITS: N_("Meine Einheiten"),
    View.MINE: N_("Meine Aufgaben"),
    View.UNCLAIMED: N_("Nicht übernommen"),
    View.OVERDUE: N_("Überfällig"),
}
STATUSES = {
    TaskStatus.OPEN: N_("offen"),
    TaskStatus.CLAIMED: N_("in Bearbeitung"),
    TaskStatus.PROPOSED: N_("wartet auf Freigabe"),
}
PROCEDURES = PageRequest(limit=100)  # the filter's choice: the catalogue's first hundred


@bp.get("/posteingang")
@page_for(STAFF)
def inbox() -> Response:
    """One page of the inbox, as the tab and the filters ask."""
    egov = container()
    who = signed_in()
    found = task_filter()
    shown = egov.triage.inbox_page(who, found, page_request())
    return render(
        "workspace/inbox/inbox.html",
        title=_("Posteingang"),
        viewer=who,
        found=found,
        tabs=TABS,
        statuses=STATUSES,
        procedures={p.key: p.name for p in egov.catalogue.procedures(PROCEDURES).items},
        tasks=shown.tasks.items,
        marks=shown.marks,
        cases=shown.cases,
        now=egov.clock(),
        may_claim=Role.CLERK in who.roles,
        more=page_url(shown.tasks.next_cursor),
        here=local_path(request.full_path.rstrip("?"), url_for("workspace.inbox")),
        done=done_title(who),
    )


def done_title(who: Principal) -> str | None:
    """The title of the task just completed (`?erledigt=<task id>`), if the viewer sees it."""
    task_id = request.args.get("erledigt")
    if not task_id:
        return None
    try:
        return container().inbox.get(who, task_id).title
    except NotFound:
        return None


def task_filter() -> TaskFilter:
    """The tab and filters of the query; an unknown value counts as none."""
    args = request.args
    view, status = args.get("ansicht", ""), args.get("status", "")
    search = args.get("q", "").strip()
    if len(search) > MAX_SEARCH:
        raise Invalid(
            f"Der Suchbegriff ist zu lang: höchstens {MAX_SEARCH} Zeichen.",
            code="search-too-long",
        )
    return TaskFilter(
        view=View(view) if view in list(View) else View.UNITS,
        procedure=args.get("verfahren") or None,
        status=TaskStatus(status) if status in STATUSES else None,
        search=search or None,
    )


@bp.post("/aufgaben/<task_id>/uebernehmen")
@page_for(CLERKS)
def claim(task_id: str) -> BaseResponse:
    """Take the task (409 page if someone else has it), back to where the form was."""
    container().inbox.claim(signed_in(), task_id)
    return see_other(back_to(task_id))


@bp.post("/aufgaben/<task_id>/zurueckgeben")
@page_for(CLERKS)
def release(task_id: str) -> BaseResponse:
    """Give the claimed task back to the unit."""
    container().inbox.unclaim(signed_in(), task_id)
    return see_other(back_to(task_id))


def back_to(task_id: str) -> str:
    """The form's `next` (a path on this site), else the task's page."""
    default = url_for("workspace.task", task_id=task_id)
    return local_path(request.form.get("next"), default)
