"""Intake endpoints: XML submissions and the JSON web-form path."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from egov.errors import DomainError
from egov.identity.model import Role
from egov.web.apidoc import answers, blueprint, documented_body, validated
from egov.web.auth import current_applicant, current_principal, requires
from egov.web.context import container
from egov.web.edge import message_body
from egov.web.schemas.intake import (
    APPLICATION_EXAMPLE,
    XML_BODY,
    ApplicationForm,
    ApplicationHeaders,
    InboundAnswer,
    IntakeHeaders,
    Receipt,
)
from egov.web.throttle import throttled

bp = blueprint("intake", __name__, "Eingang")
XML_TYPES = {"application/xml", "text/xml"}
# 404: follow-up; 202: an XBeteiligung 0402, kept and correlated to its participation
RECEIPTS = answers((201, Receipt), (200, Receipt), (202, InboundAnswer), 403, 404, 409, 415, 422)


@bp.post("/submissions", responses=RECEIPTS)
@requires(Role.CITIZEN, Role.CLIENT, scope="submissions:write")
@throttled("intake")
@message_body
@documented_body({t: XML_BODY for t in sorted(XML_TYPES)}, "XFall-Container (gestreamt)")
@validated
def submit_message(header: IntakeHeaders) -> Response:
    """Intake of one XML message (XFall container profile, XBau 1200, XBeteiligung 0401); an
    XBeteiligung 0402 updates its participation: 202 with `{inbound_id, correlated}`; a
    statement (XFall, Fachdaten beteiligung-1.0) is filed on its participation: 201 with
    `statement` (its receipt and number), no new case."""
    if request.mimetype not in XML_TYPES:
        raise DomainError("Erwartet wird application/xml.", code="unsupported-media-type")
    outcome = container().intake.submit(request.stream, current_principal(), header.idempotency_key)
    if outcome.update:
        response = jsonify(outcome.receipt)
        response.status_code = 202
        return response
    return _receipt(outcome.receipt, outcome.created)


@bp.post("/applications", responses=answers((201, Receipt), (200, Receipt), 401, 403, 409, 422))
@requires(Role.CITIZEN, Role.CLIENT, scope="applications:write")
@throttled("intake")
@message_body
@documented_body({"application/json": ApplicationForm}, "Das Webformular", APPLICATION_EXAMPLE)
@validated
def submit_application(header: ApplicationHeaders) -> Response:
    """The web-form path: builds the canonical message and runs the same intake."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("Erwartet wird ein JSON-Objekt.", code="bad-request")
    outcome = container().applications.submit(current_applicant(), body, header.idempotency_key)
    return _receipt(outcome.receipt, outcome.created)


def _receipt(receipt: dict[str, Any], created: bool) -> Response:
    response = jsonify(receipt)
    response.status_code = 201 if created else 200
    if created and "statement" not in receipt:
        response.headers["Location"] = f"/api/v1/cases/{receipt['case_id']}"
    return response
