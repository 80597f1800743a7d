"""A test-only plugin (EGOV_PLUGINS=tests.production.plugin): two outbox delivery kinds.

- `test.http`: POSTs the payload to EGOV_TEST_RECEIVER_URL with the row's idempotency key,
  as a real adapter would (the receiver deduplicates).
- `test.crash`: kills the process that delivers it (os._exit), like a segfault or the OOM
  killer would; only a delivery cap stops it from taking down worker after worker.
- `Workflows.advance` kills its process too for the case ids in the Redis set
  `egov:test:crash-cases` (a step that crashes the worker, not the outbox).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from redis import Redis

from egov.container import Container
from egov.outbox.service import Delivery, DeliveryError

CRASH_CASES = "egov:test:crash-cases"


def register(container: Container) -> None:
    container.outbox.register("test.http", deliver_http)
    container.outbox.register("test.crash", crash)
    advance = container.workflows.advance

    def crashing_advance(case_id: str) -> bool:
        if Redis.from_url(os.environ["EGOV_BROKER_URL"]).sismember(CRASH_CASES, case_id):
            os._exit(71)
        return advance(case_id)

    container.workflows.advance = crashing_advance  # type: ignore[method-assign]


def deliver_http(delivery: Delivery) -> None:
    request = urllib.request.Request(
        os.environ["EGOV_TEST_RECEIVER_URL"],
        data=json.dumps(delivery.payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": delivery.idempotency_key},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"receiver: {exc}", code="receiver-error") from exc


def crash(_delivery: Delivery) -> None:
    os._exit(70)
