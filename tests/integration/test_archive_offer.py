"""The archive offer (xdomea 3.0.0) against a stub archive on 127.0.0.1: `egov retention run
--execute` offers the due cases with archive duty once in an Anbieteverzeichnis 0501 that the
archive receives signed and valid against the real schema; the archive's Bewertungsverzeichnis
0502 through the signed inbound endpoint erases what it destroys (V) and keeps what it takes
(A) for the Aussonderung."""

from __future__ import annotations

import dataclasses
import io
import json
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from lxml import etree
from sqlalchemy import select

from egov.app import create_app
from egov.cases.store import Case
from egov.cli import main
from egov.container import Container
from egov.intake.formats import compiled_schema
from egov.integrations import signing
from egov.retention import xdomea
from egov.retention.store import ArchiveOffer
from egov.runtime.worker import run_due
from tests.conftest import Api, make_settings
from tests.integration.test_retention import actions, rejected_case
from tests.integration.test_retention_run import everything_stored
from tests.integration.test_timers_support import FakeClock, api_of
from tests.support.receiver import Behaviour, ReceiverState, running_receiver
from tests.unit.test_xdomea_messages import imported, receipt, valuation

LONG_AGO = datetime(2020, 9, 1, 10, 0, 0)  # in the round 2020; rejected: kept until 2023
SECRET = b"archive-test-secret-0123456789"
SECRET_ENV = "EGOV_ARCHIVE_TEST_SECRET"
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
NS = {"x": xdomea.NS}


@pytest.fixture
def archive() -> Iterator[tuple[str, ReceiverState]]:
    with running_receiver(Behaviour(SECRET)) as running:
        yield running


@pytest.fixture
def api(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    archive: tuple[str, ReceiverState],
) -> Iterator[Api]:
    config = tmp_path / "fachverfahren.json"
    config.write_text(json.dumps({"archiv": {"url": archive[0], "secret_env": SECRET_ENV}}))
    monkeypatch.setenv(SECRET_ENV, SECRET.decode())
    monkeypatch.setenv("EGOV_FACHVERFAHREN_CONFIG", str(config))
    monkeypatch.setenv("EGOV_ARCHIVE_ENDPOINT", "archiv")
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        fachverfahren_config=str(config),
        archive_endpoint="archiv",
    )
    application: Flask = create_app(settings, clock=FakeClock(LONG_AGO))
    container: Container = application.extensions["egov"]
    monkeypatch.setenv("EGOV_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("EGOV_DATABASE_URL", container.settings.effective_database_url)
    yield api_of(application)
    container.db.dispose()


def run_execute() -> str:
    result = CliRunner().invoke(main, ["retention", "run", "--execute"])
    assert result.exit_code == 0, result.output
    return result.output


def offers_received(state: ReceiverState) -> list[etree._Element]:
    return [etree.fromstring(body) for body in state.effects.values()]


def answer(api: Api, body: bytes) -> Any:
    return api.post(
        "/inbound?procedure=archiv",
        "fachverfahren",
        data=body,
        content_type="application/xml",
        headers=signing.sign(SECRET, body, int(time.time())),
    )


def case_row(api: Api, case_id: str) -> Case:
    with api.container.db.reading() as session:
        return session.get_one(Case, case_id)


def offered(api: Api) -> dict[str, str]:
    with api.container.db.reading() as session:
        return {o.case_id: o.status for o in session.scalars(select(ArchiveOffer))}


def test_due_cases_are_offered_once_then_destroyed_or_kept_as_the_archive_values_them(
    api: Api, archive: tuple[str, ReceiverState]
) -> None:
    kept, destroyed = rejected_case(api), rejected_case(api, "Trinkbrunnen für Zenobia Quast")
    container: Container = api.container
    container.clock.now = datetime(2031, 1, 15, 9, 0, 0)  # type: ignore[attr-defined]

    assert api.get(f"/cases/{kept}", "admin").get_json()["retention"]["archive"]["state"] == (
        "to_offer"
    )
    listed = run_execute()
    assert "Anbieteverzeichnis" in listed and "0 gelöscht" in listed
    assert listed.count("dem Archiv anzubieten") == 2
    again = run_execute()
    assert again.count("Anbieteverzeichnis") == 0  # offered once only
    assert again.count("dem Archiv angeboten, wartet auf seine Bewertung") == 2
    assert offered(api) == {kept: "offered", destroyed: "offered"}
    assert "retention.offered" in actions(api, kept)
    run_due(container.outbox)

    state = archive[1]
    assert [call.signature_ok for call in state.calls] == [True]
    (offer,) = offers_received(state)
    assert compiled_schema(SCHEMAS / xdomea.XSD).problems(offer) == []
    ids = offer.xpath("x:Schriftgutobjekt/x:Vorgang/x:Identifikation/x:ID/text()", namespaces=NS)
    assert sorted(ids) == sorted([kept, destroyed])
    assert "Zenobia" not in etree.tostring(offer, encoding="unicode")  # no personal data
    process_id = offer.findtext("x:Kopf/x:ProzessID", namespaces=NS)

    body = valuation({kept: "A", destroyed: "V"}, process_id=process_id)
    first = answer(api, body)
    assert first.status_code == 201, first.get_json()
    assert answer(api, body).status_code == 200  # a re-send changes nothing

    assert offered(api) == {kept: "handed_over", destroyed: "destroyed"}
    assert case_row(api, destroyed).erased_at is not None
    assert case_row(api, destroyed).applicant_name == ""
    assert case_row(api, kept).erased_at is None
    assert actions(api, destroyed)[-4:] == [
        "retention.valued",
        "outbox.enqueued",  # dms.erase: the case's folder in the DMS goes too
        "audit.payloads_erased",
        "retention.erased",
    ]

    run_due(container.outbox)  # egov's receipt 0505 and the Aussonderung 0503 go to the archive
    assert [call.signature_ok for call in state.calls] == [True, True, True]
    receipt = etree.fromstring(state.effects[f"xdomea-0505:{process_id}"])
    assert receipt.tag == f"{{{xdomea.NS}}}{xdomea.VALUATION_RECEIVED}"
    assert compiled_schema(SCHEMAS / xdomea.XSD).problems(receipt) == []
    package = zipfile.ZipFile(io.BytesIO(state.effects[f"xdomea-0503:{process_id}"]))
    message = package.read(f"{process_id}_Aussonderung.Aussonderung.0503.xml")
    handover = etree.fromstring(message)
    assert compiled_schema(SCHEMAS / xdomea.XSD).problems(handover) == []
    named = handover.xpath("//x:Primaerdokument/x:Dateiname/text()", namespaces=NS)
    assert named and all(name in package.namelist() for name in named)
    assert handover.xpath("//x:Vorgang/x:Identifikation/x:ID/text()", namespaces=NS) == [kept]

    with container.db.reading() as session:
        package_key = session.get_one(ArchiveOffer, kept).package_key
    assert package_key is not None and container.files.exists(package_key)
    confirmed = answer(api, imported({kept: "true"}, process_id))
    assert confirmed.status_code == 201, confirmed.get_json()
    assert offered(api) == {kept: "archived", destroyed: "destroyed"}
    assert case_row(api, kept).erased_at is not None
    assert actions(api, kept)[-1] == "retention.archived"
    receipt = api.get(f"/cases/{kept}/events", "admin").get_json()["items"][-1]
    assert receipt["after"]["receipt"] == confirmed.get_json()["inbound_id"]
    assert not container.files.exists(package_key)  # the package left with the last record
    stored = everything_stored(container)
    assert "Zenobia" not in stored and "Fahrradbügel" not in stored


def test_a_valuation_naming_a_case_never_offered_is_refused(api: Api) -> None:
    case_id = rejected_case(api)
    api.container.clock.now = datetime(2031, 1, 15, 9, 0, 0)  # type: ignore[attr-defined]
    run_execute()
    process_id = next(iter(offered_process_ids(api)))
    body = valuation({"0b7e0c4e-1111-4111-8111-00000000dead": "V"}, process_id=process_id)
    refused = answer(api, body)
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "archive-offer-unknown"
    assert offered(api) == {case_id: "offered"}


def test_a_valuation_that_is_no_xdomea_message_is_refused(api: Api) -> None:
    refused = answer(api, b"<kein-xdomea/>")
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "xdomea-invalid"


def test_an_unsigned_valuation_is_refused_before_it_is_read(api: Api) -> None:
    body = valuation({"0b7e0c4e-1111-4111-8111-000000000001": "V"})
    refused = api.post(
        "/inbound?procedure=archiv", "fachverfahren", data=body, content_type="application/xml"
    )
    assert refused.status_code == 401


def offered_process_ids(api: Api) -> set[str]:
    with api.container.db.reading() as session:
        return set(session.scalars(select(ArchiveOffer.process_id)))


def valued_and_handed_over(api: Api, state: ReceiverState, decisions: dict[str, str]) -> str:
    """Offer the due cases, deliver, answer `decisions`, deliver the 0503: the ProzessID."""
    api.container.clock.now = datetime(2031, 1, 15, 9, 0, 0)  # type: ignore[attr-defined]
    run_execute()
    run_due(api.container.outbox)
    process_id = str(offers_received(state)[0].findtext("x:Kopf/x:ProzessID", namespaces=NS))
    assert answer(api, valuation(decisions, process_id=process_id)).status_code == 201
    run_due(api.container.outbox)
    return process_id


def test_a_record_the_archive_could_not_import_stays_with_its_package(
    api: Api, archive: tuple[str, ReceiverState]
) -> None:
    done, failed = rejected_case(api), rejected_case(api)
    process_id = valued_and_handed_over(api, archive[1], {done: "A", failed: "A"})
    with api.container.db.reading() as session:
        package_key = session.get_one(ArchiveOffer, failed).package_key
    assert package_key is not None

    body = imported({done: "true", failed: "false"}, process_id)
    assert answer(api, body).status_code == 201

    assert offered(api) == {done: "archived", failed: "handed_over"}
    assert actions(api, failed)[-1] == "retention.import_failed"
    assert case_row(api, failed).erased_at is None
    assert api.container.files.exists(package_key)  # still needed for the failed record


def received(api: Api) -> dict[str, tuple[bool, bool]]:
    """Per offered case: whether the archive receipted the offer (0504) and the package (0507)."""
    with api.container.db.reading() as session:
        return {
            o.case_id: (o.offer_received_at is not None, o.package_received_at is not None)
            for o in session.scalars(select(ArchiveOffer))
        }


def test_the_archives_receipts_are_recorded_on_the_offers_they_name_and_decide_nothing(
    api: Api, archive: tuple[str, ReceiverState]
) -> None:
    taken, destroyed = rejected_case(api), rejected_case(api)
    api.container.clock.now = datetime(2031, 1, 15, 9, 0, 0)  # type: ignore[attr-defined]
    run_execute()
    run_due(api.container.outbox)
    process_id = str(offers_received(archive[1])[0].findtext("x:Kopf/x:ProzessID", namespaces=NS))

    first = answer(api, receipt(xdomea.OFFER_RECEIVED, process_id))
    assert first.status_code == 201, first.get_json()
    assert answer(api, receipt(xdomea.OFFER_RECEIVED, process_id)).status_code == 200
    assert offered(api) == {taken: "offered", destroyed: "offered"}
    assert received(api) == {taken: (True, False), destroyed: (True, False)}
    assert actions(api, taken)[-1] == "retention.offer_received"
    shown = api.get(f"/cases/{taken}", "admin").get_json()["retention"]["archive"]
    assert (shown["state"], shown["process_id"]) == ("offered", process_id)
    assert shown["label"] == "dem Archiv angeboten, wartet auf seine Bewertung"
    assert shown["offer_received_at"] == "2031-01-15T09:00:00+00:00"

    assert answer(api, valuation({taken: "A", destroyed: "V"}, process_id)).status_code == 201
    run_due(api.container.outbox)
    assert answer(api, receipt(xdomea.HANDOVER_RECEIVED, process_id)).status_code == 201
    assert received(api) == {taken: (True, True), destroyed: (True, False)}
    assert actions(api, taken)[-1] == "retention.package_received"
    assert offered(api)[taken] == "handed_over"  # deletion waits for the import confirmation
    assert case_row(api, taken).erased_at is None
    shown = api.get(f"/cases/{destroyed}", "admin").get_json()["retention"]["archive"]
    assert (shown["state"], shown["package_received_at"]) == ("destroyed", None)


def test_a_receipt_naming_no_offer_of_egov_is_refused(api: Api) -> None:
    pattern = SCHEMAS / "xdomea" / "pattern" / "xdomea_3.0.0"
    body = (pattern / "xx_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml").read_bytes()
    refused = answer(api, body)
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "archive-offer-unknown"
    assert offered(api) == {}


def test_a_receipt_of_the_package_before_any_package_is_refused(api: Api) -> None:
    rejected_case(api)
    api.container.clock.now = datetime(2031, 1, 15, 9, 0, 0)  # type: ignore[attr-defined]
    run_execute()
    process_id = next(iter(offered_process_ids(api)))
    refused = answer(api, receipt(xdomea.HANDOVER_RECEIVED, process_id))
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "archive-offer-unknown"
