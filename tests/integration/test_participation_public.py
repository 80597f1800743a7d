"""The public read API of participations: no login, no personal data, ETag, CORS.

Statements are filed by demo citizens and an anonymous author with a distinctive address; every
public answer (the list, the detail, before and after the weighing report is published) is then
searched for anything that names them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from egov.app import create_app
from tests.conftest import Api, make_settings
from tests.integration.test_participation_statements import INSIDE, participation, statement
from tests.integration.test_participation_weighing import close_by_update

PORTAL = "https://masterportal.jena.example"
ANONYMOUS = "quirina.zwetschgenbaum@example.org"
PERSONAL = (
    "Mustermann",  # erika and max, neither named
    "example.org",  # every author's address
    "dev:erika",
    "dev:max",  # subjects
    "postfach:",  # Postfach references
    "zwetschgenbaum",
)


@pytest.fixture
def public_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        participation_anonymous=True,
        smtp_url="smtp://127.0.0.1:9",
        smtp_from="beteiligung@jena.example",
        smtp_starttls=False,
        cors_origins=PORTAL,
    )
    app: Flask = create_app(settings)
    yield Api(app.test_client(), app.extensions["egov"])
    app.extensions["egov"].db.dispose()


def public_answers(api: Api, pid: str) -> list[str]:
    answers = []
    for path in ("/public/participations", f"/public/participations/{pid}"):
        response = api.get(path)
        assert response.status_code == 200, response.get_json()
        answers.append(response.get_data(as_text=True))
    return answers


def test_no_public_answer_names_an_author_who_did_not_choose_to_be_named(public_api: Api) -> None:
    api = public_api
    pid = participation(api)
    assert statement(api, pid, "erika", text="Bäume erhalten.", location=INSIDE).status_code == 201
    assert statement(api, pid, "max", text="Mehr Radwege.").status_code == 201
    anonymous = statement(api, pid, None, text="Spielplatz fehlt.", email=ANONYMOUS)
    assert anonymous.status_code == 201
    listed = api.get(f"/participations/{pid}/statements", "ben").get_json()["items"]
    api.post(f"/participations/{pid}/statements/{listed[1]['id']}/hide", "ben",
             json={"reason": "Werbung"})  # fmt: skip
    before = public_answers(api, pid)
    close_by_update(api, pid)
    body = {
        "statement_ids": [s["id"] for s in listed],
        "decision": "noted",
        "reasoning": "Zur Kenntnis genommen.",
        "topic": "Allgemein",
    }
    assert api.post(f"/participations/{pid}/weighing", "ben", json=body).status_code == 200
    assert api.post(f"/participations/{pid}/weighing-report", "ben").status_code == 201
    after = public_answers(api, pid)

    for answer in before + after:
        assert [p for p in PERSONAL if p.lower() in answer.lower()] == []
    detail = json.loads(after[1])
    assert [s["text"] for s in detail["statements"]] == [
        "Bäume erhalten.",
        "Ausgeblendet durch die Moderation: Werbung",
    ]  # the anonymous one never confirmed its e-mail: it does not count
    assert detail["statements"][0]["location"] == INSIDE
    assert [r["ergebnis"] for r in detail["weighing_report"]["rows"]] == [
        "zur Kenntnis genommen"
    ] * 2


def test_a_named_author_is_shown_by_name(public_api: Api) -> None:
    pid = participation(public_api)
    assert statement(public_api, pid, "erika", text="Gut.", named=True).status_code == 201
    detail = public_api.get(f"/public/participations/{pid}").get_json()
    assert detail["statements"][0]["author"] == "Erika Mustermann"


def test_public_answers_carry_an_etag_and_cors_for_the_configured_origin(public_api: Api) -> None:
    pid = participation(public_api)
    first = public_api.get(f"/public/participations/{pid}", headers={"Origin": PORTAL})

    assert first.status_code == 200
    assert first.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "ETag" in first.headers["Access-Control-Expose-Headers"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    summary = first.get_json()
    assert summary["crs"] == "EPSG:4326"
    assert summary["variants"][0]["geometry"]["type"] == "Polygon"
    assert summary["documents"][1]["link"] == "https://planung.jena.example/bp47/begruendung.pdf"
    again = public_api.get(
        f"/public/participations/{pid}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert (again.status_code, again.get_data()) == (304, b"")
    other = public_api.get("/public/participations", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert public_api.get("/public/participations/unknown").status_code == 404
