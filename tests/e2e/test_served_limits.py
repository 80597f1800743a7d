"""Oversized request lines and header fields against real servers: `egov serve` (werkzeug)
and gunicorn with egov/gunicorn.conf.py answer problem+json with 414/431, whether egov's own
limits refuse (EGOV_MAX_URL_BYTES, EGOV_MAX_HEADER_BYTES, EGOV_MAX_HEADER_FIELDS) or the
server's (werkzeug: 64 KiB lines, 100 fields; gunicorn: the limits of gunicorn.conf.py).
Requests go over raw sockets, byte for byte as a hostile client sends them.

Requests the server refuses itself are sent without their end, so that nothing is left unread
when it closes the connection (unread bytes make the kernel reset it, which can swallow the
answer before the client reads it)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.served_app import EGOV, ROOT, free_port, wait_ready

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, Any]:
        assert self.headers.get("content-type") == "application/problem+json", self
        problem: dict[str, Any] = json.loads(self.body)
        assert problem["status"] == self.status and problem["correlation_id"]
        return problem


def exchange(port: int, request: bytes) -> Answer:
    """Send `request`, read until the server closes, parse the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(lines[0].split()[1]), headers, body)


def get(target: str, *headers: str, end: bool = True) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + ("\r\n\r\n" if end else "\r\n")).encode("latin-1")


@dataclass
class Served:
    port: int
    kind: str  # embedded | gunicorn


def environment(tmp: Path, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "EGOV_DATA_DIR": str(tmp / "var"),
        "EGOV_HOST": "127.0.0.1",
        "EGOV_PORT": str(port),
        "EGOV_LOG_LEVEL": "WARNING",
        "EGOV_WEB_WORKERS": "1",
        "EGOV_WEB_THREADS": "2",
    }
    env.pop("EGOV_DATABASE_URL", None)
    env.pop("EGOV_BROKER_URL", None)
    return env


@pytest.fixture(scope="module", params=["embedded", "gunicorn"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp(f"served-{request.param}")
    port = free_port()
    env = environment(tmp, port)
    subprocess.run([EGOV, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    command = (
        [EGOV, "serve"]
        if request.param == "embedded"
        else [GUNICORN, "-c", str(ROOT / "egov" / "gunicorn.conf.py"), "egov.wsgi:app"]
    )
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz", server)
        yield Served(port, request.param)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_request_within_the_limits_is_answered_as_usual(served: Served) -> None:
    answer = exchange(served.port, get("/healthz?" + "q" * 7000, "X-Padding: " + "p" * 20_000))
    assert answer.status == 200, answer
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


def test_a_target_over_egovs_limit_is_a_414_problem(served: Served) -> None:
    answer = exchange(served.port, get("/healthz?" + "q" * 8100))
    assert answer.status == 414
    assert answer.problem()["code"] == "request-uri-too-large"


def test_a_request_line_over_the_servers_limit_is_a_414_problem(served: Served) -> None:
    # werkzeug reads at most 65537 bytes of a line, gunicorn 8190 (+ CRLF): one byte more
    size = 65537 if served.kind == "embedded" else 8193
    line = b"GET /healthz?" + b"q" * (size - len(b"GET /healthz?"))
    answer = exchange(served.port, line)
    assert answer.status == 414, answer
    assert answer.problem()["code"] == "request-uri-too-large"


def test_header_fields_over_egovs_size_limit_are_a_431_problem(served: Served) -> None:
    answer = exchange(served.port, get("/healthz", "X-Padding: " + "p" * 33_000))
    assert answer.status == 431, answer
    assert answer.problem()["code"] == "request-header-fields-too-large"


def test_more_header_fields_than_egov_allows_are_a_431_problem(served: Served) -> None:
    fields = [f"X-Field-{i}: v" for i in range(70)]
    answer = exchange(served.port, get("/healthz", *fields))
    assert answer.status == 431, answer
    assert answer.problem()["code"] == "request-header-fields-too-large"


def test_more_header_fields_than_the_server_allows_are_a_431_problem(served: Served) -> None:
    # werkzeug stops after its 101st field, gunicorn reads the whole head first
    count, end = (101, False) if served.kind == "embedded" else (130, True)
    fields = [f"X-Field-{i}: v" for i in range(count - 2)]  # Host and Connection count
    answer = exchange(served.port, get("/healthz", *fields, end=end))
    assert answer.status == 431, answer
    assert answer.problem()["code"] == "request-header-fields-too-large"


def test_a_header_field_over_the_servers_size_limit_is_a_431_problem(served: Served) -> None:
    if served.kind == "embedded":  # a line of 65537 bytes, nothing after it
        head = get("/healthz", end=False) + b"X-Padding: " + b"p" * (65537 - 11)
    else:  # over limit_request_field_size, head complete
        head = get("/healthz", "X-Padding: " + "p" * 45_000)
    answer = exchange(served.port, head)
    assert answer.status == 431, answer
    assert answer.problem()["code"] == "request-header-fields-too-large"
