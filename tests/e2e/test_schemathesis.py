"""Schemathesis against the served API, from egov's own OpenAPI document, with a valid token
of every role: no answer is a 5xx, none has a status the document does not describe (the
document has no `default` response to hide one behind), every body, header and media type is
the documented one, and every 4xx is problem+json with a code. Bounded (a few examples per
operation) to keep `make test` short; `EGOV_SCHEMATHESIS_EXAMPLES` raises the bound for a
longer hunt."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask_openapi3.blueprint import APIBlueprint
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, status_code_conformance
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from egov.app import create_app
from tests.builders import proposal
from tests.conftest import Api, make_settings
from tests.e2e.conftest import LiveServer

ROLES = ("admin", "anna", "erika", "portal", "fachverfahren")  # every role, one token each
EXAMPLES = int(os.environ.get("EGOV_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)


class Served:
    def __init__(self, server: LiveServer, api: Api) -> None:
        self.server = server
        self.tokens = {role: api.token(role) for role in ROLES}
        assert server.app is not None
        self.operations = api_operations(server.app)


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("schemathesis")
    shutil.copy(sqlite_template, folder / "egov.sqlite3")
    server = LiveServer()
    settings_ = make_settings(folder / "var", f"sqlite:///{folder / 'egov.sqlite3'}")
    app = create_app(settings_)
    server.app = app
    server.thread.start()
    api = Api(app.test_client(), app.extensions["egov"])
    assert api.post("/applications", "erika", json=proposal()).status_code == 201  # some data
    try:
        yield Served(server, api)
    finally:
        server.stop()
        app.extensions["egov"].db.dispose()


def api_operations(app: Any) -> set[tuple[str, str]]:
    """(METHOD, rule) of every /api/v1 handler (flask-openapi3 blueprints, ADR 0012)."""
    found = set()
    for rule in app.url_map.iter_rules():
        blueprint = app.blueprints.get(rule.endpoint.partition(".")[0])
        if isinstance(blueprint, APIBlueprint):
            found |= {(m, rule.rule) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return found


def content_type(response: Any) -> str:
    """Schemathesis keeps header values as lists under lower-case names."""
    values = response.headers.get("content-type") or [""]
    return str(values[0] if isinstance(values, list) else values)


def problem_on_every_4xx(response: Any) -> None:
    if 400 <= response.status_code < 500:
        assert content_type(response).startswith("application/problem+json"), (
            f"{response.status_code} without problem+json"
        )
        body = response.json()
        assert isinstance(body.get("code"), str) and body["code"], body
        assert body.get("status") == response.status_code, body


def check_every_role(case: Any, served: Served) -> None:
    for role, token in served.tokens.items():
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=CHECKS)
        problem_on_every_4xx(response)
        assert response.status_code != 401, f"{role}'s valid token was refused"


def test_no_operation_answers_5xx_or_an_undocumented_status_for_any_role(served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.server.url}/api/v1/openapi.json")
    document = schema.raw_schema
    defaults = [
        f"{method} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "default" in operation["responses"]
    ]
    assert defaults == [], "a default response would make every status a documented one"
    failed: dict[str, str] = {}
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            check_every_role(case, served)

        try:
            run()
        except Exception as error:  # one line per failing operation, all of them reported
            failed[operation.label] = f"{type(error).__name__}: {str(error)[:600]}"
        checked += 1
    assert failed == {}
    # every /api/v1 handler is described and was called
    assert checked == len(served.operations), "the document describes another set of operations"
