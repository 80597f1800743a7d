"""Signing keys of OIDC issuers: discovery, JWKS cache, refresh on key rotation.

``RemoteKeys`` fetches ``<issuer>/.well-known/openid-configuration`` (its ``issuer`` must equal
the configured one exactly), then the ``jwks_uri``, and caches the key set. A token whose
``kid`` is not in the cached set triggers ONE refetch: concurrent requests with the same new
kid wait for that one fetch, and after any fetch unknown kids cause no further fetch for
``cooldown`` seconds (so random kids cannot make us hammer the IdP). A key set older than
``max_age`` is refetched on next use (so removed keys disappear); if that fails the old set is
kept. ``fetch_count`` counts HTTP fetches (discovery and JWKS) for tests and metrics.

``JsonFetcher`` uses egov's outbound client (``egov.http_client``) with a timeout, a maximum
response size (streamed, never read past it) and http(s) only (redirects included).
``LocalKeys`` serves keys held in this process (the dev IdP).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from egov.http_client import OutboundHttp, TooLarge
from egov.identity.tokens import jwks_kids

FETCH_TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 256 * 1024
DEFAULT_COOLDOWN_SECONDS = 60.0
DEFAULT_MAX_AGE_SECONDS = 3600.0

log = logging.getLogger("egov.security")


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched or its discovery document is not trustworthy."""


class KeySource(Protocol):
    def jwks_for(self, kid: str) -> Mapping[str, Any]:
        """A JWKS that contains ``kid`` if the issuer publishes it."""
        ...


class LocalKeys:
    """Keys held in this process (the dev IdP): no HTTP, never stale."""

    def __init__(self, jwks: Callable[[], Mapping[str, Any]]) -> None:
        self._jwks = jwks

    def jwks_for(self, kid: str) -> Mapping[str, Any]:
        return self._jwks()


def _http_only(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https"):
        raise KeysUnavailable(f"refusing to fetch a non-http(s) URL: {url[:200]!r}")
    return url


class JsonFetcher:
    """GET a JSON object over http(s) with a timeout and a size limit, through egov's outbound
    client (TLS verified against EGOV_CA_BUNDLE, HTTPS_PROXY/NO_PROXY honoured); redirects are
    followed on http(s) only, the answer is streamed and refused beyond ``max_bytes``."""

    def __init__(
        self,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        max_bytes: int = MAX_RESPONSE_BYTES,
        *,
        http: OutboundHttp | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._http = http or OutboundHttp()

    def get(self, url: str) -> dict[str, Any]:
        try:
            body = self._http.get_json_bytes(_http_only(url), self.max_bytes, self.timeout)
        except TooLarge as error:
            raise KeysUnavailable(f"{url}: response larger than {self.max_bytes} bytes") from error
        except (requests.RequestException, OSError, ValueError) as error:
            raise KeysUnavailable(f"fetching {url} failed: {type(error).__name__}") from error
        return _json_object(body, url)


def _json_object(body: bytes, url: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise KeysUnavailable(f"{url}: not JSON") from error
    if not isinstance(document, dict):
        raise KeysUnavailable(f"{url}: not a JSON object")
    return document


@dataclass(frozen=True)
class _Snapshot:
    jwks: Mapping[str, Any]
    kids: frozenset[str]
    fetched_at: float


class RemoteKeys:
    """The JWKS of one issuer, from discovery (or a configured ``jwks_uri``), cached."""

    def __init__(
        self,
        issuer: str,
        fetcher: JsonFetcher,
        *,
        jwks_uri: str | None = None,
        cooldown: float = DEFAULT_COOLDOWN_SECONDS,
        max_age: float = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self._fetcher = fetcher
        self._configured_jwks_uri = jwks_uri
        self._jwks_uri = jwks_uri
        self._cooldown = cooldown
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._last_attempt: float | None = None
        self.fetch_count = 0

    def jwks_for(self, kid: str) -> Mapping[str, Any]:
        snapshot = self._snapshot  # lock-free fast path for known, fresh keys
        if snapshot is not None and self._usable(snapshot, kid):
            return snapshot.jwks
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and self._usable(snapshot, kid):
                return snapshot.jwks  # another thread fetched it while we waited
            fresh = snapshot is not None and self._clock() - snapshot.fetched_at < self._max_age
            # A fresh key set that lacks the kid: one refetch, then a cooldown (rotation is
            # seen at once; a flood of forged kids cannot hammer the provider). Missing or
            # stale key sets are fetched unless the last attempt failed within the cooldown.
            if self._may_fetch():
                self._refresh(unknown_kid=fresh)
            if self._snapshot is None:
                raise KeysUnavailable(f"no keys for issuer {self.issuer}")
            return self._snapshot.jwks

    def _usable(self, snapshot: _Snapshot, kid: str) -> bool:
        return kid in snapshot.kids and self._clock() - snapshot.fetched_at < self._max_age

    def _may_fetch(self) -> bool:
        last = self._last_attempt
        return last is None or self._clock() - last >= self._cooldown

    def _refresh(self, *, unknown_kid: bool) -> None:
        if unknown_kid:
            self._last_attempt = self._clock()
        try:
            jwks = self._fetch(self._discovered_jwks_uri())
            if not isinstance(jwks.get("keys"), list):
                raise KeysUnavailable(f"the JWKS of {self.issuer} has no 'keys' list")
        except KeysUnavailable as error:
            self._last_attempt = self._clock()  # back off after a failure
            self._jwks_uri = self._configured_jwks_uri  # discover again next time
            log.warning("code=oidc-keys-unavailable issuer=%s reason=%s", self.issuer, error)
            if self._snapshot is None:
                raise
            return  # keep the keys we have
        self._snapshot = _Snapshot(jwks, jwks_kids(jwks), self._clock())

    def _discovered_jwks_uri(self) -> str:
        if self._jwks_uri is None:
            discovery_url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            document = self._fetch(discovery_url)
            if document.get("issuer") != self.issuer:
                raise KeysUnavailable(f"discovery of {self.issuer} names another issuer")
            jwks_uri = document.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise KeysUnavailable(f"discovery of {self.issuer} has no jwks_uri")
            self._jwks_uri = _http_only(jwks_uri)
        return self._jwks_uri

    def _fetch(self, url: str) -> dict[str, Any]:
        self.fetch_count += 1
        return self._fetcher.get(url)


__all__ = [
    "DEFAULT_COOLDOWN_SECONDS",
    "DEFAULT_MAX_AGE_SECONDS",
    "JsonFetcher",
    "KeySource",
    "KeysUnavailable",
    "LocalKeys",
    "RemoteKeys",
]
