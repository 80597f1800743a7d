"""The OpenAPI document (ADR 0012): what it says about every operation, what a failed
validation answers, Swagger UI from our own files, and the suite's response check itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, TestResponse

from egov.app import create_app
from egov.web.openapi import build_document
from tests.conftest import Api, make_settings
from tests.support.openapi_check import UndocumentedResponse, check

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app without a migrated database: the document needs none."""
    folder = tmp_path_factory.mktemp("openapi")
    app = create_app(make_settings(folder / "var", f"sqlite:///{folder / 'egov.sqlite3'}"))
    yield app
    app.extensions["egov"].db.dispose()


@pytest.fixture(scope="module")
def document(bare_app: Flask) -> dict[str, Any]:
    return build_document(bare_app)


PUBLIC = (  # the catalogue portals read; statements (anonymous where a participation allows)
    "/api/v1/procedures",
    "/api/v1/participations/{participation_id}/statements",
    "/api/v1/statement-confirmations/",
    "/api/v1/public/participations",
    "/api/v1/public/buergerbudget/",
    "/api/v1/toeb-answers/",
    "/api/v1/open-data",  # the DCAT-AP.de catalogue and its distributions
)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_api_handler_is_an_operation_and_nothing_else_is(
    bare_app: Flask, document: dict[str, Any]
) -> None:
    served = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))  # <path:name>: {name}
        for rule in bare_app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and not rule.endpoint.startswith(("openapi.", "problem_types."))  # documentation
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    described = {(method, path) for method, path, _ in operations(document)}
    assert described == served
    assert len(described) >= 30


CONFIRMATION = "/api/v1/statement-confirmations/"


def test_every_operation_names_its_roles_statuses_and_correlation_header(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        where = f"{method} {path}"
        responses = operation["responses"]
        assert "default" not in responses, where
        assert {"400", "429", "500", "503"} <= set(responses), where
        if operation["security"] == []:  # public: the catalogue, participations, statements
            assert path.startswith(PUBLIC) and method in ("GET", "POST"), where
            confirmation = path.startswith(CONFIRMATION)
            assert method == "GET" or path.endswith("/statements") or "toeb" in path or confirmation

            assert "x-roles" not in operation, where
        else:
            assert {"401", "403"} <= set(responses), where
            assert operation["security"] and operation["x-roles"], where
        assert any(status.startswith("2") for status in responses), where
        for status, response in responses.items():
            assert "X-Correlation-ID" in response["headers"], (where, status)
            if int(status) >= 400:
                content = dict(response["content"])
                if path.startswith(CONFIRMATION):
                    content.pop("text/html", None)  # the page for a browser that followed the link
                assert content == {"application/problem+json": {"schema": PROBLEM}}
        if method in ("POST", "PATCH", "PUT"):
            assert "413" in responses, where
    assert "Problem" in document["components"]["schemas"]
    assert document["openapi"].startswith("3.1")


def test_bodies_queries_and_headers_are_described(document: dict[str, Any]) -> None:
    paths = document["paths"]
    submission = paths["/api/v1/submissions"]["post"]
    assert set(submission["requestBody"]["content"]) == {"application/xml", "text/xml"}
    assert {"201", "200", "409", "413", "415", "422"} <= set(submission["responses"])
    assert submission["security"] == [{"bearer": ["submissions:write"]}]
    form = paths["/api/v1/applications"]["post"]
    schema = form["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ApplicationForm"}
    for operation, expected in (
        (submission, ["Idempotency-Key"]),
        (form, ["Idempotency-Key", "Egov-Applicant-Assertion"]),  # a portal on behalf of someone
        (paths["/api/v1/inbound"]["post"], ["Idempotency-Key"]),
    ):
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers == expected
    tasks = paths["/api/v1/tasks"]["get"]
    query = {p["name"]: p for p in tasks["parameters"] if p["in"] == "query"}
    assert set(query) == {"cursor", "limit", "mine", "view", "procedure", "status", "q"}
    assert query["view"]["schema"]["anyOf"][0]["enum"] == ["units", "mine", "unclaimed", "overdue"]
    assert (query["limit"]["schema"]["minimum"], query["limit"]["schema"]["maximum"]) == (1, 200)
    assert "Link" in tasks["responses"]["200"]["headers"]
    assert tasks["responses"]["200"]["content"]["application/json"]["example"]["items"]
    complete = paths["/api/v1/tasks/{task_id}/complete"]["post"]
    assert complete["requestBody"]["content"]["application/json"]["example"]["data"]
    assert {"404", "409", "422"} <= set(complete["responses"])


def test_the_document_and_swagger_ui_are_served_from_our_own_files(api: Api) -> None:
    served = api.get("/openapi.json")
    assert served.status_code == 200 and served.get_json()["paths"]
    page = api.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.get_data(as_text=True)
    assert "http" not in page.get_data(as_text=True).replace('lang="de"', "")  # no CDN
    script = api.get("/docs/js/swagger-ui-bundle.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert api.get("/docs/js/..%2F..%2F__init__.py").status_code == 404


def test_a_request_that_fails_its_model_is_a_problem_naming_the_fields_in_german(
    api: Api,
) -> None:
    answer = api.get("/tasks?limit=1000&mine=vielleicht", "anna")

    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["code"] == "bad-request"
    assert sorted(p["name"] for p in problem["invalid_params"]) == ["limit", "mine"]
    reasons = {p["name"]: p["reason"] for p in problem["invalid_params"]}
    assert reasons == {"limit": "ist zu groß", "mine": "muss true oder false sein"}
    assert "vielleicht" not in answer.get_data(as_text=True)  # the input is not echoed
    assert answer.headers["X-Correlation-ID"] == problem["correlation_id"]


def test_an_anonymous_request_with_a_bad_body_is_refused_for_the_login_first(api: Api) -> None:
    answer = api.post("/process-definitions", json={"files": "keine"})
    assert (answer.status_code, answer.get_json()["code"]) == (401, "token-missing")


def answer(bare_app: Flask, path: str, status: int, body: Any) -> TestResponse:
    request = EnvironBuilder(path=path, method="GET").get_request()
    headers = {"Content-Type": "application/json", "X-Correlation-ID": "k-1"}
    return TestResponse(json.dumps(body), status, headers, request=request)


def test_the_suites_response_check_fails_on_an_undocumented_status_or_body(
    bare_app: Flask,
) -> None:
    listing = {"items": [], "next_cursor": None}
    check(bare_app, answer(bare_app, "/api/v1/tasks", 200, listing))  # as documented
    check(bare_app, answer(bare_app, "/api/v1/nowhere", 404, {}))  # no operation: unchecked
    with pytest.raises(UndocumentedResponse, match="418"):
        check(bare_app, answer(bare_app, "/api/v1/tasks", 418, listing))
    with pytest.raises(UndocumentedResponse):
        check(bare_app, answer(bare_app, "/api/v1/tasks", 200, {"items": "keine"}))


def test_the_document_checked_against_is_the_one_served(api: Api) -> None:
    assert api.get("/openapi.json").get_json() == build_document(api.client.application)
