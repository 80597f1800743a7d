"""`make run` on a fresh machine: a Bauantrag filed against the served app passes its
Fachverfahren step without an incident, because in development the stub Fachverfahren
(/dev-fachverfahren) receives and verifies the signed call. Separate commands, real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from egov.integrations import signing
from tests.e2e.served_app import EGOV, ROOT, free_port, wait_ready

EXAMPLE = ROOT / "schemas" / "xbau" / "examples" / "valid" / "bauantrag-einfamilienhaus.xml"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = {
        **os.environ,
        "EGOV_DATA_DIR": str(tmp_path / "var"),
        "EGOV_PORT": str(port),
        "EGOV_LOG_LEVEL": "WARNING",
        "EGOV_URL": f"http://127.0.0.1:{port}",
    }
    for name in ("EGOV_DATABASE_URL", "EGOV_ENV", "EGOV_FACHVERFAHREN_CONFIG", "EGOV_DMS_URL"):
        env.pop(name, None)
    for name in PROXY_VARIABLES:
        env.pop(name, None)
        env.pop(name.lower(), None)
    for step in ("migrate", "demo-setup", "deploy"):
        subprocess.run([EGOV, step], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [EGOV, "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_ready(env["EGOV_URL"] + "/readyz", server)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr:
            server.stderr.close()


def token(env: dict[str, str], user: str) -> str:
    result = subprocess.run(
        [EGOV, "dev-token", user], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def call(
    url: str, bearer: str | None = None, body: bytes | None = None, **headers: str
) -> tuple[int, Any]:
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_a_bauantrag_passes_the_fachverfahren_step_of_a_fresh_instance_without_incident(
    served: dict[str, str],
) -> None:
    base = served["EGOV_URL"]
    status, receipt = call(
        f"{base}/api/v1/submissions",
        token(served, "portal"),
        EXAMPLE.read_bytes(),
        **{"Content-Type": "application/xml"},
    )
    assert status == 201, receipt
    admin = token(served, "admin")
    case_url = f"{base}/api/v1/cases/{receipt['case_id']}"

    delivered: list[str | None] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "fachverfahren.deliver" not in delivered:
        events = call(f"{case_url}/events", admin)[1]["items"]
        delivered = [
            (e.get("after") or {}).get("kind") for e in events if e["action"] == "outbox.delivered"
        ]
        time.sleep(0.3)

    assert "fachverfahren.deliver" in delivered and "dms.store" in delivered
    case = call(case_url, admin)[1]
    assert case["incidents"] == []
    assert case["status"] == "forwarded"


def test_the_stub_refuses_an_unsigned_or_forged_call(served: dict[str, str]) -> None:
    url = f"{served['EGOV_URL']}/dev-fachverfahren/bauantrag"
    body = b"<antrag/>"
    unsigned = call(url, None, body, **{"Content-Type": "application/xml", "Idempotency-Key": "k"})
    forged = call(
        url,
        None,
        body,
        **{"Content-Type": "application/xml", "Idempotency-Key": "k"},
        **signing.sign(b"not the stub's secret", body, int(time.time())),
    )
    assert unsigned == (401, {"status": "refused", "code": "signature-missing"})
    assert forged == (401, {"status": "refused", "code": "signature-invalid"})

    secret = (Path(served["EGOV_DATA_DIR"]) / "dev-fachverfahren.secret").read_bytes()
    signed = {"Idempotency-Key": "k", **signing.sign(secret, body, int(time.time()))}
    first, again = call(url, None, body, **signed), call(url, None, body, **signed)
    assert first[0] == again[0] == 200
    assert (first[1]["duplicate"], again[1]["duplicate"]) == (False, True)
    assert first[1]["vorgangsnummer"] == again[1]["vorgangsnummer"]
