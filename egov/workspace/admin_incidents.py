"""The incident inbox of the workspace (`/arbeitsplatz/admin/stoerungen`): the open incidents
(or the resolved ones, or all), one incident with its kind, error code, correlation id and
attempts (never the recorded message: it may carry an exception's text), retry and resolve
with a note. The same `Incidents` service as `egov.web.api_admin`; admins only."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.errors import Conflict, DomainError, Invalid, NotFound
from egov.outbox.store import IncidentStatus
from egov.runtime.incidents import MAX_NOTE, Incidents
from egov.ui.pages import N_, page_url, see_other
from egov.web.context import container
from egov.web.paging import page_request
from egov.workspace.admin_pages import acting_admin, admin_page, form_text, show
from egov.workspace.views import bp

FILTERS = {  # ?status=...: which incidents the list shows, and its heading
    "open": (IncidentStatus.OPEN, N_("Offene Störungen")),
    "resolved": (IncidentStatus.RESOLVED, N_("Erledigte Störungen")),
    "all": (None, N_("Alle Störungen")),
}
KINDS = {
    "workflow-step": N_("Automatischer Schritt eines Vorgangs fehlgeschlagen"),
    "delivery": N_("Zustellung fehlgeschlagen"),
    "correlation": N_("Eingehende Nachricht ohne passenden Vorgang"),
    "migration": N_("Migration einer Instanz abgebrochen"),
}
DONE = {
    "wiederholt": N_("Der Schritt lief erneut und war erfolgreich. Die Störung ist erledigt."),
    "fehlgeschlagen": N_("Der Schritt ist erneut fehlgeschlagen. Die Störung bleibt offen."),
    "erledigt": N_("Die Störung ist als erledigt vermerkt."),
}


def _incidents() -> Incidents:
    return container().incidents


@bp.get("/admin/stoerungen")
@admin_page
def admin_incidents() -> Response:
    """The incidents of `?status=` (open by default), oldest first, one page."""
    shown = request.args.get("status", "open")
    status, heading = FILTERS.get(shown, FILTERS["open"])
    found = _incidents().find(status, page_request())
    return show(
        "workspace/admin/incidents.html",
        title=_(heading),
        shown=shown if shown in FILTERS else "open",
        filters={key: _(label) for key, (_status, label) in FILTERS.items()},
        incidents=found.items,
        kinds={key: _(label) for key, label in KINDS.items()},
        more=page_url(found.next_cursor),
    )


@bp.get("/admin/stoerungen/<incident_id>")
@admin_page
def admin_incident(incident_id: str) -> Response:
    """One incident and, while it is open, the forms to retry and to resolve it."""
    return _incident_page(incident_id)


def _incident_page(
    incident_id: str,
    note: str = "",
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
) -> Response:
    incident = _incidents().get(incident_id)
    done = request.args.get("erledigt")
    reference = None if incident.case_id is None else _reference(incident.case_id)
    return show(
        "workspace/admin/incident.html",
        title=_("Störung"),
        incident=incident,
        kind=_(KINDS[incident.kind]) if incident.kind in KINDS else incident.kind,
        is_open=incident.status == IncidentStatus.OPEN,
        reference=reference,
        done=_(DONE[done]) if done in DONE else None,
        note=note,
        errors=errors or {},
        refusal=refusal,
        max_note=MAX_NOTE,
    )


def _reference(case_id: str) -> str | None:
    """The reference (Aktenzeichen) of the incident's case, None if it is gone."""
    try:
        return container().case_file.detail(acting_admin(), case_id).case.reference
    except NotFound:
        return None


@bp.post("/admin/stoerungen/<incident_id>/wiederholen")
@admin_page
def admin_retry_incident(incident_id: str) -> Response | BaseResponse:
    """Run the failed step again; the page says whether it now succeeded."""
    try:
        incident = _incidents().retry(acting_admin(), incident_id)
    except NotFound:
        raise
    except DomainError as refused:  # not open any more, or nothing to run again
        return _incident_page(incident_id, refusal=refused.message)
    outcome = "wiederholt" if incident.status == IncidentStatus.RESOLVED else "fehlgeschlagen"
    return see_other(url_for("workspace.admin_incident", incident_id=incident_id, erledigt=outcome))


@bp.post("/admin/stoerungen/<incident_id>/erledigen")
@admin_page
def admin_resolve_incident(incident_id: str) -> Response | BaseResponse:
    """Close the incident by hand with a note on how it was dealt with."""
    note = form_text("note")
    if not note:
        errors = {"note": _("Bitte beschreiben Sie, wie die Störung behoben wurde.")}
        return _incident_page(incident_id, note=note, errors=errors)
    try:
        _incidents().resolve(acting_admin(), incident_id, note)
    except Invalid:
        errors = {"note": _("Die Notiz darf höchstens %(max)s Zeichen lang sein.", max=MAX_NOTE)}
        return _incident_page(incident_id, note=note, errors=errors)
    except Conflict as refused:
        return _incident_page(incident_id, refusal=refused.message)
    return see_other(
        url_for("workspace.admin_incident", incident_id=incident_id, erledigt="erledigt")
    )
