"""The data export of a large account, packed in the background (GDPR Art. 15, ADR 0041):
too large for a request, it is asked for with `POST /me/exports`; the worker packs it and a
letter in the Postfach links the download; only the owner downloads it, until its lifetime is
over, then the sweep deletes it and the link answers 410."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from egov.app import create_app
from egov.outbox.store import OutboxMessage
from egov.rights.exports import KIND
from egov.rights.store import DataExport
from tests.conftest import Api, make_settings
from tests.integration.test_timers_support import FakeClock, api_of
from tests.integration.test_walkthrough import file_proposal


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 9, 0))


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url), export_sync_max_bytes=100
    )  # every account with a case is "large"
    app = create_app(settings, clock=clock)
    yield api_of(app)
    app.extensions["egov"].db.dispose()


def pack(api: Api) -> None:
    """The worker: every due outbox row of the export's kind."""
    outbox = api.container.outbox
    with api.container.db.reading() as session:
        query = select(OutboxMessage.id).where(OutboxMessage.kind == KIND)
        ids = list(session.scalars(query.where(OutboxMessage.status == "pending")))
    for outbox_id in ids:
        outbox.deliver(outbox_id)


def test_a_large_account_asks_for_its_export_and_gets_the_link_in_the_postfach(
    api: Api,
) -> None:
    case = file_proposal(api, title="Sitzbank am Teich")
    direct = api.get("/me/export", "erika")
    assert (direct.status_code, direct.get_json()["code"]) == (409, "export-asynchronous")

    asked = api.post("/me/exports", "erika")

    assert asked.status_code == 202, asked.get_json()
    export = asked.get_json()
    assert (export["status"], export["download"]) == ("pending", None)
    assert api.post("/me/exports", "erika").get_json()["id"] == export["id"]  # asked again
    early = api.get(f"/me/exports/{export['id']}/download", "erika")
    assert (early.status_code, early.get_json()["code"]) == (409, "export-not-ready")

    pack(api)

    ready = api.get(f"/me/exports/{export['id']}", "erika").get_json()
    assert ready["status"] == "ready" and ready["expires_at"].startswith("2026-12-14")
    link = f"/api/v1/me/exports/{export['id']}/download"
    assert ready["download"] == link
    letters = api.get("/me/messages", "erika").get_json()["items"]
    assert any(
        link in m["body"] for m in letters if m["subject"] == "Ihre Datenauskunft liegt bereit"
    )
    download = api.get(f"/me/exports/{export['id']}/download", "erika")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.get_data()))
    index = json.loads(archive.read("index.json"))
    assert index["subject"] == "dev:erika"
    assert case["case_id"] in archive.read("cases.json").decode()


def test_another_citizen_gets_neither_the_state_nor_the_download(api: Api) -> None:
    file_proposal(api)
    export_id = api.post("/me/exports", "erika").get_json()["id"]
    pack(api)

    for path in (f"/me/exports/{export_id}", f"/me/exports/{export_id}/download"):
        refused = api.get(path, "max")
        assert (refused.status_code, refused.get_json()["code"]) == (404, "export-not-found")


def test_after_its_lifetime_the_export_is_deleted_and_the_link_answers_410(
    api: Api, clock: FakeClock
) -> None:
    file_proposal(api)
    export_id = api.post("/me/exports", "erika").get_json()["id"]
    pack(api)
    with api.container.db.reading() as session:
        row = session.get(DataExport, export_id)
        assert row is not None and row.storage_key is not None
        key = row.storage_key
    assert api.container.files.exists(key)

    clock.advance(days=8)
    assert api.container.exports.expire_due() == 1

    gone = api.get(f"/me/exports/{export_id}/download", "erika")
    assert (gone.status_code, gone.get_json()["code"]) == (410, "export-expired")
    assert api.get(f"/me/exports/{export_id}", "erika").get_json()["status"] == "expired"
    assert not api.container.files.exists(key)


def test_a_small_account_gets_its_export_directly(api: Api) -> None:
    direct = api.get("/me/export", "max")  # no case: nothing stored

    assert direct.status_code == 200
    assert "index.json" in zipfile.ZipFile(io.BytesIO(direct.get_data())).namelist()
