"""The security of the pages (egov/ui/security.py): their headers, which leave the API's as
they are; the CSRF token on every form that is not GET, refused with a German error page;
the flags of the session cookie."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from egov.app import create_app
from egov.container import Container
from tests.support.pages import form_token, log_in, text_of

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self' http://127.0.0.1:8000; base-uri 'none'; "
    "object-src 'none'"
)


def test_a_page_carries_a_policy_without_unsafe_inline_and_the_other_headers(app: Flask) -> None:
    headers = app.test_client().get("/").headers

    assert headers["Content-Security-Policy"] == POLICY
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]


def test_a_page_has_no_inline_script_or_style(app: Flask) -> None:
    html = app.test_client().get("/").get_data(as_text=True)

    assert "<style" not in html and " style=" not in html
    assert all('src="/static/' in tag for tag in html.split("<script")[1:])


def test_the_api_keeps_its_own_headers_and_problems(app: Flask) -> None:
    client = app.test_client()
    listing = client.get("/api/v1/procedures", headers={"Accept": "text/html"})
    missing = client.get("/api/v1/nirgendwo", headers={"Accept": "text/html"})

    assert (
        listing.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert "Permissions-Policy" not in listing.headers
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_the_static_files_are_served(app: Flask) -> None:
    client = app.test_client()
    with client.get("/static/ui/egov.css") as css, client.get("/static/ui/egov.js") as script:
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert script.status_code == 200 and "focus" in script.get_data(as_text=True)


def test_a_form_without_its_token_gets_a_german_error_page(app: Flask) -> None:
    client = app.test_client()
    client.get("/")  # the browser has its token now, but does not send it

    response = client.post("/sprache", data={"lang": "en", "next": "/"})

    assert response.status_code == 400 and response.mimetype == "text/html"
    text = text_of(response.get_data(as_text=True))
    assert "Das Formular ist abgelaufen" in text and "form-token-invalid" in text
    assert "egov_lang" not in response.headers.get("Set-Cookie", "")


def test_a_forged_token_is_refused_and_the_page_token_is_accepted(app: Flask) -> None:
    client = app.test_client()
    token = form_token(client.get("/").get_data(as_text=True))

    forged = client.post("/sprache", data={"lang": "en", "csrf_token": token[:-2] + "xx"})
    sent = client.post("/sprache", data={"lang": "en", "next": "/?q=bau", "csrf_token": token})

    assert forged.status_code == 400
    assert sent.status_code == 303 and sent.location == "/?q=bau"
    assert "egov_lang=en" in sent.headers["Set-Cookie"]


def test_after_a_login_a_form_needs_the_token_of_the_session(
    app: Flask, container: Container
) -> None:
    client = app.test_client()
    before = form_token(client.get("/").get_data(as_text=True))
    web = log_in(client, container, "erika")

    stale = client.post("/sprache", data={"lang": "en", "csrf_token": before})
    page = client.get("/").get_data(as_text=True)
    fresh = client.post("/sprache", data={"lang": "en", "csrf_token": web.csrf_token})

    assert stale.status_code == 400
    assert form_token(page) == web.csrf_token
    assert fresh.status_code == 303


def test_a_form_cannot_send_the_browser_to_another_site(app: Flask) -> None:
    client = app.test_client()
    token = form_token(client.get("/").get_data(as_text=True))

    response = client.post(
        "/sprache", data={"lang": "en", "next": "//evil.example/", "csrf_token": token}
    )

    assert response.status_code == 303 and response.location == "/"


def test_the_cookie_a_page_sets_is_http_only_and_same_site_in_development(app: Flask) -> None:
    cookie = app.test_client().get("/").headers["Set-Cookie"]

    assert cookie.startswith("egov_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def production(app: Flask) -> Iterator[Flask]:
    settings = replace(
        app.extensions["egov"].settings,
        env="production",
        dev_idp=False,
        secret_key="k" * 40,
        buergerbudget_ballot_key="b" * 40,
        audit_signing_key="AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",  # 32 bytes of 0x01
    )
    other = create_app(settings)
    yield other
    other.extensions["egov"].db.dispose()


def test_in_production_the_cookie_a_page_sets_is_also_secure(production: Flask) -> None:
    """(tests/integration/test_response_headers.py checks the session cookie of a login.)"""
    response = production.test_client().get("/", base_url="https://127.0.0.1:8000")
    cookie = response.headers["Set-Cookie"]

    assert response.status_code == 200
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_vendored_htmx_is_loaded_without_its_inline_style(app: Flask) -> None:
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)

    assert '<script src="/static/vendor/htmx.org/htmx.min.js" defer></script>' in html
    assert '"includeIndicatorStyles": false' in html  # htmx would inject a <style> otherwise
    with client.get("/static/vendor/htmx.org/htmx.min.js") as script:
        assert script.status_code == 200


def test_the_refusal_of_a_form_speaks_the_page_language(app: Flask) -> None:
    response = app.test_client().post("/sprache?lang=en", data={"lang": "de"})

    assert response.status_code == 400
    assert "The form has expired" in text_of(response.get_data(as_text=True))
