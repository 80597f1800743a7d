"""A real forward HTTP proxy on 127.0.0.1, as a city network puts in front of the internet.

It forwards plain-http requests in absolute form (``POST http://host:port/path``) and tunnels
``CONNECT host:port`` (https), and records what it carried in ``seen`` (method and target), so a
test can tell that a call went through it and not around it.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "proxy-authorization", "te"}


@dataclass
class ProxyLog:
    seen: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, target: str) -> None:
        with self.lock:
            self.seen.append((method, target))


class _Handler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def _forward(self, head: bool = False) -> None:
        self.server.log.add(self.command, self.path)
        target = urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            self.send_error(400, "absolute http URL expected")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=10)
        try:
            path = (target.path or "/") + (f"?{target.query}" if target.query else "")
            upstream.request(self.command, path, body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
        except OSError:
            self.send_error(502, "upstream unreachable")
            return
        finally:
            upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP_BY_HOP | {"content-length", "transfer-encoding"}:
                self.send_header(name, value)
        if head:
            self.send_header("Content-Length", answer.getheader("Content-Length") or "0")
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_MKCOL = do_PROPFIND = do_PROPPATCH = _forward

    def do_HEAD(self) -> None:
        self._forward(head=True)

    def do_CONNECT(self) -> None:
        self.server.log.add("CONNECT", self.path)
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except (OSError, ValueError):
            self.send_error(502, "upstream unreachable")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self._pipe(self.connection, upstream)
        self.close_connection = True

    @staticmethod
    def _pipe(client: socket.socket, upstream: socket.socket) -> None:
        with upstream:
            sockets = [client, upstream]
            while True:
                readable, _, broken = select.select(sockets, [], sockets, 10)
                if broken or not readable:
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log = ProxyLog()


@contextmanager
def running_proxy() -> Iterator[tuple[str, ProxyLog]]:
    """Start a proxy; yields (its URL for HTTP_PROXY/HTTPS_PROXY, what it carried)."""
    server = _ProxyServer()
    thread = threading.Thread(target=server.serve_forever, name="test-proxy", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}", server.log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
