"""The portal's start page at `/`: what a citizen can apply for (the procedure catalogue,
searchable with `?q=`, paged), login and logout, the participations open now and the current
Bürgerbudget round. Public; the same services as `GET /api/v1/procedures`,
`/api/v1/public/participations` and the public round page."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from egov.errors import Invalid
from egov.paging import FIRST_PAGE
from egov.ui.access import CITIZENS, login_url, viewer
from egov.ui.pages import page_url, render
from egov.web.auth import public
from egov.web.context import container
from egov.web.paging import page_request

bp = Blueprint("portal", __name__, template_folder="templates")
MAX_SEARCH = 200  # characters; longer: 400 `search-too-long`


@bp.get("/")
@public
def start() -> Response:
    """The start page."""
    egov = container()
    search = search_term()
    procedures = egov.catalogue.procedures(page_request(), search)
    budget = egov.rounds.current()
    return render(
        "portal/start.html",
        title=_("Serviceportal"),
        viewer=viewer(bearer=False),
        login=login_url(CITIZENS, "/"),
        search=search,
        procedures=procedures.items,
        more=page_url(procedures.next_cursor),
        participations=egov.public_participations.list(FIRST_PAGE, open_only=True).items,
        budget=budget,
        budget_phase=None if budget is None else budget.phase(egov.clock()),
        dev_idp=egov.dev_idp is not None,
    )


def search_term() -> str:
    term = request.args.get("q", "").strip()
    if len(term) > MAX_SEARCH:
        message = _("Der Suchbegriff ist zu lang: höchstens %(limit)s Zeichen.", limit=MAX_SEARCH)
        raise Invalid(str(message), code="search-too-long")
    return term


from egov.portal import account, cases, postfach  # noqa: E402,F401
from egov.portal import buergerbudget as _buergerbudget  # noqa: E402,F401
from egov.portal import participation as _participation  # noqa: E402,F401
