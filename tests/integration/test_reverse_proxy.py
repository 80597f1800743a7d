"""Behind a reverse proxy (EGOV_PROXY_HOPS) the security log names the client the proxy saw;
without it, a client's own X-Forwarded-For is ignored, so nobody can forge the address."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from egov.app import create_app
from tests.conftest import make_settings

CLIENT = "203.0.113.7"  # documentation range


def refused_from(
    tmp_path: Path, database_url: str, hops: int, caplog: pytest.LogCaptureFixture
) -> str:
    settings = dataclasses.replace(make_settings(tmp_path / "var", database_url), proxy_hops=hops)
    app = create_app(settings)
    try:
        with caplog.at_level("WARNING", logger="egov.security"):
            response = app.test_client().get(
                "/api/v1/cases",
                headers={"Authorization": "Bearer not-a-token", "X-Forwarded-For": CLIENT},
            )
        assert response.status_code == 401
    finally:
        app.extensions["egov"].db.dispose()
    (line,) = [r.getMessage() for r in caplog.records if "authentication_refused" in r.getMessage()]
    return line


def test_behind_one_proxy_the_log_names_the_client_the_proxy_saw(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert f"remote={CLIENT} " in refused_from(tmp_path, database_url, 1, caplog)


def test_without_a_proxy_a_forged_forwarded_for_header_is_ignored(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    line = refused_from(tmp_path, database_url, 0, caplog)
    assert CLIENT not in line and "remote=127.0.0.1 " in line
