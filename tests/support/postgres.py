"""A throwaway PostgreSQL server on loopback, started by the test session.

Uses EGOV_TEST_POSTGRES_URL when set; otherwise runs initdb + postgres from the Debian
packages in a temp folder (as the `postgres` OS user when the tests run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import BinaryIO


class PostgresUnavailable(RuntimeError):
    pass


def _bin(name: str) -> str:
    found = shutil.which(name) if name != "initdb" else None
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    if found:
        return found
    raise PostgresUnavailable(f"{name} not found (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="egov-pg-"))
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log: BinaryIO | None = None
        self.as_root = os.geteuid() == 0

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[bytes]:
        if self.as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, capture_output=True, check=False, timeout=120)

    def start(self) -> str:
        data = self.root / "data"
        if self.as_root:
            shutil.chown(self.root, "postgres")
        result = self._run(
            [
                _bin("initdb"),
                "-D",
                str(data),
                "-U",
                "egov",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ]
        )
        if result.returncode != 0:
            raise PostgresUnavailable(result.stderr.decode(errors="replace")[-2000:])
        cmd = [
            _bin("postgres"),
            "-D",
            str(data),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={self.root}",
            "-c",
            "max_connections=200",
            "-c",
            "synchronous_commit=on",
        ]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        self.log = open(self.root / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return f"postgresql+psycopg://egov@127.0.0.1:{self.port}/postgres"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise PostgresUnavailable((self.root / "server.log").read_text()[-2000:])
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    time.sleep(0.3)
                    return
            time.sleep(0.1)
        raise PostgresUnavailable("PostgreSQL did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.log is not None:
            self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)
