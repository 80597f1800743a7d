"""`make run` in miniature, for the tests that run the docs' shell examples: migrate,
demo-setup, deploy and `serve --url-file` as separate commands of the installed `egov`, in a
fresh folder with its own `var/`; the examples then run in a fresh shell against it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EGOV = str(Path(sys.executable).parent / "egov")


@dataclass(frozen=True)
class Served:
    url: str
    folder: Path  # the server's working folder: var/ (data, egov.env) lives here

    def fresh_shell(self, **variables: str) -> dict[str, str]:
        """An environment with nothing but PATH, HOME and the given variables."""
        return {"PATH": os.environ["PATH"], "HOME": str(self.folder), **variables}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    folder = tmp_path / "run"
    folder.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EGOV_")},
        "EGOV_DATA_DIR": str(folder / "var"),
        "EGOV_BPMN_DIR": str(ROOT / "bpmn"),
        "EGOV_SCHEMAS_DIR": str(ROOT / "schemas"),
        "EGOV_PORT": str(port),
        "EGOV_LOG_LEVEL": "WARNING",
    }
    for step in ("migrate", "demo-setup", "deploy"):
        subprocess.run([EGOV, step], cwd=folder, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [EGOV, "serve", "--url-file", "var/egov.env"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url + "/readyz", server)
        yield Served(url, folder)
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
