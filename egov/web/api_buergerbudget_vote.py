"""The public vote of a Bürgerbudget round: the citizen's own ballot (PUT, GET), the tally
after the vote closed and the offline votes of the closing event (Büro Bürgerbudget)."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Response, jsonify

from egov.buergerbudget.vote import BallotView as Ballot
from egov.buergerbudget.vote_tally import offline_view
from egov.clock import iso
from egov.identity.model import Role
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.schemas.buergerbudget import (
    BallotBody,
    BallotView,
    OfflineCountList,
    OfflineCountView,
    OfflineVotesBody,
    ProposalPath,
    RoundPath,
    TallyView,
)

bp = blueprint("buergerbudget_vote", __name__, "Bürgerbudget: Abstimmung")
BALLOT = "/buergerbudget/rounds/<year>/ballot"


@bp.put(BALLOT, responses=answers((200, BallotView), 404, 409, 422))
@requires(Role.CITIZEN)
@validated
def cast_ballot(path: RoundPath, body: BallotBody) -> Response:
    """Cast or change the whole ballot until the vote closes; the same ballot again changes
    nothing. 422 `assurance-level-too-low`, 409 `vote-not-open`, 422 `ballot-invalid`."""
    cast = container().vote.cast(current_principal(), path.year, body.proposals)
    return jsonify(_ballot(cast))


@bp.get(BALLOT, responses=answers((200, BallotView), 404))
@requires(Role.CITIZEN)
@validated
def my_ballot(path: RoundPath) -> Response:
    """The caller's own ballot (nobody else reads it; 404 `ballot-not-found`)."""
    return jsonify(_ballot(container().vote.ballot(current_principal(), path.year)))


def _ballot(found: Ballot) -> dict[str, Any]:
    return {**dataclasses.asdict(found), "cast_at": iso(found.cast_at)}


@bp.get("/buergerbudget/rounds/<year>/tally", responses=answers((200, TallyView), 404, 409))
@requires(Role.ADMIN, Role.CLERK)
@validated
def tally(path: RoundPath) -> Response:
    """Votes per admitted proposal, online and confirmed offline, once the vote closed (409
    `vote-not-closed`); admins and the clerks of Büro Bürgerbudget. Never who voted what."""
    counted = container().tallies.tally(current_principal(), path.year)
    counts = [{**dataclasses.asdict(c), "total": c.total} for c in counted.counts]
    return jsonify({"round": counted.round, "ballots": counted.ballots, "counts": counts})


@bp.put(
    "/buergerbudget/rounds/<year>/offline-votes",
    responses=answers((200, OfflineCountList), 404, 409, 422),
)
@requires(Role.CLERK)
@validated
def enter_offline_votes(path: RoundPath, body: OfflineVotesBody) -> Response:
    """Offline votes of the closing event per proposal (marked offline); they count once
    another clerk confirmed them."""
    rows = container().tallies.enter_offline(current_principal(), path.year, body.votes)
    return jsonify({"items": [offline_view(row) for row in rows]})


@bp.post(
    "/buergerbudget/rounds/<year>/offline-votes/<proposal_id>/confirm",
    responses=answers((200, OfflineCountView), 404, 409),
)
@requires(Role.CLERK)
@validated
def confirm_offline_votes(path: ProposalPath) -> Response:
    """The second clerk confirms a proposal's offline votes (409 `offline-votes-own-entry`
    for the clerk who entered them)."""
    row = container().tallies.confirm_offline(current_principal(), path.year, path.proposal_id)
    return jsonify(offline_view(row))
