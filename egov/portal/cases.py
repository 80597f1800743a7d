"""'Meine Anträge' (issue 17, docs/frontends.md): the citizen's cases, newest first and
paged, one case's page (status, expected decision, history, letters and documents) and the
withdrawal of an application that is not decided (a confirmation page with an optional
reason). The same services as `GET /api/v1/me/cases`, `/me/cases/{id}` and
`POST /me/cases/{id}/withdraw`; another citizen's case is the 404 page."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.audit.store import AuditEvent
from egov.casefile.queries import CaseFilter
from egov.errors import Conflict
from egov.identity.model import Principal
from egov.paging import MAX_LIMIT, PageRequest
from egov.portal import case_texts
from egov.portal.views import bp
from egov.ui.access import CITIZENS, page_for, viewer
from egov.ui.pages import page_url, render, see_other
from egov.web.context import container
from egov.web.paging import page_request

MAX_REASON = 2000  # characters of a withdrawal's reason
HISTORY_PAGES = 20  # pages of MAX_LIMIT audit events read for the history, at most


def citizen() -> Principal:
    who = viewer()
    assert who is not None  # page_for checked it
    return who


@bp.get("/antraege")
@page_for(CITIZENS)
def cases() -> Response:
    """My applications, newest first, one page."""
    found = container().case_file.cases(citizen(), CaseFilter(), page_request())
    return render(
        "portal/cases/list.html",
        title=_("Meine Anträge"),
        viewer=citizen(),
        cases=found.items,
        status_text=case_texts.status_text,
        more=page_url(found.next_cursor),
    )


@bp.get("/antraege/<case_id>")
@page_for(CITIZENS)
def case(case_id: str) -> Response:
    """One of my applications: where it stands, what happened, its letters and documents."""
    egov, who = container(), citizen()
    parts = egov.case_file.detail(who, case_id)
    found = parts.case
    return render(
        "portal/cases/case.html",
        title=_("Antrag %(reference)s", reference=found.reference),
        viewer=who,
        case=found,
        procedure=egov.catalogue.procedure(found.procedure_key),
        stand=case_texts.status_text(found.status),
        progress=case_texts.progress(found.status, found.closed_at, found.due_at, egov.clock()),
        history=case_texts.history(_events(who, found.id), who.subject),
        documents=[d for d in parts.documents if d.visible_to_applicant],
        messages=list(reversed(parts.messages)),
        withdrawn=request.args.get("zurueckgenommen") == "1",
        sent=request.args.get("gesendet") == "1",
    )


def _events(who: Principal, case_id: str) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    page = PageRequest(limit=MAX_LIMIT)
    for _page in range(HISTORY_PAGES):
        found, _verdict = container().case_file.events(who, case_id, page)
        events.extend(found.items)
        if found.next_cursor is None:
            break
        page = PageRequest(found.next_cursor, MAX_LIMIT)
    return events


@bp.route("/antraege/<case_id>/zuruecknehmen", methods=["GET", "POST"])
@page_for(CITIZENS)
def withdraw(case_id: str) -> Response | BaseResponse:
    """Confirm the withdrawal (with an optional reason); then the case page says so."""
    egov, who = container(), citizen()
    found = egov.case_file.detail(who, case_id).case
    errors: dict[str, str] = {}
    reason = request.form.get("reason", "").strip()
    if request.method == "POST":
        if len(reason) > MAX_REASON:
            errors["reason"] = _("Bitte schreiben Sie höchstens %(n)s Zeichen.", n=MAX_REASON)
        else:
            try:
                egov.rights.withdraw(who, case_id, reason or None)
            except Conflict:
                errors["reason"] = _("Über diesen Antrag ist schon entschieden.")
            else:
                return see_other(url_for("portal.case", case_id=case_id, zurueckgenommen=1))
    return render(
        "portal/cases/withdraw.html",
        title=_("Antrag zurücknehmen"),
        viewer=who,
        case=found,
        open=found.closed_at is None,
        reason=reason,
        errors=errors,
        max_reason=MAX_REASON,
    )
