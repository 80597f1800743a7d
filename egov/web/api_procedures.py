"""The procedure catalogue: what a portal needs to offer a procedure and render its form.

Public: the catalogue holds no personal data, and a portal shows it before anyone logs in.
"""

from __future__ import annotations

from flask import Response, jsonify

from egov.web import views
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import public
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.common import ListQuery
from egov.web.schemas.procedures import Procedure, ProcedureList, ProcedurePath

bp = blueprint("procedures", __name__, "Verfahren")


@bp.get("/procedures", responses=answers((200, ProcedureList)))
@public
@validated
def procedures(query: ListQuery) -> Response:
    """Every procedure offered, with its accepted formats and its form (JSON Schema 2020-12)."""
    return paged(container().catalogue.procedures(page_request()), views.procedure)


@bp.get("/procedures/<key>", responses=answers((200, Procedure), 404))
@public
@validated
def procedure(path: ProcedurePath) -> Response:
    """One procedure (404 `procedure-not-found`)."""
    return jsonify(views.procedure(container().catalogue.procedure(path.key)))
