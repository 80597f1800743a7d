"""What the pages of both frontends share (docs/frontends.md): `render` with the base layout,
the German error pages, safe local `next` targets, links to the next page of a list and to
pages that may not exist yet.

Error pages: a page's refusal goes through the same handlers as the API's
(`egov.web.problems`: one table of codes and statuses, internals only in the log) and is then
shown as an HTML page instead of problem+json: its status, a heading in the page's language,
the problem's title for a refusal (4xx) or a general sentence for a fault (5xx, never the
exception's text), the correlation id and the way back to the start page.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response as BaseResponse

from egov.identity.sessions import SessionRefused
from egov.web.login import safe_next

PROBLEM = "application/problem+json"


def render(template: str, *, title: str, status: int = 200, **context: Any) -> Response:
    """A page: `template` extends a layout over `ui/base.html`; `title` names the page."""
    page = render_template(template, title=title, **context)
    return Response(page, status=status, mimetype="text/html")


def see_other(target: str) -> BaseResponse:
    """After a form: 303 to a page (GET), so reloading does not send the form again."""
    return redirect(target, code=303)


def local_path(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site (as the login's `next` must be), else `default`."""
    try:
        return safe_next(value) if value else default
    except SessionRefused:
        return default


def page_url(cursor: str | None) -> str | None:
    """This page again with `cursor` (the next page of its list), its other query (and page
    size) kept; built by `url_for`, so every value is encoded."""
    if cursor is None or request.endpoint is None:
        return None
    values: dict[str, Any] = dict(request.view_args or {})
    values.update((k, v) for k, v in request.args.items() if k != "cursor")
    return url_for(request.endpoint, **values, cursor=cursor)


def url_if(endpoint: str, **values: Any) -> str | None:
    """The URL of a page that another piece of work may not have built yet, else None."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def N_(message: str) -> str:
    """Marks a message for the catalogue (`make messages`); translated where it is shown."""
    return message


HEADINGS = {
    400: N_("Die Anfrage ist fehlerhaft"),
    401: N_("Bitte melden Sie sich an"),
    403: N_("Kein Zugriff"),
    404: N_("Seite nicht gefunden"),
    405: N_("Diese Aktion ist hier nicht möglich"),
    409: N_("Der Stand hat sich geändert"),
    413: N_("Die Anfrage ist zu groß"),
    422: N_("Die Angaben können so nicht verarbeitet werden"),
    429: N_("Zu viele Anfragen"),
}


def heading(status: int) -> str:
    if status in HEADINGS:
        return str(_(HEADINGS[status]))
    return str(_("Ein Fehler ist aufgetreten") if status >= 500 else _(HEADINGS[400]))


def error_page(response: Response) -> Response:
    """A page's problem+json answer as the German error page, its status and headers kept."""
    if response.mimetype != PROBLEM:
        return response
    problem = json.loads(response.get_data())
    status = response.status_code
    page = render_template(
        "ui/error.html",
        title=heading(status),
        status=status,
        message=problem.get("title") if status < 500 else None,
        code=problem.get("code"),
        correlation_id=problem.get("correlation_id"),
        back="/",  # the language form returns to the start, not to the refused request
    )
    response.set_data(page)
    response.mimetype = "text/html"
    return response
