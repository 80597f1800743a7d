"""Hostile JSON from clients: nesting deeper than the limit and bodies larger than the limit
are refused at the edge with a problem (400 `json-too-deep`, 413 `message-too-large`), on every
endpoint that takes JSON, before anything is parsed whole or stored. The XML intake keeps its
own streamed limit (EGOV_MAX_MESSAGE_BYTES)."""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov import paging
from egov.app import create_app
from egov.identity.model import Role
from egov.ui.security import PAGES
from tests.builders import example, proposal
from tests.conftest import Api, make_settings

DEEP = "[" * 100_000 + "]" * 100_000  # RecursionError in json.loads
DEEP_CURSOR = "[" * 2500 + "]" * 2500  # deep enough for a RecursionError, short enough a URL
NOT_TOO_DEEP = {"procedure": "buergerbudget", "data": {"a": [[[[[["tief genug"]]]]]]}}
# who may call a view that requires one of these roles
SPEAKER = {Role.ADMIN: "admin", Role.CLERK: "anna", Role.CITIZEN: "erika", Role.CLIENT: "portal"}
# write endpoints that take no JSON body: XML (415 for JSON), none at all, or a login form
NO_JSON_BODY = {
    "intake.submit_message",
    "inbound.receive",
    "camunda.create_deployment",  # Camunda Modeler's multipart form only
    "admin.retry",
    "instances.restart",
    "migrations.reverse",
    "migrations.confirm",
    "tasks.claim",
    "tasks.unclaim",
    "directory.remove_member",
    "directory.end_deputy",
    "login.logout",
    "participation.publish_report",
    "participation.confirm_statement",  # the confirmation page's form
    "buergerbudget_vote.confirm_offline_votes",
    "buergerbudget_result.propose_result",
    "buergerbudget_result.confirm_result",
    "buergerbudget_implementation.complete",
    "me.withdraw_notification_email",
    "me.request_erasure",
    "me.request_export",
    "tasks.approve",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def json_endpoints(app: Flask) -> list[tuple[str, str, str]]:
    """(method, path with dummy ids, endpoint) of every write route that takes JSON."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NO_JSON_BODY or rule.rule.startswith("/dev-idp/"):
            continue
        if rule.endpoint.partition(".")[0] in app.extensions[PAGES]:
            continue  # a page's form (egov.ui): refused without its token before any body
        for method in sorted((rule.methods or set()) & WRITES):
            path = rule.rule.replace("<year>", "2099")  # a year a round may have, none has
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"no-such-\1", path)
            found.append((method, path, rule.endpoint))
    return found


def speaker(app: Flask, endpoint: str) -> str:
    roles = getattr(app.view_functions[endpoint], "required_roles", ())
    return SPEAKER[roles[0]] if roles else "admin"


def call(api: Api, method: str, path: str, user: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.token(user)}"}
    return api.client.open(path, method=method, headers=headers, **kwargs)


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    assert problem["code"] == code and problem["status"] == status and problem["correlation_id"]
    assert "Recursion" not in response.get_data(as_text=True)
    return problem


def test_the_route_table_has_json_endpoints_to_probe(app: Flask) -> None:
    endpoints = {endpoint for _, _, endpoint in json_endpoints(app)}
    assert {"intake.submit_application", "tasks.complete", "definitions.deploy"} <= endpoints
    assert len(endpoints) >= 10


def test_deeply_nested_json_is_refused_with_400_on_every_json_endpoint(
    app: Flask, api: Api
) -> None:
    answers = {}
    for method, path, endpoint in json_endpoints(app):
        response = call(
            api, method, path, speaker(app, endpoint), data=DEEP, content_type="application/json"
        )
        answers[f"{method} {path}"] = (
            response.status_code,
            (response.get_json() or {}).get("code"),
        )
    assert {k: v for k, v in answers.items() if v != (400, "json-too-deep")} == {}


def test_a_lone_surrogate_is_refused_with_400_on_every_json_endpoint(app: Flask, api: Api) -> None:
    body = '{"files": {"x.bpmn": "\\ud800"}, "data": {"title": "a\\udfffb"}, "note": "\\ud83d"}'
    answers = {}
    for method, path, endpoint in json_endpoints(app):
        response = call(
            api, method, path, speaker(app, endpoint), data=body, content_type="application/json"
        )
        answers[f"{method} {path}"] = (
            response.status_code,
            (response.get_json() or {}).get("code"),
        )
    assert {k: v for k, v in answers.items() if v != (400, "input-not-unicode")} == {}


def test_a_surrogate_pair_is_one_character_and_welcome(api: Api) -> None:
    body = {"subject": "Frage", "body": "Danke \U0001f44d"}  # an emoji: a pair in JSON
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    assert api.post(f"/me/cases/{case_id}/messages", "erika", json=body).status_code == 201


def test_json_nested_within_the_limit_is_parsed_as_before(api: Api) -> None:
    response = api.post("/applications", "erika", json=NOT_TOO_DEEP)
    assert_problem(response, 422, "form-data-invalid")


def test_a_deeply_nested_cursor_is_refused_with_400_naming_the_cursor(api: Api) -> None:
    cursor = paging.seal(DEEP_CURSOR.encode())  # its checksum right: the parse is reached
    for path, user in (("/cases", "anna"), ("/me/cases", "erika"), ("/tasks", "anna")):
        problem = assert_problem(api.get(f"{path}?cursor={cursor}", user), 400, "json-too-deep")
        assert [p["name"] for p in problem["invalid_params"]] == ["cursor"]


def test_a_deeply_nested_cursor_without_its_checksum_is_a_bad_cursor(api: Api) -> None:
    cursor = base64.urlsafe_b64encode(DEEP_CURSOR.encode()).decode().rstrip("=")
    problem = assert_problem(api.get(f"/cases?cursor={cursor}", "anna"), 400, "bad-cursor")
    assert [p["name"] for p in problem["invalid_params"]] == ["cursor"]


def test_a_cursor_of_the_api_still_pages(api: Api) -> None:
    for _ in range(3):
        assert api.post("/applications", "erika", json=proposal()).status_code == 201
    first = api.get("/cases?limit=2", "anna").get_json()
    assert first["next_cursor"]
    rest = api.get(f"/cases?limit=2&cursor={first['next_cursor']}", "anna").get_json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1


# --- size ------------------------------------------------------------------------------------


@pytest.fixture
def small_limits(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """egov with a JSON limit of 4 KiB and a message limit of 64 KiB."""
    settings = dataclasses.replace(
        make_settings(tmp_path / "small", database_url),
        max_json_bytes=4096,
        max_message_bytes=64 * 1024,
    )
    application = create_app(settings)
    yield Api(application.test_client(), application.extensions["egov"])
    application.extensions["egov"].db.dispose()


def test_a_60_mb_json_body_is_refused_with_413_before_it_is_parsed(api: Api) -> None:
    body = b'{"procedure": "buergerbudget", "data": {"title": "' + b"x" * (60 << 20) + b'"}}'
    for path, user in (("/applications", "erika"), ("/org-units", "admin")):
        response = api.post(path, user, data=body, content_type="application/json")
        assert_problem(response, 413, "message-too-large")


def test_every_json_endpoint_refuses_a_body_over_the_json_limit(small_limits: Api) -> None:
    api = small_limits
    app = api.client.application
    body = b'{"note": "' + b"x" * 5000 + b'"}'
    answers = {}
    for method, path, endpoint in json_endpoints(app):
        if endpoint in ("intake.submit_application", "definitions.deploy", "me.reply"):
            continue  # the web form and a reply carry attachments, a deploy whole bundles (JSON,
            # multipart or ZIP): they have the message limit (below)
        response = call(
            api, method, path, speaker(app, endpoint), data=body, content_type="application/json"
        )
        answers[f"{method} {path}"] = (
            response.status_code,
            (response.get_json() or {}).get("code"),
        )
    assert {k: v for k, v in answers.items() if v != (413, "message-too-large")} == {}


def test_a_body_without_a_json_type_is_limited_too(small_limits: Api) -> None:
    body = b"x" * 5000
    response = small_limits.post("/org-units", "admin", data=body, content_type="text/plain")
    assert_problem(response, 413, "message-too-large")


def test_the_web_form_has_the_message_limit_because_it_carries_attachments(
    small_limits: Api,
) -> None:
    attachment = {
        "filename": "plan.txt",
        "media_type": "text/plain",
        "content_base64": base64.b64encode(b"p" * 20_000).decode(),
    }
    accepted = small_limits.post(
        "/applications", "erika", json={**proposal(), "attachments": [attachment]}
    )
    assert accepted.status_code == 201, accepted.get_json()
    attachment["content_base64"] = base64.b64encode(b"p" * 70_000).decode()
    refused = small_limits.post(
        "/applications", "erika", json={**proposal(), "attachments": [attachment]}
    )
    assert_problem(refused, 413, "message-too-large")


def test_a_reply_has_the_message_limit_because_it_carries_attachments(
    small_limits: Api,
) -> None:
    case_id = small_limits.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    attachment = {
        "filename": "plan.pdf",
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(b"p" * 20_000).decode(),
    }
    body = {"body": "Anbei der Plan.", "attachments": [attachment]}
    accepted = small_limits.post(f"/me/cases/{case_id}/messages", "erika", json=body)
    assert accepted.status_code == 201, accepted.get_json()
    attachment["content_base64"] = base64.b64encode(b"p" * 70_000).decode()
    refused = small_limits.post(f"/me/cases/{case_id}/messages", "erika", json=body)
    assert_problem(refused, 413, "message-too-large")


def test_the_xml_intake_still_streams_past_the_json_limit(small_limits: Api) -> None:
    body = example("buergerbudget-zwei-anhaenge.xml")
    assert 4096 < len(body) < 64 * 1024
    response = small_limits.post(
        "/submissions", "portal", data=body, content_type="application/xml"
    )
    assert response.status_code == 201, response.get_json()


def test_a_json_body_sent_in_chunks_is_limited_as_it_is_read(small_limits: Api) -> None:
    """No Content-Length (chunked; the server ends the stream): the limit holds as it is read."""
    body = io.BytesIO(b'{"key": "' + b"k" * 5000 + b'", "name": "x"}')
    headers = {
        "Authorization": f"Bearer {small_limits.token('admin')}",
        "Transfer-Encoding": "chunked",
    }
    response = small_limits.client.open(
        "/api/v1/org-units",
        method="POST",
        input_stream=body,
        content_type="application/json",
        headers=headers,
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_problem(response, 413, "message-too-large")


def test_a_bearer_token_of_deeply_nested_json_is_malformed(api: Api) -> None:
    """The token's JSON is read before its signature is checked: with the same limits."""

    def segment(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    deep, header = segment(DEEP_CURSOR.encode()), segment(b'{"alg": "RS256"}')
    for token in (f"{deep}.{segment(b'{}')}.c2ln", f"{header}.{deep}.c2ln"):
        response = api.get("/me/cases", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401, "token-malformed")
