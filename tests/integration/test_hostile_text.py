"""Text that PostgreSQL refuses (a NUL character; a value longer than its column) is refused
with a problem naming the parameter, on both databases: at the edge (path and query
parameters, headers, JSON strings: 400 `input-nul-byte`), in the services where values are
stored (422 `value-too-long`), and as a backstop 400 `input-invalid` for a `DataError` that
a service did not foresee. It was a 500 on PostgreSQL only, which the suite never saw."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from egov.cases.store import Case
from egov.container import Container
from egov.identity.model import Role
from tests.builders import example, proposal
from tests.conftest import Api

SPEAKER = {Role.ADMIN: "admin", Role.CLERK: "anna", Role.CITIZEN: "erika", Role.CLIENT: "portal"}
NUL = "\x00"
QUERIES = [
    ("/cases", "status", "anna"),
    ("/cases", "q", "anna"),
    ("/cases", "org_unit", "admin"),
    ("/cases", "assignee", "anna"),
    ("/me/cases", "procedure", "erika"),
    ("/incidents", "status", "admin"),
    ("/tasks", "mine", "anna"),
]
LONG_POSTFACH = "postfach:bundid:" + "p" * 220  # fits the XSD (255), not the column (200)


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    assert problem["code"] == code and problem["correlation_id"]
    return problem


def names(problem: dict[str, Any]) -> list[str]:
    return [p["name"] for p in problem.get("invalid_params", [])]


def routes_with_parameters(app: Flask) -> list[tuple[str, str, str, list[str]]]:
    """(method, rule, endpoint, parameters) of every route with a text path parameter. A
    number parameter (`<int:year>`) never matches text: such a URL names no page (404)."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.rule.startswith(("/dev-idp/", "/static")):
            continue
        texts = sorted(
            a for a in rule.arguments if not isinstance(rule._converters[a], IntegerConverter)
        )
        numbers = {a: "1" for a in rule.arguments if a not in texts}
        if not texts:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, _with(rule.rule, numbers), rule.endpoint, texts))
    return found


def _with(rule: str, values: dict[str, str]) -> str:
    for argument, value in values.items():
        rule = re.sub(rf"<\w+(?:\([^)]*\))?:{argument}>", value, rule)
    return rule


def case_count(container: Container) -> int:
    with container.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


# --- NUL characters, refused at the edge --------------------------------------------------------


def test_a_nul_byte_in_any_path_parameter_is_refused_naming_it(app: Flask, api: Api) -> None:
    wrong = {}
    probed = 0
    for method, rule, endpoint, arguments in routes_with_parameters(app):
        roles = getattr(app.view_functions[endpoint], "required_roles", ())
        headers = {"Authorization": f"Bearer {api.token(SPEAKER[roles[0]] if roles else 'admin')}"}
        for poisoned in arguments:
            path = rule
            for argument in arguments:
                value = "a%00b" if argument == poisoned else f"no-such-{argument}"
                path = re.sub(rf"<(?:\w+(?:\([^)]*\))?:)?{argument}>", value, path)  # <path:x>
            response = api.client.open(path, method=method, headers=headers, json={})
            problem = response.get_json(silent=True) or {}
            answer = (response.status_code, problem.get("code"), names(problem))
            if response.mimetype == "text/html":  # a page's error page names the code only
                code = re.search(r"<code>([a-z-]+)</code>", response.get_data(as_text=True))
                answer = (response.status_code, code and code.group(1), [poisoned])
            probed += 1
            if answer != (400, "input-nul-byte", [poisoned]):
                wrong[f"{method} {path}"] = answer
    assert probed >= 15
    assert wrong == {}


@pytest.mark.parametrize(("path", "parameter", "user"), QUERIES)
def test_a_nul_byte_in_a_query_parameter_is_refused_naming_it(
    api: Api, path: str, parameter: str, user: str
) -> None:
    problem = problem_of(api.get(f"{path}?{parameter}=a%00b", user), 400, "input-nul-byte")
    assert names(problem) == [parameter]


def test_a_nul_byte_in_a_header_is_refused_naming_it(api: Api, container: Container) -> None:
    headers = {"Idempotency-Key": "antrag\x0042"}
    response = api.post("/applications", "erika", json=proposal(), headers=headers)
    problem = problem_of(response, 400, "input-nul-byte")
    assert names(problem) == ["Idempotency-Key"]
    assert case_count(container) == 0


def test_a_nul_byte_in_a_postfach_reply_is_refused_naming_the_field(api: Api) -> None:
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    for field in ("body", "subject"):
        reply = {"subject": "Frage", "body": "Wann?", field: f"vor{NUL}her"}
        response = api.post(f"/me/cases/{case_id}/messages", "erika", json=reply)
        assert names(problem_of(response, 400, "input-nul-byte")) == [field]
    assert api.get(f"/me/cases/{case_id}", "erika").get_json()["messages"] == []


def test_a_nul_byte_in_task_form_data_is_refused_naming_the_field(api: Api) -> None:
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    task = api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"][0]
    data = {"formal_decision": "admissible", "formal_note": f"geprüft{NUL}"}
    response = api.post(f"/tasks/{task['id']}/complete", "anna", json={"data": data})
    assert names(problem_of(response, 400, "input-nul-byte")) == ["data.formal_note"]
    assert api.get(f"/tasks/{task['id']}", "anna").get_json()["status"] == "open"


def test_a_nul_byte_in_a_json_key_is_refused(api: Api) -> None:
    body = proposal()
    body["data"][f"ti{NUL}tle"] = "x"
    response = api.post("/applications", "erika", json=body)
    assert names(problem_of(response, 400, "input-nul-byte")) == ["data.ti\\u0000tle"]


# --- values longer than their column, refused where they are stored -------------------------------


# Attachment file names and media types: tests/integration/test_hostile_intake.py, which
# checks them (lengths included) on both intake paths before anything is stored.


def test_a_postfach_reference_longer_than_its_column_is_refused(
    api: Api, container: Container
) -> None:
    body = re.sub(
        rb"<xfall:postfach>[^<]+</xfall:postfach>",
        f"<xfall:postfach>{LONG_POSTFACH}</xfall:postfach>".encode(),
        example("buergerbudget-zwei-anhaenge.xml"),
    )
    response = api.post("/submissions", "portal", data=body, content_type="application/xml")
    problem = problem_of(response, 422, "value-too-long")
    assert names(problem) == ["antwortkanal.postfach"]
    assert case_count(container) == 0


def test_an_applicant_name_longer_than_its_column_is_refused(
    api: Api, container: Container
) -> None:
    body = example("buergerbudget-zwei-anhaenge.xml")
    body = re.sub(rb"<xfall:vorname>[^<]+<", b"<xfall:vorname>" + b"V" * 200 + b"<", body)
    body = re.sub(rb"<xfall:familienname>[^<]+<", b"<xfall:familienname>" + b"F" * 200 + b"<", body)
    response = api.post("/submissions", "portal", data=body, content_type="application/xml")
    problem = problem_of(response, 422, "value-too-long")
    assert names(problem) == ["antragsteller"]
    assert case_count(container) == 0


# --- the backstop ---------------------------------------------------------------------------------


def test_a_data_error_no_service_foresaw_is_400_input_invalid_without_its_text(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: Any) -> Any:
        raise DataError("SELECT secret_column", {}, Exception("value too long: geheim"))

    monkeypatch.setattr(container.case_file, "detail", refuse)
    response = api.get("/cases/any", "anna")
    problem_of(response, 400, "input-invalid")
    text = response.get_data(as_text=True)
    assert "geheim" not in text and "secret_column" not in text
