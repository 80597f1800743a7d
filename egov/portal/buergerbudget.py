"""The portal's Bürgerbudget pages (issue 17, docs/frontends.md): a round (its phase and dates,
the admitted proposals, filtered by category and status), one proposal, and the citizen's
ballot (up to N proposals, changeable until the vote closes). The round pages are public and
use the service of `GET /api/v1/public/buergerbudget/rounds/{year}`; the ballot needs the
login and the Vertrauensniveau the API needs (`PUT|GET /api/v1/buergerbudget/rounds/{year}/
ballot`, the same service `egov.buergerbudget.vote`).

A proposal's page is addressed by its place in the round's list (`/vorschlaege/3`): the public
round shows no ids (the case stays internal)."""

from __future__ import annotations

from typing import Any

from flask import Response, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.buergerbudget.vote import BallotView
from egov.errors import Invalid, NotFound
from egov.identity.model import Principal
from egov.portal.views import bp
from egov.ui.access import CITIZENS, login_url, page_for, viewer
from egov.ui.pages import N_, render, see_other
from egov.web.auth import public
from egov.web.context import container

SAVED = "portal.ballot_saved"  # the session's flag: the ballot was just saved
CATEGORIES = {
    "spielplatz": N_("Spielplatz"),
    "gruenflaeche": N_("Grünfläche"),
    "verkehr": N_("Verkehr"),
    "kultur": N_("Kultur"),
    "sport": N_("Sport"),
    "soziales": N_("Soziales"),
    "umwelt": N_("Umwelt"),
    "sonstiges": N_("Sonstiges"),
}


def euro(amount: float) -> str:
    """Whole euros as the city writes them: 25.000."""
    return f"{amount:,.0f}".replace(",", ".")


def category_label(key: str | None) -> str:
    """A category's German name (an unknown key as it is)."""
    if not key:
        return ""
    return str(_(CATEGORIES[key])) if key in CATEGORIES else key


@bp.get("/buergerbudget/<int(max=9999):year>")
@public
def buergerbudget(year: int) -> Response:
    """A round: phase, dates, money, and its proposals (`?kategorie=`, `?status=`)."""
    found = container().public_rounds.get(year)
    numbered = list(enumerate(found["proposals"], start=1))
    category = request.args.get("kategorie", "")
    status = request.args.get("status", "")
    shown = [
        (n, p)
        for n, p in numbered
        if (not category or p["category"] == category) and (not status or p["status"] == status)
    ]
    statuses = {p["status"]: p["status_label"] for p in found["proposals"]}
    return render(
        "portal/buergerbudget/round.html",
        title=_("Bürgerbudget %(year)s", year=year),
        viewer=viewer(bearer=False),
        login=login_url(CITIZENS),
        round=found,
        proposals=shown,
        total=len(numbered),
        chosen_category=category,
        chosen_status=status,
        statuses=statuses,
        category_label=category_label,
        euro=euro,
    )


@bp.get("/buergerbudget/<int(max=9999):year>/vorschlaege/<int:number>")
@public
def proposal(year: int, number: int) -> Response:
    """One proposal of the round: its description, place, cost and, after the vote, result."""
    found = container().public_rounds.get(year)
    if not 1 <= number <= len(found["proposals"]):
        raise NotFound("Vorschlag nicht gefunden.", code="proposal-not-found")
    item = found["proposals"][number - 1]
    return render(
        "portal/buergerbudget/proposal.html",
        title=item["title"],
        viewer=viewer(bearer=False),
        login=login_url(CITIZENS),
        round=found,
        proposal=item,
        category_label=category_label,
        euro=euro,
    )


@bp.get("/buergerbudget/<int(max=9999):year>/abstimmung")
@page_for(CITIZENS)
def ballot(year: int) -> Response:
    """The ballot: the admitted proposals to tick, the citizen's saved choice ticked."""
    who = _voter()
    saved = _own_ballot(who, year)
    chosen = [] if saved is None else saved.proposals
    return _ballot_page(who, year, chosen, saved, {}, just_saved=bool(session.pop(SAVED, None)))


@bp.post("/buergerbudget/<int(max=9999):year>/abstimmung")
@page_for(CITIZENS)
def cast_ballot(year: int) -> Response | BaseResponse:
    """Save the whole ballot (as `PUT …/ballot`); again until the vote closes."""
    who = _voter()
    chosen = request.form.getlist("vorschlag")
    egov = container()
    allowed = egov.rounds.get(year).votes_per_citizen
    if len(chosen) > allowed:
        error = _("Bitte wählen Sie höchstens %(n)s Vorschläge.", n=allowed)
        return _ballot_page(who, year, chosen, _own_ballot(who, year), {"vorschlag": error})
    try:
        egov.vote.cast(who, year, chosen)
    except Invalid as refused:
        saved = _own_ballot(who, year)
        return _ballot_page(who, year, chosen, saved, {"vorschlag": refused.message})
    session[SAVED] = True
    return see_other(url_for("portal.ballot", year=year))


def _voter() -> Principal:
    who = viewer()
    assert who is not None  # page_for checked it
    return who


def _own_ballot(who: Principal, year: int) -> BallotView | None:
    try:
        return container().vote.ballot(who, year)
    except NotFound as missing:
        if missing.code == "ballot-not-found":
            return None
        raise


def _ballot_page(
    who: Principal,
    year: int,
    chosen: list[str],
    saved: BallotView | None,
    errors: dict[str, str],
    *,
    just_saved: bool = False,
    status: int = 200,
) -> Response:
    egov = container()
    found = egov.public_rounds.get(year)
    refused = egov.vote.refusal(who, year)
    may_vote = refused is None
    options: list[Any] = egov.vote.options(year) if may_vote else []
    return render(
        "portal/buergerbudget/ballot.html",
        title=_("Abstimmung Bürgerbudget %(year)s", year=year),
        status=status,
        viewer=who,
        round=found,
        options=options,
        may_vote=may_vote,
        low_assurance=refused is not None and refused.code == "assurance-level-too-low",
        chosen=chosen,
        saved=saved,
        just_saved=just_saved,
        errors=errors if may_vote else {},
        category_label=category_label,
        euro=euro,
    )
