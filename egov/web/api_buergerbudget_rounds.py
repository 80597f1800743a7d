"""Bürgerbudget rounds for admins: list, create, read, change (egov.buergerbudget.rounds)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from egov.buergerbudget.rounds import Round
from egov.identity.model import Role
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.buergerbudget import RoundBody, RoundChange, RoundList, RoundPath, RoundView
from egov.web.schemas.common import ListQuery

bp = blueprint("buergerbudget_rounds", __name__, "Bürgerbudget: Runden (Admin)")


def view(found: Round) -> dict[str, Any]:
    return {**found.as_dict(), "phase": found.phase(container().clock())}


@bp.get("/admin/buergerbudget/rounds", responses=answers((200, RoundList)))
@requires(Role.ADMIN)
@validated
def list_rounds(query: ListQuery) -> Response:
    """Every round, by year."""
    return paged(container().rounds.page(page_request()), view)


@bp.post("/admin/buergerbudget/rounds", responses=answers((201, RoundView), 409, 422))
@requires(Role.ADMIN)
@validated
def create_round(body: RoundBody) -> Response:
    """A new round (409 `round-exists` if the year has one)."""
    made = container().rounds.create(body.model_dump(mode="json"), current_principal().actor)
    response = jsonify(view(made))
    response.status_code = 201
    return response


@bp.get("/admin/buergerbudget/rounds/<year>", responses=answers((200, RoundView), 404))
@requires(Role.ADMIN)
@validated
def get_round(path: RoundPath) -> Response:
    return jsonify(view(container().rounds.get(path.year)))


@bp.patch("/admin/buergerbudget/rounds/<year>", responses=answers((200, RoundView), 404, 409, 422))
@requires(Role.ADMIN)
@validated
def change_round(path: RoundPath, body: RoundChange) -> Response:
    """Change fields; once submissions opened only the safe ones (409 `round-opened`,
    `round-vote-started`)."""
    changes = body.model_dump(mode="json", exclude_none=True)
    changed = container().rounds.edit(path.year, changes, current_principal().actor)
    return jsonify(view(changed))
