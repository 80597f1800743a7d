"""`make run` in miniature: migrate, demo-setup, deploy and serve as separate commands, then
run docs/walkthrough.sh against the real server over HTTP on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EGOV = str(Path(sys.executable).parent / "egov")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = {
        **os.environ,
        "EGOV_DATA_DIR": str(tmp_path / "var"),
        "EGOV_PORT": str(port),
        "EGOV_LOG_LEVEL": "WARNING",
        "EGOV": EGOV,
        "EGOV_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("EGOV_DATABASE_URL", None)
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


def wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("egov serve exited early")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("egov serve did not become ready")


def test_the_documented_walkthrough_runs_against_a_served_instance(served: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", "docs/walkthrough.sh"],
        cwd=ROOT,
        env=served,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "walkthrough ok" in result.stdout
    assert "rejection names the cost rule" in result.stdout
