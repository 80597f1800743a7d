"""Inbound messages from Fachverfahren clients (signed XML, correlated to waiting cases)."""

from __future__ import annotations

from flask import Response, jsonify, request

from egov.errors import DomainError
from egov.identity.model import Role
from egov.intake.errors import IntakeError
from egov.web.apidoc import answers, blueprint, documented_body, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.edge import message_body
from egov.web.schemas.intake import XML_BODY, InboundAnswer, InboundQuery, IntakeHeaders

bp = blueprint("inbound", __name__, "Fachverfahren")
XML_TYPES = {"application/xml", "text/xml"}


@bp.post(
    "/inbound",
    responses=answers(
        (201, InboundAnswer), (202, InboundAnswer), (200, InboundAnswer), 404, 409, 415, 422
    ),
)
@requires(Role.CLIENT, scope="inbound:write")
@message_body
@documented_body({t: XML_BODY for t in sorted(XML_TYPES)}, "Signierte XÖV-Nachricht")
@validated
def receive(query: InboundQuery, header: IntakeHeaders) -> Response:
    """A signed message of a Fachverfahren (`?procedure=<key>`); 200/201 correlated, 202 kept
    without correlation (an incident was opened)."""
    if request.mimetype not in XML_TYPES:
        raise DomainError("Erwartet wird application/xml.", code="unsupported-media-type")
    c = container()
    body = request.stream.read(c.settings.max_message_bytes + 1)
    if len(body) > c.settings.max_message_bytes:
        raise IntakeError("message-too-large", "Die Nachricht ist zu groß.")
    outcome = c.inbound.receive(
        current_principal(), query.procedure, body, dict(request.headers), header.idempotency_key
    )
    response = jsonify(outcome.answer())
    if not outcome.created:
        response.status_code = 200
    else:
        response.status_code = 201 if outcome.correlated else 202
    return response
