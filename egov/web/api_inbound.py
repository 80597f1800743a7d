"""Inbound messages from Fachverfahren clients (signed XML, correlated to waiting cases)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from egov.errors import DomainError
from egov.identity.model import Role
from egov.intake.errors import IntakeError
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.edge import message_body

bp = Blueprint("inbound", __name__)
XML_TYPES = {"application/xml", "text/xml"}


@bp.post("/inbound")
@requires(Role.CLIENT, scope="inbound:write")
@message_body
def receive() -> Response:
    """A signed message of a Fachverfahren (`?procedure=<key>`); 200/201 correlated, 202 kept
    without correlation (an incident was opened)."""
    procedure = request.args.get("procedure", "")
    if not procedure:
        raise DomainError("Der Parameter 'procedure' fehlt.", code="bad-request")
    if request.mimetype not in XML_TYPES:
        raise DomainError("Erwartet wird application/xml.", code="unsupported-media-type")
    c = container()
    body = request.stream.read(c.settings.max_message_bytes + 1)
    if len(body) > c.settings.max_message_bytes:
        raise IntakeError("message-too-large", "Die Nachricht ist zu groß.")
    outcome = c.inbound.receive(
        current_principal(),
        procedure,
        body,
        dict(request.headers),
        request.headers.get("Idempotency-Key"),
    )
    response = jsonify(outcome.answer())
    if not outcome.created:
        response.status_code = 200
    else:
        response.status_code = 201 if outcome.correlated else 202
    return response
