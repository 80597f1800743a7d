"""egov's outbound HTTP client against a real server on loopback: answers are read only up
to their cap, also without a Content-Length (chunked) and compressed ones are not expanded;
threads share one pooled session per origin; failures are sorted for the callers' codes."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import requests

from egov.http_client import HttpOptions, OutboundHttp, TooLarge, failure_kind, read_capped
from egov.identity.jwks import JsonFetcher, KeysUnavailable

BIG = b"x" * 300_000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[dict[str, str]]] = []
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            self.seen.append({k.lower(): v for k, v in self.headers.items()})
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(BIG), 10_000):
                part = BIG[start : start + 10_000]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/gzip":
            body = gzip.compress(b'{"keys": []}' + b" " * 1_000_000)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
        else:
            body = b'{"keys": []}'
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # the client stopped reading at its cap: the rest cannot be written


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = []
    httpd = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_chunked_answer_is_cut_off_at_the_cap(server: str) -> None:
    http = OutboundHttp()
    with http.request("GET", f"{server}/chunked") as response, pytest.raises(TooLarge):
        read_capped(response, 100_000)
    with pytest.raises(KeysUnavailable, match="larger than"):
        JsonFetcher(max_bytes=100_000, http=http).get(f"{server}/chunked")


def test_a_compressed_answer_is_not_expanded_behind_the_cap(server: str) -> None:
    with pytest.raises(KeysUnavailable, match="not JSON"):  # the raw gzip bytes, not 1 MB
        JsonFetcher(max_bytes=100_000).get(f"{server}/gzip")
    assert _Handler.seen[-1]["accept-encoding"] == "identity"


def test_threads_share_one_session_and_every_call_names_egov(server: str) -> None:
    http = OutboundHttp(HttpOptions(user_agent="egov/test"))

    def fetch(_: int) -> bytes:
        return http.get_json_bytes(f"{server}/keys", 1000)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, range(40)))

    assert set(answers) == {b'{"keys": []}'}
    assert len(http._sessions) == 1
    assert {h["user-agent"] for h in _Handler.seen} == {"egov/test"}
    assert not any("cookie" in h for h in _Handler.seen)


def test_only_http_and_https_are_called() -> None:
    with pytest.raises(requests.exceptions.InvalidURL):
        OutboundHttp().request("GET", "file:///etc/passwd")


def test_failures_are_sorted_into_timeout_tls_and_unreachable() -> None:
    assert failure_kind(requests.exceptions.SSLError()) == "tls"
    assert failure_kind(requests.exceptions.ReadTimeout()) == "timeout"
    assert failure_kind(requests.exceptions.ConnectTimeout()) == "timeout"
    assert failure_kind(requests.exceptions.ProxyError()) == "unreachable"
    assert failure_kind(requests.exceptions.ConnectionError()) == "unreachable"
