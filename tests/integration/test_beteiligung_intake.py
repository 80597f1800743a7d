"""XBeteiligung 1.2 from a planning system: a 0401 opens a participation, a 0402 updates it.

Both arrive at `POST /submissions` from a client allowed for `beteiligung`. The 0401 opens a case
of the Fachdienst Stadtplanung known by its plan id and Vorgangs-ID, and starts the Beteiligung
process; a 0402 naming those identifiers is kept as an inbound message and correlated to the
waiting process, which applies it (audited) and moves the period's timers; a 0402 naming no
known participation is kept with an incident that an admin retries once the 0401 is there.
The shipped samples' period is moved around today so that it is running whenever the test runs.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import select

from egov.app import create_app
from egov.intake.formats import compiled_schema
from egov.outbox.store import OutboxMessage
from tests.conftest import ROOT, Api, make_settings

EXAMPLES = ROOT / "schemas" / "xbeteiligung" / "examples"
UPSTREAM = ROOT / "schemas" / "xbeteiligung" / "upstream-samples"
INITIIEREN = EXAMPLES / "valid" / "initiieren-mit-zeitraum-und-unterlagen.xml"
AKTUALISIEREN = EXAMPLES / "valid" / "aktualisieren-zeitraum-verlaengert.xml"
INVALID = sorted((EXAMPLES / "invalid").glob("*.xml"))
EXPECTED = re.compile(r"<!-- erwarteter Fehlercode: ([a-z0-9-]+) -->")


def with_period(text: str, start: int, end: int) -> str:
    """The message with its period from `start` to `end` days from today."""
    first, last = date.today() + timedelta(days=start), date.today() + timedelta(days=end)
    text = re.sub(r"<xbeteiligung:beginn>[^<]*<", f"<xbeteiligung:beginn>{first}<", text)
    return re.sub(r"<xbeteiligung:ende>[^<]*<", f"<xbeteiligung:ende>{last}<", text)


def around_today(path: Path, end_in_days: int = 30) -> bytes:
    """The sample with its period from a week ago until `end_in_days` from today."""
    return with_period(path.read_text(encoding="utf-8"), -7, end_in_days).encode("utf-8")


def submit(api: Api, body: bytes) -> Any:
    return api.post(
        "/submissions", "portal", data=body, headers={"Content-Type": "application/xml"}
    )


def case(api: Api, case_id: str) -> Any:
    return api.get(f"/cases/{case_id}", "admin").get_json()


def actions(api: Api, case_id: str) -> list[dict[str, Any]]:
    return api.get(f"/cases/{case_id}/events?limit=200", "admin").get_json()["items"]


def test_a_0401_opens_a_participation_of_the_fachdienst_stadtplanung_with_its_period(
    api: Api,
) -> None:
    response = submit(api, around_today(INITIIEREN))

    assert response.status_code == 201, response.get_json()
    opened = case(api, response.get_json()["case_id"])
    assert (opened["procedure"], opened["org_unit"]) == ("beteiligung", "fachdienst-stadtplanung")
    assert opened["title"] == "Bebauungsplan Nr. 47 - Wohnen am Lobdeburgweg"
    assert opened["status"] == "participation_open"
    data = opened["data"]
    assert (data["plan_id"], data["vorgangs_id"]) == ("BP-47-Lobeda", "VG-2026-0815")
    assert data["description"].startswith("Neue Wohnbebauung mit bis zu 120 Wohnungen")
    assert data["period_end"] == str(date.today() + timedelta(days=30))
    assert [d["dokument_id"] or d["uri"] for d in data["documents"]] == [
        "DOK-47-001",
        "https://planung.jena.example/bp47/begruendung.pdf",
    ]
    [variant] = data["variants"]
    assert variant["geometry"]["type"] == "Polygon"


@pytest.mark.parametrize("path", sorted((EXAMPLES / "valid").glob("*.xml")), ids=lambda p: p.name)
def test_every_valid_sample_is_accepted_as_shipped(api: Api, path: Path) -> None:
    response = submit(api, path.read_bytes())
    expected = 202 if path.name.startswith(("aktualisieren", "information")) else 201
    assert response.status_code == expected, response.get_json()


def test_a_0401_without_a_period_waits_announced_and_a_second_0401_of_the_plan_is_refused(
    api: Api,
) -> None:
    body = (EXAMPLES / "valid" / "initiieren-ohne-zeitraum.xml").read_bytes()
    first = submit(api, body)
    assert first.status_code == 201, first.get_json()
    assert case(api, first.get_json()["case_id"])["status"] == "announced"

    again = body.replace(
        b"7a1e5b3c-9d2f-4c6a-8b0e-1f2a3b4c5d6e", b"8b2f6c4d-0e3a-4d7b-9c1f-2a3b4c5d6e7f"
    )
    answer = submit(api, again)
    assert answer.status_code == 409
    assert answer.get_json()["code"] == "case-key-taken"


def test_a_0402_is_correlated_by_plan_and_vorgang_and_its_changes_are_audited(api: Api) -> None:
    case_id = submit(api, around_today(INITIIEREN)).get_json()["case_id"]

    response = submit(api, around_today(AKTUALISIEREN, end_in_days=60))

    assert response.status_code == 202, response.get_json()
    assert response.get_json()["correlated"] is True
    data = case(api, case_id)["data"]
    assert data["period_end"] == str(date.today() + timedelta(days=60))
    assert data["description"].startswith("Neue Wohnbebauung mit bis zu 100 Wohnungen")
    assert [d["dateiname"] for d in data["documents"] if d["dateiname"]] == [
        "bp47-planzeichnung.pdf",
        "bp47-artenschutz.pdf",
    ]
    [updated] = [e for e in actions(api, case_id) if e["action"] == "participation.updated"]
    assert set(updated["after"]["changes"]) == {
        "description",
        "documents",
        "oeffentlichkeit",
        "period_end",
        "variants",  # the plan's one variant carries its description
    }
    assert updated["after"]["changes"]["period_end"]["before"] == str(
        date.today() + timedelta(days=30)
    )
    again = submit(api, around_today(AKTUALISIEREN, end_in_days=60))
    assert (again.status_code, again.get_json()) == (202, response.get_json())


def test_a_0402_for_an_unknown_participation_is_kept_as_an_incident_and_retried_later(
    api: Api,
) -> None:
    update = submit(api, around_today(AKTUALISIEREN, end_in_days=60))
    assert update.status_code == 202, update.get_json()
    assert update.get_json()["correlated"] is False
    [incident] = api.get("/incidents", "admin").get_json()["items"]
    assert (incident["kind"], incident["code"]) == ("correlation", "correlation-case-unknown")

    case_id = submit(api, around_today(INITIIEREN)).get_json()["case_id"]
    retried = api.post(f"/incidents/{incident['id']}/retry", "admin")

    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["status"] == "resolved"
    assert case(api, case_id)["data"]["period_end"] == str(date.today() + timedelta(days=60))


def test_the_xfall_example_carrying_a_0401_opens_a_participation_too(api: Api) -> None:
    path = ROOT / "schemas" / "xfall" / "examples" / "valid" / "beteiligung-initiierung.xml"
    response = submit(api, path.read_bytes())
    assert response.status_code == 201, response.get_json()
    opened = case(api, response.get_json()["case_id"])
    assert (opened["procedure"], opened["data"]["plan_id"]) == ("beteiligung", "BP-52-Zwaetzen")


def test_the_cockpit_0402_whose_header_says_0401_is_taken_as_the_0402_it_is(api: Api) -> None:
    response = submit(api, (UPSTREAM / "example402FromCockpit.xml").read_bytes())
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["correlated"] is False


def test_the_upstream_0401_opens_a_participation_that_waits_for_its_period(api: Api) -> None:
    path = UPSTREAM / "xbeteiligung-test-kommunal.Initiieren.0401.xml"
    response = submit(api, path.read_bytes())
    assert response.status_code == 201, response.get_json()
    opened = case(api, response.get_json()["case_id"])
    assert opened["status"] == "announced"
    assert opened["data"]["plan_id"] == "ID_0f8d6117-043f-4b83-941b-e219390e7c68"


def test_a_0402_with_an_empty_vorgangs_id_is_refused_naming_it(api: Api) -> None:
    response = submit(
        api, (EXAMPLES / "invalid" / "aktualisieren-leere-vorgangsid.xml").read_bytes()
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "identifiers-missing"
    assert [p["name"] for p in problem["invalid_params"]] == ["/nachrichteninhalt/vorgangsID"]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_sample_is_refused_with_its_code(api: Api, path: Path) -> None:
    expected = EXPECTED.search(path.read_text(encoding="utf-8"))
    assert expected is not None
    response = submit(api, path.read_bytes())
    problem = response.get_json()
    assert problem["code"] == expected.group(1)
    if problem["code"] == "schema-invalid":
        assert all(p["line"] for p in problem["invalid_params"])
        assert problem["invalid_params"][0]["name"].startswith("/xbeteiligung:kommunal.")


@pytest.fixture
def answering_api(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    """The planning system's endpoint is configured (it does not answer: nothing listens)."""
    config = tmp_path / "fachverfahren.json"
    endpoint = {"url": "http://127.0.0.1:9/xbeteiligung", "secret_env": "EGOV_TEST_PLANUNG"}
    config.write_text(json.dumps({"beteiligung": endpoint}), encoding="utf-8")
    monkeypatch.setenv("EGOV_TEST_PLANUNG", "planung-secret-0123456789abcdef")
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url), fachverfahren_config=str(config)
    )
    app: Flask = create_app(settings)
    yield Api(app.test_client(), app.extensions["egov"])
    app.extensions["egov"].db.dispose()


def answers(api: Api, case_id: str | None) -> list[etree._Element]:
    """The XBeteiligung answers in the outbox, of the case or (None) of no case, XSD-checked."""
    with api.container.db.reading() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.case_id.is_(None) if case_id is None else OutboxMessage.case_id == case_id
        )
        rows = session.scalars(query.order_by(OutboxMessage.created_at, OutboxMessage.id))
        xml = [r.payload["xml"] for r in rows if r.payload.get("procedure") == "beteiligung"]
    schema = compiled_schema(ROOT / "schemas" / "xbeteiligung" / "xsd" / "xbeteiligung.xsd")
    trees = [etree.fromstring(text.encode("utf-8")) for text in xml]
    assert all(schema.problems(tree) == [] for tree in trees)
    return trees


def test_the_planning_system_is_answered_once_per_message_with_0411_and_0412(
    answering_api: Api,
) -> None:
    api = answering_api
    case_id = submit(api, around_today(INITIIEREN)).get_json()["case_id"]
    update = around_today(AKTUALISIEREN, end_in_days=60)
    assert submit(api, update).get_json()["correlated"] is True
    assert submit(api, update).status_code == 202  # the re-send is answered, not applied again

    sent = answers(api, case_id)

    names = [etree.QName(tree).localname for tree in sent]
    assert names == ["kommunal.Initiieren.OK.0411", "kommunal.Aktualisieren.OK.0412"]
    ns = {"x": "https://www.xleitstelle.de/xbeteiligung/12"}
    for tree in sent:
        assert tree.findtext("x:nachrichteninhalt/x:vorgangsID", namespaces=ns) == "VG-2026-0815"
        assert tree.findtext("x:nachrichteninhalt/x:beteiligungsID", namespaces=ns) == "OEFF-47-1"
        reader = tree.findtext(".//{http://xoev.de/schemata/basisnachricht/behoerde/1_1}kennung")
        assert reader == "planung:jena-demo"


def test_without_an_endpoint_for_beteiligung_nothing_is_sent_back(api: Api) -> None:
    case_id = submit(api, around_today(INITIIEREN)).get_json()["case_id"]
    assert answers(api, case_id) == []


VALID = EXAMPLES / "valid"
NS = {"x": "https://www.xleitstelle.de/xbeteiligung/12"}


def names(trees: list[etree._Element]) -> list[str]:
    return [etree.QName(tree).localname for tree in trees]


def test_information_of_the_planning_system_goes_into_the_audit_trail_and_changes_nothing(
    api: Api,
) -> None:
    case_id = submit(api, around_today(INITIIEREN)).get_json()["case_id"]
    before = case(api, case_id)["data"]

    told = submit(api, (VALID / "information-aktualisiert.xml").read_bytes())
    deleted = submit(api, (VALID / "information-geloescht.xml").read_bytes())

    assert (told.status_code, told.get_json()["correlated"]) == (202, True)
    assert (deleted.status_code, deleted.get_json()["correlated"]) == (202, True)
    assert case(api, case_id)["data"] == before
    recorded = [
        e for e in actions(api, case_id) if e["action"] == "participation.information_received"
    ]
    assert [e["after"]["nachricht"] for e in recorded] == [
        "kommunal.Information.Aktualisiert.0452",
        "kommunal.Information.Geloescht.0459",
    ]
    assert recorded[0]["after"]["period_end"] == "2027-02-26"
    assert api.get("/incidents", "admin").get_json()["items"] == []


def test_information_before_its_participation_is_kept_as_an_incident_and_recorded_on_retry(
    api: Api,
) -> None:
    told = submit(api, (VALID / "information-initiiert.xml").read_bytes())
    assert told.get_json()["correlated"] is False
    [incident] = api.get("/incidents", "admin").get_json()["items"]

    case_id = submit(api, around_today(INITIIEREN)).get_json()["case_id"]
    retried = api.post(f"/incidents/{incident['id']}/retry", "admin")

    assert retried.get_json()["status"] == "resolved"
    recorded = [e["action"] for e in actions(api, case_id)]
    assert recorded.count("participation.information_received") == 1


def test_a_0402_whose_period_ends_before_it_begins_is_refused_with_one_0422(
    answering_api: Api,
) -> None:
    api = answering_api
    case_id = submit(api, around_today(INITIIEREN)).get_json()["case_id"]
    before = case(api, case_id)["data"]
    body = with_period(
        (VALID / "aktualisieren-zeitraum-endet-vor-beginn.xml").read_text(encoding="utf-8"), 5, 2
    ).encode("utf-8")

    response = submit(api, body)
    assert submit(api, body).status_code == 202  # the re-send: no second answer

    assert (response.status_code, response.get_json()["correlated"]) == (202, True)
    assert case(api, case_id)["data"] == before
    [refused] = [e for e in actions(api, case_id) if e["action"] == "participation.update_refused"]
    assert refused["after"]["reasons"] == [
        "Der Beteiligungszeitraum (Öffentlichkeit) endet vor seinem Beginn."
    ]
    sent = answers(api, case_id)
    assert names(sent) == ["kommunal.Initiieren.OK.0411", "kommunal.Aktualisieren.NOK.0422"]
    nok = sent[1]
    assert nok.findtext("x:nachrichteninhalt/x:beteiligungsID", namespaces=NS) == "OEFF-47-1"
    assert nok.findtext("x:nachrichteninhalt/x:fehler/x:beschreibung", namespaces=NS) == (
        "Der Beteiligungszeitraum (Öffentlichkeit) endet vor seinem Beginn."
    )


def test_a_0402_for_no_participation_is_answered_with_one_0422_when_an_admin_discards_it(
    answering_api: Api,
) -> None:
    api = answering_api
    assert submit(api, around_today(AKTUALISIEREN)).get_json()["correlated"] is False
    [incident] = api.get("/incidents", "admin").get_json()["items"]
    note = {"note": "Planungssystem hat die Aktualisierung irrtümlich gesendet."}

    resolved = api.post(f"/incidents/{incident['id']}/resolve", "admin", json=note)
    again = api.post(f"/incidents/{incident['id']}/resolve", "admin", json=note)

    assert resolved.status_code == 200, resolved.get_json()
    assert again.get_json()["code"] == "incident-not-open"
    [nok] = answers(api, None)
    assert names([nok]) == ["kommunal.Aktualisieren.NOK.0422"]
    assert nok.findtext("x:nachrichteninhalt/x:planID", namespaces=NS) == "BP-47-Lobeda"
    assert "kein Beteiligungsverfahren bekannt" in (
        nok.findtext("x:nachrichteninhalt/x:fehler/x:beschreibung", namespaces=NS) or ""
    )


def test_without_an_endpoint_a_discarded_0402_is_answered_by_no_one(api: Api) -> None:
    submit(api, around_today(AKTUALISIEREN))
    [incident] = api.get("/incidents", "admin").get_json()["items"]
    note = {"note": "verworfen"}
    assert api.post(f"/incidents/{incident['id']}/resolve", "admin", json=note).status_code == 200
    assert answers(api, None) == []
