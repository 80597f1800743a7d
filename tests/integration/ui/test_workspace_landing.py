"""The workspace's landing page at `/arbeitsplatz` (egov/workspace/views.py): behind the staff
login; it names the clerk and her org units and leads to the Posteingang."""

from __future__ import annotations

from flask import Flask

from egov.container import Container
from tests.support.pages import log_in, text_of


def test_without_a_login_the_browser_is_sent_to_the_staff_login(app: Flask) -> None:
    response = app.test_client().get("/arbeitsplatz")

    assert response.status_code == 303
    assert response.location == "/auth/login/dev?next=/arbeitsplatz"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_login_returns_to_the_page_with_its_query(app: Flask) -> None:
    response = app.test_client().get("/arbeitsplatz?ansicht=alle")

    assert response.location == "/auth/login/dev?next=/arbeitsplatz?ansicht%3Dalle"


def test_a_query_too_long_for_next_returns_to_the_page_alone(app: Flask) -> None:
    response = app.test_client().get("/arbeitsplatz", query_string={"x": "y" * 3000})

    assert response.location == "/auth/login/dev?next=/arbeitsplatz"


def test_a_clerk_sees_her_name_and_the_names_of_her_units(app: Flask, container: Container) -> None:
    client = app.test_client()
    log_in(client, container, "anna")

    response = client.get("/arbeitsplatz")

    assert response.status_code == 200 and response.mimetype == "text/html"
    text = text_of(response.get_data(as_text=True))
    assert "Guten Tag, Anna Beispiel" in text and "Angemeldet als Anna Beispiel" in text
    assert "Büro Bürgerbudget" in text and "buero-buergerbudget" not in text
    assert "Posteingang" in text


def test_a_citizen_gets_the_403_page(app: Flask, container: Container) -> None:
    client = app.test_client()
    log_in(client, container, "erika")

    response = client.get("/arbeitsplatz")

    assert response.status_code == 403 and response.mimetype == "text/html"
    text = text_of(response.get_data(as_text=True))
    assert "Kein Zugriff" in text and "Erika" not in text.split("Kein Zugriff")[1]


def test_an_expired_session_is_sent_to_the_login_again(app: Flask, container: Container) -> None:
    client = app.test_client()
    log_in(client, container, "anna", lifetime=-1)

    response = client.get("/arbeitsplatz")

    assert response.status_code == 303 and response.location.startswith("/auth/login/dev?")
    assert "egov_session=;" in response.headers["Set-Cookie"]  # the old session is gone
