"""Bearer-token verification across several OIDC issuers: ``TokenVerifier.verify``.

Steps, each refusal an ``AuthenticationError`` with a stable code and one line on the
``egov.security`` logger (code, issuer name, kid; never token contents):

1. structure; the UNVERIFIED ``iss`` only selects the issuer configuration: an unknown
   issuer is refused (``token-issuer-invalid``) before any key is fetched;
2. algorithm pinned per issuer (``token-algorithm-not-allowed``; none and HS* can never be
   configured, and a key is used only for an algorithm of its own type);
3. key by ``kid`` from that issuer's keys only, refetched once on rotation
   (``token-unknown-key``, ``token-keys-unavailable``); signature, ``iss``, ``aud``,
   ``exp``/``nbf``/``iat`` with the issuer's leeway (``egov.identity.tokens.validate_token``);
4. the issuer's required scopes (``token-scope-missing``);
5. claims mapped with the issuer's mapping; a registered technical client gets role
   ``client`` and its procedures from configuration; roles outside the issuer's
   ``allowed_roles`` are refused (``token-role-not-allowed``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from egov.identity import claims as claim_mapping
from egov.identity.errors import MESSAGES, AuthenticationError
from egov.identity.issuers import IssuerConfig, Issuers
from egov.identity.jwks import (
    DEFAULT_COOLDOWN_SECONDS,
    DEFAULT_MAX_AGE_SECONDS,
    JsonFetcher,
    KeySource,
    KeysUnavailable,
    LocalKeys,
    RemoteKeys,
)
from egov.identity.model import Principal, Role
from egov.identity.tokens import unverified_claims, unverified_header, validate_token

security_log = logging.getLogger("egov.security")

EXTRA_MESSAGES: dict[str, str] = {
    "token-scope-missing": "Dem Zugriffstoken fehlt eine erforderliche Berechtigung (Scope).",
    "token-role-not-allowed": "Dieser Aussteller darf die genannte Rolle nicht vergeben.",
    "token-keys-unavailable": "Die Schlüssel des Ausstellers sind derzeit nicht abrufbar.",
}


def refusal(code: str) -> AuthenticationError:
    return AuthenticationError(code, MESSAGES.get(code) or EXTRA_MESSAGES.get(code))


class TokenVerifier:
    """Verifies access tokens of every configured issuer and maps them to a ``Principal``."""

    def __init__(
        self,
        issuers: Issuers,
        keys: Mapping[str, KeySource],
        now: Callable[[], float] = time.time,
    ) -> None:
        missing = [config.name for config in issuers if config.name not in keys]
        if missing:
            raise ValueError(f"no key source for issuer(s) {missing}")
        self.issuers = issuers
        self.keys: Mapping[str, KeySource] = dict(keys)
        self._now = now

    def verify(self, token: str) -> Principal:
        """The caller of ``token``, or ``AuthenticationError`` (logged on ``egov.security``)."""
        context: dict[str, str] = {"issuer": "-", "kid": "-"}
        try:
            return self._verify(token, context)
        except AuthenticationError as error:
            security_log.warning(
                "token refused: code=%s issuer=%s kid=%s",
                error.code,
                context["issuer"],
                context["kid"],
            )
            raise

    def _verify(self, token: str, context: dict[str, str]) -> Principal:
        header = unverified_header(token)
        kid = header.get("kid")
        context["kid"] = _loggable(kid)
        issuer = self.issuers.for_iss(unverified_claims(token).get("iss"))
        if issuer is None:
            raise refusal("token-issuer-invalid")
        context["issuer"] = issuer.name
        if header.get("alg") not in issuer.algorithms:
            raise refusal("token-algorithm-not-allowed")  # before any key fetch
        if not isinstance(kid, str) or not kid:
            raise refusal("token-unknown-key")
        claims = validate_token(
            token, self._jwks(issuer, kid), issuer.token_settings, now=int(self._now())
        )
        _check_scopes(issuer, claims)
        return self._principal(issuer, claims)

    def _jwks(self, issuer: IssuerConfig, kid: str) -> Mapping[str, Any]:
        try:
            return self.keys[issuer.name].jwks_for(kid)
        except KeysUnavailable as error:
            raise refusal("token-keys-unavailable") from error

    def _principal(self, issuer: IssuerConfig, claims: Mapping[str, Any]) -> Principal:
        mapping = issuer.claims
        client_id = claim_mapping.client_id_of(claims, mapping)
        client = None if client_id is None else self.issuers.client(issuer.name, client_id)
        if client_id is not None and client is not None:
            principal = claim_mapping.client_principal(
                claims,
                mapping,
                issuer.name,
                client_id,
                client,
                client.postfach_namespace or issuer.postfach_space,
            )
        else:
            principal = claim_mapping.person_principal(
                claims, mapping, issuer.name, issuer.postfach_space
            )
            if Role.CLIENT in principal.roles:
                raise refusal("token-role-not-allowed")  # only registered clients are clients
        if not principal.roles <= issuer.allowed_roles:
            raise refusal("token-role-not-allowed")
        return principal


def _check_scopes(issuer: IssuerConfig, claims: Mapping[str, Any]) -> None:
    if not issuer.required_scopes <= claim_mapping.token_scopes(claims):
        raise refusal("token-scope-missing")


def _loggable(value: object) -> str:
    """A kid for the log: printable, short, quoted (it comes from an unverified header)."""
    if not isinstance(value, str):
        return "-"
    return repr(value[:64])


def build_verifier(
    issuers: Issuers,
    local_keys: Mapping[str, Callable[[], Mapping[str, Any]]],
    *,
    cooldown: float = DEFAULT_COOLDOWN_SECONDS,
    max_age: float = DEFAULT_MAX_AGE_SECONDS,
    fetcher: JsonFetcher | None = None,
) -> TokenVerifier:
    """Keys in this process for the issuers named in ``local_keys``, discovery for the rest."""
    fetcher = fetcher or JsonFetcher()
    keys: dict[str, KeySource] = {}
    for config in issuers:
        local = local_keys.get(config.name)
        keys[config.name] = (
            LocalKeys(local)
            if local is not None
            else RemoteKeys(
                config.issuer,
                fetcher,
                jwks_uri=config.jwks_uri,
                cooldown=cooldown,
                max_age=max_age,
            )
        )
    return TokenVerifier(issuers, keys)


__all__ = ["EXTRA_MESSAGES", "TokenVerifier", "build_verifier", "refusal"]
