"""What a hostile probe of the running server found in POST /inbound, on SQLite and PostgreSQL:
hostile signed messages are refused cheaply with a stable code, and nothing is stored."""

from __future__ import annotations

import codecs
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from egov.container import Container
from egov.integrations import signing
from egov.integrations.fachverfahren import Endpoint
from egov.postfach.store import PostfachMessage
from tests.conftest import ROOT, Api
from tests.integration.test_inbound import (
    SECRET,
    SECRET_ENV,
    actions,
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


# --- finding 8: a signed status sent again is answered like the first time --------------------

BAUANTRAG = ROOT / "schemas" / "xbau" / "examples" / "valid" / "bauantrag-einfamilienhaus.xml"


@pytest.fixture
def bauantrag(api: Api, container: Container) -> dict[str, Any]:
    """A portal's XBau Bauantrag whose `bauantrag` process waits for status messages."""
    container.inbound.endpoints = {"bauantrag": Endpoint("http://127.0.0.1:9/", SECRET_ENV)}
    container.inbound.environ = {SECRET_ENV: SECRET.decode()}
    response = api.post(
        "/submissions", "portal", data=BAUANTRAG.read_bytes(), content_type="application/xml"
    )
    assert response.status_code == 201, response.get_json()
    receipt: dict[str, Any] = response.get_json()
    return receipt


def send_bauantrag(api: Api, body: bytes, stamp: int, **headers: str) -> Any:
    signed = signing.sign(SECRET, body, stamp)
    return api.post(
        "/inbound?procedure=bauantrag",
        "fachverfahren",
        data=body,
        content_type="application/xml",
        headers={**signed, **headers},
    )


def postfach_letters(container: Container, case_id: str) -> int:
    with container.db.reading() as session:
        query = select(func.count()).where(PostfachMessage.case_id == case_id)
        return int(session.scalar(query.select_from(PostfachMessage)) or 0)


def test_a_signed_status_sent_four_times_updates_the_case_and_writes_a_letter_once(
    api: Api, container: Container, bauantrag: dict[str, Any]
) -> None:
    case_id = bauantrag["case_id"]
    body = status_1170(bauantrag["case_reference"], code="14")
    letters, trail = postfach_letters(container, case_id), actions(api, case_id)
    now = int(time.time())

    first = send_bauantrag(api, body, now)
    again = [send_bauantrag(api, body, stamp) for stamp in (now, now + 1, now + 2)]

    assert (first.status_code, first.get_json()["correlated"]) == (201, True)
    assert [r.status_code for r in again] == [200, 200, 200]
    assert all(r.get_json() == first.get_json() for r in again)
    assert postfach_letters(container, case_id) == letters + 1
    new = actions(api, case_id)[len(trail) :]
    assert new.count("letter.sent") == 1
    assert new.count("case.status_changed") == 1
    assert new.count("inbound.received") == 1
    assert len(inbound_rows(container)) == 1


def test_a_resend_with_a_new_idempotency_key_is_still_the_same_message(
    api: Api, container: Container, bauantrag: dict[str, Any]
) -> None:
    body = status_1170(bauantrag["case_reference"], code="14")
    now = int(time.time())
    first = send_bauantrag(api, body, now, **{"Idempotency-Key": "a"})
    again = send_bauantrag(api, body, now, **{"Idempotency-Key": "b"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert actions(api, bauantrag["case_id"]).count("letter.sent") == 1


def test_the_same_message_uuid_with_other_content_is_a_conflict(
    api: Api, container: Container, bauantrag: dict[str, Any]
) -> None:
    body = status_1170(bauantrag["case_reference"], code="14")
    assert send_bauantrag(api, body, int(time.time())).status_code == 201
    altered = body.replace(b"<code>14</code>", b"<code>10</code>")
    assert altered != body
    assert code_of(send_bauantrag(api, altered, int(time.time())), 409) == "inbound-conflict"
    assert len(inbound_rows(container)) == 1


# --- finding 9: a DOCTYPE is refused in every encoding the parser reads -----------------------

ENCODINGS = [
    pytest.param("UTF-16", "utf-16-le", codecs.BOM_UTF16_LE, id="utf-16-le-bom"),
    pytest.param("UTF-16", "utf-16-be", codecs.BOM_UTF16_BE, id="utf-16-be-bom"),
    pytest.param("UTF-16LE", "utf-16-le", b"", id="utf-16-le"),
    pytest.param("UTF-16BE", "utf-16-be", b"", id="utf-16-be"),
    pytest.param("UTF-32", "utf-32-le", b"", id="utf-32-le"),
    pytest.param("UTF-32", "utf-32-be", b"", id="utf-32-be"),
    pytest.param("UTF-7", "utf-7", b"", id="utf-7"),
    pytest.param("UTF-8", "utf-8", codecs.BOM_UTF8, id="utf-8-bom"),
]


DOCTYPES = [
    pytest.param('<!DOCTYPE a [<!ENTITY x "y">]>', False, id="internal-subset"),
    pytest.param('<!DOCTYPE a [<!ENTITY x "2026-12-31">]>', True, id="entity-used"),
    pytest.param('<!DOCTYPE a SYSTEM "file:///etc/hostname">', False, id="external-dtd"),
]


def encoded(body: bytes, name: str, codec: str, bom: bytes, doctype: str = "") -> bytes:
    """`body` (UTF-8 with an XML declaration) re-encoded, with an optional DOCTYPE."""
    _, rest = body.decode("utf-8").split("?>", 1)
    return bom + f'<?xml version="1.0" encoding="{name}"?>{doctype}{rest}'.encode(codec)


@pytest.mark.parametrize(("doctype", "use_entity"), DOCTYPES)
@pytest.mark.parametrize(("name", "codec", "bom"), ENCODINGS)
def test_a_signed_status_with_a_doctype_is_refused_in_every_encoding(
    api: Api,
    container: Container,
    filed: dict[str, Any],
    name: str,
    codec: str,
    bom: bytes,
    doctype: str,
    use_entity: bool,
) -> None:
    plain = status_1170(filed["case_reference"])
    if use_entity:
        plain = plain.replace(b"<frist>2026-12-31</frist>", b"<frist>&x;</frist>")
    body = encoded(plain, name, codec, bom, doctype)
    assert code_of(send(api, body), 400) == "xml-forbidden-construct"
    assert inbound_rows(container) == []
    if not use_entity:  # the encoding itself is fine
        readable = send(api, encoded(plain, name, codec, bom))
        assert readable.status_code == 201, readable.get_json()
