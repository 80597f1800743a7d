"""Verifying a portal's applicant assertion (``egov.identity.on_behalf``): the citizen a
registered client files for, as a citizen ``Principal`` with ``via`` naming the client.

Refusals are ``AuthenticationError`` (401) with the codes ``assertion-missing``,
``assertion-invalid`` (structure, algorithm, key, signature, issuer, claims, another portal's
assertion), ``assertion-expired`` (past ``exp``, or living longer than configured) and
``assertion-audience-invalid``; a client without ``on_behalf`` is ``Forbidden`` (403
``on-behalf-not-allowed``). Each refusal is one line on the ``egov.security`` logger, never
the assertion's contents.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from egov.errors import Forbidden
from egov.identity.errors import AuthenticationError
from egov.identity.issuers import Issuers
from egov.identity.jwks import JsonFetcher, KeySource, KeysUnavailable, RemoteKeys
from egov.identity.model import Principal, Role, Vertrauensniveau, qualified
from egov.identity.on_behalf import OnBehalfConfig
from egov.identity.tokens import unverified_header, validate_token

security_log = logging.getLogger("egov.security")
MAX_SUBJECT_CHARS = 100
MESSAGES = {
    "assertion-missing": "Für einen Antrag im Namen einer Person fehlt deren signierte "
    "Identitätsbestätigung (Header Egov-Applicant-Assertion).",
    "assertion-invalid": "Die Identitätsbestätigung des Portals ist ungültig.",
    "assertion-expired": "Die Identitätsbestätigung des Portals ist abgelaufen.",
    "assertion-audience-invalid": "Die Identitätsbestätigung ist nicht für diesen Dienst bestimmt.",
}
_CODES = {
    "token-expired": "assertion-expired",
    "token-audience-invalid": "assertion-audience-invalid",
}


def _refusal(code: str) -> AuthenticationError:
    return AuthenticationError(code, MESSAGES[code])


ClientKeyId = tuple[str, str]  # (issuer name, client id)


class AssertionVerifier:
    """The applicant assertions of every client configured with ``on_behalf``."""

    def __init__(
        self,
        issuers: Issuers,
        keys: Mapping[ClientKeyId, KeySource],
        now: Callable[[], float] = time.time,
    ) -> None:
        self.issuers = issuers
        self.keys = dict(keys)
        self._now = now

    def citizen(self, client: Principal, assertion: str | None) -> Principal:
        """The citizen `client` files for, from its signed `assertion`."""
        issuer, _, client_id = client.subject.partition(":")
        config = self.issuers.client(issuer, client_id)
        if not client.is_client or config is None or config.on_behalf is None:
            raise Forbidden(
                "Dieser Client darf nicht im Namen von Personen einreichen.",
                code="on-behalf-not-allowed",
            )
        try:
            if not assertion:
                raise _refusal("assertion-missing")
            claims = self._claims((issuer, client_id), config.on_behalf, assertion)
            return _principal(client, client_id, config.on_behalf, claims)
        except AuthenticationError as error:
            security_log.warning("assertion refused: code=%s client=%s", error.code, client.subject)
            raise

    def _claims(self, key: ClientKeyId, config: OnBehalfConfig, assertion: str) -> dict[str, Any]:
        try:
            kid = unverified_header(assertion).get("kid")
            if not isinstance(kid, str) or not kid:
                raise _refusal("assertion-invalid")
            jwks = self.keys[key].jwks_for(kid)
            claims = validate_token(assertion, jwks, config.token_settings, now=int(self._now()))
        except KeysUnavailable:
            raise AuthenticationError("token-keys-unavailable") from None
        except AuthenticationError as error:
            if error.code.startswith("assertion-"):
                raise
            raise _refusal(_CODES.get(error.code, "assertion-invalid")) from None
        issued, expires = claims.get("iat"), claims["exp"]  # exp: checked by validate_token
        if not isinstance(issued, int | float) or isinstance(issued, bool):
            raise _refusal("assertion-invalid")
        if float(expires) - issued > config.max_lifetime_seconds:
            raise _refusal("assertion-expired")
        if not isinstance(claims.get("jti"), str) or not claims["jti"]:
            raise _refusal("assertion-invalid")
        return claims


def _text(claims: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _refusal("assertion-invalid")
    return value


def _principal(
    client: Principal, client_id: str, config: OnBehalfConfig, claims: Mapping[str, Any]
) -> Principal:
    if claims.get("azp") != client_id:  # another portal's assertion
        raise _refusal("assertion-invalid")
    subject = _text(claims, "sub")
    assert subject is not None
    if len(subject) > MAX_SUBJECT_CHARS:
        raise _refusal("assertion-invalid")
    try:
        level = Vertrauensniveau.from_claim(claims.get("acr"))
    except ValueError:
        raise _refusal("assertion-invalid") from None
    postfach = _text(claims, "postfach", required=False)
    namespace = client.postfach_namespace
    return Principal(
        subject=qualified(config.subject_namespace, subject),
        roles=frozenset({Role.CITIZEN}),
        name=str(_text(claims, "name")),
        email=_text(claims, "email", required=False),
        vertrauensniveau=level,
        procedures=client.procedures,
        postfach=qualified(namespace, postfach) if postfach and namespace else None,
        via=client.subject,
    )


def build_assertion_verifier(
    issuers: Issuers,
    *,
    cooldown: float,
    max_age: float,
    fetcher: JsonFetcher | None = None,
) -> AssertionVerifier:
    """Keys from each ``on_behalf.jwks_uri``, fetched when first needed and cached."""
    fetcher = fetcher or JsonFetcher()
    keys: dict[ClientKeyId, KeySource] = {
        key: RemoteKeys(
            client.on_behalf.issuer,
            fetcher,
            jwks_uri=client.on_behalf.jwks_uri,
            cooldown=cooldown,
            max_age=max_age,
        )
        for key, client in issuers.clients.items()
        if client.on_behalf is not None
    }
    return AssertionVerifier(issuers, keys)
