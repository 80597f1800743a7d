"""The start page at `/` (until the portal exists): what this server is and where to go next.

Public and static apart from two facts of this server: whether the development IdP is on
(then it offers the dev login) and whether the interactive API docs are served.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from egov.web.auth import public
from egov.web.context import container

bp = Blueprint("start", __name__, template_folder="templates")
API_DOCS = "/api/v1/docs"
# the page loads nothing and may not be framed; inline style only (no script)
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@bp.get("/")
@public
def start() -> Response:
    """A small German HTML page: what egov is, the API docs, health, the dev login."""
    settings = container().settings
    page = render_template(
        "start.html",
        env=settings.env,
        dev_idp=container().dev_idp is not None,
        api_docs=any(rule.rule == API_DOCS for rule in current_app.url_map.iter_rules()),
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    return response
