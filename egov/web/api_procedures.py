"""The procedure catalogue: what a portal needs to offer a procedure and render its form.

Public: the catalogue holds no personal data, and a portal shows it before anyone logs in.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from egov.web import views
from egov.web.auth import public
from egov.web.context import container
from egov.web.paging import page_request, paged

bp = Blueprint("procedures", __name__)


@bp.get("/procedures")
@public
def procedures() -> Response:
    """Every procedure offered, with its accepted formats and its form (JSON Schema 2020-12)."""
    return paged(container().catalogue.procedures(page_request()), views.procedure)


@bp.get("/procedures/<key>")
@public
def procedure(key: str) -> Response:
    """One procedure (404 `procedure-not-found`)."""
    return jsonify(views.procedure(container().catalogue.procedure(key)))
