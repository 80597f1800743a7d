"""Browser login with OpenID Connect (authorization code flow, PKCE S256, state, nonce).

One Authlib client per issuer with a ``browser`` section (egov/identity/issuers.py), plus the dev
IdP (issuer ``dev``) in development. Routes, all under ``/auth``:

- ``GET /login/<issuer>?next=/path[&reauth=1]``: to the provider; ``next`` must be a path on
  this site (else 400 ``redirect-not-allowed``); ``reauth=1`` asks the provider to prompt again.
- ``GET /callback/<issuer>``: state (one-time, bound to this browser), code exchange with the
  PKCE verifier, ID token (signature, iss, aud, exp, nonce), claims mapped with the issuer's
  mapping; then the session (egov/identity/sessions.py) and a redirect to ``next``.
- ``POST /logout`` (CSRF token as header ``X-CSRF-Token`` or form field ``csrf_token``): ends
  the session and sends the browser to the provider's ``end_session_endpoint``.
- ``GET /session``: who is logged in, and the CSRF token for unsafe API calls.

Every refusal is a ``SessionRefused``: problem+json and one line on ``egov.security``.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    has_request_context,
    jsonify,
    redirect,
    request,
    session,
)
from joserfc.errors import JoseError
from requests import RequestException
from werkzeug.wrappers import Response as BaseResponse

from egov.clock import iso
from egov.container import Container
from egov.identity.claims import person_principal
from egov.identity.errors import AuthenticationError
from egov.identity.issuers import DEV_ISSUER_NAME, IssuerConfig
from egov.identity.model import Principal, Role
from egov.identity.sessions import (
    CSRF_HEADER,
    DEVELOPMENT_ENVS,
    SESSION_KEY,
    SessionRefused,
    WebSession,
    check_csrf,
    epoch,
    new_session,
    secret_key,
    stored_session,
)
from egov.identity.tokens import unverified_header
from egov.web.auth import current_principal, current_web_session, public, requires
from egov.web.context import container
from egov.web.problems import correlation_id, problem

bp = Blueprint("login", __name__)
security_log = logging.getLogger("egov.security")
COOKIE_NAME = "egov_session"
STATE_LIFETIME_SECONDS = 600
HTTP_TIMEOUT_SECONDS = 10
MAX_NEXT_LENGTH = 2048
_LOGIN_ERRORS = (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError, TypeError)


def init_app(app: Flask, egov: Container) -> None:
    """Secret key, cookie settings, one OAuth client per browser issuer, routes, errors."""
    settings = egov.settings
    app.secret_key = secret_key(settings.secret_key, settings.env, settings.data_dir)
    fallbacks = [key.strip() for key in settings.secret_key_fallbacks.split(",") if key.strip()]
    app.config.update(
        SECRET_KEY_FALLBACKS=fallbacks,  # rotation: cookies of the old key stay valid
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env not in DEVELOPMENT_ENVS,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_lifetime_seconds),
    )
    egov.login_cache.address = lambda: request.remote_addr if has_request_context() else None
    oauth = OAuth(app, cache=egov.login_cache)
    for issuer in egov.issuers:
        if issuer.browser is not None:
            _register(oauth, issuer, egov)
    app.register_blueprint(bp, url_prefix="/auth")
    app.register_error_handler(SessionRefused, refused)


def _register(oauth: OAuth, issuer: IssuerConfig, egov: Container) -> None:
    browser = issuer.browser
    assert browser is not None
    if egov.dev_idp is not None and issuer.name == DEV_ISSUER_NAME:
        secret = browser.client_id  # dev IdP convention; metadata and keys without HTTP
        source: dict[str, Any] = {**egov.dev_idp.discovery_document(), "jwks": egov.dev_idp.jwks()}
    else:
        secret = browser.client_secret()
        source = {"server_metadata_url": issuer.discovery_url}
    client = oauth.register(
        name=issuer.name,
        client_id=browser.client_id,
        client_secret=secret,
        client_kwargs={
            "scope": " ".join(browser.scopes),
            "code_challenge_method": "S256",
            "default_timeout": HTTP_TIMEOUT_SECONDS,
        },
        **source,
    )
    client.framework.expires_in = STATE_LIFETIME_SECONDS


def refused(error: SessionRefused) -> Response:
    security_log.warning(
        "session_refused code=%s reason=%s path=%s remote=%s correlation_id=%s",
        error.code,
        error.reason,
        request.path,
        request.remote_addr,
        correlation_id(),
    )
    if error.code == "session-expired":
        session.clear()  # the cookie goes with this response
    response = problem(error.status, error.code, error.message, **error.extra)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- routes -----------------------------------------------------------------------------------


@bp.get("/login/<issuer_name>")
@public
def login(issuer_name: str) -> BaseResponse:
    """Start the login at the issuer; afterwards the browser returns to ``next``."""
    target = safe_next(request.args.get("next"))
    issuer, client = _browser_issuer(issuer_name)
    assert issuer.browser is not None
    extra = {"prompt": "login"} if request.args.get("reauth") == "1" else {}
    try:
        created = client.create_authorization_url(
            issuer.browser.redirect_uri, nonce=secrets.token_urlsafe(24), **extra
        )
    except (*_LOGIN_ERRORS, RuntimeError) as error:
        raise SessionRefused("login-unavailable", 503, f"{issuer.name}: {error}") from error
    client.save_authorize_data(redirect_uri=issuer.browser.redirect_uri, next=target, **created)
    return _no_store(redirect(created["url"], code=302))


@bp.get("/callback/<issuer_name>")
@public
def callback(issuer_name: str) -> BaseResponse:
    """The provider's answer: check everything, then start the session."""
    issuer, client = _browser_issuer(issuer_name)
    pending = _take_state(client)
    if request.args.get("error"):
        reason = f"provider answered error={request.args.get('error', '')[:64]!r}"
        raise SessionRefused("login-failed", 400, reason)
    token = _exchange_code(client, pending)
    claims = _id_token_claims(issuer, client, token, pending)
    principal = _principal(issuer, claims)
    _start_session(issuer, principal, claims, str(token["id_token"]))
    security_log.info("login_succeeded issuer=%s subject=%s", issuer.name, principal.subject)
    return _no_store(redirect(safe_next(pending.get("next")), code=302))


@bp.post("/logout")
@public
def logout() -> BaseResponse:
    """End the session here and (RP-initiated logout) at the provider."""
    target = safe_next(request.values.get("next"))
    web = stored_session(session)
    if web is None:
        session.clear()
        return _no_store(redirect(target, code=303))
    check_csrf(web, "POST", request.headers.get(CSRF_HEADER) or request.form.get("csrf_token"))
    session.clear()
    egov = container()
    egov.login_cache.revoke(web.sid, web.expires_at - epoch(egov.clock()))
    security_log.info("logout issuer=%s subject=%s", web.issuer, web.principal.subject)
    return _no_store(redirect(_end_session_url(web) or target, code=303))


@bp.get("/session")
@requires()
def whoami() -> BaseResponse:
    """The caller; with a browser session also its CSRF token and end."""
    principal = current_principal()
    web = current_web_session()
    body = {
        "subject": principal.subject,
        "name": principal.name,
        "roles": sorted(role.value for role in principal.roles),
        "issuer": web.issuer if web else None,
        "csrf_token": web.csrf_token if web else None,
        "auth_time": _iso(web.auth_time) if web else None,
        "expires_at": _iso(web.expires_at) if web else None,
    }
    return _no_store(jsonify(body))


# --- steps ------------------------------------------------------------------------------------


def safe_next(value: str | None) -> str:
    """A path on this site (``/...``), else ``SessionRefused`` (no open redirects)."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if (
        len(value) > MAX_NEXT_LENGTH
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(char) < 0x21 or ord(char) == 0x7F for char in value)
        or parts.scheme
        or parts.netloc
    ):
        raise SessionRefused("redirect-not-allowed", 400, f"next={value[:200]!r}")
    return value


def _browser_issuer(name: str) -> tuple[IssuerConfig, Any]:
    oauth: OAuth = container_oauth()
    client = oauth.create_client(name) if name in _browser_names() else None
    if client is None:
        raise SessionRefused("issuer-not-found", 404, f"issuer={name[:64]!r}")
    return container().issuers.named(name), client


def container_oauth() -> OAuth:
    oauth: OAuth = current_app.extensions["authlib.integrations.flask_client"]
    return oauth


def _browser_names() -> set[str]:
    return {issuer.name for issuer in container().issuers if issuer.browser is not None}


def _take_state(client: Any) -> dict[str, Any]:
    """The data saved at login for this ``state``, removed at once: usable a single time, and
    only by the browser that started the login (its session holds the key)."""
    state = request.args.get("state", "")
    data = client.framework.get_state_data(session, state) if state else None
    if data is not None:  # only the browser that holds the state may use it up
        client.framework.clear_state_data(session, state)
    if not isinstance(data, dict):
        reason = "state unknown, used or of another session"
        raise SessionRefused("login-state-invalid", 400, reason)
    return data


def _exchange_code(client: Any, pending: dict[str, Any]) -> dict[str, Any]:
    code = request.args.get("code")
    verifier = pending.get("code_verifier")
    if not code or not verifier:
        raise SessionRefused("login-failed", 400, "code or PKCE verifier missing")
    try:
        token = client.fetch_access_token(
            redirect_uri=pending["redirect_uri"], code=code, code_verifier=verifier
        )
    except _LOGIN_ERRORS as error:
        raise SessionRefused("login-failed", 400, f"code exchange refused: {error}") from error
    if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
        raise SessionRefused("login-failed", 400, "token response without ID token")
    return token


def _id_token_claims(
    issuer: IssuerConfig, client: Any, token: dict[str, Any], pending: dict[str, Any]
) -> dict[str, Any]:
    """Signature (provider JWKS, the issuer's algorithms), iss, aud, exp, iat, nonce."""
    nonce = pending.get("nonce")
    try:
        algorithm = unverified_header(token["id_token"]).get("alg")
        if not nonce or algorithm not in issuer.algorithms:
            raise ValueError(f"nonce missing or algorithm {algorithm!r} not allowed")
        options = {
            "iss": {"essential": True, "values": [issuer.issuer]},
            "aud": {"essential": True, "values": [client.client_id]},
            "exp": {"essential": True},
        }
        claims = client.parse_id_token(
            token, nonce=nonce, claims_options=options, leeway=issuer.leeway_seconds
        )
    except (*_LOGIN_ERRORS, AuthenticationError) as error:
        raise SessionRefused("login-failed", 400, f"ID token refused: {error!r}") from error
    return dict(claims)


def _principal(issuer: IssuerConfig, claims: dict[str, Any]) -> Principal:
    try:
        principal = person_principal(claims, issuer.claims, issuer.name, issuer.postfach_space)
    except AuthenticationError as error:
        raise SessionRefused("login-failed", 400, f"claims: {error.code}") from error
    if Role.CLIENT in principal.roles or not principal.roles <= issuer.allowed_roles:
        raise SessionRefused("login-failed", 400, "a role the issuer may not grant")
    return principal


def _start_session(
    issuer: IssuerConfig, principal: Principal, claims: dict[str, Any], id_token: str
) -> WebSession:
    egov = container()
    now = epoch(egov.clock())
    auth_time = claims.get("auth_time")
    web = new_session(
        principal,
        issuer.name,
        auth_time=auth_time if isinstance(auth_time, int) else now,
        now=now,
        lifetime=egov.settings.session_lifetime_seconds,
        id_token=id_token,
    )
    session.clear()  # nothing from before the login survives it (session fixation)
    session[SESSION_KEY] = web.to_dict()
    session.permanent = True
    return web


def _end_session_url(web: WebSession) -> str | None:
    """The provider's end-session URL with ``id_token_hint`` and the configured return URL."""
    if web.issuer not in _browser_names():
        return None
    issuer = container().issuers.named(web.issuer)
    client = container_oauth().create_client(web.issuer)
    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except _LOGIN_ERRORS:
        return None
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("http", "https"):
        return None
    assert issuer.browser is not None
    params = {"client_id": issuer.browser.client_id}
    if web.id_token:
        params["id_token_hint"] = web.id_token
    if issuer.browser.post_logout_redirect_uri:
        params["post_logout_redirect_uri"] = issuer.browser.post_logout_redirect_uri
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def _iso(seconds: int) -> str | None:
    return iso(datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None))


def _no_store(response: BaseResponse) -> BaseResponse:
    response.headers["Cache-Control"] = "no-store"
    return response
