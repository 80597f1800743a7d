"""The one outbound HTTP client of egov (ADR 0016): Fachverfahren, webhooks,
JWKS and the WebDAV DMS all call out through :class:`OutboundHttp`.

What every call gets, whoever makes it:

* **TLS verification on**, against EGOV_CA_BUNDLE (a PEM file or folder, e.g. the city's own
  CA) or, empty, the CA bundle of ``certifi``; there is no switch to turn it off.
* **The proxy of the city network**: ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` (and their
  lower-case forms) are honoured, read at each call (``requests``' ``trust_env``). Credentials
  from ``~/.netrc`` are never added.
* **Timeouts**: connect EGOV_HTTP_CONNECT_TIMEOUT_SECONDS, read the caller's (per endpoint) or
  EGOV_HTTP_TIMEOUT_SECONDS.
* **Connection reuse**: one ``requests.Session`` (one urllib3 pool) per origin
  (scheme, host, port), created once and shared by the threads of the process; the sessions
  keep no cookies, so nothing of one call leaks into another.
* **A User-Agent** ``egov/<version>``.
* **No redirects** unless a caller asks (:meth:`OutboundHttp.get_json` follows them on http(s)
  only); a signed POST is never re-sent anywhere, a 3xx is its answer.
* **Bounded answers**: :func:`read_capped` reads a streamed body up to a cap; it asks for an
  uncompressed body (``Accept-Encoding: identity``) and never decompresses, so the cap counts
  the bytes that arrive (no decompression bomb).

Failures are ``requests`` exceptions; :func:`failure_kind` sorts them (timeout, TLS,
unreachable) for the callers' own error codes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from importlib import metadata
from typing import IO, Literal
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from urllib3.exceptions import ReadTimeoutError

from egov.settings import Settings

__all__ = [
    "HttpOptions",
    "OutboundHttp",
    "TooLarge",
    "failure_kind",
    "read_capped",
]

Body = bytes | IO[bytes] | None
FailureKind = Literal["timeout", "tls", "unreachable"]
CHUNK = 64 * 1024


def _version() -> str:
    try:
        return metadata.version("egov")
    except metadata.PackageNotFoundError:  # pragma: no cover - always installed in practice
        return "0"


@dataclass(frozen=True)
class HttpOptions:
    """What the settings say about outbound HTTP."""

    ca_bundle: str = ""  # empty: certifi's bundle (requests' default)
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    user_agent: str = f"egov/{_version()}"

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpOptions:
        return cls(
            ca_bundle=settings.ca_bundle,
            connect_timeout=settings.http_connect_timeout_seconds,
            read_timeout=settings.http_timeout_seconds,
        )


class _NoNetrc(AuthBase):
    """A session-wide 'authentication' that adds nothing, so requests never reads ~/.netrc."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class TooLarge(Exception):
    """An answer was longer than the caller's cap."""


class OutboundHttp:
    """Sessions per origin with egov's rules (see the module docstring); thread-safe."""

    def __init__(self, options: HttpOptions | None = None) -> None:
        self.options = options or HttpOptions()
        self._sessions: dict[tuple[str, str, int | None], requests.Session] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundHttp:
        return cls(HttpOptions.from_settings(settings))

    def session_for(self, url: str) -> requests.Session:
        """The shared session of the URL's origin (created on first use)."""
        parts = urlsplit(url)
        origin = (parts.scheme, (parts.hostname or "").lower(), parts.port)
        with self._lock:
            session = self._sessions.get(origin)
            if session is None:
                session = self._sessions[origin] = self._new_session()
            return session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = True  # HTTPS_PROXY, HTTP_PROXY, NO_PROXY
        session.auth = _NoNetrc()
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # keep none
        session.headers["User-Agent"] = self.options.user_agent
        session.max_redirects = 5
        return session

    def request(
        self,
        method: str,
        url: str,
        *,
        body: Body = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        auth: tuple[str, str] | None = None,
        stream: bool = True,
        allow_redirects: bool = False,
    ) -> requests.Response:
        """One request; the response is streamed (read it with :func:`read_capped` or
        ``response.raw``, then close it). Raises ``requests.RequestException`` if no answer
        came."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise requests.exceptions.InvalidURL("only http and https URLs are called")
        read = self.options.read_timeout if timeout is None else timeout
        return self.session_for(url).request(
            method,
            url,
            data=body,
            headers={"Accept-Encoding": "identity", **(headers or {})},
            timeout=(min(self.options.connect_timeout, read), read),
            auth=auth,
            stream=stream,
            allow_redirects=allow_redirects,
            verify=self.options.ca_bundle or True,
        )

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float, max_answer: int
    ) -> int:
        """POST without following redirects; the status (at most `max_answer` bytes of the
        answer are read, to let the connection be reused)."""
        with self.request("POST", url, body=body, headers=headers, timeout=timeout) as response:
            with contextlib.suppress(TooLarge):  # only the status counts
                read_capped(response, max_answer)
            return response.status_code

    def get_json_bytes(self, url: str, max_bytes: int, timeout: float | None = None) -> bytes:
        """GET following redirects (http(s) only, at most 5); the body, at most `max_bytes`
        (:class:`TooLarge` beyond). A status other than 200 raises ``HTTPError``."""
        headers = {"Accept": "application/json"}
        with self.request(
            "GET", url, headers=headers, timeout=timeout, allow_redirects=True
        ) as response:
            response.raise_for_status()
            return read_capped(response, max_bytes)

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()


def read_capped(response: requests.Response, cap: int) -> bytes:
    """The streamed body of `response` as it came over the wire (a server that compresses
    despite ``Accept-Encoding: identity`` is not expanded), refusing (:class:`TooLarge`) more
    than `cap` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"{declared} bytes announced, at most {cap} read")
    parts: list[bytes] = []
    size = 0
    while chunk := response.raw.read(CHUNK, decode_content=False):  # never decompressed
        size += len(chunk)
        if size > cap:
            raise TooLarge(f"more than {cap} bytes")
        parts.append(chunk)
    return b"".join(parts)


def failure_kind(error: BaseException) -> FailureKind:
    """What went wrong when no answer came: a timeout, TLS (certificate not trusted, handshake
    failed) or anything else that left the peer unreachable (refused, reset, proxy down, DNS)."""
    if isinstance(error, requests.exceptions.SSLError):
        return "tls"
    if isinstance(error, requests.exceptions.Timeout | TimeoutError):
        return "timeout"
    if isinstance(error, requests.exceptions.ConnectionError) and any(
        isinstance(arg, ReadTimeoutError)
        for arg in error.args  # timed out reading the body
    ):
        return "timeout"
    return "unreachable"
