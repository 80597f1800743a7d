"""A receiver on loopback that deduplicates by Idempotency-Key, like a DMS or Fachverfahren
should: every request is logged, the effect happens once per key. A payload with
`{"sleep": s}` makes the first request of its key take that long (a slow receiver)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.effects: dict[str, dict[str, Any]] = {}
        self.applied: list[str] = []  # the dedup log: one line per effect
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/effects"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def receive(self, key: str, payload: dict[str, Any]) -> None:
        with self.lock:
            self.requests[key] += 1
            first = self.requests[key] == 1
        if first:
            time.sleep(float(payload.get("sleep", 0)))
        with self.lock:
            if key not in self.effects:  # the effect: once per key
                self.effects[key] = payload
                self.applied.append(key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                receiver.receive(self.headers.get("Idempotency-Key", ""), payload)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
