"""The receiver example of docs/integrations.md, run exactly as printed, against egov's
Fachverfahren adapter: it accepts the signed delivery, applies a repeat once and refuses a
forged signature. If the guide's code or egov's contract drift apart, this fails."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests

from egov.container import Container
from egov.integrations import fachverfahren, signing
from egov.integrations.fachverfahren import Endpoint, FachverfahrenAdapter
from egov.outbox.service import Outbox
from tests.builders import proposal
from tests.conftest import ROOT, Api
from tests.integration.test_fachverfahren import enqueue_delivery, original_bytes, row
from tests.integration.test_timers_support import FakeClock

GUIDE = ROOT / "docs" / "integrations.md"
SECRET = "guide-secret-0123456789abcdef"
SECRET_ENV = "EGOV_FV_GUIDE_SECRET"


def receiver_example() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    found = re.search(r"<!-- receiver-example -->\n```python\n(.*?)\n```", text, re.DOTALL)
    assert found, "docs/integrations.md lost its receiver example"
    return found.group(1) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def guide_receiver(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    script = tmp_path / "receiver.py"
    script.write_text(receiver_example(), encoding="utf-8")
    port, database = free_port(), tmp_path / "received.sqlite3"
    env = {**os.environ, "FV_SECRET": SECRET, "FV_PORT": str(port), "FV_DB": str(database)}
    process = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "the example receiver exited"
                assert time.monotonic() < deadline, "the example receiver did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/egov/eingang", database, process
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def test_the_guides_receiver_takes_egovs_delivery_once_and_refuses_a_forgery(
    api: Api, container: Container, guide_receiver: tuple[str, Path, subprocess.Popen[str]]
) -> None:
    url, database, _process = guide_receiver
    clock = FakeClock(datetime(2026, 12, 3, 9, 0, 0))
    box = Outbox(db=container.db, clock=clock, max_attempts=4, base_delay=10, jitter=lambda: 1.0)
    adapter = FachverfahrenAdapter(
        container.db,
        container.files,
        {"buergerbudget": Endpoint(url, SECRET_ENV, 5.0)},
        environ={SECRET_ENV: SECRET},
    )
    box.register(fachverfahren.KIND, adapter)
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    items = api.get(f"/cases/{case_id}/documents", "admin").get_json()["items"]
    document_id = next(d["id"] for d in items if d["kind"] == "original-message")
    row_id = enqueue_delivery(container, clock, case_id, document_id)

    assert box.deliver(row_id) == "delivered"

    body = original_bytes(container, document_id)
    key = row(container, row_id).idempotency_key
    again = requests.post(
        url,
        data=body,
        headers={"Idempotency-Key": key, **signing.sign(SECRET.encode(), body, int(time.time()))},
        timeout=5,
    )
    assert (again.status_code, again.json()) == (200, {"status": "received", "duplicate": True})
    forged = requests.post(
        url,
        data=body,
        headers={"Idempotency-Key": "x", **signing.sign(b"someone else", body, int(time.time()))},
        timeout=5,
    )
    assert forged.status_code == 401
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT key, body FROM received").fetchall() == [(key, body)]
