"""One production-mode stack for the whole folder: a database copied from the migrated
template, Redis, gunicorn with three workers, `egov scheduler`, a deduplicating receiver.
Workers are started by the tests (the first test needs a moment without any)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _admin, _with_db
from tests.production.receiver import Receiver
from tests.production.stack import Stack
from tests.support.redis import redis_or_skip

LEASE_SECONDS = 3  # a crashed delivery is noticed this long after its claim
MAX_DELIVERIES = 3


@pytest.fixture(scope="package")
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    yield found
    found.stop()


@pytest.fixture(scope="package")
def stack(
    postgres_server_url: str,
    postgres_template: str,
    tmp_path_factory: pytest.TempPathFactory,
    receiver: Receiver,
) -> Iterator[Stack]:
    _admin(postgres_server_url, "DROP DATABASE IF EXISTS egov_production")
    _admin(postgres_server_url, f"CREATE DATABASE egov_production TEMPLATE {postgres_template}")
    root: Path = tmp_path_factory.mktemp("production")
    with redis_or_skip() as broker_url:
        running = Stack(
            root,
            _with_db(postgres_server_url, "egov_production"),
            broker_url,
            extra_env={
                "EGOV_PLUGINS": "tests.production.plugin",
                "EGOV_TEST_RECEIVER_URL": receiver.url,
                "EGOV_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
                "EGOV_TASK_MAX_DELIVERIES": str(MAX_DELIVERIES),
                "EGOV_SWEEP_INTERVAL_SECONDS": "0.5",
            },
        )
        try:
            running.start_web(workers=3)
            running.start_scheduler()
            yield running
        finally:
            running.close()
