"""Browser login at the development IdP: authorization code flow with PKCE. DEVELOPMENT ONLY.

``GET /dev-idp/authorize`` shows the fictional demo people, one button each (no password: the
dev IdP trusts anyone who can reach it). ``POST /dev-idp/authorize`` issues a one-time code
bound to client, redirect URI, PKCE challenge (S256 only) and nonce; ``/dev-idp/token`` with
``grant_type=authorization_code`` checks all of them and returns an ID token (``aud`` = the
client, ``nonce``, ``auth_time``) and an access token. ``GET /dev-idp/logout`` sends the browser
back to the registered post-logout URI. Only the one registered web client may use this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from egov.identity.issuers import BrowserClient
from egov.identity.model import Role
from egov.identity.tokens import TokenSettings, issue_token

if TYPE_CHECKING:
    from egov.identity.devidp import DevIdentityProvider

CODE_LIFETIME = 60
ID_TOKEN_LIFETIME = 300
_PARAMS = ("client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge")
_ID_CLAIMS = ("sub", "name", "email", "roles", "org_units", "acr", "postfach")


@dataclass(frozen=True)
class DevWebClient:
    """The one browser client the dev IdP knows (egov's own login, issuer ``dev``)."""

    client_id: str
    redirect_uri: str
    post_logout_redirect_uri: str

    def browser_client(self) -> BrowserClient:
        """egov's side: secret = client id (dev convention), so no environment variable."""
        return BrowserClient(
            client_id=self.client_id,
            client_secret_env="",
            redirect_uri=self.redirect_uri,
            scopes=("openid", "profile", "email"),
            post_logout_redirect_uri=self.post_logout_redirect_uri,
        )


@dataclass(frozen=True)
class Grant:
    """What an authorization code stands for."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    username: str
    auth_time: int
    expires_at: float


class CodeStore:
    """One-time authorization codes, in this process: the dev IdP serves development, which
    runs one web process (production refuses to start it)."""

    def __init__(self) -> None:
        self._codes: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def issue(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._codes = {k: g for k, g in self._codes.items() if g.expires_at > now}
            self._codes[code] = grant
        return code

    def redeem(self, code: str) -> Grant | None:
        with self._lock:
            grant = self._codes.pop(code, None)
        return grant if grant is not None and grant.expires_at > time.monotonic() else None


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- HTTP ---------------------------------------------------------------------------------------


def register(blueprint: Blueprint, idp: DevIdentityProvider) -> None:
    @blueprint.get("/authorize")
    def authorize_page() -> BaseResponse | tuple[Response, int]:
        params, error = _authorize_params(idp, request.args)
        return _error(error) if error else _login_page(idp, params)

    @blueprint.post("/authorize")
    def authorize() -> BaseResponse | tuple[Response, int]:
        params, error = _authorize_params(idp, request.form)
        username = request.form.get("username", "")
        if not error and username not in people(idp):
            error = "unknown user"
        return _error(error) if error else _code_redirect(idp, params, username)

    @blueprint.get("/logout")
    def logout() -> BaseResponse:
        target = request.args.get("post_logout_redirect_uri")
        web = idp.web_client
        if web is not None and target == web.post_logout_redirect_uri:
            state = request.args.get("state")
            query = f"?{urlencode({'state': state})}" if state else ""
            return redirect(target + query, code=303)
        return _html("<h1>Abgemeldet</h1><p>Bei der Entwicklungs-Anmeldung abgemeldet.</p>")


def people(idp: DevIdentityProvider) -> list[str]:
    """Demo users who are people (not technical clients)."""
    return [name for name, c in idp.users.items() if Role.CLIENT.value not in c.get("roles", [])]


def _authorize_params(idp: DevIdentityProvider, source: Any) -> tuple[dict[str, str], str]:
    params = {name: str(source.get(name, "")) for name in _PARAMS}
    web = idp.web_client
    if web is None or params["client_id"] != web.client_id:
        return params, "unknown client_id"
    if params["redirect_uri"] != web.redirect_uri:
        return params, "redirect_uri is not registered"
    if source.get("response_type", "code") != "code":
        return params, "only response_type=code"
    if source.get("code_challenge_method") != "S256" or len(params["code_challenge"]) < 43:
        return params, "PKCE with code_challenge_method=S256 is required"
    if not params["state"]:
        return params, "state is required"
    return params, ""


def _login_page(idp: DevIdentityProvider, params: dict[str, str]) -> Response:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">'
        for name, value in {**params, "code_challenge_method": "S256"}.items()
    )
    forms = "".join(
        f'<form id="login-{escape(name)}" method="post" action="{escape(request.path)}">'
        f'{hidden}<input type="hidden" name="username" value="{escape(name)}">'
        f'<button type="submit">{escape(str(idp.users[name].get("name", name)))} '
        f"({escape(', '.join(idp.users[name].get('roles', [])))})</button></form>"
        for name in people(idp)
    )
    return _html(
        "<h1>Entwicklungs-Anmeldung</h1><p>Nur für die Entwicklung: fiktive Demo-Personen, "
        f"Anmeldung ohne Passwort.</p>{forms}"
    )


def _code_redirect(idp: DevIdentityProvider, params: dict[str, str], username: str) -> BaseResponse:
    grant = Grant(
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        code_challenge=params["code_challenge"],
        nonce=params["nonce"] or None,
        username=username,
        auth_time=int(time.time()),
        expires_at=time.monotonic() + CODE_LIFETIME,
    )
    query = {"code": idp.codes.issue(grant), "state": params["state"], "iss": idp.settings.issuer}
    return redirect(f"{params['redirect_uri']}?{urlencode(query)}", code=303)


def authorization_code_grant(
    idp: DevIdentityProvider, client_id: str, client_secret: str
) -> Response | tuple[Response, int]:
    """``/token`` with ``grant_type=authorization_code`` (client already extracted)."""
    web = idp.web_client
    known = web is not None and client_id == web.client_id
    if not known or not hmac.compare_digest(client_id.encode(), client_secret.encode()):
        return _oauth_error("invalid_client", "client authentication failed", 401)
    grant = idp.codes.redeem(request.form.get("code", ""))
    verifier = request.form.get("code_verifier", "")
    if (
        grant is None
        or grant.client_id != client_id
        or grant.redirect_uri != request.form.get("redirect_uri")
        or not verifier
        or not hmac.compare_digest(s256(verifier), grant.code_challenge)
    ):
        return _oauth_error("invalid_grant", "code, redirect_uri or code_verifier invalid", 400)
    body = {
        "access_token": idp.token_for(grant.username),
        "id_token": _id_token(idp, grant),
        "token_type": "Bearer",
        "expires_in": ID_TOKEN_LIFETIME,
    }
    return _no_store(jsonify(body))


def _id_token(idp: DevIdentityProvider, grant: Grant) -> str:
    user = idp.users[grant.username]
    claims: dict[str, Any] = {k: user[k] for k in _ID_CLAIMS if k in user}
    claims["auth_time"] = grant.auth_time
    if grant.nonce:
        claims["nonce"] = grant.nonce
    settings = TokenSettings(idp.settings.issuer, grant.client_id)
    return issue_token(idp.key, settings, claims, lifetime_seconds=ID_TOKEN_LIFETIME)


def _html(body: str) -> Response:
    page = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>egov Entwicklungs-Anmeldung</title></head>"
        f"<body><main>{body}</main></body></html>"
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response.headers["X-Frame-Options"] = "DENY"
    return _no_store(response)


def _error(description: str) -> tuple[Response, int]:
    return _oauth_error("invalid_request", description, 400)


def _oauth_error(error: str, description: str, status: int) -> tuple[Response, int]:
    return _no_store(jsonify({"error": error, "error_description": description})), status


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
