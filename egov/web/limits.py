"""egov's own limits on the request target and the header fields, as WSGI middleware in front
of Flask: a request over them is answered here with problem+json (414
`request-uri-too-large`, 431 `request-header-fields-too-large`), before Flask parses it.

The servers' own limits lie above these (the embedded server's fixed 64 KiB lines and 100
fields; the generous limits in egov/gunicorn.conf.py), so egov's limits decide; what a server
still refuses itself is answered as problem+json too (`egov.web.serving` for `egov serve`,
`egov.web.gunicorn_worker` for gunicorn).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from egov.correlation import HEADER, sane_correlation_id
from egov.settings import Settings
from egov.web.edge import SECURITY_HEADERS
from egov.web.problem_types import type_uri

log = logging.getLogger(__name__)
Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]
PROBLEM_HEADERS = (("Content-Type", "application/problem+json"), *SECURITY_HEADERS)
URI_TOO_LONG = (414, "request-uri-too-large", "Die Adresse der Anfrage ist zu lang.")
HEADERS_TOO_LARGE = (
    431,
    "request-header-fields-too-large",
    "Die Kopfzeilen der Anfrage sind zu zahlreich oder zu groß.",
)
MALFORMED = (400, "bad-request", "Die Anfrage ist fehlerhaft.")
Refusal = tuple[int, str, str]


def problem_bytes(refusal: Refusal, correlation_id: str, base_url: str = "") -> bytes:
    """The RFC 9457 body of a refusal answered outside Flask (same shape as problems.py);
    without `base_url` (a server's own refusal) the `type` is the path of its page."""
    status, code, title = refusal
    body = {
        "type": type_uri(code, base_url),
        "title": title,
        "status": status,
        "code": code,
        "correlation_id": correlation_id,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def raw_response(refusal: Refusal, correlation_id: str | None = None) -> bytes:
    """A whole HTTP/1.1 response, for a server that refuses before any WSGI app runs."""
    correlation_id = new_correlation_id(correlation_id)
    body = problem_bytes(refusal, correlation_id)
    headers = [*PROBLEM_HEADERS, ("Content-Length", str(len(body))), ("Connection", "close")]
    headers.append((HEADER, correlation_id))
    head = f"HTTP/1.1 {status_line(refusal[0])}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (head + "\r\n").encode("latin1") + body


def status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


def new_correlation_id(given: str | None = None) -> str:
    return sane_correlation_id(given)


@dataclass(frozen=True)
class RequestLimits:
    """WSGI middleware: EGOV_MAX_URL_BYTES, EGOV_MAX_HEADER_BYTES, EGOV_MAX_HEADER_FIELDS."""

    app: WsgiApp
    max_url_bytes: int
    max_header_bytes: int
    max_header_fields: int
    base_url: str = ""  # of the problems' `type`

    @classmethod
    def of(cls, app: WsgiApp, settings: Settings) -> RequestLimits:
        return cls(
            app,
            settings.max_url_bytes,
            settings.max_header_bytes,
            settings.max_header_fields,
            settings.base_url,
        )

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        refusal = self.refusal(environ)
        if refusal is None:
            return self.app(environ, start_response)
        correlation_id = new_correlation_id(environ.get("HTTP_X_CORRELATION_ID"))
        log.info(
            "request_refused code=%s status=%s correlation_id=%s",
            refusal[1],
            refusal[0],
            correlation_id,
        )
        body = problem_bytes(refusal, correlation_id, self.base_url)
        headers = [*PROBLEM_HEADERS, ("Content-Length", str(len(body))), (HEADER, correlation_id)]
        start_response(status_line(refusal[0]), headers)
        return [body]

    def refusal(self, environ: Environ) -> Refusal | None:
        if len(request_target(environ)) > self.max_url_bytes:
            return URI_TOO_LONG
        fields = header_fields(environ)
        size = sum(len(name) + len(value) + 4 for name, value in fields)  # "name: value\r\n"
        if len(fields) > self.max_header_fields or size > self.max_header_bytes:
            return HEADERS_TOO_LARGE
        return None


def request_target(environ: Environ) -> str:
    """The request target as the client sent it (WSGI strings are bytes as latin-1)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str):
        return raw
    query = environ.get("QUERY_STRING", "")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return f"{path}?{query}" if query else str(path)


def header_fields(environ: Environ) -> list[tuple[str, str]]:
    """The request's header fields as the server put them into the environ."""
    return [
        (key.removeprefix("HTTP_"), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
    ]
