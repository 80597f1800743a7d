"""The citizen's data export (GDPR Art. 15, issue 16): one ZIP whose `index.json` names every
file with its SHA-256; it holds the citizen's cases, original submissions, documents, Postfach
letters, audit events, triage, the rounds they voted in (never for what), and nothing of
another citizen."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov.container import Container
from tests.builders import proposal
from tests.conftest import Api
from tests.integration.buergerbudget.vote_support import BALLOT, at, round_with_proposals
from tests.integration.test_data_export_background import pack
from tests.integration.test_participation_statements import participation, statement
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2030-02-01T10:00:00"))


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    app = clocked_app(database_url, tmp_path / "var", clock)
    yield api_of(app)
    app.extensions["egov"].db.dispose()


def export_of(api: Api, user: str) -> zipfile.ZipFile:
    response = api.get("/me/export", user)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def read_json(archive: zipfile.ZipFile, name: str) -> Any:
    return json.loads(archive.read(name))


def everything(archive: zipfile.ZipFile) -> bytes:
    return b"".join(archive.read(name) for name in archive.namelist())


@pytest.fixture
def two_citizens(api: Api, clock: FakeClock) -> dict[str, Any]:
    """erika files a proposal admitted to the vote of 2030 and votes for it; max files his own."""
    (erika_case,) = round_with_proposals(api, clock, count=1)
    idp = api.container.dev_idp
    assert idp is not None  # max gets erika's level, to file a proposal of his own
    idp.users = {**idp.users, "max": {**idp.users["max"], "acr": idp.users["erika"]["acr"]}}
    maxs = api.post(
        "/applications", "max", json=proposal(title="Sitzbank am Saaleufer Wenigenjena")
    )
    assert maxs.status_code == 201, maxs.get_json()
    maxs = maxs.get_json()
    at(clock, "2030-07-02T10:00:00")
    assert api.call("PUT", BALLOT, "erika", json={"proposals": [erika_case]}).status_code == 200
    return {"erika": erika_case, "max": maxs["case_id"], "max_reference": maxs["case_reference"]}


def test_the_index_names_every_file_with_its_sha256(api: Api, two_citizens: dict[str, Any]) -> None:
    archive = export_of(api, "erika")

    index = read_json(archive, "index.json")
    named = {entry["name"]: entry for entry in index["files"]}
    assert set(named) == set(archive.namelist()) - {"index.json"}
    for name, entry in named.items():
        content = archive.read(name)
        assert (entry["sha256"], entry["size"]) == (
            hashlib.sha256(content).hexdigest(),
            len(content),
        )
    assert index["subject"] == "dev:erika"


def test_the_export_holds_the_case_its_submission_letters_and_audit_trail(
    api: Api, two_citizens: dict[str, Any]
) -> None:
    archive = export_of(api, "erika")

    (case,) = read_json(archive, "cases.json")
    assert case["id"] == two_citizens["erika"] and case["applicant_name"]
    folder = f"cases/{case['reference']}"
    submissions = [n for n in archive.namelist() if n.startswith(f"{folder}/submissions/")]
    assert len(submissions) == 1 and b"Vorschlag 0" in archive.read(submissions[0])
    actions = [event["action"] for event in read_json(archive, f"{folder}/audit.json")]
    assert actions[:2] == ["case.opened", "submission.received"] and "task.completed" in actions
    documents = read_json(archive, f"{folder}/documents.json")
    for document in documents:
        assert f"{folder}/documents/{document['id']}-" in " ".join(archive.namelist())
    assert isinstance(read_json(archive, f"{folder}/postfach.json"), list)
    assert isinstance(read_json(archive, f"{folder}/triage.json"), list)
    settings = read_json(archive, "settings.json")
    assert settings["notification_email"][0]["case"] == case["reference"]


def test_a_vote_is_exported_as_voted_never_for_what(api: Api, two_citizens: dict[str, Any]) -> None:
    votes = archive_votes = read_json(export_of(api, "erika"), "votes.json")

    assert votes == [{"round": 2030, "voted": True}]
    assert two_citizens["erika"] not in json.dumps(archive_votes)
    assert read_json(export_of(api, "max"), "votes.json") == []


def test_nothing_of_another_citizen_is_in_the_export(
    api: Api, two_citizens: dict[str, Any]
) -> None:
    erikas = everything(export_of(api, "erika"))
    maxs = export_of(api, "max")

    assert two_citizens["max"].encode() not in erikas
    assert b"Saaleufer" not in erikas and two_citizens["max_reference"].encode() not in erikas
    (case,) = read_json(maxs, "cases.json")
    assert case["id"] == two_citizens["max"]
    assert two_citizens["erika"].encode() not in everything(maxs)


def test_only_a_citizen_exports(api: Api) -> None:
    assert api.get("/me/export").status_code == 401
    assert api.get("/me/export", "anna").status_code == 403


def test_my_statements_are_exported_and_nobody_elses(app: Flask, container: Container) -> None:
    today = Api(app.test_client(), container)  # the participation's period runs today
    pid = participation(today)
    assert statement(today, pid, "erika", text="Mehr Bäume am Hang.").status_code == 201
    assert statement(today, pid, "max", text="Mehr Radwege bitte.").status_code == 201

    (mine,) = read_json(export_of(today, "erika"), "statements.json")

    assert (mine["participation_case_id"], mine["text"]) == (pid, "Mehr Bäume am Hang.")
    assert b"Radwege" not in everything(export_of(today, "erika"))


def test_a_citizen_who_only_commented_gets_the_link_to_a_background_export(
    app: Flask, container: Container
) -> None:
    today = Api(app.test_client(), container)
    pid = participation(today)
    assert statement(today, pid, "erika", text="Mehr Bäume am Hang.").status_code == 201
    export_id = today.post("/me/exports", "erika").get_json()["id"]

    pack(today)

    link = f"/api/v1/me/exports/{export_id}/download"
    letters = today.get("/me/messages", "erika").get_json()["items"]
    assert [m["subject"] for m in letters if link in m["body"]] == [
        "Ihre Datenauskunft liegt bereit"
    ]
    others = today.get("/me/messages", "max").get_json()["items"]
    assert not [m for m in others if link in m["body"]]  # only to the one who asked


def test_my_unsent_drafts_are_exported_with_their_files_and_nobody_elses(api: Api) -> None:
    api.container.drafts.save("dev:erika", "buergerbudget", {"title": "Bank am Teich"})
    api.container.drafts.attach(
        "dev:erika", "buergerbudget", "skizze.pdf", "application/pdf", b"%PDF-1.4 Skizze"
    )
    api.container.drafts.save("dev:max", "buergerbudget", {"title": "Radweg am Fluss"})
    archive = export_of(api, "erika")

    (draft,) = read_json(archive, "drafts.json")

    assert (draft["procedure"], draft["values"]) == ("buergerbudget", {"title": "Bank am Teich"})
    (attached,) = draft["files"]
    assert archive.read(attached["file"]) == b"%PDF-1.4 Skizze"
    assert b"Radweg" not in everything(archive)
