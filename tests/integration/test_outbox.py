"""The outbox: written with the change, delivered after commit, retried with backoff,
an incident after N failures that an admin can retry; never two deliveries at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from egov.container import Container
from egov.outbox.service import Delivery, DeliveryError, Outbox, enqueue
from egov.outbox.store import OutboxMessage
from egov.runtime.worker import run_due
from tests.builders import proposal
from tests.conftest import Api


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now


class Receiver:
    """Fails the first `failures` calls; records idempotency keys like a real receiver."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls = 0
        self.effects: dict[str, dict[str, object]] = {}

    def __call__(self, delivery: Delivery) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError("Gegenstelle antwortet 500", code="receiver-error")
        self.effects.setdefault(delivery.idempotency_key, delivery.payload)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def case_with_row(api: Api, container: Container, clock: Clock) -> tuple[str, str]:
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    with container.db.transaction() as session:
        row_id = enqueue(
            session, case_id=case_id, kind="test.receiver", payload={"x": 1}, now=clock()
        )
    return case_id, row_id


def outbox(container: Container, clock: Clock, receiver: Receiver) -> Outbox:
    box = Outbox(db=container.db, clock=clock, max_attempts=3, base_delay=10, jitter=lambda: 1.0)
    box.register("test.receiver", receiver)
    return box


def test_a_failing_receiver_is_retried_with_backoff_until_the_effect_arrives_once(
    api: Api, container: Container, clock: Clock
) -> None:
    receiver = Receiver(failures=2)
    box = outbox(container, clock, receiver)
    _case_id, row_id = case_with_row(api, container, clock)

    assert box.deliver(row_id) == "retry"
    assert run_due(box) == {}  # not due before its backoff
    clock.now += timedelta(seconds=10)
    assert run_due(box) == {"retry": 1}
    clock.now += timedelta(seconds=20)
    assert run_due(box) == {"delivered": 1}
    clock.now += timedelta(hours=1)
    assert run_due(box) == {}

    assert len(receiver.effects) == 1
    with container.db.reading() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None and (row.status, row.attempts) == ("delivered", 3)


def test_after_n_failures_the_delivery_is_an_incident_an_admin_can_retry(
    api: Api, container: Container, clock: Clock
) -> None:
    receiver = Receiver(failures=3)
    box = outbox(container, clock, receiver)
    container.outbox.handlers.update(box.handlers)
    container.outbox.clock = clock
    case_id, row_id = case_with_row(api, container, clock)
    for _ in range(3):
        box.deliver(row_id)
        clock.now += timedelta(hours=1)

    case = api.get(f"/cases/{case_id}", "anna").get_json()
    assert [(i["kind"], i["code"]) for i in case["incidents"]] == [("delivery", "receiver-error")]
    incident_id = case["incidents"][0]["id"]

    retried = api.post(f"/incidents/{incident_id}/retry", "admin").get_json()

    assert retried["status"] == "resolved"
    assert len(receiver.effects) == 1
    trail = api.get(f"/cases/{case_id}/events", "anna").get_json()
    actions = [e["action"] for e in trail["items"]]
    assert {"outbox.enqueued", "incident.opened", "outbox.retried", "outbox.delivered"} <= set(
        actions
    )
    assert trail["verification"]["valid"]


def test_a_claimed_row_is_not_delivered_by_a_second_worker(
    api: Api, container: Container, clock: Clock
) -> None:
    receiver = Receiver()
    box = outbox(container, clock, receiver)
    _case_id, row_id = case_with_row(api, container, clock)
    assert box._claim(row_id) is not None  # worker A holds the lease (and then crashes)

    assert box.deliver(row_id) == "skipped"  # worker B
    clock.now += timedelta(seconds=box.lease_seconds + 1)  # the lease of A ran out
    assert box.deliver(row_id) == "delivered"
    assert receiver.calls == 1


def test_a_row_written_in_a_rolled_back_transaction_is_never_delivered(
    api: Api, container: Container, clock: Clock
) -> None:
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    with pytest.raises(RuntimeError), container.db.transaction() as session:
        enqueue(session, case_id=case_id, kind="test.receiver", payload={}, now=clock())
        raise RuntimeError("the state change failed")
    assert outbox(container, clock, Receiver()).due() == []


def test_an_unknown_delivery_kind_becomes_an_incident_at_once(
    api: Api, container: Container, clock: Clock
) -> None:
    box = outbox(container, clock, Receiver())
    case_id, row_id = case_with_row(api, container, clock)
    box.handlers.clear()
    assert box.deliver(row_id) == "failed"
    incidents = api.get(f"/cases/{case_id}", "anna").get_json()["incidents"]
    assert [i["code"] for i in incidents] == ["delivery-kind-unknown"]
