"""POST /inbound: a signed XBau status (1170) from a Fachverfahren correlates to the waiting
message event of its case and the case moves on; bad or stale signatures are refused; a message
that finds no case or no waiting event is kept with an incident; a re-send is answered once."""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from egov.container import Container
from egov.intake.store import Submission
from egov.intake.xbau import Behoerde, build_status_1170
from egov.integrations import signing
from egov.integrations.fachverfahren import Endpoint
from egov.integrations.store import InboundMessage
from tests.builders import proposal
from tests.conftest import Api

SECRET = b"inbound-test-secret-0123456789"
SECRET_ENV = "EGOV_FV_INBOUND_TEST_SECRET"
PORTAL = Behoerde("ars:160530000000", "Bauportal (Test)")
_leika = itertools.count(1)


def message_bundle(process_id: str, message: str) -> dict[str, str]:
    """start -> wait for BPMN message `message` (payload into `received`) -> user task Prüfen
    (lane buero-buergerbudget) -> end; a procedure of the same key with Bürgerbudget Fachdaten."""
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://egov.example/bpmn">
  <bpmn:collaboration id="c"><bpmn:participant id="p" processRef="{process_id}"/>
  </bpmn:collaboration>
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="buero-buergerbudget">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>check</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:intermediateCatchEvent id="wait" name="Nachricht abwarten">
      <bpmn:messageEventDefinition id="wait_def" messageRef="msg">
        <bpmn:extensionElements>
          <spiffworkflow:messageVariable>received</spiffworkflow:messageVariable>
        </bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="check" name="Prüfen"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
  </bpmn:process>
  <bpmn:message id="msg" name="{message}"/>
</bpmn:definitions>"""
    procedure = {
        "key": process_id,
        "leika_key": f"urn:de:fim:leika:leistung:9901{next(_leika):010d}",
        "name": f"Testverfahren {process_id}",
        "org_unit": "buero-buergerbudget",
        "required_vertrauensniveau": "low",
        "processing_days": 10,
        "fachdaten_namespace": "urn:egov-oss:fachdaten:buergerbudget:1.0",
    }
    return {f"{process_id}.bpmn": bpmn, "procedure.json": json.dumps(procedure)}


def deploy_and_file(api: Api, process_id: str, message: str) -> dict[str, Any]:
    """Deploy the waiting process and file one case for erika; returns its receipt."""
    deployed = api.post(
        "/process-definitions", "admin", json={"files": message_bundle(process_id, message)}
    )
    assert deployed.status_code in (200, 201), deployed.get_json()
    filed = api.post("/applications", "erika", json={**proposal(), "procedure": process_id})
    assert filed.status_code == 201, filed.get_json()
    receipt: dict[str, Any] = filed.get_json()
    assert open_tasks(api, receipt["case_id"]) == []  # it waits for the message
    return receipt


def open_tasks(api: Api, case_id: str) -> list[str]:
    return [t["title"] for t in api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]]


def actions(api: Api, case_id: str) -> list[str]:
    return [e["action"] for e in api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]]


def status_1170(case_reference: str | None, code: str = "17") -> bytes:
    return build_status_1170(
        message_id=str(uuid.uuid4()),
        case_reference=case_reference,
        status_code=code,
        created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        reader=PORTAL,
        text="Bitte reichen Sie den Lageplan nach.",
        deadline=date(2026, 12, 31),
    )


def send(
    api: Api, body: bytes, *, key: str | None = None, stamp: int | None = None, **headers: str
) -> Any:
    signed = signing.sign(SECRET, body, int(time.time()) if stamp is None else stamp)
    if key is not None:
        signed["Idempotency-Key"] = key
    return api.post(
        "/inbound?procedure=bautest",
        "fachverfahren",
        data=body,
        content_type="application/xml",
        headers={**signed, **headers},
    )


def inbound_rows(container: Container) -> list[tuple[str, str | None]]:
    with container.db.reading() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.received_at))
        return [(r.status, r.case_id) for r in rows]


@pytest.fixture
def filed(api: Api, container: Container) -> dict[str, Any]:
    container.inbound.endpoints = {"bautest": Endpoint("http://127.0.0.1:9/", SECRET_ENV)}
    container.inbound.environ = {SECRET_ENV: SECRET.decode()}
    return deploy_and_file(api, "bautest", "bauantrag_status")


def test_a_signed_status_correlates_to_the_waiting_event_and_the_case_moves_on(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    response = send(api, status_1170(filed["case_reference"]), key="status-1")

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["correlated"] is True
    assert open_tasks(api, filed["case_id"]) == ["Prüfen"]
    assert {"inbound.received", "message.correlated"} <= set(actions(api, filed["case_id"]))
    assert inbound_rows(container) == [("correlated", filed["case_id"])]


def test_the_status_is_correlated_by_the_portal_reference_when_no_case_reference_is_given(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    with container.db.reading() as session:
        message_id = session.scalars(
            select(Submission.message_id).where(Submission.case_id == filed["case_id"])
        ).one()
    body = build_status_1170(
        message_id=str(uuid.uuid4()),
        case_reference=None,
        portal_reference=message_id,
        status_code="14",
        created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        reader=PORTAL,
    )
    response = send(api, body)
    assert (response.status_code, response.get_json()["correlated"]) == (201, True)
    assert open_tasks(api, filed["case_id"]) == ["Prüfen"]


def test_a_bad_signature_is_refused_with_401_and_logged_as_a_security_event(
    api: Api, container: Container, filed: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    body = status_1170(filed["case_reference"])
    signed = signing.sign(SECRET, body, int(time.time()))
    with caplog.at_level(logging.WARNING, logger="egov.security"):
        response = api.post(
            "/inbound?procedure=bautest",
            "fachverfahren",
            data=body + b"\n",  # one byte more than was signed
            content_type="application/xml",
            headers=signed,
        )
    assert response.status_code == 401
    assert response.get_json()["code"] == "signature-invalid"
    assert any(r.name == "egov.security" for r in caplog.records)
    assert inbound_rows(container) == []
    assert open_tasks(api, filed["case_id"]) == []


def test_an_expired_timestamp_is_refused_with_401(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    response = send(api, status_1170(filed["case_reference"]), stamp=int(time.time()) - 3600)
    assert response.status_code == 401
    assert response.get_json()["code"] == "signature-expired"
    assert inbound_rows(container) == []


def test_a_missing_signature_is_refused_with_401(api: Api, filed: dict[str, Any]) -> None:
    response = api.post(
        "/inbound?procedure=bautest",
        "fachverfahren",
        data=status_1170(filed["case_reference"]),
        content_type="application/xml",
    )
    assert (response.status_code, response.get_json()["code"]) == (401, "signature-missing")


def test_a_status_for_an_unknown_case_is_kept_with_a_correlation_incident(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    response = send(api, status_1170("JENA-2099-999999"), key="lost-1")

    assert response.status_code == 202
    assert response.get_json()["correlated"] is False
    incidents = api.get("/incidents", "admin").get_json()["items"]
    assert [(i["kind"], i["code"], i["case_id"]) for i in incidents] == [
        ("correlation", "correlation-case-unknown", None)
    ]
    assert inbound_rows(container) == [("uncorrelated", None)]


def test_the_incident_keeps_the_correlation_id_of_the_request_that_opened_it(
    api: Api, filed: dict[str, Any]
) -> None:
    send(api, status_1170("JENA-2099-999999"), key="lost-2", **{"X-Correlation-ID": "fv-4711"})

    (incident,) = api.get("/incidents", "admin").get_json()["items"]
    assert incident["correlation_id"] == "fv-4711"


def test_a_kept_status_resolved_by_hand_is_marked_resolved_and_stays_stored(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    send(api, status_1170("JENA-2099-999999"), key="lost-2")
    (incident,) = api.get("/incidents", "admin").get_json()["items"]

    note = {"note": "Irrläufer, dem Fachverfahren telefonisch gemeldet."}
    answer = api.post(f"/incidents/{incident['id']}/resolve", "admin", json=note)

    assert answer.status_code == 200
    assert answer.get_json()["resolution"] == "by-hand"
    assert inbound_rows(container) == [("resolved", None)]
    assert api.get("/incidents", "admin").get_json()["items"] == []


def test_a_status_nobody_waits_for_is_kept_with_an_incident_on_its_case(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    assert send(api, status_1170(filed["case_reference"])).status_code == 201

    again = send(api, status_1170(filed["case_reference"], code="10"))

    assert (again.status_code, again.get_json()["correlated"]) == (202, False)
    incidents = api.get(f"/cases/{filed['case_id']}", "admin").get_json()["incidents"]
    assert [(i["kind"], i["code"]) for i in incidents] == [
        ("correlation", "correlation-nothing-waiting")
    ]
    assert [s for s, _ in inbound_rows(container)] == ["correlated", "uncorrelated"]


def test_a_resend_with_the_same_idempotency_key_gets_the_same_answer_and_one_row(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    body = status_1170(filed["case_reference"])
    first = send(api, body, key="same-key")
    second = send(api, body, key="same-key")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json()
    with container.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert actions(api, filed["case_id"]).count("message.correlated") == 1


def test_the_same_idempotency_key_with_other_content_is_a_conflict(
    api: Api, filed: dict[str, Any]
) -> None:
    assert send(api, status_1170(filed["case_reference"]), key="k").status_code == 201
    response = send(api, status_1170(filed["case_reference"], code="10"), key="k")
    assert (response.status_code, response.get_json()["code"]) == (409, "inbound-conflict")


def test_a_procedure_without_a_configured_secret_is_refused(
    api: Api, filed: dict[str, Any]
) -> None:
    body = status_1170(filed["case_reference"])
    response = api.post(
        "/inbound?procedure=buergerbudget",
        "fachverfahren",
        data=body,
        content_type="application/xml",
        headers=signing.sign(SECRET, body, int(time.time())),
    )
    assert (response.status_code, response.get_json()["code"]) == (422, "unknown-procedure")


def test_a_signed_message_that_is_not_a_known_format_is_refused_with_400(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    response = send(api, b"<?xml version='1.0'?><unknown xmlns='urn:x'/>")
    assert (response.status_code, response.get_json()["code"]) == (400, "unknown-format")
    assert inbound_rows(container) == []


def test_an_admin_retry_correlates_a_kept_status_once_the_process_waits_for_it(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    container.inbound.endpoints = {"bautest": Endpoint("http://127.0.0.1:9/", SECRET_ENV)}
    container.inbound.environ = {SECRET_ENV: SECRET.decode()}
    monkeypatch.setattr("egov.workflow.service.active_definition", lambda *_a: None)
    receipt = deploy_and_file(api, "bautest", "bauantrag_status")  # its start fails
    case_id = receipt["case_id"]
    assert send(api, status_1170(receipt["case_reference"])).get_json()["correlated"] is False
    incidents = {
        i["kind"]: i for i in api.get(f"/cases/{case_id}", "admin").get_json()["incidents"]
    }
    assert set(incidents) == {"workflow-step", "correlation"}
    monkeypatch.undo()

    started = api.post(f"/incidents/{incidents['workflow-step']['id']}/retry", "admin")
    assert started.get_json()["status"] == "resolved"
    retried = api.post(f"/incidents/{incidents['correlation']['id']}/retry", "admin")

    assert retried.get_json()["status"] == "resolved"
    assert open_tasks(api, case_id) == ["Prüfen"]
    assert [s for s, _ in inbound_rows(container)] == ["correlated"]
    assert actions(api, case_id).count("message.correlated") == 1


def test_a_correlation_incident_without_a_kept_message_is_not_retried_blindly(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    assert send(api, status_1170(filed["case_reference"])).status_code == 201
    with container.db.transaction() as session:
        from egov.integrations.correlation import open_correlation_incident

        incident = open_correlation_incident(
            session,
            filed["case_id"],
            "correlation-nothing-waiting",
            "Nachreichung",
            container.clock(),
        )
        incident_id = incident.id
    response = api.post(f"/incidents/{incident_id}/retry", "admin")
    assert (response.status_code, response.get_json()["code"]) == (409, "incident-not-retryable")


def test_a_status_for_a_suspended_instance_is_held_and_correlated_on_the_resume_in_order(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    case_id = filed["case_id"]
    (listed,) = api.get("/process-instances?procedure=bautest", "admin").get_json()["items"]
    instance_id = listed["id"]
    suspended = api.post(f"/process-instances/{instance_id}/suspend", "admin", json={})
    assert suspended.status_code == 200

    first = send(api, status_1170(filed["case_reference"], code="17"))
    second = send(api, status_1170(filed["case_reference"], code="18"))
    assert first.status_code == 202 and first.get_json()["correlated"] is False
    assert second.status_code == 202
    assert inbound_rows(container) == [("held", case_id), ("held", case_id)]
    assert api.get("/incidents", "admin").get_json()["items"] == []
    assert actions(api, case_id).count("message.held") == 2

    resumed = api.post(f"/process-instances/{instance_id}/resume", "admin", json={})
    assert resumed.status_code == 200, resumed.get_json()
    assert open_tasks(api, case_id) == ["Prüfen"]  # the instance moved on
    # the first message (arrival order) took the waiting event; nothing waited for the second
    assert inbound_rows(container) == [("correlated", case_id), ("uncorrelated", case_id)]
    detail = api.get(f"/process-instances/{instance_id}", "admin").get_json()
    (incident,) = detail["incidents"]
    assert incident["code"] == "correlation-nothing-waiting"
    correlated = [
        e
        for e in api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
        if e["action"] == "message.correlated"
    ]
    assert correlated[0]["after"]["payload"]["status_code"] == "17"


def test_a_held_status_is_discarded_when_its_suspended_instance_is_cancelled(
    api: Api, container: Container, filed: dict[str, Any]
) -> None:
    (listed,) = api.get("/process-instances?procedure=bautest", "admin").get_json()["items"]
    path = f"/process-instances/{listed['id']}"
    assert api.post(f"{path}/suspend", "admin", json={}).status_code == 200
    assert send(api, status_1170(filed["case_reference"])).status_code == 202

    cancelled = api.post(f"{path}/cancel", "admin", json={"reason": "zurückgezogen"})

    assert cancelled.status_code == 200, cancelled.get_json()
    assert inbound_rows(container) == [("discarded", filed["case_id"])]
    assert "message.discarded" in actions(api, filed["case_id"])
    detail = api.get(path, "admin").get_json()
    assert [(h["kind"], h["status"]) for h in detail["held_messages"]] == [("inbound", "discarded")]
    assert detail["incidents"] == []
