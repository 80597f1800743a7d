"""Intake endpoints: XML submissions and the JSON web-form path."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from egov.errors import DomainError
from egov.identity.model import Role
from egov.web.auth import current_applicant, current_principal, requires
from egov.web.context import container
from egov.web.edge import message_body
from egov.web.throttle import throttled

bp = Blueprint("intake", __name__)
XML_TYPES = {"application/xml", "text/xml"}


@bp.post("/submissions")
@requires(Role.CITIZEN, Role.CLIENT, scope="submissions:write")
@throttled("intake")
@message_body
def submit_message() -> Response:
    """Intake of one XML message (XFall container profile)."""
    if request.mimetype not in XML_TYPES:
        raise DomainError("Erwartet wird application/xml.", code="unsupported-media-type")
    outcome = container().intake.submit(
        request.stream, current_principal(), request.headers.get("Idempotency-Key")
    )
    return _receipt(outcome.receipt, outcome.created)


@bp.post("/applications")
@requires(Role.CITIZEN, Role.CLIENT, scope="applications:write")
@throttled("intake")
@message_body
def submit_application() -> Response:
    """The web-form path: builds the canonical message and runs the same intake."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("Erwartet wird ein JSON-Objekt.", code="bad-request")
    outcome = container().applications.submit(
        current_applicant(), body, request.headers.get("Idempotency-Key")
    )
    return _receipt(outcome.receipt, outcome.created)


def _receipt(receipt: dict[str, str], created: bool) -> Response:
    response = jsonify(receipt)
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = f"/api/v1/cases/{receipt['case_id']}"
    return response
