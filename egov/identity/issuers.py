"""Accepted token issuers (OIDC providers) and registered technical clients.

Configured by the JSON file named in ``EGOV_OIDC_CONFIG``; several issuers at once, each
chosen by the exact ``iss`` of a token. Keys starting with ``_`` are comments; every other
unknown key is an error naming it. Schema (defaults in brackets)::

    {"issuers": [{
        "name": "buerger",                        # [a-z0-9_-], unique; used in logs and URLs;
                                                  # qualifies its subjects (buerger:<sub>), so
                                                  # never rename it once people have logged in
        "issuer": "https://id.example/realms/buerger",   # exact `iss`, http(s)
        "audience": "egov-api",                   # `aud` must contain it
        "algorithms": ["RS256"],                  # [RS256]; RS*, PS*, ES* only (no HS*, none)
        "allowed_roles": ["citizen"],             # required; roles this issuer may grant
        "required_scopes": ["egov"],              # [none]; from `scope` (space-separated) or `scp`
        "leeway_seconds": 30,                     # [30]; clock skew for exp/nbf/iat
        "postfach_namespace": "bundid",           # [name]; whose Postfach references its
                                                  # `postfach` claims are (shared by issuers and
                                                  # portals that speak of the same Postfach)
        "jwks_uri": "https://...",                # [from <issuer>/.well-known/openid-configuration]
        "claims": {                               # dotted paths into the token's claims
            "subject": "sub", "name": "name", "email": "email", "postfach": "postfach",
            "org_units": "org_units", "vertrauensniveau": "acr",      # [these names; null: none]
            "client_id": "azp",                   # [null: this issuer issues no client tokens]
            "roles": {"claim": "roles"}           # [this]; or {"static": ["citizen"]}
                  # or {"claim": "realm_access.roles", "map": {"egov-clerk": "clerk"}}
        },
        "browser": {                              # [null]; for the web login (authorization code)
            "client_id": "egov-web",
            "client_secret_env": "EGOV_OIDC_BUERGER_SECRET",  # the secret itself: environment only
            "redirect_uri": "https://egov.example/auth/callback/buerger",
            "scopes": ["openid", "profile", "email"],          # [openid]
            "post_logout_redirect_uri": "https://egov.example/"   # [null]
        }}],
     "clients": {"portal": {"issuer": "maschinen",            # [the one issuer that may
                                                              #  grant role client]
                            "procedures": ["*"], "scopes": ["submissions:write"],
                            "postfach_namespace": "bundid",  # [its issuer's]
                            "on_behalf": {...}}}}    # [null]; egov/identity/on_behalf.py

A token is a technical client's when the issuer's mapped ``client_id`` claim names a client of
that issuer in ``clients``; such a principal gets role ``client`` and the procedures and the
scopes configured here, never from the token (a token's own ``scope`` can only narrow them),
and only from an issuer whose ``allowed_roles`` contain ``client``. A client names its issuer;
it may leave it out only while a single issuer grants role ``client``. Subjects are qualified
by the issuer's name (``buerger:1234``), Postfach references by the Postfach namespace: two
issuers that hand out the same ``sub`` never make one principal. The names ``system`` and
``cli`` are reserved (egov's own actors).
With ``EGOV_DEV_IDP=true`` the built-in development IdP is one more issuer (``dev``, the claim
layout of ``egov.identity.users``, all roles) and its demo clients are registered clients.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from egov.identity._configread import ConfigObject, OidcConfigError, text_value
from egov.identity.claims import ClaimMapping, RoleSource
from egov.identity.model import Role
from egov.identity.on_behalf import KEYS as ON_BEHALF_KEYS
from egov.identity.on_behalf import OnBehalfConfig, parse_on_behalf
from egov.identity.tokens import KEY_TYPES, TokenSettings

DEV_ISSUER_NAME = "dev"
RESERVED_NAMES = frozenset({"system", "cli"})  # actors of egov itself (`system:workflow`)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_ISSUER_KEYS = {
    "name", "issuer", "audience", "algorithms", "allowed_roles", "required_scopes",
    "leeway_seconds", "jwks_uri", "claims", "browser", "postfach_namespace",
}  # fmt: skip
_CLIENT_KEYS = {"issuer", "procedures", "scopes", "postfach_namespace", "on_behalf"}
_CLAIM_KEYS = {
    "subject", "name", "email", "postfach", "org_units", "vertrauensniveau", "client_id", "roles",
}  # fmt: skip
_BROWSER_KEYS = {
    "client_id", "client_secret_env", "redirect_uri", "scopes", "post_logout_redirect_uri",
}  # fmt: skip


@dataclass(frozen=True)
class BrowserClient:
    """The OIDC client egov uses for the browser login at one issuer."""

    client_id: str
    client_secret_env: str
    redirect_uri: str
    scopes: tuple[str, ...] = ("openid",)
    post_logout_redirect_uri: str | None = None

    def client_secret(self, environ: Mapping[str, str] | None = None) -> str:
        """The secret from the environment variable ``client_secret_env`` (never stored)."""
        value = (os.environ if environ is None else environ).get(self.client_secret_env)
        if not value:
            raise OidcConfigError(f"environment variable {self.client_secret_env} is not set")
        return value


@dataclass(frozen=True)
class ClientConfig:
    """A registered technical client (client-credentials tokens) of one issuer."""

    procedures: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    postfach_namespace: str | None = None  # None: its issuer's
    on_behalf: OnBehalfConfig | None = None  # files for citizens it vouches for (on_behalf.py)


ClientKey = tuple[str, str]  # (issuer name, client id)


@dataclass(frozen=True)
class IssuerConfig:
    name: str
    issuer: str
    audience: str
    allowed_roles: frozenset[Role]
    algorithms: tuple[str, ...] = ("RS256",)
    required_scopes: frozenset[str] = frozenset()
    leeway_seconds: int = 30
    jwks_uri: str | None = None
    claims: ClaimMapping = field(default_factory=ClaimMapping)
    browser: BrowserClient | None = None
    postfach_namespace: str | None = None  # None: the issuer's name

    @property
    def postfach_space(self) -> str:
        """The namespace of the Postfach references in this issuer's tokens."""
        return self.postfach_namespace or self.name

    @property
    def token_settings(self) -> TokenSettings:
        return TokenSettings(self.issuer, self.audience, self.leeway_seconds, self.algorithms)

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class Issuers:
    """All accepted issuers (by exact ``iss``) and the registered technical clients."""

    def __init__(
        self, issuers: tuple[IssuerConfig, ...], clients: Mapping[ClientKey, ClientConfig]
    ) -> None:
        _check_unique(issuers)
        self._by_iss = {config.issuer: config for config in issuers}
        self._by_name = {config.name: config for config in issuers}
        self.clients: Mapping[ClientKey, ClientConfig] = dict(clients)

    def __iter__(self) -> Iterator[IssuerConfig]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def for_iss(self, iss: object) -> IssuerConfig | None:
        return self._by_iss.get(iss) if isinstance(iss, str) else None

    def named(self, name: str) -> IssuerConfig:
        return self._by_name[name]

    def names(self) -> frozenset[str]:
        return frozenset(self._by_name)

    def client(self, issuer: str, client_id: str) -> ClientConfig | None:
        """The registered client ``client_id`` of the issuer named ``issuer``."""
        return self.clients.get((issuer, client_id))

    def with_issuer(self, extra: IssuerConfig, clients: Mapping[str, ClientConfig]) -> Issuers:
        """These issuers plus ``extra`` and its ``clients`` (by client id)."""
        more = {(extra.name, client_id): config for client_id, config in clients.items()}
        return Issuers((*self, extra), {**more, **self.clients})


def _check_unique(issuers: tuple[IssuerConfig, ...]) -> None:
    for attribute in ("name", "issuer"):
        values = [getattr(config, attribute) for config in issuers]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise OidcConfigError(f"issuers: {attribute} {duplicates[0]!r} configured twice")


# --- loading ------------------------------------------------------------------------------


def load_issuers(path: str | Path) -> Issuers:
    """Read and validate the configuration file; ``OidcConfigError`` names the bad key."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise OidcConfigError(f"cannot read OIDC configuration {path}: {error.strerror}") from None
    except ValueError as error:
        raise OidcConfigError(f"OIDC configuration {path} is not valid JSON: {error}") from None
    return parse_issuers(data)


def parse_issuers(data: object) -> Issuers:
    root = ConfigObject(data, "", {"issuers", "clients"})
    entries = root.raw("issuers")
    if not isinstance(entries, list) or not entries:
        raise OidcConfigError("issuers: required, a non-empty list")
    issuers = tuple(_issuer(entry, f"issuers[{i}]") for i, entry in enumerate(entries))
    clients = _clients(root.raw("clients"), issuers)
    _check_browser_clients(issuers, clients)
    return Issuers(issuers, clients)


def _issuer(data: object, path: str) -> IssuerConfig:
    entry = ConfigObject(data, path, _ISSUER_KEYS)
    name = entry.text("name")
    if not _NAME.match(name):
        raise OidcConfigError(f"{entry.at('name')}: use a-z, 0-9, '-' and '_' only, got {name!r}")
    if name in RESERVED_NAMES:
        raise OidcConfigError(f"{entry.at('name')}: {name!r} is reserved for egov's own actors")
    if "allowed_roles" not in entry.data:
        raise OidcConfigError(f"{entry.at('allowed_roles')}: required (roles this issuer grants)")
    return IssuerConfig(
        name=name,
        issuer=str(entry.url("issuer")),
        audience=entry.text("audience"),
        allowed_roles=frozenset(_roles(entry, "allowed_roles")),
        algorithms=_algorithms(entry),
        required_scopes=frozenset(entry.texts("required_scopes")),
        leeway_seconds=entry.number("leeway_seconds", 30),
        jwks_uri=entry.url("jwks_uri", required=False),
        claims=_claims(entry.child("claims", _CLAIM_KEYS)),
        browser=_browser(entry.child("browser", _BROWSER_KEYS)),
        postfach_namespace=_namespace(entry, "postfach_namespace"),
    )


def _namespace(entry: ConfigObject, key: str) -> str | None:
    value = entry.optional_text(key)
    if value is not None and not _NAME.match(value):
        raise OidcConfigError(f"{entry.at(key)}: use a-z, 0-9, '-' and '_' only, got {value!r}")
    return value


def _algorithms(entry: ConfigObject) -> tuple[str, ...]:
    algorithms = entry.texts("algorithms", ("RS256",))
    for algorithm in algorithms:
        if algorithm not in KEY_TYPES:
            allowed = ", ".join(KEY_TYPES)
            raise OidcConfigError(
                f"{entry.at('algorithms')}: {algorithm!r} not allowed (allowed: {allowed})"
            )
    if not algorithms:
        raise OidcConfigError(f"{entry.at('algorithms')}: name at least one algorithm")
    return algorithms


def _role(value: str, path: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise OidcConfigError(f"{path}: {value!r} is not a role ({names})") from None


def _roles(entry: ConfigObject, key: str) -> list[Role]:
    return [_role(value, f"{entry.at(key)}[{i}]") for i, value in enumerate(entry.texts(key))]


def _claims(entry: ConfigObject | None) -> ClaimMapping:
    if entry is None:
        return ClaimMapping()
    defaults = ClaimMapping()
    paths = {
        key: entry.optional_text(key, getattr(defaults, key))
        for key in sorted(_CLAIM_KEYS - {"subject", "roles"})
    }
    return ClaimMapping(
        subject=entry.optional_text("subject") or defaults.subject,
        roles=_role_source(entry.child("roles", {"claim", "map", "static"})),
        **paths,
    )


def _role_source(entry: ConfigObject | None) -> RoleSource:
    if entry is None:
        return RoleSource(claim="roles")
    if entry.has("static") == entry.has("claim"):
        raise OidcConfigError(
            f"{entry.path}: give either 'claim' (with optional 'map') or 'static'"
        )
    if entry.has("static"):
        if entry.has("map"):
            raise OidcConfigError(f"{entry.at('map')}: only with 'claim'")
        return RoleSource(static=frozenset(_roles(entry, "static")))
    return RoleSource(claim=entry.text("claim"), map=_role_map(entry))


def _role_map(entry: ConfigObject) -> dict[str, Role] | None:
    raw = entry.raw("map")
    if raw is None:
        return None
    mapping = ConfigObject(raw, entry.at("map"), allowed=raw if isinstance(raw, dict) else ())
    return {
        key: _role(text_value(value, mapping.at(key)), mapping.at(key))
        for key, value in mapping.data.items()
    }


def _browser(entry: ConfigObject | None) -> BrowserClient | None:
    if entry is None:
        return None
    return BrowserClient(
        client_id=entry.text("client_id"),
        client_secret_env=entry.text("client_secret_env"),
        redirect_uri=str(entry.url("redirect_uri")),
        scopes=entry.texts("scopes", ("openid",)),
        post_logout_redirect_uri=entry.url("post_logout_redirect_uri", required=False),
    )


def _clients(raw: object, issuers: tuple[IssuerConfig, ...]) -> dict[ClientKey, ClientConfig]:
    if raw is None:
        return {}
    table = ConfigObject(raw, "clients", allowed=raw if isinstance(raw, dict) else ())
    granting = [config.name for config in issuers if Role.CLIENT in config.allowed_roles]
    clients: dict[ClientKey, ClientConfig] = {}
    for client_id, value in table.data.items():
        entry = ConfigObject(value, table.at(client_id), _CLIENT_KEYS)
        issuer = entry.optional_text("issuer")
        if issuer is None:
            if len(granting) != 1:
                raise OidcConfigError(
                    f"{entry.at('issuer')}: required, since {len(granting)} issuers may grant "
                    "role client (a client id means something only at its issuer)"
                )
            issuer = granting[0]
        if issuer not in granting:
            raise OidcConfigError(f"{entry.at('issuer')}: {issuer!r} grants no role client")
        clients[(issuer, client_id)] = ClientConfig(
            procedures=frozenset(entry.texts("procedures")),
            scopes=frozenset(entry.texts("scopes")),
            postfach_namespace=_namespace(entry, "postfach_namespace"),
            on_behalf=parse_on_behalf(entry.child("on_behalf", ON_BEHALF_KEYS)),
        )
    return clients


def _check_browser_clients(
    issuers: tuple[IssuerConfig, ...], clients: Mapping[ClientKey, ClientConfig]
) -> None:
    for index, config in enumerate(issuers):
        if config.browser is not None and (config.name, config.browser.client_id) in clients:
            raise OidcConfigError(
                f"issuers[{index}].browser.client_id: {config.browser.client_id!r} is also a "
                "technical client in 'clients'; people logging in would become that client"
            )


__all__ = [
    "DEV_ISSUER_NAME",
    "BrowserClient",
    "ClientConfig",
    "IssuerConfig",
    "Issuers",
    "OidcConfigError",
    "load_issuers",
    "parse_issuers",
]
