"""Rate limits at the HTTP edge, counted with the `limits` library: in memory in the embedded
mode, in Redis (shared by every web process) in production.

- `login`: login attempts per client address (the browser login's start and callback, the dev
  IdP's login form and token endpoint);
- `token-failures`: refused tokens (401) per client address; once the window is used up, the
  address gets 429 on the API until it has passed, valid token or not;
- `intake`: submissions and web-form applications per principal (`@throttled("intake")`);
- `erasure`: erasure requests per citizen (`@throttled("erasure")`).

A refusal is 429 `rate-limited` with `Retry-After` (problem+json). When the counter store is
away (Redis restarting) requests are served and a warning is logged: a limit protects the
service, it must not take it down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from egov.errors import TooManyRequests
from egov.settings import Settings
from egov.web.auth import current_principal

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
EXTENSION = "egov.throttle"
LOGIN_ENDPOINTS = frozenset({"login.login", "login.callback", "dev_idp.authorize", "dev_idp.token"})
API_PREFIX = "/api/"


@dataclass
class Throttle:
    """Named limits over one counter store."""

    strategy: MovingWindowRateLimiter
    limits: dict[str, RateLimitItem]

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        url = settings.rate_limit_storage_url or settings.broker_url or "memory://"
        limits = {
            "login": parse(settings.rate_limit_login),
            "token-failures": parse(settings.rate_limit_token_failures),
            "intake": parse(settings.rate_limit_intake),
            "statements": parse(settings.rate_limit_statements),
            "erasure": parse(settings.rate_limit_erasure),
        }
        return cls(MovingWindowRateLimiter(storage_from_string(url)), limits)

    def hit(self, kind: str, key: str) -> None:
        """Count one request of `kind` by `key`; `TooManyRequests` once the limit is used up."""
        item = self.limits[kind]
        if not self._ask(self.strategy.hit, item, kind, key):
            raise TooManyRequests(self._retry_after(item, kind, key))

    def check(self, kind: str, key: str) -> None:
        """`TooManyRequests` if the limit is used up, without counting this request."""
        item = self.limits[kind]
        if not self._ask(self.strategy.test, item, kind, key):
            raise TooManyRequests(self._retry_after(item, kind, key))

    def _ask(self, call: Callable[..., bool], item: RateLimitItem, kind: str, key: str) -> bool:
        try:
            return call(item, kind, key)
        except Exception as exc:  # the counter store is away: serve, and say so
            log.warning("rate_limit_unavailable kind=%s error=%s", kind, type(exc).__name__)
            return True

    def _retry_after(self, item: RateLimitItem, kind: str, key: str) -> int:
        try:
            reset = self.strategy.get_window_stats(item, kind, key).reset_time
        except Exception:
            return int(item.get_expiry())
        return int(reset - time.time()) + 1


def init_app(app: Flask, settings: Settings) -> Throttle:
    throttle = Throttle.from_settings(settings)
    app.extensions[EXTENSION] = throttle
    app.before_request(_before)
    app.after_request(_after)
    return throttle


def throttle() -> Throttle:
    found: Throttle = current_app.extensions[EXTENSION]
    return found


def _address() -> str:
    return request.remote_addr or "-"


def _before() -> None:
    if request.endpoint in LOGIN_ENDPOINTS:
        throttle().hit("login", _address())
    elif request.path.startswith(API_PREFIX):
        throttle().check("token-failures", _address())


def _after(response: Response) -> Response:
    if response.status_code == 401 and request.path.startswith(API_PREFIX):
        try:
            throttle().hit("token-failures", _address())
        except TooManyRequests:
            log.warning("token_failures_exhausted remote=%s", _address())
    return response


def throttled(kind: str) -> Callable[[F], F]:
    """Count each call of the view against the limit `kind` of the calling principal.
    Place it below `@requires`, so that the principal is known."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            throttle().hit(kind, current_principal().subject)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


__all__ = ["Throttle", "init_app", "throttled"]
