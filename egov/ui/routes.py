"""The blueprint of the shared pieces: the templates `ui/*.html`, the static files under
`/static/` (`ui/egov.css`, `ui/egov.js`, the vendored `vendor/...`) and the language choice."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response as BaseResponse

from egov.ui import i18n
from egov.ui.pages import local_path, see_other
from egov.web.auth import public

bp = Blueprint(
    "ui", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)


@bp.post("/sprache")
@public
def language() -> BaseResponse:
    """The header's language form: remember the choice in a cookie, back to the page."""
    response = see_other(local_path(request.form.get("next")))
    i18n.remember(response, request.form.get("lang", ""))
    return response
