"""Browser sessions after an OIDC login (egov/web/login.py): content, checks, secret key.

The session lives in Flask's signed cookie ``egov_session`` under the key ``egov`` and is kept
minimal (format version 2: subjects and Postfach references qualified by their issuer, see
`egov.identity.model.qualified`; a cookie of format 1 counts as no session)::

    {"v": 2, "sid": <random id>, "iss": <issuer name>, "sub": <issuer name>:<subject>,
     "p": {"name", "roles", "email", "org_units", "acr", "postfach"},   # the mapped principal
     "auth_time": <epoch s>, "expires_at": <epoch s>, "csrf": <token>, "id_token": <for logout>}

The signature makes the cookie tamper-proof; everything else is checked here on every request:
``expires_at`` (absolute lifetime, server-side: an old cookie replayed later is refused),
revocation on logout (``egov.identity.login_store``, shared by every process), the CSRF
token on unsafe methods and the age of the login for sensitive actions. Flask-free: the caller
passes the session mapping.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from egov.identity.model import Principal, Role, Vertrauensniveau

SESSION_KEY = "egov"
FORMAT_VERSION = 2
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEVELOPMENT_ENVS = frozenset({"development", "test"})
SECRET_KEY_FILE = "secret-key"
MIN_SECRET_KEY_LENGTH = 32
_KEY_FILE_MODE = 0o600

MESSAGES: dict[str, str] = {
    "session-expired": "Die Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
    "reauthentication-required": "Für diese Aktion ist eine erneute Anmeldung nötig.",
    "csrf-token-invalid": "Das CSRF-Token fehlt oder ist ungültig.",
    "redirect-not-allowed": "Dieses Weiterleitungsziel ist nicht erlaubt.",
    "login-state-invalid": "Die Anmeldung ist ungültig oder wurde bereits abgeschlossen.",
    "login-failed": "Die Anmeldung ist fehlgeschlagen.",
    "login-unavailable": "Der Anmeldedienst ist derzeit nicht erreichbar.",
    "issuer-not-found": "Diesen Anmeldedienst gibt es nicht.",
}


class SessionRefused(Exception):
    """A login, logout or session check refused; answered as problem+json with ``status``."""

    def __init__(self, code: str, status: int, reason: str = "", **extra: Any) -> None:
        self.code = code
        self.status = status
        self.message = MESSAGES.get(code, "Die Anmeldung ist fehlgeschlagen.")
        self.reason = reason  # for the security log only, never shown
        self.extra = extra
        super().__init__(f"{code}: {reason or self.message}")


@dataclass(frozen=True)
class WebSession:
    sid: str
    issuer: str
    principal: Principal
    auth_time: int
    expires_at: int
    csrf_token: str
    id_token: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": FORMAT_VERSION,
            "sid": self.sid,
            "iss": self.issuer,
            "sub": self.principal.subject,
            "p": _principal_dict(self.principal),
            "auth_time": self.auth_time,
            "expires_at": self.expires_at,
            "csrf": self.csrf_token,
            "id_token": self.id_token,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebSession:
        """Raises ``ValueError``/``KeyError``/``TypeError`` for any other format."""
        if data.get("v") != FORMAT_VERSION:
            raise ValueError("unknown session format")
        id_token = data.get("id_token")
        return cls(
            sid=_text(data["sid"]),
            issuer=_text(data["iss"]),
            principal=_principal(_text(data["sub"]), data["p"]),
            auth_time=_int(data["auth_time"]),
            expires_at=_int(data["expires_at"]),
            csrf_token=_text(data["csrf"]),
            id_token=_text(id_token) if id_token is not None else None,
        )


def epoch(moment: datetime) -> int:
    """Seconds since 1970 of a (naive UTC, see egov.clock) datetime."""
    return int(moment.replace(tzinfo=UTC).timestamp())


def new_session(
    principal: Principal,
    issuer: str,
    *,
    auth_time: int,
    now: int,
    lifetime: int,
    id_token: str | None,
) -> WebSession:
    return WebSession(
        sid=secrets.token_urlsafe(16),
        issuer=issuer,
        principal=principal,
        auth_time=min(auth_time, now),
        expires_at=now + lifetime,
        csrf_token=secrets.token_urlsafe(32),
        id_token=id_token,
    )


def stored_session(cookie: Mapping[str, Any]) -> WebSession | None:
    """The session in the cookie, unchecked; ``None`` if there is none (or an unknown format)."""
    data = cookie.get(SESSION_KEY)
    if not isinstance(data, Mapping):
        return None
    try:
        return WebSession.from_dict(data)
    except (ValueError, KeyError, TypeError):
        return None


def active_session(
    cookie: Mapping[str, Any], now: int, is_revoked: Callable[[str], bool]
) -> WebSession | None:
    """The session if there is one; ``SessionRefused`` when it expired or was logged out."""
    web = stored_session(cookie)
    if web is None:
        return None
    if now >= web.expires_at:
        raise SessionRefused("session-expired", 401, "session lifetime over")
    if is_revoked(web.sid):
        raise SessionRefused("session-expired", 401, "session was logged out")
    return web


def check_csrf(web: WebSession, method: str, token: str | None) -> None:
    """Unsafe methods need the session's CSRF token (header ``X-CSRF-Token``)."""
    if method.upper() in SAFE_METHODS:
        return
    if not token or not hmac.compare_digest(token.encode(), web.csrf_token.encode()):
        raise SessionRefused("csrf-token-invalid", 403, f"{method} without valid CSRF token")


def check_recent_login(web: WebSession, now: int, max_age: int, login_url: str) -> None:
    if now - web.auth_time > max_age:
        raise SessionRefused(
            "reauthentication-required",
            401,
            f"login is {now - web.auth_time} s old, at most {max_age} s allowed",
            login_url=login_url,
            max_age=max_age,
        )


def _principal_dict(principal: Principal) -> dict[str, Any]:
    level = principal.vertrauensniveau
    return {
        "name": principal.name,
        "roles": sorted(role.value for role in principal.roles),
        "email": principal.email,
        "org_units": sorted(principal.org_units),
        "acr": level.value if level is not None else None,
        "postfach": principal.postfach,
    }


def _principal(subject: str, data: Mapping[str, Any]) -> Principal:
    acr = data.get("acr")
    return Principal(
        subject=subject,
        roles=frozenset(Role(value) for value in data["roles"]),
        name=_text(data["name"]),
        email=data.get("email"),
        org_units=frozenset(_text(value) for value in data["org_units"]),
        vertrauensniveau=Vertrauensniveau(acr) if acr is not None else None,
        postfach=data.get("postfach"),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an integer")
    return value


# --- the key that signs the cookie ---------------------------------------------------------------


def secret_key(configured: str, env: str, data_dir: Path) -> str:
    """``EGOV_SECRET_KEY``; in development/test, if empty, one generated in ``data_dir``."""
    if configured:
        if env not in DEVELOPMENT_ENVS and len(configured) < MIN_SECRET_KEY_LENGTH:
            raise RuntimeError(
                f"EGOV_SECRET_KEY is too short: use at least {MIN_SECRET_KEY_LENGTH} random "
                "characters (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        return configured
    if env not in DEVELOPMENT_ENVS:
        raise RuntimeError(
            f"EGOV_SECRET_KEY must be set when EGOV_ENV={env} (it signs the session cookies); "
            "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    return _persisted_key(Path(data_dir) / SECRET_KEY_FILE)


def _persisted_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _KEY_FILE_MODE)
        except FileExistsError:
            return path.read_text().strip()  # another process was faster
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
