"""The Fachverfahren adapter against a real HTTP receiver on loopback: signed, keyed by the
outbox row's idempotency key, retried on 5xx and timeouts, an incident at once on 4xx; every
effect arrives exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from egov.container import Container
from egov.documents.store import get_document
from egov.integrations import fachverfahren
from egov.integrations.fachverfahren import Endpoint, FachverfahrenAdapter, load_config
from egov.outbox.service import Outbox, enqueue
from egov.outbox.store import OutboxMessage
from egov.runtime.worker import run_due
from tests.builders import proposal
from tests.conftest import Api
from tests.integration.test_timers_support import FakeClock
from tests.support.receiver import Behaviour, ReceiverState, running_receiver

SECRET = "fv-test-secret-0123456789"
SECRET_ENV = "EGOV_FV_TEST_SECRET"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 12, 0, 0))


@pytest.fixture
def case_and_document(api: Api) -> tuple[str, str]:
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    items = api.get(f"/cases/{case_id}/documents", "admin").get_json()["items"]
    original = next(d["id"] for d in items if d["kind"] == "original-message")
    return case_id, original


def outbox_to(url: str, container: Container, clock: FakeClock, timeout: float = 0.3) -> Outbox:
    box = Outbox(db=container.db, clock=clock, max_attempts=4, base_delay=10, jitter=lambda: 1.0)
    endpoints = {"buergerbudget": Endpoint(url, SECRET_ENV, timeout)}
    adapter = FachverfahrenAdapter(
        container.db, container.files, endpoints, environ={SECRET_ENV: SECRET}
    )
    box.register(fachverfahren.KIND, adapter)
    return box


def enqueue_delivery(container: Container, clock: FakeClock, case_id: str, document_id: str) -> str:
    payload = {"procedure": "buergerbudget", "case_reference": "x", "document_id": document_id}
    with container.db.transaction() as session:
        return enqueue(
            session, case_id=case_id, kind=fachverfahren.KIND, payload=payload, now=clock()
        )


def original_bytes(container: Container, document_id: str) -> bytes:
    with container.db.reading() as session:
        document = get_document(session, document_id)
        assert document is not None
        key = document.storage_key
    with container.files.open(key) as handle:
        return handle.read()


def row(container: Container, row_id: str) -> OutboxMessage:
    with container.db.reading() as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[tuple[str, ReceiverState]]:
    behaviour = getattr(request, "param", Behaviour(SECRET.encode()))
    with running_receiver(behaviour) as running:
        yield running


def test_the_adapter_is_registered_on_the_container_outbox(container: Container) -> None:
    assert fachverfahren.KIND in container.outbox.handlers


@pytest.mark.parametrize("receiver", [Behaviour(SECRET.encode(), fail_first=2)], indirect=True)
def test_a_receiver_failing_twice_gets_the_signed_xml_exactly_once(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    receiver: tuple[str, ReceiverState],
) -> None:
    url, state = receiver
    box = outbox_to(url, container, clock)
    row_id = enqueue_delivery(container, clock, *case_and_document)

    assert box.deliver(row_id) == "retry"
    clock.now += timedelta(seconds=10)
    assert run_due(box) == {"retry": 1}
    clock.now += timedelta(seconds=20)
    assert run_due(box) == {"delivered": 1}
    clock.now += timedelta(hours=2)
    assert run_due(box) == {}

    key = row(container, row_id).idempotency_key
    assert state.effects == {key: original_bytes(container, case_and_document[1])}
    assert [(c.status, c.signature_ok, c.idempotency_key) for c in state.calls] == [
        (500, True, key),
        (500, True, key),
        (200, True, key),
    ]
    assert {c.content_type for c in state.calls} == {"application/xml"}


@pytest.mark.parametrize(
    "receiver",
    [Behaviour(SECRET.encode(), hang_on=frozenset({1}), hang_seconds=1.0)],
    indirect=True,
)
def test_an_answer_lost_to_a_timeout_is_retried_and_the_effect_still_arrives_once(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    receiver: tuple[str, ReceiverState],
) -> None:
    url, state = receiver
    box = outbox_to(url, container, clock, timeout=0.3)
    row_id = enqueue_delivery(container, clock, *case_and_document)

    assert box.deliver(row_id) == "retry"
    assert row(container, row_id).last_error == "receiver-timeout: DeliveryError"
    clock.now += timedelta(seconds=10)
    assert run_due(box) == {"delivered": 1}

    assert len(state.calls) == 2
    assert len({c.idempotency_key for c in state.calls}) == 1
    assert list(state.effects) == [row(container, row_id).idempotency_key]


@pytest.mark.parametrize("receiver", [Behaviour(SECRET.encode(), status=400)], indirect=True)
def test_a_refusal_with_400_becomes_an_incident_at_once(
    api: Api,
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    receiver: tuple[str, ReceiverState],
) -> None:
    url, state = receiver
    box = outbox_to(url, container, clock)
    case_id, document_id = case_and_document
    row_id = enqueue_delivery(container, clock, case_id, document_id)

    assert box.deliver(row_id) == "failed"

    assert len(state.calls) == 1 and state.effects == {}
    incidents = api.get(f"/cases/{case_id}", "anna").get_json()["incidents"]
    assert [(i["kind"], i["code"]) for i in incidents] == [("delivery", "receiver-refused")]


@pytest.mark.parametrize("receiver", [Behaviour(SECRET.encode(), status=429)], indirect=True)
def test_too_many_requests_is_retried_not_an_incident(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    receiver: tuple[str, ReceiverState],
) -> None:
    url, _state = receiver
    box = outbox_to(url, container, clock)
    row_id = enqueue_delivery(container, clock, *case_and_document)
    assert box.deliver(row_id) == "retry"
    assert row(container, row_id).status == "pending"


def test_an_unreachable_receiver_is_retried(
    container: Container, clock: FakeClock, case_and_document: tuple[str, str]
) -> None:
    with running_receiver(Behaviour(SECRET.encode())) as (url, _state):
        pass  # the port is closed again
    box = outbox_to(url, container, clock)
    row_id = enqueue_delivery(container, clock, *case_and_document)
    assert box.deliver(row_id) == "retry"
    assert row(container, row_id).last_error == "receiver-unreachable: DeliveryError"


def test_a_missing_secret_is_a_permanent_failure(
    container: Container, clock: FakeClock, case_and_document: tuple[str, str]
) -> None:
    box = outbox_to("http://127.0.0.1:9/x", container, clock)
    adapter = box.handlers[fachverfahren.KIND]
    assert isinstance(adapter, FachverfahrenAdapter)
    adapter.environ = {}
    row_id = enqueue_delivery(container, clock, *case_and_document)
    assert box.deliver(row_id) == "failed"
    assert row(container, row_id).last_error == "fachverfahren-no-secret: DeliveryError"


def test_the_config_file_names_url_secret_variable_and_timeout(tmp_path: Path) -> None:
    path = tmp_path / "fv.json"
    entry = {"url": "https://fv.example/in", "secret_env": "EGOV_FV_BAU_SECRET"}
    path.write_text(json.dumps({"bauantrag": {**entry, "timeout_seconds": 5}}))
    assert load_config(path) == {
        "bauantrag": Endpoint("https://fv.example/in", "EGOV_FV_BAU_SECRET", 5.0)
    }
    path.write_text(json.dumps({"bauantrag": {**entry, "url": "ftp://x"}}))
    with pytest.raises(ValueError, match="bauantrag"):
        load_config(path)
