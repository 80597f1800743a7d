"""What a hostile probe of the running server found in intake, over HTTP on SQLite and
PostgreSQL: every refusal is a problem with a stable code, cheap, and leaves nothing stored."""

from __future__ import annotations

import base64
import codecs
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from egov.app import create_app
from egov.container import Container
from egov.identity.users import DEMO_USERS
from egov.intake.jsonform import build_xfall_message
from egov.intake.model import Applicant
from tests.builders import example, proposal
from tests.conftest import ROOT, Api, make_settings
from tests.integration.test_intake_api import stored_counts, submit

BUERGERBUDGET = "buergerbudget-zwei-anhaenge.xml"
XBAU_HOUSE = ROOT / "schemas" / "xbau" / "examples" / "valid" / "bauantrag-einfamilienhaus.xml"


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    assert problem["correlation_id"]
    return problem


def before_nothing(container: Container) -> dict[str, int]:
    """What a fresh database holds: no case, submission, document, event or file."""
    counts = stored_counts(container)
    assert counts == dict.fromkeys(counts, 0)
    return counts


# --- finding 1: attributes -------------------------------------------------------------------


def test_200000_attributes_on_one_element_are_refused_quickly(
    api: Api, container: Container
) -> None:
    attributes = b" ".join(b'a%d="x"' % i for i in range(200_000))
    body = example(BUERGERBUDGET).replace(b"<titel>", b"<titel " + attributes + b">", 1)
    before = stored_counts(container)

    started = time.perf_counter()
    response = submit(api, body)
    elapsed = time.perf_counter() - started

    assert problem_of(response, 400)["code"] == "xml-too-many-attributes"
    assert elapsed < 5
    assert stored_counts(container) == before


# --- finding 3: text nodes -------------------------------------------------------------------

ELEVEN_MB = 11 * 1024 * 1024


def test_an_11_mb_text_node_is_refused_with_400_and_nothing_is_stored(
    api: Api, container: Container
) -> None:
    body = example(BUERGERBUDGET).replace(
        b"<titel>Sitzb\xc3\xa4nke im Paradiespark<", b"<titel>" + b"x" * ELEVEN_MB + b"<", 1
    )
    before = stored_counts(container)
    assert problem_of(submit(api, body), 400)["code"] == "xml-text-too-long"
    assert stored_counts(container) == before


def test_an_11_mb_form_field_is_refused_with_422_naming_the_field(
    api: Api, container: Container
) -> None:
    before = stored_counts(container)
    response = api.post("/applications", "erika", json=proposal(description="x" * ELEVEN_MB))
    problem = problem_of(response, 422)
    assert problem["code"] == "form-data-invalid"
    assert [p["name"] for p in problem["invalid_params"]] == ["data.description"]
    assert stored_counts(container) == before


def test_a_form_attachment_larger_than_the_text_limit_is_accepted(api: Api) -> None:
    content = base64.b64encode(b"%PDF-1.4 " + b"0" * (3 * 1024 * 1024)).decode()
    attachment = {
        "filename": "plan.pdf",
        "media_type": "application/pdf",
        "content_base64": content,
    }
    response = api.post("/applications", "erika", json={**proposal(), "attachments": [attachment]})
    assert response.status_code == 201, response.get_json()


# --- finding 2: numbers ----------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1e250000000", "1e99999999999999"])
def test_a_huge_number_in_a_form_cost_is_refused_quickly_with_422_naming_the_field(
    api: Api, container: Container, number: str
) -> None:
    before = stored_counts(container)
    started = time.perf_counter()
    response = api.post("/applications", "erika", json=proposal(estimated_cost_eur=number))
    assert time.perf_counter() - started < 2
    problem = problem_of(response, 422)
    assert problem["code"] == "form-data-invalid"
    assert [p["name"] for p in problem["invalid_params"]] == ["data.estimated_cost_eur"]
    assert stored_counts(container) == before


@pytest.mark.parametrize("number", [b"1e250000000", b"1e99999999999999"])
def test_a_huge_number_in_an_xml_cost_is_refused_quickly_with_400_naming_the_field(
    api: Api, container: Container, number: bytes
) -> None:
    body = example(BUERGERBUDGET)
    body = re.sub(rb"<geschaetzteKostenEUR>[^<]*<", b"<geschaetzteKostenEUR>" + number + b"<", body)
    assert number in body
    started = time.perf_counter()
    problem = problem_of(submit(api, body), 400)
    assert time.perf_counter() - started < 2
    assert problem["code"] == "fachdaten-invalid"
    assert problem["invalid_params"][0]["name"].endswith("geschaetzteKostenEUR")
    assert stored_counts(container) == before_nothing(container)


def test_an_xbau_version_number_of_5000_digits_is_refused_with_400(
    api: Api, container: Container
) -> None:
    raw = re.sub(
        rb"<versionsnummer>[^<]*<",
        b"<versionsnummer>" + b"9" * 5000 + b"<",
        XBAU_HOUSE.read_bytes(),
        count=1,
    )
    assert problem_of(submit(api, raw), 400)["code"] == "schema-invalid"
    assert stored_counts(container) == before_nothing(container)


# --- findings 4 and 5: form attachments, file names and media types ---------------------------

PDF = base64.b64encode(b"%PDF-1.4 Lageplan").decode()
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def form_attachment(**overrides: Any) -> dict[str, Any]:
    attachment = {"filename": "lageplan.pdf", "media_type": "application/pdf"}
    return {**attachment, "content_base64": PDF, **overrides}


BAD_ATTACHMENTS = [
    pytest.param("content_base64", "äöü=", id="non-ascii-base64"),
    pytest.param("content_base64", "JVBERi0\u00a0x", id="nbsp-in-base64"),
    pytest.param("content_base64", 12345, id="base64-not-a-string"),
    pytest.param("filename", "plan\x00.pdf", id="nul-in-filename"),
    pytest.param("filename", "plan\x07.pdf", id="bell-in-filename"),
    pytest.param("filename", "plan\n.pdf", id="newline-in-filename"),
    pytest.param("filename", ["plan.pdf"], id="filename-not-a-string"),
    pytest.param("filename", "", id="empty-filename"),
    pytest.param("filename", "x" * 256, id="filename-too-long"),
    pytest.param("filename", "../../etc/passwd", id="slash-in-filename"),
    *[pytest.param("filename", f"rechnung{c}fdp.exe", id=f"bidi-U+{ord(c):04X}") for c in BIDI],
    pytest.param("filename", "plan\u200b.pdf", id="zero-width-space"),
    pytest.param("media_type", "application/pdf\x00", id="nul-in-media-type"),
    pytest.param("media_type", "text/plain\r\nX-Evil: 1", id="crlf-in-media-type"),
    pytest.param("media_type", "application/" + "x" * 109, id="media-type-121-chars"),
    pytest.param("media_type", "pdf", id="media-type-without-subtype"),
    pytest.param("media_type", "text/plain; charset=utf-8", id="media-type-parameters"),
    pytest.param("media_type", "text/pla\u202ein", id="bidi-in-media-type"),
    pytest.param("media_type", None, id="media-type-missing"),
]


def refused_as(value: Any) -> tuple[int, str]:
    """A NUL or a lone surrogate anywhere in a JSON body is refused at the HTTP edge already
    (egov.jsoninput), naming the same field; every other bad value by the intake's check."""
    if isinstance(value, str) and "\x00" in value:
        return 400, "input-nul-byte"
    if isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value):
        return 400, "input-not-unicode"
    return 422, "form-data-invalid"


@pytest.mark.parametrize(("field", "value"), BAD_ATTACHMENTS)
def test_a_bad_form_attachment_is_refused_with_422_naming_its_field(
    api: Api, container: Container, field: str, value: Any
) -> None:
    body = {**proposal(), "attachments": [form_attachment(), form_attachment(**{field: value})]}
    response = api.post("/applications", "erika", json=body)
    status, code = refused_as(value)
    problem = problem_of(response, status)
    assert problem["code"] == code
    assert [p["name"] for p in problem["invalid_params"]] == [f"attachments[1].{field}"]
    assert stored_counts(container) == before_nothing(container)


def test_a_form_attachment_with_a_german_file_name_is_accepted(api: Api) -> None:
    attachment = form_attachment(filename="Lageplan Süd – Müller (2).pdf")
    response = api.post("/applications", "erika", json={**proposal(), "attachments": [attachment]})
    assert response.status_code == 201, response.get_json()
    documents = api.get(f"/cases/{response.get_json()['case_id']}/documents", "anna").get_json()
    assert "Lageplan Süd – Müller (2).pdf" in [d["filename"] for d in documents["items"]]


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        (b">skizze.png<", f">skizze{BIDI[4]}gnp.exe<".encode(), "anhang[2].dateiname"),
        (b">skizze.png<", f">skizze{BIDI[5]}.png<".encode(), "anhang[2].dateiname"),
        (b">image/png<", b">image/" + b"p" * 115 + b"<", "anhang[2].mimeType"),
    ],
    ids=["bidi-override", "bidi-isolate", "media-type-over-120"],
)
def test_a_bad_xml_attachment_name_or_media_type_is_refused_with_400(
    api: Api, container: Container, old: bytes, new: bytes, name: str
) -> None:
    body = example(BUERGERBUDGET).replace(old, new, 1)
    assert new in body
    problem = problem_of(submit(api, body), 400)
    assert problem["code"] == "attachment-metadata-invalid"
    assert [p["name"] for p in problem["invalid_params"]] == [name]
    assert stored_counts(container) == before_nothing(container)


# --- finding 6: a replay is answered only to the principal that first sent it ------------------

PORTAL_B = {
    "sub": "portal-b",
    "name": "Anderes Portal",
    "roles": ["client"],
    "procedures": ["*"],
    "scope": "submissions:write",
}


@pytest.fixture
def two_portals(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str
) -> Iterator[tuple[Api, Container]]:
    """The app with a second registered portal client, `portal-b`, besides `portal`."""
    monkeypatch.setitem(DEMO_USERS, "portal-b", PORTAL_B)
    app = create_app(make_settings(tmp_path / "var", database_url))
    container: Container = app.extensions["egov"]
    yield Api(app.test_client(), container), container
    container.db.dispose()


@pytest.mark.parametrize("other", ["erika", "portal-b"])
def test_the_same_message_from_another_sender_is_a_conflict_not_the_first_receipt(
    two_portals: tuple[Api, Container], other: str
) -> None:
    api, container = two_portals
    body = example(BUERGERBUDGET)
    first = submit(api, body)
    assert first.status_code == 201
    after_first = stored_counts(container)

    again = submit(api, body, user=other)

    problem = problem_of(again, 409)
    assert problem["code"] == "submission-conflict"
    assert first.get_json()["case_id"] not in again.get_data(as_text=True)
    assert first.get_json()["case_reference"] not in again.get_data(as_text=True)
    assert stored_counts(container) == after_first
    assert submit(api, body).get_json() == first.get_json()  # the first sender still may


# --- finding 7: Idempotency-Key values are checked, never cut ----------------------------------

BAD_KEYS = [
    pytest.param("k" * 129, id="129-chars"),
    pytest.param("k" * 150 + "A", id="151-chars"),
    pytest.param("", id="empty"),
    pytest.param("antrag\x0142", id="control-character"),
    pytest.param("antrag\t42", id="tab"),
    pytest.param("schlüssel-42", id="non-ascii"),
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_bad_idempotency_key_is_refused_on_applications(
    api: Api, container: Container, key: str
) -> None:
    response = api.post("/applications", "erika", json=proposal(), headers={"Idempotency-Key": key})
    assert problem_of(response, 400)["code"] == "idempotency-key-invalid"
    assert stored_counts(container) == before_nothing(container)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_bad_idempotency_key_is_refused_on_submissions(
    api: Api, container: Container, key: str
) -> None:
    response = submit(api, example(BUERGERBUDGET), **{"Idempotency-Key": key})
    assert problem_of(response, 400)["code"] == "idempotency-key-invalid"
    assert stored_counts(container) == before_nothing(container)


def test_keys_of_128_characters_that_differ_only_in_the_last_are_two_keys(api: Api) -> None:
    common = "k" * 128
    first = api.post("/applications", "erika", json=proposal(), headers={"Idempotency-Key": common})
    other = api.post(
        "/applications",
        "erika",
        json=proposal(title="Anders"),
        headers={"Idempotency-Key": common[:-1] + "X"},
    )
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.get_json()["case_id"] != other.get_json()["case_id"]


# --- finding 9: a DOCTYPE is refused in every encoding, on the intake path too -----------------


@pytest.mark.parametrize(
    ("name", "codec", "bom"),
    [
        ("UTF-16", "utf-16-le", codecs.BOM_UTF16_LE),
        ("UTF-16BE", "utf-16-be", b""),
        ("UTF-32", "utf-32-le", b""),
        ("UTF-32", "utf-32-be", b""),
    ],
    ids=["utf-16-le-bom", "utf-16-be", "utf-32-le", "utf-32-be"],
)
@pytest.mark.parametrize("path", [BUERGERBUDGET, "xbau"])
def test_a_submission_with_a_doctype_is_refused_in_every_encoding(
    api: Api, container: Container, name: str, codec: str, bom: bytes, path: str
) -> None:
    raw = XBAU_HOUSE.read_bytes() if path == "xbau" else example(BUERGERBUDGET)
    _, rest = raw.decode("utf-8").split("?>", 1)
    declaration = f'<?xml version="1.0" encoding="{name}"?>'
    body = bom + f'{declaration}<!DOCTYPE a [<!ENTITY x "y">]>{rest}'.encode(codec)
    assert problem_of(submit(api, body), 400)["code"] == "xml-forbidden-construct"
    assert stored_counts(container) == before_nothing(container)
    assert submit(api, bom + f"{declaration}{rest}".encode(codec)).status_code == 201


# --- what held: keep it so ----------------------------------------------------------------------


def test_an_xinclude_is_never_resolved(api: Api, container: Container, tmp_path: Path) -> None:
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIM-4711")
    include = (
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret}" parse="text"/>'
    )
    body = example(BUERGERBUDGET).replace(
        b"<titel>Sitzb\xc3\xa4nke im Paradiespark</titel>", f"<titel>{include}</titel>".encode(), 1
    )
    response = submit(api, body)
    assert problem_of(response, 400)["code"] == "fachdaten-invalid"
    assert "GEHEIM" not in response.get_data(as_text=True)
    assert stored_counts(container) == before_nothing(container)


def test_a_20_mb_attachment_with_a_wrong_hash_leaves_no_file_behind(
    api: Api, container: Container
) -> None:
    content = base64.b64encode(b"\x00" * (20 * 1024 * 1024)).decode()
    attachment = {"filename": "gross.bin", "media_type": "application/octet-stream"}
    body = message_with(attachment | {"content_base64": content})
    body = re.sub(rb"<xfall:sha512>[0-9a-f]+<", b"<xfall:sha512>" + b"0" * 128 + b"<", body)
    assert problem_of(submit(api, body), 400)["code"] == "attachment-hash-mismatch"
    assert stored_counts(container) == before_nothing(container)


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\boot.ini", "/etc/passwd"])
def test_a_path_in_an_xml_file_name_is_refused(api: Api, container: Container, name: str) -> None:
    body = example(BUERGERBUDGET).replace(b">skizze.png<", f">{name}<".encode(), 1)
    assert problem_of(submit(api, body), 400)["code"] in {
        "schema-invalid",
        "attachment-metadata-invalid",
    }
    assert stored_counts(container) == before_nothing(container)


def message_with(attachment: dict[str, str]) -> bytes:
    """A portal message built by the form path's serialiser, with one attachment."""
    content = base64.b64decode(attachment["content_base64"])
    return build_xfall_message(
        message_id=str(uuid.uuid4()),
        leika_key="urn:de:fim:leika:leistung:99107004000000",
        authority_ars="160530000000",
        applicant=Applicant("Erika", "Mustermann", None, "bundid", "substantial"),
        reply_postfach=None,
        fachdaten_namespace="urn:egov-oss:fachdaten:buergerbudget:1.0",
        data=proposal()["data"],
        attachments=[(attachment["filename"], attachment["media_type"], content)],
        created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize("text", ["Bank\x00am Markt", "Bank\x1bam Markt", "Bank\ud800"])
def test_a_form_text_that_xml_cannot_carry_is_refused_in_german_naming_the_field(
    api: Api, container: Container, text: str
) -> None:
    body = json.dumps(proposal(title=text))  # ASCII with \u escapes, a lone surrogate too
    response = api.post("/applications", "erika", data=body, content_type="application/json")
    status, code = refused_as(text)
    problem = problem_of(response, status)
    assert problem["code"] == code
    assert [p["name"] for p in problem["invalid_params"]] == ["data.title"]
    assert "XML compatible" not in response.get_data(as_text=True)
    assert stored_counts(container) == before_nothing(container)
