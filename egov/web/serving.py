"""The request handler of `egov serve` (werkzeug's development server): what the server
refuses itself, before egov sees the request (a request line or header line over 64 KiB, more
than 100 header fields, a malformed request line), is answered as problem+json like every
other refusal of egov, not as the server's HTML page. Its access lines omit the query string."""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler

from egov.correlation import HEADER
from egov.web.limits import (
    HEADERS_TOO_LARGE,
    MALFORMED,
    PROBLEM_HEADERS,
    URI_TOO_LONG,
    Refusal,
    new_correlation_id,
    problem_bytes,
)

SERVER_REFUSALS: dict[int, Refusal] = {414: URI_TOO_LONG, 431: HEADERS_TOO_LARGE}


class ProblemRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The access line without the query string (an OIDC callback carries its code there)
        and without terminal colours (the line may be JSON, `egov.runtime.logs`)."""
        path = getattr(self, "path", None)
        line = (
            f"{self.command} {path.split('?', 1)[0]} {self.request_version}"
            if path is not None
            else "-"
        )
        self.log("info", '"%s" %s %s', line.translate(self._control_char_table), code, size)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        refusal = SERVER_REFUSALS.get(code, MALFORMED)
        self.log_error("refused by the server: %d %s", code, message or "")
        correlation_id = new_correlation_id()
        body = problem_bytes(refusal, correlation_id)
        self.send_response(refusal[0])
        for name, value in PROBLEM_HEADERS:
            self.send_header(name, value)
        self.send_header(HEADER, correlation_id)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True
