"""The issuers egov brings itself: the development IdP (issuer `dev`, every role, its demo
clients) and the single issuer of the legacy settings EGOV_TOKEN_ISSUER + EGOV_JWKS_URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from egov.identity._configread import check_url
from egov.identity.claims import DEV_IDP_MAPPING
from egov.identity.issuers import DEV_ISSUER_NAME, ClientConfig, IssuerConfig
from egov.identity.model import Role
from egov.identity.tokens import TokenSettings


def dev_issuer(settings: TokenSettings) -> IssuerConfig:
    """The built-in development IdP as an issuer: its claim layout, every role allowed."""
    return IssuerConfig(
        name=DEV_ISSUER_NAME,
        issuer=settings.issuer,
        audience=settings.audience,
        allowed_roles=frozenset(Role),
        algorithms=settings.algorithms,
        leeway_seconds=settings.leeway_seconds,
        claims=DEV_IDP_MAPPING,
    )


def dev_clients(users: Mapping[str, Mapping[str, Any]]) -> dict[str, ClientConfig]:
    """The demo users with role ``client`` as registered clients (their ``procedures`` and
    ``scopes``)."""
    return {
        name: ClientConfig(
            procedures=frozenset(claims.get("procedures", ())),
            scopes=frozenset(str(claims.get("scope", "")).split()),
        )
        for name, claims in users.items()
        if Role.CLIENT.value in claims.get("roles", ())
    }


def single_issuer(issuer: str, audience: str, jwks_uri: str) -> IssuerConfig:
    """``EGOV_TOKEN_ISSUER`` + ``EGOV_JWKS_URL`` without a config file: dev claim layout."""
    check_url(jwks_uri, "EGOV_JWKS_URL")
    return IssuerConfig(
        name="default",
        issuer=issuer,
        audience=audience,
        allowed_roles=frozenset(Role),
        jwks_uri=jwks_uri,
        claims=DEV_IDP_MAPPING,
    )
