"""The edge of the HTTP API: what every request passes before a handler sees it, and what
every response carries.

- **Body size**: at most EGOV_MAX_JSON_BYTES, or EGOV_MAX_MESSAGE_BYTES for the views marked
  `@message_body` (the intake of whole messages): a Content-Length above it is refused
  before the view runs, a chunked body as it is read; 413 `message-too-large`. The XML
  intake still streams its body to disk and keeps its own limit (`Intake.submit`).
- **JSON bodies** are parsed by `egov.jsoninput`: nested no deeper than EGOV_MAX_JSON_DEPTH
  (400 `json-too-deep`), finite numbers, no NUL character (400 `input-nul-byte`).
- **No NUL character** in a path parameter, a query parameter or a header (400
  `input-nul-byte` naming it): PostgreSQL can neither compare nor store one.
- **Headers of every response**: `X-Content-Type-Options: nosniff`, `Referrer-Policy:
  no-referrer`, `Cache-Control: no-store` (API answers carry personal data; a view may set its
  own, as the public participations do), a
  `Content-Security-Policy` that loads nothing and forbids framing, with `X-Frame-Options:
  DENY` for older browsers (a page that loads its own files, like Swagger UI, sets its own
  policy; a view's own value of any of these headers is kept), and
  `Strict-Transport-Security` when the request came over HTTPS, directly or
  through the trusted proxies of EGOV_PROXY_HOPS (EGOV_HSTS_MAX_AGE_SECONDS).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge

from egov import jsoninput
from egov.web.context import container

F = TypeVar("F", bound=Callable[..., Any])
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
)


class ClientJsonProvider(DefaultJSONProvider):
    """`app.json`: Flask parses request bodies (`request.get_json()`) and the session cookie
    with it. Parsing goes through `egov.jsoninput`; its refusals are problems even with
    `get_json(silent=True)`, which silences only malformed JSON."""

    ensure_ascii = False

    def __init__(self, app: Flask, max_depth: int) -> None:
        super().__init__(app)
        self.max_depth = max_depth

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        limit = g.get("body_limit") if has_request_context() else None
        if limit is not None and len(s) > limit:  # a streamed body read past its limit
            raise RequestEntityTooLarge()
        return jsoninput.loads(s, max_depth=self.max_depth)


def message_body(view: F) -> F:
    """Mark a view that takes a whole intake message (XML, or the web form with its
    attachments): its body may be up to EGOV_MAX_MESSAGE_BYTES instead of EGOV_MAX_JSON_BYTES."""
    view.message_body = True  # type: ignore[attr-defined]
    return view


def register(app: Flask, max_json_depth: int) -> None:
    app.json = ClientJsonProvider(app, max_json_depth)
    app.before_request(limit_body)
    app.before_request(refuse_nul)
    app.after_request(security_headers)


def limit_body() -> None:
    """A Content-Length over the limit is refused at once. A body without one (chunked) may
    be read one byte past the limit, so that its reader sees it is over it (werkzeug stops
    a stream at the limit without an error): the JSON parser above, `Intake.submit`, the
    inbound handler."""
    settings = container().settings
    view = current_app.view_functions.get(request.endpoint or "")
    whole_message = getattr(view, "message_body", False)
    limit = settings.max_message_bytes if whole_message else settings.max_json_bytes
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    g.body_limit = limit
    request.max_content_length = limit + 1


def refuse_nul() -> None:
    for name, value in parameters():
        if jsoninput.NUL in name or jsoninput.NUL in value:
            raise jsoninput.nul_refused(name)


def parameters() -> Iterator[tuple[str, str]]:
    """Path parameters, query parameters and headers of the request, as (name, value)."""
    for name, value in (request.view_args or {}).items():
        yield name, str(value)
    for name, values in request.args.lists():
        for value in values:
            yield name, value
    yield from request.headers.items()


def security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    max_age = container().settings.hsts_max_age_seconds
    if request.is_secure and max_age > 0:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    return response
