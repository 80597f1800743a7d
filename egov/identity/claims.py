"""Configurable mapping of verified token claims to a ``Principal``, and token scopes.

Every identity provider lays out its claims differently: Keycloak puts realm roles under
``realm_access.roles``, a citizen IdP (BundID broker) has no roles at all, our dev IdP uses flat
``roles``. A ``ClaimMapping`` names, per issuer, where each ``Principal`` field comes from.
Claim names may be dotted paths into nested objects (``realm_access.roles``).

Roles come from a claim (optionally renamed by ``map``: values without an entry are dropped;
without ``map`` values that are not egov roles are dropped, e.g. Keycloak's
``offline_access``) or are ``static``. The level of assurance accepts eIDAS URIs, the plain
level names and STORK QAA levels; any other value means "no level" (it never satisfies a
required level). Pure Python: no Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from egov.identity.errors import AuthenticationError
from egov.identity.model import Principal, Role, Vertrauensniveau, qualified


@dataclass(frozen=True)
class RoleSource:
    """Where roles come from: ``claim`` (a dotted path) with optional ``map``, or ``static``."""

    claim: str | None = None
    map: Mapping[str, Role] | None = None
    static: frozenset[Role] = frozenset()

    def roles(self, claims: Mapping[str, Any]) -> frozenset[Role]:
        if self.claim is None:
            return self.static
        values = _str_list(claim_at(claims, self.claim))
        if self.map is not None:
            return frozenset(self.map[value] for value in values if value in self.map)
        return frozenset(Role(value) for value in values if value in _ROLE_VALUES)


_ROLE_VALUES = frozenset(role.value for role in Role)


@dataclass(frozen=True)
class ClaimMapping:
    """Claim paths per ``Principal`` field; ``None`` means the issuer does not provide it."""

    subject: str = "sub"
    name: str | None = "name"
    email: str | None = "email"
    postfach: str | None = "postfach"
    roles: RoleSource = field(default_factory=lambda: RoleSource(claim="roles"))
    org_units: str | None = "org_units"
    vertrauensniveau: str | None = "acr"
    client_id: str | None = None


DEV_IDP_MAPPING = ClaimMapping(client_id="sub")
"""The layout of the built-in dev IdP (``egov.identity.users``): registered clients by ``sub``."""


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``realm_access.roles``), or ``None``.

    A claim whose own name contains the dots (``"https://example/roles"``-style names are
    common) wins over the nested lookup.
    """
    if path in claims:
        return claims[path]
    current: Any = claims
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def subject_of(claims: Mapping[str, Any], mapping: ClaimMapping) -> str:
    subject = claim_at(claims, mapping.subject)
    if not isinstance(subject, str) or not subject:
        raise AuthenticationError("token-claims-invalid")
    return subject


def client_id_of(claims: Mapping[str, Any], mapping: ClaimMapping) -> str | None:
    """The mapped client id (e.g. ``azp``), if the issuer's mapping names one."""
    if mapping.client_id is None:
        return None
    value = claim_at(claims, mapping.client_id)
    return value if isinstance(value, str) and value else None


def person_principal(
    claims: Mapping[str, Any],
    mapping: ClaimMapping,
    issuer: str,
    postfach_namespace: str | None = None,
) -> Principal:
    """A person (citizen, clerk, admin): everything from the token, as the mapping says; the
    subject qualified by the issuer's name, the Postfach by its namespace (default: the
    issuer's name)."""
    subject = subject_of(claims, mapping)
    postfach = _optional_str(claims, mapping.postfach)
    return Principal(
        subject=qualified(issuer, subject),
        roles=mapping.roles.roles(claims),
        name=_optional_str(claims, mapping.name) or subject,
        email=_optional_str(claims, mapping.email),
        org_units=frozenset(_str_list(_optional(claims, mapping.org_units))),
        vertrauensniveau=_level(_optional(claims, mapping.vertrauensniveau)),
        postfach=None if postfach is None else qualified(postfach_namespace or issuer, postfach),
    )


class ClientGrants(Protocol):
    """What the configuration grants a technical client."""

    @property
    def procedures(self) -> frozenset[str]: ...
    @property
    def scopes(self) -> frozenset[str]: ...


def client_principal(
    claims: Mapping[str, Any],
    mapping: ClaimMapping,
    issuer: str,
    client_id: str,
    grants: ClientGrants,
    postfach_namespace: str,
) -> Principal:
    """A technical client: role, procedures and the ceiling of its scopes from configuration,
    never from the token (a token that names scopes can only narrow them)."""
    granted = token_scopes(claims)
    return Principal(
        subject=qualified(issuer, client_id),
        roles=frozenset({Role.CLIENT}),
        name=_optional_str(claims, mapping.name) or client_id,
        procedures=grants.procedures,
        scopes=grants.scopes & granted if granted else grants.scopes,
        postfach_namespace=postfach_namespace,
    )


def token_scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """Granted scopes: ``scope`` (space-separated, RFC 9068) or ``scp`` (list or string)."""
    scopes: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            scopes.update(value.split())
        elif isinstance(value, list):
            scopes.update(item for item in value if isinstance(item, str))
    return frozenset(scopes)


def _optional(claims: Mapping[str, Any], path: str | None) -> Any:
    return None if path is None else claim_at(claims, path)


def _optional_str(claims: Mapping[str, Any], path: str | None) -> str | None:
    value = _optional(claims, path)
    if value is not None and not isinstance(value, str):
        raise AuthenticationError("token-claims-invalid")
    return value


def _str_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AuthenticationError("token-claims-invalid")
    return value


def _level(value: object) -> Vertrauensniveau | None:
    if value is None:
        return None
    try:
        return Vertrauensniveau.from_claim(value)
    except ValueError:
        return None  # e.g. Keycloak's default acr "1": no eIDAS level, satisfies none


__all__ = [
    "DEV_IDP_MAPPING",
    "ClaimMapping",
    "RoleSource",
    "claim_at",
    "client_id_of",
    "client_principal",
    "person_principal",
    "subject_of",
    "token_scopes",
]
