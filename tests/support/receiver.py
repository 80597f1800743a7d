"""A real HTTP receiver on 127.0.0.1 standing in for a Fachverfahren.

It verifies the FIT-Connect callback signature of every call and keeps two logs: `calls`, every
request as it came, and `effects`, what it applied, deduplicated by `Idempotency-Key` (the way
a well-behaved receiver applies a repeated delivery only once). It can be told to answer the
first K calls with 500, to hang longer than the client waits on chosen calls (after applying the
effect: the answer, not the work, is lost), or to answer a fixed status.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from egov.integrations import signing


@dataclass(frozen=True)
class Call:
    number: int
    idempotency_key: str | None
    content_type: str | None
    signature_ok: bool
    status: int


@dataclass
class Behaviour:
    secret: bytes
    fail_first: int = 0  # answer 500 to calls 1..K
    hang_on: frozenset[int] = frozenset()  # call numbers that apply, then sleep `hang_seconds`
    hang_seconds: float = 1.0
    status: int = 200  # the answer when nothing else applies


@dataclass
class ReceiverState:
    behaviour: Behaviour
    calls: list[Call] = field(default_factory=list)
    effects: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, float]:
        """(status to answer, seconds to wait before answering) for one call."""
        key = headers.get("idempotency-key")
        ok = _signed(self.behaviour.secret, body, headers)
        with self.lock:
            number = len(self.calls) + 1
            status, delay = self._decide(number, ok, key, body)
            self.calls.append(Call(number, key, headers.get("content-type"), ok, status))
        return status, delay

    def _decide(self, number: int, ok: bool, key: str | None, body: bytes) -> tuple[int, float]:
        b = self.behaviour
        if not ok:
            return 401, 0.0
        if number <= b.fail_first:
            return 500, 0.0
        if b.status >= 300:
            return b.status, 0.0
        if key is not None:
            self.effects.setdefault(key, body)
        return b.status, (b.hang_seconds if number in b.hang_on else 0.0)


def _signed(secret: bytes, body: bytes, headers: dict[str, str]) -> bool:
    try:
        signing.verify(secret, body, headers, int(time.time()))
    except signing.SignatureError:
        return False
    return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, delay = self.server.state.handle(headers, body)
        if delay:
            time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ReceiverState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # the client gave up (timeout): writing the late answer fails, as it would


@contextmanager
def running_receiver(
    behaviour: Behaviour, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[str, ReceiverState]]:
    """Start a receiver (https with `tls`); yields (its URL, its state)."""
    state = ReceiverState(behaviour)
    server = _Server(state)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="test-receiver", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        scheme = "http" if tls is None else "https"
        yield f"{scheme}://{host!s}:{port}/fachverfahren", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
