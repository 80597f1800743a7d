"""egov served for the browser tests the way `make run` serves it: migrate, demo-setup,
deploy, then `egov serve --url-file var/egov.env`, in a folder of its own, on 127.0.0.1 on a
free port (docs/testing.md, "Browser tests and vendored assets")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[2]
EGOV = str(Path(sys.executable).parent / "egov")
READY_SECONDS = 120  # a loaded CI machine
MAKE_RUN_STEPS = ("migrate", "demo-setup", "deploy")  # then `serve --url-file var/egov.env`


@dataclass
class EgovServer:
    """`make run` in a folder of its own: migrate, demo-setup, deploy, `serve --url-file`."""

    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_file: BinaryIO | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("EGOV_")},
            "EGOV_DATA_DIR": str(self.folder / "var"),
            "EGOV_BPMN_DIR": str(ROOT / "bpmn"),
            "EGOV_SCHEMAS_DIR": str(ROOT / "schemas"),
            "EGOV_PORT": str(self.port),
            "EGOV_LOG_LEVEL": "WARNING",
            # the tests log in far more often from one address than a person would (the limit
            # itself: tests/integration/test_rate_limits.py)
            "EGOV_RATE_LIMIT_LOGIN": "100000/minute",
        }

    def start(self) -> EgovServer:
        self.port = free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        for step in MAKE_RUN_STEPS:
            done = subprocess.run([EGOV, step], cwd=self.folder, env=env, capture_output=True)
            if done.returncode != 0:
                raise OSError(f"egov {step} failed: {done.stderr.decode(errors='replace')}")
        self.log_file = (self.folder / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [EGOV, "serve", "--url-file", "var/egov.env"],
            cwd=self.folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise OSError(f"egov serve exited early: {self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise OSError(f"egov serve was not ready within {READY_SECONDS} s: {self.log()}")

    def log(self) -> str:
        path = self.folder / "serve.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
