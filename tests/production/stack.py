"""egov in production mode on loopback: PostgreSQL, Redis, gunicorn, `egov worker` and
`egov scheduler` as separate OS processes, each in its own session so that a test can kill
a worker with all its pool processes (`kill -9` on the process group).

`start_serve()` runs the embedded mode instead (`egov serve`, SQLite, no broker) under the
same name "web", so the crash tests kill and restart either with `restart_web()`.

Used by tests/production and by benchmarks/intake_throughput.py.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from egov.container import Container, build
from egov.outbox.service import enqueue
from egov.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "schemas" / "xfall" / "examples" / "valid" / "buergerbudget-zwei-anhaenge.xml"
EXAMPLE_UUID = "6f1c2b1e-8a4d-4c1e-9f7a-1b2c3d4e5f60"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message(message_uuid: str | None = None) -> tuple[str, bytes]:
    """An XFall message (two attachments) with a fresh or the given message UUID."""
    message_uuid = message_uuid or str(uuid.uuid4())
    body = EXAMPLE.read_bytes().replace(EXAMPLE_UUID.encode(), message_uuid.encode())
    return message_uuid, body


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    seconds: float


@dataclass
class Stack:
    root: Path
    database_url: str
    broker_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)
    receipts: set[str] = field(default_factory=set)  # submission ids answered to clients
    web_workers: int = 0  # gunicorn workers; 0: the web process is `egov serve`
    _container: Container | None = None
    _token: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("EGOV_")}
        env.update(
            {
                "EGOV_ENV": "test",
                "EGOV_DATA_DIR": str(self.root / "var"),
                "EGOV_DATABASE_URL": self.database_url,
                "EGOV_BROKER_URL": self.broker_url,
                "EGOV_HOST": "127.0.0.1",
                "EGOV_PORT": str(self.port),
                "EGOV_PUBLIC_URL": self.url,
                "EGOV_SECRET_KEY": "production-test-secret-key-0123456789abcdef",
                "EGOV_BUERGERBUDGET_BALLOT_KEY": "production-test-ballot-key-0123456789abcdef",
                "EGOV_AUDIT_SIGNING_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "EGOV_BPMN_DIR": str(ROOT / "bpmn"),
                "EGOV_SCHEMAS_DIR": str(ROOT / "schemas"),
                "EGOV_LOG_LEVEL": "WARNING",
                # load from one address: far more than a person sends (limits tested elsewhere)
                "EGOV_RATE_LIMIT_INTAKE": "1000000/minute",
                "EGOV_RATE_LIMIT_TOKEN_FAILURES": "1000000/minute",
                "PYTHONPATH": str(ROOT),
                **self.extra_env,
            }
        )
        return env

    def container(self) -> Container:
        """The same wiring in the test process (reads the database, sends tasks). Built
        before any server starts, so the dev IdP key exists before the web workers race."""
        if self._container is None:
            self._container = build(Settings.from_env(self.env))
        return self._container

    def token(self) -> str:
        if not self._token:
            idp = self.container().dev_idp
            assert idp is not None
            self._token = idp.token_for("portal")
        return self._token

    def start_web(self, workers: int = 2) -> None:
        self.web_workers = workers
        self._start_web()

    def start_serve(self) -> None:
        """The embedded mode: `egov serve` (werkzeug, threaded) with its sweeping thread."""
        self.web_workers = 0
        self._start_web()

    def restart_web(self) -> None:
        """kill -9 the web processes (gunicorn's arbiter and all its workers), start anew."""
        self.kill("web")
        self._start_web()

    def _start_web(self) -> None:
        self.container()
        if self.web_workers:
            env = {**self.env, "EGOV_WEB_WORKERS": str(self.web_workers), "EGOV_WEB_THREADS": "8"}
            gunicorn = [str(BIN / "gunicorn"), "-c", str(ROOT / "egov" / "gunicorn.conf.py")]
            self._spawn("web", [*gunicorn, "egov.wsgi:app"], env)
        else:
            self._spawn("web", [str(BIN / "egov"), "serve"])
        self.wait_until(self._ready, 30, "the web process ready")

    def start_worker(self, name: str = "worker", concurrency: int = 2) -> None:
        self._spawn(name, [str(BIN / "egov"), "worker", f"--concurrency={concurrency}"])

    def start_scheduler(self) -> None:
        self._spawn("scheduler", [str(BIN / "egov"), "scheduler"])

    def kill(self, name: str) -> None:
        """kill -9 the process and its pool children (a machine or container dying)."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        for log in self.logs.values():
            log.close()
        if self._container is not None:
            self._container.db.dispose()

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def submit(self, body: bytes) -> Answer:
        request = urllib.request.Request(
            f"{self.url}/api/v1/submissions",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {self.token()}", "Content-Type": "application/xml"},
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        answer = Answer(status, json.loads(raw or b"{}"), time.perf_counter() - started)
        if status in (200, 201):
            self.receipts.add(answer.body["submission_id"])
        return answer

    def send_row(
        self, case_id: str, kind: str, payload: dict[str, Any], seconds: float = 75
    ) -> str:
        """Write an outbox row as a workflow step would, in its own transaction, then dispatch
        it after the commit (production: `egov.deliver-outbox`; with the broker down the
        sweep finds it). A write that fails (the database restarts, a step holds the case's
        trail) is retried for up to `seconds`."""
        container = self.container()
        deadline = time.monotonic() + seconds
        while True:
            try:
                with container.db.transaction() as session:
                    row_id = enqueue(
                        session, case_id=case_id, kind=kind, payload=payload, now=container.clock()
                    )
                break
            except SQLAlchemyError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        container.workflows.on_outbox([row_id])
        return row_id

    def wait_until(self, check: Callable[[], bool], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return
            self.fail_if_dead()
            time.sleep(0.1)
        raise AssertionError(f"timed out after {seconds} s waiting for {what}\n{self.tails()}")

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        if name not in self.logs:
            self.logs[name] = open(self.root / f"{name}.log", "ab")  # noqa: SIM115
        log = self.logs[name]
        self.processes[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def fail_if_dead(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}\n{self.tails()}")

    def tails(self) -> str:
        return "\n".join(f"--- {name}\n{self.log_tail(name)}" for name in self.logs)
