"""The worker class of egov's gunicorn (egov/gunicorn.conf.py): gunicorn's threaded worker,
whose own refusals of a request line or header fields beyond the generous limits set there
are problem+json (414, 431) like every other refusal of egov, not gunicorn's HTML page.
Requests within those limits reach egov's own, smaller limits (`egov.web.limits`)."""

from __future__ import annotations

from typing import Any

from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from egov.web.limits import HEADERS_TOO_LARGE, URI_TOO_LONG, Refusal, raw_response


def refusal_of(exc: BaseException) -> Refusal | None:
    if isinstance(exc, LimitRequestLine):
        return URI_TOO_LONG
    if isinstance(exc, LimitRequestHeaders):
        return HEADERS_TOO_LARGE
    return None


class ProblemThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no type hints
    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        refusal = refusal_of(exc)
        if refusal is None:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            write_nonblock(client, raw_response(refusal))
        except OSError:
            self.log.debug("Failed to send error message.")
