"""The error pages of the page routes (egov/ui/pages.py): German HTML with the status, the
correlation id and never an exception's text; the API keeps its problem+json."""

from __future__ import annotations

import pytest
from flask import Flask

from egov.catalogue.service import Catalogue
from tests.support.pages import text_of

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_an_unknown_page_is_the_german_404_page_for_a_browser(app: Flask) -> None:
    response = app.test_client().get("/gibt-es-nicht", headers=BROWSER)

    assert response.status_code == 404 and response.mimetype == "text/html"
    text = text_of(response.get_data(as_text=True))
    assert "Seite nicht gefunden" in text
    assert response.headers["X-Correlation-ID"] in text
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_an_unknown_path_stays_a_problem_for_a_client_without_html(app: Flask) -> None:
    response = app.test_client().get("/gibt-es-nicht")

    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_fault_is_the_500_page_with_the_correlation_id_and_no_internals(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("geheim: SELECT * FROM cases")

    monkeypatch.setattr(Catalogue, "procedures", broken)

    response = app.test_client().get("/", headers={"X-Correlation-ID": "fehler-4711"})

    assert response.status_code == 500 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Ein Fehler ist aufgetreten" in text_of(html) and "fehler-4711" in html
    assert "geheim" not in html and "SELECT" not in html and "RuntimeError" not in html


def test_a_wrong_method_on_a_page_is_an_error_page(app: Flask) -> None:
    response = app.test_client().delete("/", headers=BROWSER)

    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "Diese Aktion ist hier nicht möglich" in text_of(response.get_data(as_text=True))


def test_the_error_page_speaks_the_language_asked_for(app: Flask) -> None:
    response = app.test_client().get("/gibt-es-nicht?lang=en", headers=BROWSER)

    text = text_of(response.get_data(as_text=True))
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert "Page not found" in text and "please quote this reference" in text
