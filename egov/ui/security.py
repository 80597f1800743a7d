"""What every page answer carries and every page form needs (docs/frontends.md).

- **Pages**: the answers of the page blueprints (`init_app(..., pages=...)`), and the 404 of
  a path outside the API for a browser that asks for HTML. Everything else keeps the API's
  headers and problem+json (`egov.web.edge`, `egov.web.problems`).
- **Headers of a page**: a Content-Security-Policy without `unsafe-inline` (scripts, styles
  and images from this site only, no framing, forms only to this site and to the browser
  issuers, whose end-session page the logout's redirect may reach) and a Permissions-Policy
  that turns off what no page uses; Referrer-Policy, X-Content-Type-Options, X-Frame-Options
  and Cache-Control are the edge's, as on every answer (`egov.web.edge`).
- **CSRF**: every page form that is not GET carries the hidden field `csrf_token`
  (`{{ m.csrf_field() }}`): the browser session's token (`egov.identity.sessions`), or before
  a login one kept in the session cookie for this browser. A POST without it is refused
  before the view runs: 400 `form-token-invalid`, a German error page.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request, session
from flask_babel import gettext as _

from egov.errors import Invalid
from egov.identity.issuers import Issuers
from egov.identity.sessions import SAFE_METHODS, SessionRefused, check_csrf, stored_session
from egov.web.problems import correlation_id

security_log = logging.getLogger("egov.security")
FIELD = "csrf_token"
ANONYMOUS_KEY = "csrf"  # the token of a browser before its login (the session cookie holds it)
PAGES = "egov.ui.pages"  # app.extensions: the names of the page blueprints
NOT_PAGES = ("/api/", "/auth/", "/dev-idp", "/dev-fachverfahren", "/healthz", "/readyz", "/metrics")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'{issuers}; base-uri 'none'; object-src 'none'"
)


def init_app(app: Flask, pages: frozenset[str], issuers: Issuers) -> None:
    app.extensions[PAGES] = pages
    app.extensions["egov.ui.policy"] = content_security_policy(issuers)
    app.before_request(check_form)


def content_security_policy(issuers: Issuers) -> str:
    origins = sorted(
        {_origin(issuer.issuer) for issuer in issuers if issuer.browser is not None} - {""}
    )
    return POLICY.format(issuers="".join(f" {origin}" for origin in origins))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def is_page() -> bool:
    """Whether this request is answered as a page (HTML), not as the API."""
    if request.url_rule is not None:
        return request.blueprint in current_app.extensions[PAGES]
    if request.path.startswith(NOT_PAGES):
        return False
    accepted = request.accept_mimetypes
    return accepted.quality("text/html") > accepted.quality("application/json")


def csrf_token() -> str:
    """The token of this browser for the hidden field of a form."""
    web = stored_session(session)
    if web is not None:
        return web.csrf_token
    token = session.get(ANONYMOUS_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[ANONYMOUS_KEY] = token
    return token


def check_form() -> None:
    """Before every page view that is not GET: the form's token is this browser's."""
    if request.method in SAFE_METHODS or request.url_rule is None or not is_page():
        return  # (no route matched: its 404 or 405 comes first)
    sent = request.form.get(FIELD)
    web = stored_session(session)
    try:
        if web is not None:
            check_csrf(web, request.method, sent)
        else:
            _check_anonymous(sent)
    except SessionRefused as refused:
        security_log.warning(
            "form_token_refused path=%s remote=%s correlation_id=%s",
            request.path,
            request.remote_addr,
            correlation_id(),
        )
        message = _(
            "Das Formular ist abgelaufen oder stammt nicht von dieser Seite. Bitte laden Sie "
            "die Seite neu und senden Sie es noch einmal."
        )
        raise Invalid(str(message), code="form-token-invalid") from refused


def _check_anonymous(sent: str | None) -> None:
    expected = session.get(ANONYMOUS_KEY)
    if not (
        isinstance(expected, str) and sent and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise SessionRefused("csrf-token-invalid", 403, "page form without the browser's token")


def page_headers(response: Response) -> Response:
    """The headers of a page (`egov.ui` calls it after every request)."""
    if response.mimetype == "text/html" and is_page():
        response.headers["Content-Security-Policy"] = current_app.extensions["egov.ui.policy"]
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    return response
