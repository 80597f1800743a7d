"""Bearer-token authentication and role guards for the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request

from egov.errors import Forbidden
from egov.identity.errors import AuthenticationError
from egov.identity.model import Principal, Role
from egov.identity.tokens import principal_from_claims, validate_token

F = TypeVar("F", bound=Callable[..., Any])


def current_principal() -> Principal:
    if "principal" not in g:
        g.principal = _authenticate()
    principal: Principal = g.principal
    return principal


def _authenticate() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("token-missing")
    container = current_app.extensions["egov"]
    jwks = container.jwks()
    claims = validate_token(token.strip(), jwks, container.token_settings)
    return principal_from_claims(claims)


def requires(*roles: Role) -> Callable[[F], F]:
    """Authenticate, then require one of the roles (403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if roles and not any(principal.has_role(role) for role in roles):
                raise Forbidden()
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark an endpoint as deliberately open to anyone (checked by the route-table test)."""
    view.required_roles = ()  # type: ignore[attr-defined]
    view.public = True  # type: ignore[attr-defined]
    return view
