"""Helpers for the tests of the pages (portal, workspace): a browser session without the
provider round trip, and what a page shows."""

from __future__ import annotations

import re
from html import unescape

from flask.testing import FlaskClient

from egov.container import Container
from egov.identity.sessions import SESSION_KEY, WebSession, epoch, new_session


def log_in(
    client: FlaskClient, container: Container, user: str, lifetime: int = 3600
) -> WebSession:
    """The browser session `egov.web.login` starts after a login at the dev IdP as `user`."""
    assert container.dev_idp is not None
    principal = container.verifier.verify(container.dev_idp.token_for(user))
    now = epoch(container.clock())
    web = new_session(principal, "dev", auth_time=now, now=now, lifetime=lifetime, id_token=None)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie[SESSION_KEY] = web.to_dict()
    return web


def form_token(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def text_of(html: str) -> str:
    """The visible text of a page, tags removed and whitespace folded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()
