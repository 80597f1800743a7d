"""Problem details are complete: `type` a page that resolves, German titles also for routing
errors, `instance` the request's path, `detail` where it helps."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from egov.error_codes import CODES
from egov.web.limits import URI_TOO_LONG, problem_bytes
from tests.conftest import Api

BASE = "http://127.0.0.1:8000"  # EGOV_PUBLIC_URL of the test settings


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["code"] == code and body["status"] == status
    return body


def page_of(client: FlaskClient, type_url: str) -> str:
    parts = urlsplit(type_url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    response = client.get(parts.path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    return str(response.get_data(as_text=True))


def test_an_unknown_route_is_a_german_404_with_its_path_as_instance(api: Api) -> None:
    body = problem_of(api.get("/nirgendwo"), 404, "not-found")
    assert body["title"] == "Nicht gefunden"
    assert body["instance"] == "/api/v1/nirgendwo"
    assert body["type"] == f"{BASE}/api/v1/problems/not-found"
    assert "Adresse" in body["detail"]


def test_the_instance_is_the_path_percent_encoded(api: Api) -> None:
    body = problem_of(api.get("/cases/a%22b%3Cc%20d", "anna"), 404, "case-not-found")
    assert body["instance"] == "/api/v1/cases/a%22b%3Cc%20d"


def test_a_wrong_method_is_a_german_405_naming_the_allowed_ones(api: Api) -> None:
    response = api.call("DELETE", "/tasks", "anna")
    body = problem_of(response, 405, "method-not-allowed")
    assert body["title"] == "Methode nicht erlaubt"
    assert "GET" in response.headers["Allow"] and "GET" in body["detail"]
    assert "not allowed" not in body["title"] + body["detail"]  # not werkzeug's English


def test_the_type_of_a_domain_error_resolves_to_a_german_page_of_its_code(api: Api) -> None:
    body = problem_of(api.get("/cases/kein-vorgang", "anna"), 404, "case-not-found")
    assert body["instance"] == "/api/v1/cases/kein-vorgang"
    page = page_of(api.client, body["type"])
    assert '<html lang="de">' in page and "case-not-found" in page and "Nicht gefunden" in page


def test_every_listed_code_has_a_page_without_login(api: Api) -> None:
    for code in CODES:
        response = api.client.get(f"/api/v1/problems/{code}")
        assert response.status_code == 200, code
        assert f"<code>{code}</code>" in response.get_data(as_text=True)


def test_an_unknown_code_has_no_page(api: Api) -> None:
    response = api.client.get("/api/v1/problems/gibt-es-nicht")
    problem_of(response, 404, "problem-type-not-found")


def test_the_refusals_of_the_request_limits_carry_a_type_that_resolves(api: Api) -> None:
    response = api.get("/cases?q=" + "x" * 9000, "anna")
    body = problem_of(response, 414, "request-uri-too-large")
    page_of(api.client, body["type"])


def test_a_servers_own_refusal_names_the_path_of_its_page() -> None:
    assert b'"type": "/api/v1/problems/request-uri-too-large"' in problem_bytes(URI_TOO_LONG, "c")
