"""The correlation id of a request: taken from an incoming `X-Correlation-ID` if it is sane
(`egov.runtime.correlation.sane_correlation_id`), else a new UUID; bound for every log line of the
request, named in every problem body and returned as `X-Correlation-ID` on every response."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, Response, g, has_request_context, request

from egov import correlation


def correlation_id() -> str:
    """This request's id (chosen on first use, so also for a refusal before the hooks ran)."""
    if not has_request_context():
        return correlation.current_correlation_id() or correlation.sane_correlation_id(None)
    if "correlation_id" not in g:
        g.correlation_id = correlation.sane_correlation_id(request.headers.get(correlation.HEADER))
        g.correlation_token = correlation.bind(g.correlation_id)
    return str(g.correlation_id)


def _start() -> None:
    correlation_id()


def _answer(response: Response) -> Response:
    response.headers[correlation.HEADER] = correlation_id()
    return response


def _end(_exc: BaseException | None) -> None:
    token = g.pop("correlation_token", None)
    if token is not None:
        with suppress(ValueError):  # bound in another context (a copied one): ends with it
            correlation.unbind(token)


def init_app(app: Flask) -> None:
    """Register first, so the id is bound before any other hook logs."""
    app.before_request(_start)
    app.after_request(_answer)
    app.teardown_request(_end)
