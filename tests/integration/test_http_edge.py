"""The HTTP edge in the app: 405 names the allowed methods, egov's own limits on the request
target and the header fields answer problem+json (414, 431) before Flask parses anything."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.conftest import Api

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    assert problem["code"] == code and problem["status"] == status and problem["correlation_id"]
    return problem


# --- 405 -----------------------------------------------------------------------------------------


def test_a_405_names_the_allowed_methods_in_allow(api: Api) -> None:
    response = api.call("PUT", "/cases", "anna")
    problem_of(response, 405, "method-not-allowed")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD", "OPTIONS"} <= allowed and "PUT" not in allowed


def test_every_route_answers_a_wrong_method_with_allow(app: Flask, api: Api) -> None:
    allowed: dict[str, set[str]] = {}  # a path can have one rule per method
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            allowed.setdefault(rule.rule, set()).update(rule.methods or set())
    missing = {}
    for rule, methods in allowed.items():
        wrong = sorted({"GET", *WRITES} - methods)
        if not wrong:
            continue
        path = re.sub(r"<int[^>]*>", "1", re.sub(r"<(?!int)[^>]+>", "x", rule))  # <int:year>
        response = api.client.open(path, method=wrong[0])
        if response.status_code != 405 or "Allow" not in response.headers:
            missing[f"{wrong[0]} {path}"] = response.status_code
        else:
            assert response.mimetype == "application/problem+json"
    assert missing == {}


# --- request target and header fields ----------------------------------------------------------


def test_a_request_target_over_the_limit_is_a_414_problem(api: Api) -> None:
    limit = api.container.settings.max_url_bytes
    response = api.get("/cases?q=" + "x" * limit, "anna")
    problem_of(response, 414, "request-uri-too-large")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert api.get("/cases?q=" + "x" * (limit - 100), "anna").status_code == 200


def test_header_fields_over_the_size_limit_are_a_431_problem(api: Api) -> None:
    limit = api.container.settings.max_header_bytes
    response = api.get("/cases", "anna", headers={"X-Padding": "p" * limit})
    problem_of(response, 431, "request-header-fields-too-large")


def test_more_header_fields_than_the_limit_are_a_431_problem(api: Api) -> None:
    limit = api.container.settings.max_header_fields
    headers = {f"X-Field-{i}": "v" for i in range(limit + 1)}
    problem_of(api.get("/cases", "anna", headers=headers), 431, "request-header-fields-too-large")
    fewer = {f"X-Field-{i}": "v" for i in range(limit - 10)}
    assert api.get("/cases", "anna", headers=fewer).status_code == 200


def test_the_refusal_takes_the_correlation_id_of_the_request(api: Api) -> None:
    headers = {"X-Correlation-ID": "probe-414", "Authorization": "Bearer x"}
    response = api.client.get("/healthz?" + "x" * 9000, headers=headers)
    assert problem_of(response, 414, "request-uri-too-large")["correlation_id"] == "probe-414"
