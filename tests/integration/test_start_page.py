"""The start page at `/`: a small public German HTML page that says what this server is and
links the API description, health, readiness and (with the dev IdP) the dev login; with the
security headers of every response and a policy that loads nothing."""

from __future__ import annotations

import re
from dataclasses import replace

from flask import Flask

from egov.app import create_app


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def test_the_start_page_is_german_html_with_the_links_onwards(app: Flask) -> None:
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html and "Fachverfahren für Kommunen" in html
    assert {"/api/v1/openapi.json", "/healthz", "/readyz"} <= links(html)
    assert "/auth/login/dev?next=/api/v1/me/cases" in links(html)
    assert "egov dev-token erika" in html


def test_every_link_of_the_start_page_answers(app: Flask) -> None:
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    for link in links(html):
        assert client.get(link).status_code in (200, 302), link


def test_the_start_page_carries_the_security_headers_and_loads_nothing(app: Flask) -> None:
    headers = app.test_client().get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy


def test_without_the_dev_idp_the_page_offers_no_dev_login(app: Flask) -> None:
    settings = replace(
        app.extensions["egov"].settings,
        dev_idp=False,
        token_issuer="https://idp.example.invalid/realms/egov",
        jwks_url="https://idp.example.invalid/realms/egov/certs",
    )
    other = create_app(settings)
    try:
        html = other.test_client().get("/").get_data(as_text=True)
    finally:
        other.extensions["egov"].db.dispose()
    assert "/auth/login/dev" not in html and "dev-token" not in html
    assert "/api/v1/openapi.json" in links(html)


def test_the_start_page_ignores_a_bearer_token_it_does_not_need(app: Flask) -> None:
    response = app.test_client().get("/", headers={"Authorization": "Bearer kaputt"})
    assert response.status_code == 200
