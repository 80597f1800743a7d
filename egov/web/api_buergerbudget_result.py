"""The result of a Bürgerbudget round under four eyes (egov/buergerbudget/result_confirmation.py):
one person of the Büro Bürgerbudget proposes it after the vote, a second confirms or rejects."""

from __future__ import annotations

import dataclasses

from flask import Response, jsonify

from egov.buergerbudget.result_confirmation import ResultView as Result
from egov.clock import iso
from egov.identity.model import Role
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.schemas.buergerbudget import ResultRejection, ResultView, RoundPath

bp = blueprint("buergerbudget_result", __name__, "Bürgerbudget: Abstimmung")
RESULT = "/buergerbudget/rounds/<year>/result"


@bp.get(RESULT, responses=answers((200, ResultView), 404))
@requires(Role.ADMIN, Role.CLERK)
@validated
def result(path: RoundPath) -> Response:
    """The round's result: none proposed, proposed (with the allocation it gives), or
    confirmed. Admins and the clerks of Büro Bürgerbudget."""
    return _answer(container().round_results.view(current_principal(), path.year))


@bp.post(RESULT, responses=answers((200, ResultView), 404, 409))
@requires(Role.ADMIN, Role.CLERK)
@validated
def propose_result(path: RoundPath) -> Response:
    """Propose the result by the tally now (409 `vote-not-closed`, `result-confirmed`); it
    takes effect only when a second person confirms it."""
    return _answer(container().round_results.propose(current_principal(), path.year))


@bp.post(f"{RESULT}/confirm", responses=answers((200, ResultView), 404, 409))
@requires(Role.ADMIN, Role.CLERK)
@validated
def confirm_result(path: RoundPath) -> Response:
    """The second person confirms: the result is recorded on every case of the round and the
    letters follow (409 `task-decision-own` for the proposer or a deputy relation,
    `result-tally-changed`, `result-not-proposed`)."""
    return _answer(container().round_results.confirm(current_principal(), path.year))


@bp.post(f"{RESULT}/reject", responses=answers((200, ResultView), 404, 409, 422))
@requires(Role.ADMIN, Role.CLERK)
@validated
def reject_result(path: RoundPath, body: ResultRejection) -> Response:
    """The second person rejects the proposed result with a reason; it is discarded."""
    return _answer(container().round_results.reject(current_principal(), path.year, body.reason))


def _answer(found: Result) -> Response:
    view = dataclasses.asdict(found)
    for key in ("proposed_at", "confirmed_at"):
        view[key] = iso(view[key])
    return jsonify(view)
