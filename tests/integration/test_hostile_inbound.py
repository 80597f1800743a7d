"""What a hostile probe of the running server found in POST /inbound, on SQLite and PostgreSQL:
hostile signed messages are refused cheaply with a stable code, and nothing is stored."""

from __future__ import annotations

import time
from typing import Any

import pytest

from egov.container import Container
from egov.integrations.fachverfahren import Endpoint
from tests.conftest import Api
from tests.integration.test_inbound import (
    SECRET,
    SECRET_ENV,
    deploy_and_file,
    inbound_rows,
    send,
    status_1170,
)


@pytest.fixture
def filed(api: Api, container: Container) -> dict[str, Any]:
    container.inbound.endpoints = {"bautest": Endpoint("http://127.0.0.1:9/", SECRET_ENV)}
    container.inbound.environ = {SECRET_ENV: SECRET.decode()}
    return deploy_and_file(api, "bautest", "bauantrag_status")


def code_of(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    return str(response.get_json()["code"])


# --- finding 1: attributes -------------------------------------------------------------------


def test_200000_attributes_in_a_signed_status_are_refused_quickly(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    attributes = b" ".join(b'a%d="x"' % i for i in range(200_000))
    body = status_1170(filed["case_reference"]).replace(
        b"<frist>", b"<frist " + attributes + b">", 1
    )
    assert attributes in body

    started = time.perf_counter()
    response = send(api, body)

    assert code_of(response, 400) == "xml-too-many-attributes"
    assert time.perf_counter() - started < 5
    assert inbound_rows(container) == []


# --- finding 3: text nodes -------------------------------------------------------------------


def test_an_11_mb_text_node_in_a_signed_status_is_refused_with_400(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    body = status_1170(filed["case_reference"])
    head, _, tail = body.partition(b"<frist>2026-12-31</frist>")
    assert tail
    body = head + b"<frist>" + b" " * (11 * 1024 * 1024) + b"2026-12-31</frist>" + tail
    assert code_of(send(api, body), 400) == "xml-text-too-long"
    assert inbound_rows(container) == []


# --- finding 7: Idempotency-Key values are checked, never cut ----------------------------------


@pytest.mark.parametrize(
    "key", ["k" * 150 + "A", "", "status\x011", "schlüssel"], ids=["151", "empty", "ctl", "umlaut"]
)
def test_a_bad_idempotency_key_is_refused_on_inbound(
    api: Api, container: Container, filed: dict[str, Any], key: str
) -> None:
    response = send(api, status_1170(filed["case_reference"]), key=key)
    assert code_of(response, 400) == "idempotency-key-invalid"
    assert inbound_rows(container) == []
