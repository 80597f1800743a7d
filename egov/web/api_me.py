"""The citizen's own cases and Postfach."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from egov.casefile.queries import parse_filter
from egov.errors import DomainError
from egov.identity.model import Role
from egov.web import views
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged

bp = Blueprint("me", __name__)


@bp.get("/me/cases")
@requires(Role.CITIZEN)
def my_cases() -> Response:
    """My own cases."""
    flt = parse_filter(request.args)
    return paged(
        container().case_file.cases(current_principal(), flt, page_request()), views.case_summary
    )


@bp.get("/me/cases/<case_id>")
@requires(Role.CITIZEN)
def my_case(case_id: str) -> Response:
    """One of my cases with its documents and messages."""
    parts = container().case_file.detail(current_principal(), case_id)
    return jsonify(views.citizen_case(parts.case, parts.documents, parts.messages))


@bp.get("/me/messages")
@requires(Role.CITIZEN)
def my_messages() -> Response:
    """My Postfach: letters and messages on all my cases."""
    return paged(container().postfach.messages(current_principal(), page_request()), views.message)


@bp.post("/me/cases/<case_id>/messages")
@requires(Role.CITIZEN)
def reply(case_id: str) -> Response:
    """Reply on one of my cases."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        raise DomainError('Erwartet wird {"subject", "body"}.', code="bad-request")
    reply = container().postfach.reply(
        current_principal(), case_id, str(body.get("subject", "")), body["body"]
    )
    response = jsonify({**views.message(reply.message), "correlated": reply.correlated})
    response.status_code = 201
    return response
