"""Admin endpoints: incidents (process definitions: egov.web.api_definitions)."""

from __future__ import annotations

from flask import Response, jsonify, request

from egov.identity.model import Role
from egov.outbox.store import IncidentStatus
from egov.web import views
from egov.web.apidoc import answers, blueprint, documented_body, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.admin import (
    IncidentList,
    IncidentPath,
    IncidentQuery,
    Resolution,
)
from egov.web.schemas.cases import Incident

bp = blueprint("admin", __name__, "Administration")
INCIDENT_STATUSES = {
    "open": IncidentStatus.OPEN,
    "resolved": IncidentStatus.RESOLVED,
    "all": None,
}


@bp.get("/incidents", responses=answers((200, IncidentList)))
@requires(Role.ADMIN)
@validated
def incidents(query: IncidentQuery) -> Response:
    """Incidents (`?status=open` by default, `resolved` or `all`): failed workflow steps,
    deliveries and uncorrelated messages waiting for a person."""
    found = container().incidents.find(INCIDENT_STATUSES[query.status], page_request())
    return paged(found, views.incident)


@bp.post("/incidents/<incident_id>/retry", responses=answers((200, Incident), 404, 409))
@requires(Role.ADMIN)
@validated
def retry(path: IncidentPath) -> Response:
    """Run the failed step again; resolved if it now succeeds."""
    incident = container().incidents.retry(current_principal(), path.incident_id)
    return jsonify(views.incident(incident))


@bp.post("/incidents/<incident_id>/resolve", responses=answers((200, Incident), 404, 409))
@requires(Role.ADMIN)
@documented_body({"application/json": Resolution}, "Wie der Vorfall erledigt wurde")
@validated
def resolve(path: IncidentPath) -> Response:
    """Close the incident without a retry, `{"note": "how it was dealt with"}`: a failed
    delivery is cancelled, a kept message marked resolved, a failed step left to the clerk.
    The service checks the note (400 `resolution-note-missing`)."""
    body = request.get_json(silent=True)
    note = body.get("note") if isinstance(body, dict) else None
    incident = container().incidents.resolve(current_principal(), path.incident_id, note)
    return jsonify(views.incident(incident))
