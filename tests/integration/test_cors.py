"""CORS for the configured origins only: preflight, exposed headers, Vary, no wildcard."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov.app import create_app
from egov.web.cors import parse_origins
from tests.conftest import Api, make_settings

PORTAL = "https://portal.jena.example"
STRANGER = "https://evil.example"


@pytest.fixture
def cors_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        cors_origins=f"{PORTAL}, https://intranet.jena.example:8443",
    )
    app: Flask = create_app(settings)
    yield Api(app.test_client(), app.extensions["egov"])
    app.extensions["egov"].db.dispose()


def preflight(api: Api, path: str, origin: str, method: str = "POST") -> Any:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    return api.client.open(f"/api/v1{path}", method="OPTIONS", headers=headers)


def cors_headers(response: Any) -> list[str]:
    return [name for name, _ in response.headers.items() if name.startswith("Access-Control")]


def test_a_preflight_of_a_configured_origin_names_methods_and_headers(cors_api: Api) -> None:
    response = preflight(cors_api, "/org-units", PORTAL)
    assert response.status_code == 204
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == PORTAL
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert {"GET", "POST"} <= set(headers["Access-Control-Allow-Methods"].split(", "))
    allowed = set(headers["Access-Control-Allow-Headers"].split(", "))
    assert {"Authorization", "Content-Type", "Idempotency-Key", "X-CSRF-Token"} <= allowed
    assert "Origin" in headers["Vary"]


def test_a_preflight_needs_no_token_but_the_request_still_does(cors_api: Api) -> None:
    answer = cors_api.client.get("/api/v1/tasks", headers={"Origin": PORTAL})
    assert answer.status_code == 401
    assert answer.headers["Access-Control-Allow-Origin"] == PORTAL  # the page may read why


def test_an_answer_to_a_configured_origin_exposes_link_location_and_correlation_id(
    cors_api: Api,
) -> None:
    response = cors_api.get("/org-units?limit=1", "admin", headers={"Origin": PORTAL})
    assert response.status_code == 200 and "Link" in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL
    exposed = set(response.headers["Access-Control-Expose-Headers"].split(", "))
    assert {"Link", "Location", "X-Correlation-ID"} <= exposed
    assert "Origin" in response.headers["Vary"]


def test_an_unknown_origin_gets_no_cors_header_at_all(cors_api: Api) -> None:
    for origin in (STRANGER, "null", f"{PORTAL}.evil.example", "http://portal.jena.example"):
        asked = preflight(cors_api, "/org-units", origin)
        read = cors_api.get("/org-units", "admin", headers={"Origin": origin})
        for response in (asked, read):
            cors = cors_headers(response)
            assert cors == [], origin
        assert "Origin" in read.headers["Vary"]


def test_without_configured_origins_no_answer_carries_cors_headers(api: Api) -> None:
    asked = preflight(api, "/org-units", PORTAL)
    read = api.get("/org-units", "admin", headers={"Origin": PORTAL})
    for response in (asked, read):
        assert not cors_headers(response)


def test_a_preflight_of_an_unknown_route_is_the_404_problem(cors_api: Api) -> None:
    response = preflight(cors_api, "/nirgendwo", PORTAL)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "configured",
    ["*", "https://*.jena.example", "https://portal.jena.example/", "portal.jena.example", "null"],
)
def test_a_wildcard_or_anything_but_an_exact_origin_is_refused_at_start(configured: str) -> None:
    with pytest.raises(ValueError, match="EGOV_CORS_ORIGINS"):
        parse_origins(f"{PORTAL},{configured}")


def test_origins_are_compared_exactly_and_case_insensitively() -> None:
    assert parse_origins(" HTTPS://Portal.Jena.Example ,") == frozenset({PORTAL})
