"""Open data (ADR 0033): the DCAT-AP.de catalogue and every distribution it points at, public,
with ETag and CORS, and without personal data.

A proposal is filed with a distinctive fictional name, e-mail address, Postfach and street
address; another is admitted to the vote; a participation gets a named statement, one the
moderation hides and an anonymous one never confirmed. Every open-data answer (catalogue, each
CSV and JSON) and every file of `egov open-data export` is searched for anything that names them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from egov.app import create_app
from egov.cli import common, main
from egov.opendata.sources import public_id
from tests.builders import example, proposal
from tests.conftest import Api, make_settings
from tests.integration.test_beteiligung_intake import submit
from tests.integration.test_participation_statements import participation, statement
from tests.integration.test_participation_weighing import close_by_update

PORTAL = "https://stadtdaten.jena.example"
BASE = "http://127.0.0.1:8000/api/v1"
PERSONAL = (
    "Quirinus",
    "Zwetschgenbaum",  # the proposer's name, and a name in a hidden statement
    "example.org",  # every e-mail address
    "Quittenweg",  # a street address in unpublished text
    "03641 98765",  # a phone number in the same
    "postfach:",
    "Mustermann",  # erika, who filed and was named in the participation's public API
    "dev:erika",
    "dev:max",
)
FEASIBLE = {"feasible": True, "cost_estimate_eur": 3600, "feasibility_note": "Standort geeignet."}


@pytest.fixture
def open_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        participation_anonymous=True,
        smtp_url="smtp://127.0.0.1:9",
        smtp_from="beteiligung@jena.example",
        smtp_starttls=False,
        cors_origins=PORTAL,
        open_data_contributor_id="http://dcat-ap.de/def/contributors/stadtJena",
    )
    app: Flask = create_app(settings)
    yield Api(app.test_client(), app.extensions["egov"])
    app.extensions["egov"].db.dispose()


def personal_proposal(api: Api) -> str:
    text = example("buergerbudget-ueber-kostengrenze.xml").decode("utf-8")
    text = text.replace(
        "0d7e1b7c-3f0a-4b8e-a1d2-5c6b7a8f9e01", "0d7e1b7c-3f0a-4b8e-a1d2-0a0d0a7a0001"
    )
    text = text.replace(
        "<xfall:vorname>Max</xfall:vorname>", "<xfall:vorname>Quirinus</xfall:vorname>"
    )
    text = text.replace(
        "<xfall:familienname>Mustermann</xfall:familienname>",
        "<xfall:familienname>Zwetschgenbaum</xfall:familienname>"
        "<xfall:email>quirinus.zwetschgenbaum@example.org</xfall:email>",
    )
    text = text.replace(
        "</xfall:antragsteller>",
        "</xfall:antragsteller><xfall:antwortkanal>"
        "<xfall:postfach>postfach:quirinus-zwetschgenbaum</xfall:postfach></xfall:antwortkanal>",
    )
    text = text.replace(
        "Erneuerung des Bolzplatzes mit Kunstrasen.",
        "Ich wohne im Quittenweg 17, bitte rufen Sie an: 03641 98765.",
    )
    response = submit(api, text.encode("utf-8"))
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def only_task(api: Api, case_id: str) -> str:
    [task] = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    return str(task["id"])


def admitted_proposal(api: Api) -> str:
    filed = api.post("/applications", "erika", json=proposal())
    assert filed.status_code == 201, filed.get_json()
    case_id = str(filed.get_json()["case_id"])
    for user, data in (("anna", {"formal_decision": "admissible"}), ("ben", FEASIBLE)):
        done = api.post(f"/tasks/{only_task(api, case_id)}/complete", user, json={"data": data})
        assert done.status_code == 200, done.get_json()
    assert api.get(f"/cases/{case_id}", "admin").get_json()["status"] == "admitted_to_vote"
    return case_id


def weighed_participation(api: Api) -> str:
    pid = participation(api)
    bodies: list[tuple[str | None, dict[str, Any]]] = [
        ("erika", {"text": "Bäume erhalten.", "named": True}),
        ("max", {"text": "Herr Zwetschgenbaum parkt immer im Quittenweg."}),
        (None, {"text": "Quittenweg 17 fehlt im Plan.", "email": "quirina@example.org"}),
    ]
    for user, body in bodies:
        assert statement(api, pid, user, **body).status_code == 201
    listed = api.get(f"/participations/{pid}/statements", "ben").get_json()["items"]
    hide = {"reason": "Nennt Dritte"}
    assert api.post(f"/participations/{pid}/statements/{listed[1]['id']}/hide", "ben", json=hide)
    close_by_update(api, pid)
    body = {
        "statement_ids": [s["id"] for s in listed if s["status"] == "received"],
        "decision": "accepted",
        "reasoning": "Die Bäume bleiben.",
        "topic": "Grün",
    }
    assert api.post(f"/participations/{pid}/weighing", "ben", json=body).status_code == 200
    assert api.post(f"/participations/{pid}/weighing-report", "ben").status_code == 201
    return pid


def distribution_paths(catalogue: dict[str, Any]) -> list[str]:
    return [
        d["dcat:downloadURL"]["@id"].removeprefix(BASE)
        for dataset in catalogue["dcat:dataset"]
        for d in dataset["dcat:distribution"]
    ]


def answers(api: Api) -> dict[str, bytes]:
    found = {}
    response = api.get("/open-data", headers={"Origin": PORTAL})
    assert response.status_code == 200
    found["/open-data"] = response.get_data()
    for path in distribution_paths(json.loads(response.get_data())):
        download = api.get(path)
        assert download.status_code == 200, path
        found[path] = download.get_data()
    return found


def leaks(texts: dict[str, bytes]) -> list[tuple[str, str]]:
    return [
        (name, word)
        for name, body in texts.items()
        for word in PERSONAL
        if word.lower() in body.decode("utf-8").lower()
    ]


@pytest.fixture
def filed(open_api: Api) -> dict[str, str]:
    return {
        "personal": personal_proposal(open_api),
        "admitted": admitted_proposal(open_api),
        "participation": weighed_participation(open_api),
    }


def test_no_open_data_answer_names_a_person(open_api: Api, filed: dict[str, str]) -> None:
    found = answers(open_api)
    assert len(found) == 11  # the catalogue, five datasets as CSV and JSON
    page = open_api.get("/public/buergerbudget/rounds/2026")  # the round of the proposals
    found["/public/buergerbudget/rounds/2026"] = page.get_data()

    assert leaks(found) == []
    rows = json.loads(found["/open-data/datasets/buergerbudget-vorschlaege.json"])["zeilen"]
    by_id = {row["id"]: row for row in rows}
    admitted, personal = (by_id[public_id(filed[k])] for k in ("admitted", "personal"))
    assert (
        filed["admitted"] not in found["/open-data/datasets/buergerbudget-vorschlaege.csv"].decode()
    )
    assert (admitted["titel"], admitted["kategorie"], admitted["machbar"]) == (
        "Fahrradbügel am Holzmarkt",
        "verkehr",
        True,
    )
    assert admitted["formale_entscheidung"] == "admissible"
    assert (personal["titel"], personal["beschreibung"], personal["ort"]) == (None, None, None)
    assert personal["geschaetzte_kosten_eur"] == 4800.0
    statements = json.loads(found["/open-data/datasets/beteiligung-stellungnahmen.json"])
    assert [(s["text"], s["ergebnis"], s["thema"]) for s in statements["zeilen"]] == [
        ("Bäume erhalten.", "berücksichtigt", "Grün")
    ]  # the hidden one is left out, the anonymous one never counted
    procedures = json.loads(found["/open-data/datasets/beteiligungsverfahren.json"])["zeilen"]
    assert {row["verfahren_id"] for row in procedures} == {filed["participation"]}
    assert procedures[0]["variante_geometrie"]["type"] == "Polygon"


def test_the_export_writes_the_same_catalogue_and_distributions(
    open_api: Api, filed: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "settings", lambda: open_api.container.settings)
    folder = tmp_path / "export"
    result = CliRunner().invoke(main, ["open-data", "export", str(folder)])

    assert result.exit_code == 0, result.output
    assert "11 Dateien" in result.stdout
    assert "Offene Daten" in result.stderr  # the progress bar
    written = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*.*")}
    assert leaks(written) == []
    served = answers(open_api)
    assert written["catalogue.jsonld"] == served["/open-data"]
    for path, body in served.items():
        if path != "/open-data":
            assert written[path.removeprefix("/open-data/")] == body


def test_an_export_into_a_file_fails_in_one_line(
    open_api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "settings", lambda: open_api.container.settings)
    (tmp_path / "taken").write_text("kein Ordner")
    result = CliRunner().invoke(main, ["open-data", "export", str(tmp_path / "taken" / "x")])

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("Fehler [open-data-export-failed]: ")


def test_the_catalogue_is_dcat_ap_de_with_sizes_etag_and_cors(open_api: Api) -> None:
    first = open_api.get("/open-data", headers={"Origin": PORTAL})

    assert first.status_code == 200
    assert first.mimetype == "application/ld+json"
    assert first.headers["Access-Control-Allow-Origin"] == PORTAL
    catalogue = first.get_json(force=True)
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["@context"]["dcatde"] == "http://dcat-ap.de/def/dcatde/"
    assert catalogue["dct:publisher"]["foaf:name"]["@value"] == "Stadt Jena"
    datasets = {d["dct:identifier"]: d for d in catalogue["dcat:dataset"]}
    assert set(datasets) == {
        "buergerbudget-vorschlaege",
        "buergerbudget-runden",
        "beteiligungsverfahren",
        "beteiligung-stellungnahmen",
        "vorgangsstatistik",
    }
    statistics = datasets["vorgangsstatistik"]
    assert statistics["dcatde:contributorID"] == {
        "@id": "http://dcat-ap.de/def/contributors/stadtJena"
    }
    assert statistics["dcatde:politicalGeocodingURI"]["@id"].endswith("municipalityKey/16053000")
    assert statistics["dct:accrualPeriodicity"]["@id"].endswith("/frequency/MONTHLY")
    assert "dct:temporal" not in statistics  # no case yet
    csv, as_json = statistics["dcat:distribution"]
    assert csv["dct:license"]["@id"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    assert csv["dcat:mediaType"]["@id"] == "https://www.iana.org/assignments/media-types/text/csv"
    body = open_api.get(csv["dcat:downloadURL"]["@id"].removeprefix(BASE)).get_data()
    assert int(csv["dcat:byteSize"]["@value"]) == len(body)
    assert body.decode() == (
        "verfahren,verfahren_name,monat,eingegangen,entschieden,"
        "bearbeitungsdauer_median_arbeitstage,bearbeitungsdauer_p90_arbeitstage,"
        "anteil_fristgerecht\r\n"
    )
    assert as_json["dct:format"]["@id"].endswith("/file-type/JSON")
    again = open_api.get("/open-data", headers={"If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.get_data()) == (304, b"")


def test_the_statistics_count_the_filed_cases_and_hide_small_counts(
    open_api: Api, filed: dict[str, str]
) -> None:
    catalogue = open_api.get("/open-data").get_json(force=True)
    body = open_api.get("/open-data/datasets/vorgangsstatistik.json").get_json()
    rows = {(r["verfahren"], r["monat"]): r for r in body["zeilen"]}
    [(_, month)] = [k for k in rows if k[0] == "buergerbudget"]
    proposals, participations = rows[("buergerbudget", month)], rows[("beteiligung", month)]
    # 2 received, none decided: the admitted proposal's case waits for the vote
    assert proposals["geheimgehalten"] == ["eingegangen"]
    assert proposals["entschieden"] == 0
    assert (participations["eingegangen"], participations["entschieden"]) == (None, 0)
    assert rows[("alle", month)]["geheimgehalten"] == ["eingegangen"]  # 3 received
    temporal = {d["dct:identifier"]: d.get("dct:temporal") for d in catalogue["dcat:dataset"]}
    assert temporal["vorgangsstatistik"]["dcat:startDate"]["@value"] == f"{month}-01"


def test_an_unknown_dataset_is_a_problem(open_api: Api) -> None:
    response = open_api.get("/open-data/datasets/einwohner.csv")
    assert (response.status_code, response.get_json()["code"]) == (404, "open-data-not-found")


def test_a_statement_hidden_by_the_moderation_is_gone_at_the_next_request(open_api: Api) -> None:
    pid = participation(open_api)
    assert statement(open_api, pid, "max", text="Mehr Radwege.").status_code == 201
    path = "/open-data/datasets/beteiligung-stellungnahmen.csv"
    first = open_api.get(path)
    assert "Mehr Radwege." in first.get_data(as_text=True)

    [listed] = open_api.get(f"/participations/{pid}/statements", "ben").get_json()["items"]
    hide = {"reason": "Werbung"}
    assert (
        open_api.post(
            f"/participations/{pid}/statements/{listed['id']}/hide", "ben", json=hide
        ).status_code
        == 200
    )
    again = open_api.get(path, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 200  # a new ETag: the cached copy is stale
    assert again.get_data(as_text=True).splitlines()[1:] == []
