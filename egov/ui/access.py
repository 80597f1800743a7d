"""Who looks at a page, and the login a page asks for (docs/frontends.md).

A page's viewer comes from the browser session (`egov.web.login`), or, for tools and tests,
from a bearer token, as in the API. A session that expired or was logged out counts as none
(its cookie is cleared), so a protected page sends the browser to the login again. Pages log
in at the issuers of their audience: the portal at an issuer that may grant role `citizen`,
the workspace at one that may grant `clerk` or `admin` (`egov.identity.issuers`; in
development the dev IdP grants every role).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from egov.errors import Forbidden
from egov.identity.model import Principal, Role
from egov.identity.sessions import SessionRefused, active_session, epoch
from egov.ui.pages import see_other
from egov.web.auth import current_principal
from egov.web.context import container
from egov.web.login import MAX_NEXT_LENGTH

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)
CITIZENS = frozenset({Role.CITIZEN})
STAFF = frozenset({Role.CLERK, Role.ADMIN})


def viewer(*, bearer: bool = True) -> Principal | None:
    """The person the page is for, or None. `bearer=False`: the browser session only (a public
    page ignores an Authorization header it does not need)."""
    if "principal" in g:
        found: Principal = g.principal
        return found
    if bearer and request.headers.get("Authorization"):
        return current_principal()
    egov = container()
    try:
        web = active_session(session, epoch(egov.clock()), egov.login_cache.is_revoked)
    except SessionRefused:
        log.info("page_session_ended path=%s", request.path)
        session.clear()
        return None
    if web is None:
        return None
    g.web_session = web  # the form's token was checked before the view (egov.ui.security)
    g.principal = egov.directory.enrich(web.principal)
    return viewer()


def login_url(audience: frozenset[Role], target: str | None = None) -> str | None:
    """The login at the first browser issuer that may grant one of `audience`'s roles, back to
    `target` (default: this page); None when no such issuer is configured."""
    issuer = next(
        (
            issuer.name
            for issuer in container().issuers
            if issuer.browser is not None and issuer.allowed_roles & audience
        ),
        None,
    )
    if issuer is None:
        return None
    return url_for("login.login", issuer_name=issuer, next=target or this_page())


def this_page() -> str:
    """The path and query of this request, for `next` (the path alone if that is too long)."""
    query = request.query_string.decode("latin-1")
    whole = f"{request.path}?{query}" if query else request.path
    return whole if len(whole) <= MAX_NEXT_LENGTH else request.path


def page_for(audience: frozenset[Role]) -> Callable[[F], F]:
    """A page for people with one of `audience`'s roles: without a login, to the login of
    that audience; with another role, the 403 page."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = viewer()
            if who is None:
                return _to_login(audience)
            if not who.roles & audience:
                raise Forbidden()
            return view(*args, **kwargs)

        wrapper.required_roles = tuple(sorted(audience))  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _to_login(audience: frozenset[Role]) -> BaseResponse:
    target = login_url(audience)
    if target is None:
        raise SessionRefused("login-unavailable", 503, "no browser issuer for this audience")
    response = see_other(target)
    response.headers["Cache-Control"] = "no-store"
    return response
