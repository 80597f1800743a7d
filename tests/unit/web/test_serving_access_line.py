"""`egov serve` writes its access lines without the query string: an OIDC callback carries
the authorization code there, and a code in a log is a credential in a log."""

from __future__ import annotations

import logging

import pytest

from egov.web.serving import ProblemRequestHandler


def access_line(path: str, caplog: pytest.LogCaptureFixture) -> str:
    handler = ProblemRequestHandler.__new__(ProblemRequestHandler)  # no socket needed
    handler.command, handler.path, handler.request_version = "GET", path, "HTTP/1.1"
    handler.client_address = ("127.0.0.1", 50000)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(302, 0)
    return caplog.records[-1].getMessage()


def test_the_access_line_names_the_path_without_its_query(
    caplog: pytest.LogCaptureFixture,
) -> None:
    line = access_line("/auth/callback?code=SECRET-CODE&state=abc", caplog)
    assert '"GET /auth/callback HTTP/1.1" 302 0' in line
    assert "SECRET-CODE" not in line and "state" not in line


def test_control_characters_in_the_path_are_escaped(caplog: pytest.LogCaptureFixture) -> None:
    line = access_line("/a\x1b[31mb", caplog)
    assert "\x1b" not in line
