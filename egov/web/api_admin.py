"""Admin endpoints: process definitions and incidents."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from egov.errors import DomainError
from egov.identity.model import Role
from egov.outbox.store import IncidentStatus
from egov.web import views
from egov.web.auth import current_principal, requires, requires_recent_login
from egov.web.context import container
from egov.web.paging import page_request, paged

bp = Blueprint("admin", __name__)
MAX_BUNDLE_FILES = 200


@bp.get("/process-definitions")
@requires(Role.ADMIN)
def definitions() -> Response:
    """Every deployed version of every process definition."""
    return paged(container().definitions.versions(page_request()), views.definition)


@bp.post("/process-definitions")
@requires(Role.ADMIN)
@requires_recent_login()
def deploy() -> Response:
    """Deploy a bundle `{"files": {"x.bpmn": "<xml>", ...}}`; same content = same version."""
    body = request.get_json(silent=True)
    files = body.get("files") if isinstance(body, dict) else None
    if (
        not isinstance(files, dict)
        or not files
        or len(files) > MAX_BUNDLE_FILES
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
    ):
        raise DomainError('Erwartet wird {"files": {Name: Text}}.', code="bad-request")
    deployment = container().definitions.deploy(
        {k: v.encode() for k, v in files.items()}, actor=current_principal().subject
    )
    response = jsonify(views.definition(deployment.definition))
    response.status_code = 201 if deployment.created else 200
    return response


INCIDENT_STATUSES = {
    "open": IncidentStatus.OPEN,
    "resolved": IncidentStatus.RESOLVED,
    "all": None,
}


@bp.get("/incidents")
@requires(Role.ADMIN)
def incidents() -> Response:
    """Incidents (`?status=open` by default, `resolved` or `all`): failed workflow steps,
    deliveries and uncorrelated messages waiting for a person."""
    wanted = request.args.get("status", "open")
    if wanted not in INCIDENT_STATUSES:
        raise DomainError("status ist open, resolved oder all.", code="bad-request")
    found = container().incidents.find(INCIDENT_STATUSES[wanted], page_request())
    return paged(found, views.incident)


@bp.post("/incidents/<incident_id>/retry")
@requires(Role.ADMIN)
def retry(incident_id: str) -> Response:
    """Run the failed step again; resolved if it now succeeds."""
    incident = container().incidents.retry(current_principal(), incident_id)
    return jsonify(views.incident(incident))


@bp.post("/incidents/<incident_id>/resolve")
@requires(Role.ADMIN)
def resolve(incident_id: str) -> Response:
    """Close the incident without a retry, `{"note": "how it was dealt with"}`: a failed
    delivery is cancelled, a kept message marked resolved, a failed step left to the clerk."""
    body = request.get_json(silent=True)
    note = body.get("note") if isinstance(body, dict) else None
    incident = container().incidents.resolve(current_principal(), incident_id, note)
    return jsonify(views.incident(incident))
