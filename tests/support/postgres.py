"""A throwaway PostgreSQL server on loopback, started by the test session.

Uses EGOV_TEST_POSTGRES_URL when set; otherwise runs initdb + postgres from the Debian
packages in a temp folder (as the `postgres` OS user when the tests run as root).

The crash tests also stop it the hard way and start it again on the same data folder and
port: `kill9()` (postmaster and every backend die at once, like the database's container or
machine being killed; the next start runs crash recovery from the WAL), `stop_fast()` (what
`pg_ctl stop -m fast` does) and `restart()`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

import psycopg

from tests.support.servers import started_or_skip


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

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://egov@127.0.0.1:{self.port}/postgres"

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[bytes]:
        if self.as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, capture_output=True, check=False, timeout=120)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.root, "postgres")
        result = self._run(
            [
                _bin("initdb"),
                "-D",
                str(self.data),
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
        self._launch()
        return self.url

    def _launch(self) -> None:
        """Start the postmaster on the data folder (crash recovery first, if it crashed)."""
        cmd = [
            _bin("postgres"),
            "-D",
            str(self.data),
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
            "-c",
            "fsync=on",
        ]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        if self.log is None:
            self.log = open(self.root / "server.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, seconds: float = 30) -> None:
        """Until a session can run a query (the port opens before crash recovery ends)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise PostgresUnavailable(self.log_tail())
            try:
                with psycopg.connect(
                    f"host=127.0.0.1 port={self.port} user=egov dbname=postgres",
                    connect_timeout=2,
                ) as conn:
                    conn.execute("SELECT 1")
                    return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise PostgresUnavailable(f"PostgreSQL did not start within {seconds} s\n{self.log_tail()}")

    def log_tail(self, chars: int = 2000) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def postmaster_pid(self) -> int:
        """The postmaster's pid: the first line of postmaster.pid (the Popen is `runuser`
        when the tests run as root, so its pid is not the server's)."""
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def kill9(self) -> None:
        """SIGKILL the postmaster and all its backends at once; nothing gets to clean up.
        The postmaster is frozen first so that it forks no backend while they are listed."""
        pid = self.postmaster_pid()
        os.kill(pid, signal.SIGSTOP)
        doomed = [pid, *_children(pid)]
        for victim in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        self._reap(doomed)

    def stop_fast(self) -> None:
        """A fast shutdown (SIGINT): sessions are cut off, a checkpoint is written."""
        pid = self.postmaster_pid()
        doomed = [pid, *_children(pid)]
        os.kill(pid, signal.SIGINT)
        self._reap(doomed)

    def restart(self, *, kill: bool = False, downtime: float = 0.0) -> None:
        """Stop (kill -9 or fast), stay down `downtime` seconds, start again on the same
        data folder and port."""
        if kill:
            self.kill9()
        else:
            self.stop_fast()
        time.sleep(downtime)
        self._launch()

    def _reap(self, pids: list[int], seconds: float = 30) -> None:
        """Wait until the old server's processes are gone: a new postmaster refuses to start
        while a backend of the old one still holds the shared memory."""
        deadline = time.monotonic() + seconds
        while self.process is not None and self.process.poll() is None:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"{self.process.args!r} outlived the stop")
            # `runuser` stops itself when its child stops (kill9's SIGSTOP): wake it up
            os.kill(self.process.pid, signal.SIGCONT)
            time.sleep(0.05)
        while any(_alive(pid) for pid in pids):
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"PostgreSQL processes {pids} outlived the stop")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.stop_fast()  # a smart shutdown (SIGTERM) would wait for pooled sessions
            except (OSError, ValueError, subprocess.TimeoutExpired, PostgresUnavailable):
                self.kill9()
        if self.log is not None:
            self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _children(pid: int) -> list[int]:
    """Pids whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Running, i.e. neither gone nor a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def postgres_or_skip() -> contextlib.AbstractContextManager[PostgresServer]:
    """A dedicated server for one test module (e.g. one the test may kill); fails under
    CI=true when it cannot start, is skipped otherwise."""
    return started_or_skip(PostgresServer(), "PostgreSQL", (PostgresUnavailable, OSError))
