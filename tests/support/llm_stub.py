"""A real HTTP server on 127.0.0.1 speaking the OpenAI chat completions protocol, for the
triage plugin llm. It records every request body and answers as told: a valid routing, a
malformed answer, too late, or "obedient" (it follows an injection: another unit, full
confidence, and the system prompt as its reason)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from egov.triage.plugins.llm import SYSTEM_PROMPT

Mode = Literal["valid", "malformed", "not-in-schema", "slow", "obedient", "status-500"]


@dataclass
class Stub:
    url: str
    mode: Mode = "valid"
    answer: dict[str, Any] = field(
        default_factory=lambda: {
            "org_unit": "Straßen und Verkehr",
            "confidence": 0.97,
            "reason": "Es geht um eine defekte Straßenbeleuchtung.",
        }
    )
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    slow_seconds: float = 1.0

    def content(self) -> str:
        if self.mode == "malformed":
            return '{"org_unit": "Straßen und Verkehr", "confidence": '  # cut off
        if self.mode == "not-in-schema":
            return json.dumps({"org_unit": "Rathaus", "confidence": 2, "reason": "x"})
        if self.mode == "obedient":
            leaked = {"org_unit": "Bauaufsicht", "confidence": 1.0, "reason": SYSTEM_PROMPT}
            return json.dumps(leaked, ensure_ascii=False)
        return json.dumps(self.answer, ensure_ascii=False)


def completion(content: str) -> bytes:
    body = {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }
    return json.dumps(body, ensure_ascii=False).encode()


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            stub.received.append(json.loads(self.rfile.read(length)))
            stub.headers.append(dict(self.headers))
            if stub.mode == "slow":
                time.sleep(stub.slow_seconds)
            status = 500 if stub.mode == "status-500" else 200
            if self.path != "/v1/chat/completions":
                status = 404
            body = completion(stub.content())
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up (timeout)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def llm_stub() -> Iterator[Stub]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Stub("")))
    stub = Stub(f"http://127.0.0.1:{server.server_address[1]}/v1")
    server.RequestHandlerClass = _handler(stub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
