"""PostgreSQL and Redis restart while clients file applications and side effects go out,
and afterwards nothing is lost, nothing is doubled and nothing is stuck.

The servers are this module's own (the session's shared PostgreSQL is never touched). The
load is four portal clients re-sending a message under the same UUID until they get its
receipt, and an outbox writer adding a `test.http` side effect for every second case.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from egov.outbox.store import OutboxMessage
from tests.production.crashes import Servers, dedicated_servers, settle, summary
from tests.production.load import Load, OutboxLoad, ReceiptLog
from tests.production.receiver import Receiver
from tests.production.stack import Stack

pytestmark = pytest.mark.postgres

RECEIPTS_BETWEEN = 8  # receipts that must arrive between two restarts (work goes on)
DOWNTIME = 2.0  # seconds each server stays down: clients and workers meet the outage


def slow_delivery_in_flight(
    stack: Stack, effects: OutboxLoad, receiver: Receiver, log: ReceiptLog
) -> str:
    """A delivery that is running (its message unacknowledged, acks_late) when the broker
    goes: its effect must still happen once, and the worker must reconnect rather than exit
    (kombu 5.7 made it exit in about one run in three: see celery_app.UnackedQoS)."""
    row_id = effects.send(log.receipts[0].case_id, {"sleep": 4})
    effects.rows.append(row_id)
    with stack.container().db.reading() as session:
        key = session.get(OutboxMessage, row_id).idempotency_key  # type: ignore[union-attr]
    stack.wait_until(lambda: receiver.requests[key] >= 1, 30, "the slow delivery to begin")
    return row_id


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with dedicated_servers(tmp_path_factory.mktemp("restarts")) as found:
        yield found


def test_restarting_postgres_and_redis_under_load_loses_doubles_and_strands_nothing(
    servers: Servers, receiver: Receiver
) -> None:
    """Pins down: a fast PostgreSQL restart, a Redis restart that loses every queued
    message, and a kill -9 of PostgreSQL, each in the middle of the load, cost the clients
    only re-sends. Afterwards every receipt is in the database, each message has one case,
    every instance reached its first user task or has an open incident, every outbox row is
    delivered (its effect once at the receiver) or failed with an incident, and the
    invariants hold (receipts = submissions = cases, no orphaned files, chains intact)."""
    stack = servers.stack(
        "egov_restarts",
        {"EGOV_PLUGINS": "tests.production.http_plugin", "EGOV_TEST_RECEIVER_URL": receiver.url},
    )
    try:
        stack.start_web(workers=2)
        stack.start_worker("worker", concurrency=2)
        stack.start_scheduler()
        log = ReceiptLog(stack.root / "receipts.jsonl")
        load = Load(stack, log, clients=4).start()
        effects = OutboxLoad(stack, log).start()

        load.wait_for_receipts(RECEIPTS_BETWEEN)
        servers.postgres.restart(downtime=DOWNTIME)  # fast shutdown: sessions cut off
        load.wait_for_receipts(RECEIPTS_BETWEEN)
        slow_delivery_in_flight(stack, effects, receiver, log)  # settled like every row
        servers.redis.restart(downtime=DOWNTIME)  # kill -9; comes back empty: tasks lost
        load.wait_for_receipts(RECEIPTS_BETWEEN)
        servers.postgres.restart(kill=True, downtime=DOWNTIME)  # crash recovery from the WAL
        load.wait_for_receipts(RECEIPTS_BETWEEN)
        load.stop()
        effects.stop()

        assert not load.unanswered and not load.unexpected, load.summary()
        settle(stack, log, receiver)
        print(f"{load.summary()}\n{summary(stack)}")
        assert effects.rows, "the outbox load wrote no rows"
    finally:
        stack.close()
