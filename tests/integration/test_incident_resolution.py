"""A person closes an incident by hand (with a note) instead of retrying it: nothing runs
again for it, the case's audit trail says who and why, and the case shows what it still
waits for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from egov.container import Container
from egov.outbox.service import DeliveryError, enqueue
from egov.outbox.store import OutboxMessage
from egov.runtime.sweep import Sweeper
from egov.workflow.store import get_instance_by_case
from tests.builders import proposal
from tests.conftest import Api

NOTE = "Unterlagen per Post an die Bauaufsicht geschickt."


def refuse(_delivery: Any) -> None:
    raise DeliveryError("Gegenstelle lehnt ab", code="receiver-refused", permanent=True)


def failed_delivery(api: Api, container: Container) -> tuple[str, str]:
    """A case whose one side effect failed for good: (case id, incident id)."""
    container.outbox.register("test.refused", refuse)
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    with container.db.transaction() as session:
        row_id = enqueue(
            session, case_id=case_id, kind="test.refused", payload={}, now=container.clock()
        )
    assert container.outbox.deliver(row_id) == "failed"
    incidents = api.get("/incidents", "admin").get_json()["items"]
    (incident,) = [i for i in incidents if i["case_id"] == case_id]
    return case_id, incident["id"]


def waiting_on(api: Api, case_id: str) -> list[tuple[str, str, str | None]]:
    detail = api.get(f"/cases/{case_id}", "anna").get_json()
    return [(w["kind"], w["status"], w["last_error_code"]) for w in detail["waiting_on"]]


def test_the_case_shows_the_side_effect_it_waits_for_until_it_is_delivered(
    api: Api, container: Container
) -> None:
    calls: list[str] = []
    container.outbox.register("test.later", lambda d: calls.append(d.id))
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    with container.db.transaction() as session:
        row_id = enqueue(
            session, case_id=case_id, kind="test.later", payload={}, now=container.clock()
        )
    assert waiting_on(api, case_id) == [("test.later", "pending", None)]

    assert container.outbox.deliver(row_id) == "delivered"
    assert waiting_on(api, case_id) == []


def test_a_failed_delivery_resolved_by_hand_is_cancelled_and_never_sent_again(
    api: Api, container: Container
) -> None:
    case_id, incident_id = failed_delivery(api, container)
    assert waiting_on(api, case_id) == [("test.refused", "failed", "receiver-refused")]

    answer = api.post(f"/incidents/{incident_id}/resolve", "admin", json={"note": NOTE})

    assert answer.status_code == 200, answer.get_json()
    resolved = answer.get_json()
    assert (resolved["status"], resolved["resolution"], resolved["resolved_by"]) == (
        "resolved",
        "by-hand",
        "dev:admin",
    )
    assert resolved["resolution_note"] == NOTE
    assert waiting_on(api, case_id) == []
    assert api.get("/incidents", "admin").get_json()["items"] == []
    assert [
        i["id"] for i in api.get("/incidents?status=resolved", "admin").get_json()["items"]
    ] == [incident_id]
    with container.db.reading() as session:
        (row,) = session.query(OutboxMessage).filter_by(case_id=case_id).all()
        assert row.status == "cancelled"
    assert container.outbox.due() == []
    events = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    last = events[-1]
    assert (last["action"], last["actor"]) == ("incident.resolved", "dev:admin")
    assert last["after"]["outbox_status"] == "cancelled"


@pytest.mark.parametrize("body", [None, {}, {"note": "  "}, {"note": 7}, {"note": "x" * 2001}])
def test_resolving_without_a_note_is_refused_and_changes_nothing(
    api: Api, container: Container, body: Any
) -> None:
    case_id, incident_id = failed_delivery(api, container)

    answer = api.post(f"/incidents/{incident_id}/resolve", "admin", json=body)

    assert answer.status_code == 400
    assert answer.get_json()["code"] == "resolution-note-missing"
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert waiting_on(api, case_id) == [("test.refused", "failed", "receiver-refused")]
    assert [i["id"] for i in api.get("/incidents", "admin").get_json()["items"]] == [incident_id]


def test_a_resolved_incident_can_be_neither_resolved_nor_retried_again(
    api: Api, container: Container
) -> None:
    _case_id, incident_id = failed_delivery(api, container)
    assert (
        api.post(f"/incidents/{incident_id}/resolve", "admin", json={"note": NOTE}).status_code
        == 200
    )

    again = api.post(f"/incidents/{incident_id}/resolve", "admin", json={"note": NOTE})
    retried = api.post(f"/incidents/{incident_id}/retry", "admin")

    assert (again.status_code, again.get_json()["code"]) == (409, "incident-not-open")
    assert (retried.status_code, retried.get_json()["code"]) == (409, "incident-not-open")
    unknown = api.post("/incidents/no-such-incident/resolve", "admin", json={"note": NOTE})
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "incident-not-found")


def test_an_unknown_incident_status_filter_is_a_bad_request(api: Api) -> None:
    answer = api.get("/incidents?status=stuck", "admin")
    assert (answer.status_code, answer.get_json()["code"]) == (400, "bad-request")


def test_a_failed_start_resolved_by_hand_is_left_to_the_clerk_by_the_sweep(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr("egov.workflow.service.active_definition", lambda *_: None)
        case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    (incident,) = api.get("/incidents", "admin").get_json()["items"]
    assert incident["kind"] == "workflow-step"

    assert (
        api.post(f"/incidents/{incident['id']}/resolve", "admin", json={"note": NOTE}).status_code
        == 200
    )
    now = container.clock()
    container.clock = lambda: now + timedelta(hours=1)

    assert "restarted" not in Sweeper(container, None)()  # a person took it over
    with container.db.reading() as session:
        assert get_instance_by_case(session, case_id) is None
