"""Filing on behalf of a citizen: a portal's signed applicant assertion (ADR 0013).

A portal that authenticated a citizen itself (BundID, its own login) files their application
with its client-credentials token, and says who the citizen is in a short-lived JWT it signs
with its own key: the **applicant assertion**, sent in the header ``Egov-Applicant-Assertion``.
egov verifies it against the JWKS the client's configuration names, never takes identity or
Vertrauensniveau from the request body, and the case then belongs to the citizen.

Configuration, per client in ``EGOV_OIDC_CONFIG`` (``clients.<id>.on_behalf``)::

    "on_behalf": {
        "issuer": "https://portal.example/assertions",   # exact `iss` of its assertions
        "jwks_uri": "https://portal.example/jwks.json",  # the portal's public keys
        "audience": "egov-api",                          # `aud` must contain it
        "subject_namespace": "buerger",   # whose subjects the portal names: the issuer at which
                                          # the citizen logs in to see the case in /me
        "algorithms": ["RS256"],          # [RS256]
        "max_lifetime_seconds": 300,      # [300] exp - iat at most; both required
        "leeway_seconds": 30              # [30]
    }

Claims of an assertion: ``iss``, ``aud``, ``iat``, ``exp``, ``jti``; ``azp`` = the client id
of the portal presenting it (an assertion is bound to one portal); ``sub`` (the citizen, at
most 100 characters), ``name``, ``acr`` (Vertrauensniveau: ``low|substantial|high``, eIDAS or
STORK URI); optional ``email`` and ``postfach`` (qualified by the client's Postfach namespace).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from egov.identity._configread import ConfigObject, OidcConfigError
from egov.identity.tokens import KEY_TYPES, TokenSettings

ASSERTION_HEADER = "Egov-Applicant-Assertion"
KEYS = {
    "issuer", "jwks_uri", "audience", "subject_namespace", "algorithms",
    "max_lifetime_seconds", "leeway_seconds",
}  # fmt: skip
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class OnBehalfConfig:
    """Whose applicant assertions a client presents, and how they are checked."""

    issuer: str
    jwks_uri: str
    audience: str
    subject_namespace: str
    algorithms: tuple[str, ...] = ("RS256",)
    max_lifetime_seconds: int = 300
    leeway_seconds: int = 30

    @property
    def token_settings(self) -> TokenSettings:
        return TokenSettings(self.issuer, self.audience, self.leeway_seconds, self.algorithms)


def parse_on_behalf(entry: ConfigObject | None) -> OnBehalfConfig | None:
    """``clients.<id>.on_behalf``; ``OidcConfigError`` names the bad key."""
    if entry is None:
        return None
    namespace = entry.text("subject_namespace")
    if not _NAME.match(namespace):
        raise OidcConfigError(f"{entry.at('subject_namespace')}: use a-z, 0-9, '-' and '_' only")
    algorithms = entry.texts("algorithms", ("RS256",))
    if not algorithms or any(a not in KEY_TYPES for a in algorithms):
        raise OidcConfigError(f"{entry.at('algorithms')}: one or more of {', '.join(KEY_TYPES)}")
    lifetime = entry.number("max_lifetime_seconds", 300)
    if not 0 < lifetime <= 3600:
        raise OidcConfigError(f"{entry.at('max_lifetime_seconds')}: 1 to 3600 seconds")
    return OnBehalfConfig(
        issuer=str(entry.url("issuer")),
        jwks_uri=str(entry.url("jwks_uri")),
        audience=entry.text("audience"),
        subject_namespace=namespace,
        algorithms=algorithms,
        max_lifetime_seconds=lifetime,
        leeway_seconds=entry.number("leeway_seconds", 30),
    )
