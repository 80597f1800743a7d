"""A throwaway Redis server on loopback (Debian's redis-server; .ci/run installs it).

`redis_or_skip()` yields its URL and stops it; when it cannot start the test fails under
CI=true and is skipped otherwise. No persistence: a restart of Redis loses the queue, which
is what the production mode must survive anyway (the database is the source of truth);
`restart()` does exactly that (kill -9, then a fresh server on the same port).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from tests.support.servers import started_or_skip


class RedisUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="egov-redis-"))
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise RedisUnavailable("redis-server not found (apt-get install redis-server)")
        args = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.root), "--protected-mode", "yes"]
        log = open(self.root / "redis.log", "ab")  # noqa: SIM115 - the child keeps it
        with log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self.url

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RedisUnavailable((self.root / "redis.log").read_text()[-2000:])
            if self._pong():
                return
            time.sleep(0.05)
        raise RedisUnavailable("redis-server did not answer within 15 s")

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill9(self) -> None:
        """SIGKILL the server: every queued and unacknowledged message is gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self, downtime: float = 0.0) -> None:
        """kill -9, stay down `downtime` seconds, then an empty server on the same port
        (clients reconnect to it)."""
        self.kill9()
        time.sleep(downtime)
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def redis_or_skip() -> Iterator[str]:
    with redis_server_or_skip() as server:
        yield server.url


def redis_server_or_skip() -> AbstractContextManager[RedisServer]:
    """A started server (e.g. one the test restarts); fails under CI=true when it cannot
    start, is skipped otherwise."""
    return started_or_skip(RedisServer(), "Redis", (RedisUnavailable, OSError))
