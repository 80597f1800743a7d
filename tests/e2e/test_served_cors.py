"""CORS as a browser meets it: egov served over HTTP on loopback, asked with urllib as a page
of a configured origin and of another one would ask."""

from __future__ import annotations

import dataclasses
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from egov.app import create_app
from tests.conftest import make_settings
from tests.e2e.conftest import LiveServer

PORTAL = "https://portal.jena.example"


@pytest.fixture
def served(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """On SQLite only: the edge does not depend on the database."""
    database = tmp_path / "egov.sqlite3"
    shutil.copy(sqlite_template, database)
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", f"sqlite:///{database}"), cors_origins=PORTAL
    )
    server = LiveServer()
    server.app = create_app(settings)
    server.thread.start()
    yield server
    server.stop()
    server.app.extensions["egov"].db.dispose()


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    headers: Any


def ask(url: str, method: str, headers: dict[str, str]) -> Answer:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Answer(answer.status, answer.headers)
    except urllib.error.HTTPError as refused:
        with refused:
            return Answer(refused.code, refused.headers)


def test_a_served_preflight_and_request_of_the_portal_are_allowed_and_others_not(
    served: LiveServer,
) -> None:
    preflight = {"Origin": PORTAL, "Access-Control-Request-Method": "POST"}
    asked = ask(f"{served.url}/api/v1/applications", "OPTIONS", preflight)
    assert asked.status == 204
    assert asked.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "POST" in asked.headers["Access-Control-Allow-Methods"]
    assert "Idempotency-Key" in asked.headers["Access-Control-Allow-Headers"]

    refused = ask(f"{served.url}/api/v1/tasks", "GET", {"Origin": PORTAL})
    assert refused.status == 401  # the token is still needed; the page may read the problem
    assert refused.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "X-Correlation-ID" in refused.headers["Access-Control-Expose-Headers"]
    assert "Origin" in refused.headers["Vary"]

    stranger = ask(
        f"{served.url}/api/v1/applications",
        "OPTIONS",
        {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert not [k for k in stranger.headers if k.startswith("Access-Control")]
