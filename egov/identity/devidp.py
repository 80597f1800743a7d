"""Built-in development identity provider.

DEVELOPMENT ONLY. Passwords equal usernames and client secrets equal client ids,
so anybody can obtain any token. Call ``ensure_allowed(env)`` before mounting
the blueprint; it refuses to run in production.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, jsonify, request

from egov.identity import devidp_login
from egov.identity.devidp_login import CodeStore, DevWebClient
from egov.identity.errors import AuthenticationError
from egov.identity.model import Role
from egov.identity.tokens import ALGORITHM, KeyPair, TokenSettings, issue_token

PRODUCTION = "production"
DEFAULT_LIFETIME = 3600
MAX_LIFETIME = 86400
_ACR_VALUES = [
    "http://eidas.europa.eu/LoA/low",
    "http://eidas.europa.eu/LoA/substantial",
    "http://eidas.europa.eu/LoA/high",
]
_CLAIMS = ["sub", "name", "email", "roles", "org_units", "acr", "procedures", "postfach"]


def ensure_allowed(env: str) -> None:
    """Refuse to run the development IdP in production."""
    if env.strip().lower() == PRODUCTION:
        raise RuntimeError(
            "the development IdP must never run in production "
            "(it hands out tokens for any demo user; configure a real OIDC provider instead)"
        )


class DevIdentityProvider:
    """Issues tokens for a fixed set of demo users. Development only."""

    def __init__(
        self,
        key: KeyPair,
        settings: TokenSettings,
        users: Mapping[str, Mapping[str, Any]],
        web_client: DevWebClient | None = None,
    ) -> None:
        self.key = key
        self.settings = settings
        self.users = users
        self.web_client = web_client  # the browser login (devidp_login.py), if any
        self.codes = CodeStore()

    def token_for(self, username: str, lifetime: int = DEFAULT_LIFETIME) -> str:
        claims = self.users.get(username)
        if claims is None:
            raise AuthenticationError("unknown-user")
        return issue_token(self.key, self.settings, claims, lifetime_seconds=lifetime)

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return self.key.jwks()

    def authenticate_user(self, username: str, password: str) -> None:
        """Password grant check (dev only: the password is the username)."""
        self._check_secret(username, password, client=False)

    def authenticate_client(self, client_id: str, client_secret: str) -> None:
        """Client credentials check (dev only: the secret is the client id)."""
        self._check_secret(client_id, client_secret, client=True)

    def _check_secret(self, name: str, secret: str, client: bool) -> None:
        claims = self.users.get(name)
        if claims is None or _is_client(claims) != client:
            raise AuthenticationError("invalid-credentials")
        if not hmac.compare_digest(name.encode(), secret.encode()):
            raise AuthenticationError("invalid-credentials")

    def discovery_document(self) -> dict[str, Any]:
        issuer = self.settings.issuer.rstrip("/")
        document = self._token_discovery(issuer)
        if self.web_client is not None:
            document.update(
                authorization_endpoint=f"{issuer}/authorize",
                end_session_endpoint=f"{issuer}/logout",
                response_types_supported=["code", "token"],
                grant_types_supported=["authorization_code", "password", "client_credentials"],
                code_challenge_methods_supported=["S256"],
            )
        return document

    def _token_discovery(self, issuer: str) -> dict[str, Any]:
        return {
            "issuer": self.settings.issuer,
            "jwks_uri": f"{issuer}/jwks.json",
            "token_endpoint": f"{issuer}/token",
            "grant_types_supported": ["password", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "acr_values_supported": _ACR_VALUES,
            "claims_supported": _CLAIMS,
        }


def _is_client(claims: Mapping[str, Any]) -> bool:
    return Role.CLIENT.value in claims.get("roles", [])


# --- HTTP ---------------------------------------------------------------------


def create_blueprint(idp: DevIdentityProvider) -> Blueprint:
    """OIDC-style endpoints of the dev IdP; the caller sets ``url_prefix``."""
    blueprint = Blueprint("dev_idp", __name__)

    @blueprint.get("/.well-known/openid-configuration")
    def openid_configuration() -> Response:
        return jsonify(idp.discovery_document())

    @blueprint.get("/jwks.json")
    def jwks() -> Response:
        return jsonify(idp.jwks())

    @blueprint.post("/token")
    def token() -> tuple[Response, int] | Response:
        return _token_response(idp)

    if idp.web_client is not None:
        devidp_login.register(blueprint, idp)
    return blueprint


def _token_response(idp: DevIdentityProvider) -> tuple[Response, int] | Response:
    grant_type = request.form.get("grant_type")
    if not grant_type:
        return _oauth_error("invalid_request", "grant_type is required", 400)
    if grant_type == "password":
        return _password_grant(idp)
    if grant_type == "client_credentials":
        return _client_credentials_grant(idp)
    if grant_type == "authorization_code" and idp.web_client is not None:
        credentials = _client_credentials()
        if credentials is None:
            return _oauth_error("invalid_client", "client authentication required", 401)
        return devidp_login.authorization_code_grant(idp, *credentials)
    return _oauth_error("unsupported_grant_type", "grant_type not supported here", 400)


def _password_grant(idp: DevIdentityProvider) -> tuple[Response, int] | Response:
    username = request.form.get("username")
    password = request.form.get("password")
    if not username or password is None:
        return _oauth_error("invalid_request", "username and password are required", 400)
    try:
        idp.authenticate_user(username, password)
    except AuthenticationError:
        return _oauth_error("invalid_grant", "invalid username or password", 400)
    return _token_success(idp, username)


def _client_credentials_grant(idp: DevIdentityProvider) -> tuple[Response, int] | Response:
    credentials = _client_credentials()
    if credentials is None:
        return _oauth_error("invalid_client", "client authentication required", 401)
    client_id, client_secret = credentials
    try:
        idp.authenticate_client(client_id, client_secret)
    except AuthenticationError:
        return _oauth_error("invalid_client", "client authentication failed", 401)
    return _token_success(idp, client_id)


def _client_credentials() -> tuple[str, str] | None:
    """client_secret_basic (RFC 6749 2.3.1, form-encoded) or client_secret_post."""
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username is not None:
        return unquote(auth.username), unquote(auth.password or "")
    client_id = request.form.get("client_id")
    client_secret = request.form.get("client_secret")
    if not client_id or client_secret is None:
        return None
    return client_id, client_secret


def _token_success(idp: DevIdentityProvider, username: str) -> Response:
    lifetime = _lifetime(request.form.get("lifetime"))
    access_token = idp.token_for(username, lifetime=lifetime)
    body = {"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime}
    return _no_store(jsonify(body))


def _lifetime(raw: str | None) -> int:
    """The token lifetime a caller asks for (`egov dev-token --lifetime`), 1 minute to 1 day."""
    if raw is None or not raw.isdigit():
        return DEFAULT_LIFETIME
    return min(max(int(raw), 60), MAX_LIFETIME)


def _oauth_error(error: str, description: str, status: int) -> tuple[Response, int]:
    response = _no_store(jsonify({"error": error, "error_description": description}))
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="dev-idp"'
    return response, status


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
