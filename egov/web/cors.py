"""CORS for the configured origins only (EGOV_CORS_ORIGINS; default none, never a wildcard).

A page of a configured origin may call `/api/v1` from the browser: a preflight (`OPTIONS`
with `Access-Control-Request-Method`) is answered here, before authentication, with the
methods the route takes and the request headers egov reads; every answer to such an origin
names it in `Access-Control-Allow-Origin`, allows credentials (the portal's session cookie
with its `X-CSRF-Token`) and exposes `Link`, `Location`, `X-Correlation-ID` and
`Retry-After`. An unknown origin gets no CORS header at all, so its browser keeps the
answer from the page. API answers carry `Vary: Origin` once origins are configured.

Our own ~80 lines rather than flask-cors: exact matching only, the allowed methods from the
route table, no regular expressions or `*` to misconfigure, and no new dependency.
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request

ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-None-Match",
    "X-CSRF-Token",
    "X-Correlation-ID",
)
EXPOSED_HEADERS = ("ETag", "Link", "Location", "X-Correlation-ID", "Retry-After")
MAX_AGE_SECONDS = 600
API_PREFIX = "/api/v1/"
ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def parse_origins(text: str) -> frozenset[str]:
    """EGOV_CORS_ORIGINS as a set; anything but scheme://host[:port] fails at start-up."""
    origins = frozenset(o.strip().lower() for o in text.split(",") if o.strip())
    wrong = sorted(o for o in origins if not ORIGIN.match(o))
    if wrong:
        raise ValueError(
            f"EGOV_CORS_ORIGINS: exact origins scheme://host[:port] only, not {', '.join(wrong)}"
        )
    return origins


def register(app: Flask, origins: frozenset[str]) -> None:
    if not origins:
        return
    app.extensions["egov.cors"] = origins
    app.before_request(preflight)
    app.after_request(cors_headers)


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin", "").lower()
    allowed = origin in current_app.extensions["egov.cors"]
    return origin if allowed and request.path.startswith(API_PREFIX) else None


def preflight() -> Response | None:
    """Answer a CORS preflight of a configured origin; everything else goes on."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if _allowed_origin() is None:
        return None
    methods = current_app.url_map.bind_to_environ(request.environ).allowed_methods()
    if not methods:
        return None  # no such route: the 404 problem answers
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(methods))
    response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
    response.headers["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
    return response


def cors_headers(response: Response) -> Response:
    if not request.path.startswith(API_PREFIX):
        return response
    response.vary.add("Origin")
    origin = _allowed_origin()
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
    return response
