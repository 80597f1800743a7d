"""Statements (Stellungnahmen) on a participation: who may file them, on what, until when.

A participation is opened from the shipped 0401 sample with its period moved around today; the
Beteiligung process sets it `participation_open`. Logged-in citizens file at once; anonymous
statements only where EGOV_PARTICIPATION_ANONYMOUS allows them, counted after their e-mail link
is followed, and rate-limited per client address.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov.app import create_app
from egov.outbox.store import OutboxMessage, list_outbox_by_case
from tests.conftest import Api, make_settings
from tests.integration.test_beteiligung_intake import INITIIEREN, case, submit, with_period

INSIDE = {"type": "Point", "coordinates": [11.611, 50.885]}
OUTSIDE = {"type": "Point", "coordinates": [11.59, 50.93]}  # Jena-Zwätzen, not the plan
PDF = b"%PDF-1.4\n% Stellungnahme Anlage\n%%EOF\n"


def participation(api: Api, start: int = -7, end: int = 30) -> str:
    """A participation whose period runs from `start` to `end` days from today."""
    text = with_period(INITIIEREN.read_text(encoding="utf-8"), start, end)
    uuid = f"3f6c2a8e-1b4d-4e5f-9a7b-{abs(start):06d}{abs(end):06d}"
    text = text.replace("3f6c2a8e-1b4d-4e5f-9a7b-2c3d4e5f6a70", uuid)
    text = text.replace("VG-2026-0815", f"VG-{start}-{end}")
    response = submit(api, text.encode("utf-8"))
    assert response.status_code == 201, response.get_json()
    case_id: str = response.get_json()["case_id"]
    return case_id


def statement(api: Api, pid: str, user: str | None, **body: Any) -> Any:
    return api.post(f"/participations/{pid}/statements", user, json={"text": "Gut so.", **body})


def test_a_citizen_files_numbered_statements_on_a_variant_or_the_whole_plan(api: Api) -> None:
    pid = participation(api)
    attachment = {
        "filename": "foto-hang.pdf",
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(PDF).decode(),
    }

    first = statement(
        api, pid, "erika", variant_id="plan", location=INSIDE, attachments=[attachment]
    )
    second = statement(api, pid, "max", text="Mehr Radwege bitte.")

    assert first.status_code == 201, first.get_json()
    reference = case(api, pid)["reference"]
    assert first.get_json()["number"] == 1
    assert first.get_json()["receipt"] == f"{reference}-S0001"
    assert first.get_json()["status"] == "received"
    assert (second.status_code, second.get_json()["number"]) == (201, 2)
    documents = api.get(f"/cases/{pid}/documents", "admin").get_json()["items"]
    [stored] = [d for d in documents if d["kind"] == "statement-attachment"]
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert stored["sha512"] == hashlib.sha512(PDF).hexdigest()
    events = api.get(f"/cases/{pid}/events?limit=200", "admin").get_json()["items"]
    received = [e["after"]["number"] for e in events if e["action"] == "statement.received"]
    assert received == [1, 2]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"location": OUTSIDE}, "statement-location-outside", "location"),
        ({"location": {"type": "Point", "coordinates": [500, 1]}}, "statement-invalid", "location"),
        ({"variant_id": "variante-z"}, "statement-invalid", "variant_id"),
        ({"text": "  "}, "statement-invalid", "text"),
        (
            {"attachments": [{"filename": "a.exe", "media_type": "application/x-msdownload",
                              "content_base64": "TVo="}]},
            "statement-invalid",
            "attachments[0].media_type",
        ),
    ],
)  # fmt: skip
def test_a_statement_is_refused_naming_what_is_wrong(
    api: Api, body: dict[str, Any], code: str, field: str
) -> None:
    pid = participation(api)
    response = statement(api, pid, "erika", **body)
    assert response.status_code == 422
    assert response.get_json()["code"] == code
    assert [p["name"] for p in response.get_json()["invalid_params"]] == [field]


def test_after_the_period_closes_a_statement_is_refused_with_a_clear_422(api: Api) -> None:
    pid = participation(api, start=-30, end=-10)
    assert case(api, pid)["status"] == "participation_closed"

    response = statement(api, pid, "erika")

    assert response.status_code == 422
    assert response.get_json()["code"] == "participation-closed"
    assert "beendet" in response.get_json()["title"]


def test_before_the_period_opens_a_statement_is_refused(api: Api) -> None:
    pid = participation(api, start=10, end=40)
    response = statement(api, pid, "erika")
    assert (response.status_code, response.get_json()["code"]) == (422, "participation-not-open")


def test_only_citizens_file_and_anonymous_statements_need_the_procedure_to_allow_them(
    api: Api,
) -> None:
    pid = participation(api)
    assert statement(api, pid, "anna").status_code == 403
    anonymous = statement(api, pid, None, email="anna.nym@example.org")
    assert (anonymous.status_code, anonymous.get_json()["code"]) == (401, "token-missing")
    unknown = statement(api, "no-such-participation", "erika")
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "participation-not-found")


@pytest.fixture
def anonymous_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        participation_anonymous=True,
        smtp_url="smtp://127.0.0.1:9",
        smtp_from="beteiligung@jena.example",
        smtp_starttls=False,
        rate_limit_statements="3/hour",
    )
    app: Flask = create_app(settings)
    yield Api(app.test_client(), app.extensions["egov"])
    app.extensions["egov"].db.dispose()


def mails(api: Api, case_id: str) -> list[OutboxMessage]:
    with api.container.db.reading() as session:
        rows = [row for row in list_outbox_by_case(session, case_id) if row.kind == "email"]
        session.expunge_all()
        return rows


def test_an_anonymous_statement_counts_once_its_email_link_is_followed(anonymous_api: Api) -> None:
    api = anonymous_api
    pid = participation(api)

    filed = statement(api, pid, None, email="anna.nym@example.org", named=True)

    assert filed.status_code == 201, filed.get_json()
    assert (filed.get_json()["status"], filed.get_json()["confirmation_required"]) == (
        "unconfirmed",
        True,
    )
    [mail] = mails(api, pid)
    assert mail.payload["to"] == "anna.nym@example.org"
    link = re.search(r"http\S+/api/v1(/statement-confirmations/\S+)", mail.payload["text"])
    assert link is not None
    assert api.get(link.group(1)).status_code == 200  # the page (test_statement_confirmation)
    confirmed = api.post(link.group(1))
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    numbers = api.get(f"/participations/{pid}/statements", "ben").get_json()["items"]
    assert [s["status"] for s in numbers] == ["received"]


def test_anonymous_statements_are_rate_limited_per_client_address(anonymous_api: Api) -> None:
    api = anonymous_api
    pid = participation(api)
    answers = [statement(api, pid, None, email="x@example.org").status_code for _ in range(4)]
    assert answers == [201, 201, 201, 429]
