"""Admin endpoints: process definitions and incidents."""

from __future__ import annotations

from flask import Response, jsonify, request

from egov.identity.model import Role
from egov.outbox.store import IncidentStatus
from egov.web import views
from egov.web.apidoc import answers, blueprint, documented_body, validated
from egov.web.auth import current_principal, requires, requires_recent_login
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.admin import (
    Bundle,
    Definition,
    DefinitionList,
    IncidentList,
    IncidentPath,
    IncidentQuery,
    Resolution,
)
from egov.web.schemas.cases import Incident
from egov.web.schemas.common import ListQuery

bp = blueprint("admin", __name__, "Administration")
INCIDENT_STATUSES = {
    "open": IncidentStatus.OPEN,
    "resolved": IncidentStatus.RESOLVED,
    "all": None,
}


@bp.get("/process-definitions", responses=answers((200, DefinitionList)))
@requires(Role.ADMIN)
@validated
def definitions(query: ListQuery) -> Response:
    """Every deployed version of every process definition."""
    return paged(container().definitions.versions(page_request()), views.definition)


@bp.post("/process-definitions", responses=answers((201, Definition), (200, Definition), 409, 422))
@requires(Role.ADMIN)
@requires_recent_login()
@validated
def deploy(body: Bundle) -> Response:
    """Deploy a bundle `{"files": {"x.bpmn": "<xml>", ...}}`; same content = same version."""
    deployment = container().definitions.deploy(
        {k: v.encode() for k, v in body.files.items()}, actor=current_principal().subject
    )
    response = jsonify(views.definition(deployment.definition))
    response.status_code = 201 if deployment.created else 200
    return response


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
