"""Webhooks against a real HTTP receiver on loopback: one outbox row per subscriber per event,
written in the event's transaction, signed, keyed, retried, and applied exactly once."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from egov.app import create_app
from egov.cases.service import change_case
from egov.cases.store import get_case
from egov.container import Container
from egov.integrations import webhooks
from egov.outbox.service import enqueue
from egov.outbox.store import OutboxMessage
from egov.runtime.worker import run_due
from tests.builders import proposal
from tests.conftest import Api, make_settings
from tests.integration.test_timers_support import FakeClock, actions, api_of
from tests.support.receiver import Behaviour, ReceiverState, running_receiver

SECRET = "webhook-test-secret-0123456789"
KEY = SECRET.encode()
SECRET_ENV = "EGOV_WEBHOOK_TEST_SECRET"
OTHER_ENV = "EGOV_WEBHOOK_OTHER_SECRET"


@dataclasses.dataclass
class World:
    api: Api
    container: Container
    clock: FakeClock
    receivers: list[tuple[str, ReceiverState]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, 0))


@pytest.fixture
def behaviours(request: pytest.FixtureRequest) -> list[Behaviour]:
    return list(getattr(request, "param", [Behaviour(KEY)]))


@pytest.fixture
def events(request: pytest.FixtureRequest) -> list[list[str]]:
    return list(getattr(request, "param", [["case.opened", "case.status_changed"]]))


@pytest.fixture
def world(
    database_url: str,
    tmp_path: Path,
    clock: FakeClock,
    behaviours: list[Behaviour],
    events: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv(OTHER_ENV, SECRET)
    with _receivers(behaviours) as receivers:
        subscribers = [
            {"url": url, "events": wanted, "secret_env": env, "timeout_seconds": 2}
            for (url, _state), wanted, env in zip(
                receivers, events, [SECRET_ENV, OTHER_ENV], strict=False
            )
        ]
        settings = dataclasses.replace(
            make_settings(tmp_path / "var", database_url), webhooks=json.dumps(subscribers)
        )
        app: Flask = create_app(settings, clock=clock)
        api = api_of(app)
        yield World(api, api.container, clock, receivers)
        api.container.db.dispose()


class _receivers:
    """Several receivers at once (a context manager)."""

    def __init__(self, behaviours: list[Behaviour]) -> None:
        self.managers = [running_receiver(b) for b in behaviours]

    def __enter__(self) -> list[tuple[str, ReceiverState]]:
        return [m.__enter__() for m in self.managers]

    def __exit__(self, *exc: object) -> None:
        for manager in reversed(self.managers):
            manager.__exit__(None, None, None)


def file_case(world: World) -> str:
    response = world.api.post("/applications", "erika", json=proposal())
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def webhook_rows(container: Container, case_id: str) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.kind == webhooks.KIND)
        .order_by(OutboxMessage.created_at, OutboxMessage.idempotency_key)
    )
    with container.db.reading() as session:
        return list(session.scalars(query))


def set_status(container: Container, case_id: str, status: str, now: datetime) -> None:
    with container.db.transaction() as session:
        case = get_case(session, case_id)
        assert case is not None
        change_case(
            session, case, actor="tests", action="case.status_changed", now=now, status=status
        )


def drain(world: World, rounds: int = 6) -> None:
    """Sweep until nothing is due any more (an hour apart: past every backoff)."""
    for _ in range(rounds):
        run_due(world.container)
        world.clock.advance(hours=1)


def bodies(state: ReceiverState) -> list[dict[str, Any]]:
    return [json.loads(body) for body in state.effects.values()]


def test_every_subscribed_event_is_a_row_written_with_the_event_and_posted_once(
    world: World,
) -> None:
    case_id = file_case(world)
    set_status(world.container, case_id, "in_progress", world.clock())

    rows = webhook_rows(world.container, case_id)
    trail = actions(world.api, case_id)
    subscribed = [a for a in trail if a in ("case.opened", "case.status_changed")]
    assert sorted(r.payload["event"] for r in rows) == sorted(subscribed)
    # the row is written with its event: `outbox.enqueued` directly follows it in the trail
    for index, action in enumerate(trail):
        if action in subscribed:
            assert trail[index + 1] == "outbox.enqueued"

    drain(world)

    ((_url, state),) = world.receivers
    assert sorted(state.effects) == sorted(r.idempotency_key for r in rows)
    assert all(c.signature_ok and c.content_type == "application/json" for c in state.calls)
    status_changes = [b for b in bodies(state) if b["event"] == "case.status_changed"]
    assert {"status": "in_progress"}.items() <= status_changes[-1]["data"].items()


@pytest.mark.parametrize(
    "behaviours", [[Behaviour(KEY, fail_first=2)]], indirect=True, ids=["fail-twice"]
)
def test_a_subscriber_failing_twice_receives_each_event_exactly_once(world: World) -> None:
    case_id = file_case(world)
    set_status(world.container, case_id, "in_progress", world.clock())

    drain(world)

    ((_url, state),) = world.receivers
    rows = webhook_rows(world.container, case_id)
    assert [c.status for c in state.calls[:2]] == [500, 500]
    assert len(state.calls) == len(rows) + 2
    assert sorted(state.effects) == sorted(r.idempotency_key for r in rows)
    assert {r.status for r in rows} == {"delivered"}
    assert all(c.signature_ok for c in state.calls)


def test_the_body_names_the_case_and_carries_nothing_of_the_application(world: World) -> None:
    case_id = file_case(world)
    drain(world)

    ((_url, state),) = world.receivers
    [opened] = [b for b in bodies(state) if b["event"] == "case.opened"]
    case = world.api.get(f"/cases/{case_id}", "anna").get_json()
    assert set(opened) == {"event", "case_id", "case_reference", "occurred_at", "data"}
    assert (opened["case_id"], opened["case_reference"]) == (case_id, case["reference"])
    assert opened["occurred_at"].endswith("Z")
    assert set(opened["data"]) == {"procedure", "status", "due_at"}
    raw = b"".join(state.effects.values()).decode()
    for personal in ("Erika", "Mustermann", "Fahrradbügel", "Holzmarkt"):
        assert personal not in raw


@pytest.mark.parametrize(
    ("behaviours", "events"),
    [([Behaviour(KEY), Behaviour(KEY)], [["case.status_changed"], ["case.closed"]])],
    indirect=True,
    ids=["two-subscribers"],
)
def test_each_subscriber_gets_only_its_events(world: World) -> None:
    case_id = file_case(world)
    set_status(world.container, case_id, "in_progress", world.clock())
    drain(world)

    (_a, first), (_b, second) = world.receivers
    assert {b["event"] for b in bodies(first)} == {"case.status_changed"}
    assert bodies(second) == []


def test_a_change_that_rolls_back_leaves_no_webhook(world: World) -> None:
    case_id = file_case(world)
    before = len(webhook_rows(world.container, case_id))

    with pytest.raises(RuntimeError), world.container.db.transaction() as session:
        case = get_case(session, case_id)
        assert case is not None
        now = world.clock()
        change_case(session, case, actor="t", action="case.status_changed", now=now, status="x_y")
        raise RuntimeError("the change failed")

    assert len(webhook_rows(world.container, case_id)) == before


@pytest.mark.parametrize(
    ("behaviours", "events"),
    [([Behaviour(KEY, status=400)], [["case.opened", "incident.opened"]])],
    indirect=True,
    ids=["refusing"],
)
def test_a_failed_webhook_is_an_incident_that_is_not_announced_by_webhook(world: World) -> None:
    case_id = file_case(world)
    drain(world)

    rows = webhook_rows(world.container, case_id)
    assert [(r.payload["event"], r.status) for r in rows] == [("case.opened", "failed")]
    incidents = world.api.get(f"/cases/{case_id}", "anna").get_json()["incidents"]
    assert [i["code"] for i in incidents] == ["webhook-refused"]


@pytest.mark.parametrize("events", [[["incident.opened"]]], indirect=True, ids=["incidents"])
def test_an_incident_of_another_delivery_is_announced(world: World) -> None:
    case_id = file_case(world)
    with world.container.db.transaction() as session:
        enqueue(session, case_id=case_id, kind="no.such.kind", payload={}, now=world.clock())
    drain(world)

    ((_url, state),) = world.receivers
    [announced] = bodies(state)
    assert announced["event"] == "incident.opened"
    assert announced["data"]["code"] == "delivery-kind-unknown"


def test_a_broken_webhook_setting_stops_the_start_with_a_clear_error(
    database_url: str, tmp_path: Path
) -> None:
    hooks = json.dumps(
        [{"url": "https://x.example/h", "events": ["case.eaten"], "secret_env": "X"}]
    )
    settings = dataclasses.replace(make_settings(tmp_path, database_url), webhooks=hooks)
    with pytest.raises(ValueError, match=r"EGOV_WEBHOOKS\[0\]: 'events'"):
        create_app(settings)


def test_no_webhooks_configured_means_no_listener_and_no_rows(api: Api) -> None:
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    assert webhooks.KIND not in api.container.outbox.handlers
    assert webhook_rows(api.container, case_id) == []
