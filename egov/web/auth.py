"""Bearer-token (or browser-session) authentication and role guards for the API.

A request with an ``Authorization`` header is judged by it alone; without one, the browser
session of egov/web/login.py counts (unsafe methods then need the ``X-CSRF-Token`` header).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request, session

from egov.errors import Forbidden
from egov.identity.errors import AuthenticationError
from egov.identity.model import Principal, Role
from egov.identity.on_behalf import ASSERTION_HEADER
from egov.identity.sessions import (
    CSRF_HEADER,
    WebSession,
    active_session,
    check_csrf,
    check_recent_login,
    epoch,
)
from egov.web.context import container

F = TypeVar("F", bound=Callable[..., Any])


def current_principal() -> Principal:
    if "principal" not in g:
        g.principal = _authenticate()
    principal: Principal = g.principal
    return principal


def optional_principal() -> Principal | None:
    """The caller when it sent credentials (a bearer token or a browser session), else None
    (an anonymous caller of a public view that also serves logged-in users)."""
    if request.headers.get("Authorization") or _web_session() is not None:
        return current_principal()
    return None


def current_applicant() -> Principal:
    """Whom an application is filed for: the caller, or, when a portal (technical client)
    files, the citizen its signed `Egov-Applicant-Assertion` names (ADR 0013)."""
    principal = current_principal()
    if not principal.is_client:
        return principal
    return container().assertions.citizen(principal, request.headers.get(ASSERTION_HEADER))


def current_web_session() -> WebSession | None:
    """The browser session the current principal comes from (None: bearer token or none)."""
    web: WebSession | None = g.get("web_session")
    return web


def _authenticate() -> Principal:
    header = request.headers.get("Authorization", "")
    if not header:
        web = _web_session()
        if web is not None:
            return container().directory.enrich(web.principal)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("token-missing")
    principal = container().verifier.verify(token.strip())
    return container().directory.enrich(principal)


def _web_session() -> WebSession | None:
    """The checked browser session: not expired, not logged out, CSRF token on writes."""
    egov = container()
    web = active_session(session, epoch(egov.clock()), egov.login_cache.is_revoked)
    if web is not None:
        check_csrf(web, request.method, request.headers.get(CSRF_HEADER))
        g.web_session = web
    return web


def requires_recent_login(max_age: int | None = None) -> Callable[[F], F]:
    """Sensitive actions: a browser login older than ``max_age`` seconds (default: setting
    ``reauth_max_age_seconds``) gets 401 ``reauthentication-required`` with a login URL.
    Place it below ``@requires``. Bearer tokens are short-lived and carry no login time."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            current_principal()
            web = current_web_session()
            if web is not None:
                egov = container()
                limit = egov.settings.reauth_max_age_seconds if max_age is None else max_age
                login_url = f"/auth/login/{web.issuer}?reauth=1"
                check_recent_login(web, epoch(egov.clock()), limit, login_url)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def requires(*roles: Role, scope: str | None = None) -> Callable[[F], F]:
    """Authenticate, then require one of the roles (403 `forbidden` otherwise) and, from a
    technical client, the OAuth scope of the operation (403 `insufficient-scope`). People are
    bound by their roles and the object-level checks; a client also by the scopes its
    configuration grants (`egov.identity.issuers`). The OpenAPI document lists both."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if roles and not any(principal.has_role(role) for role in roles):
                raise Forbidden()
            if scope is not None and principal.is_client and scope not in principal.scopes:
                raise Forbidden(
                    f"Dem Client fehlt die Berechtigung „{scope}“.", code="insufficient-scope"
                )
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        wrapper.required_scope = scope  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark an endpoint as deliberately open to anyone (checked by the route-table test)."""
    view.required_roles = ()  # type: ignore[attr-defined]
    view.public = True  # type: ignore[attr-defined]
    return view
