"""A real WebDAV server on loopback for tests: wsgidav on its cheroot server, in a thread.

It serves a folder with basic auth for one user and keeps dead properties (PROPPATCH) in
memory. `webdav_server()` yields it and stops it; when it cannot start, `WebDavUnavailable`
(tests skip on that, and fail when CI=true: see `serve_or_skip`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.servers import started_or_skip


class WebDavUnavailable(RuntimeError):
    pass


@dataclass
class WebDavServer:
    root: Path
    username: str
    password: str
    host: str = "127.0.0.1"
    port: int = 0
    _server: Any = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> None:
        try:
            from cheroot import wsgi
            from wsgidav.wsgidav_app import WsgiDAVApp
        except ImportError as exc:  # the dev extra is not installed
            raise WebDavUnavailable(f"wsgidav/cheroot not importable: {exc}") from exc
        app = WsgiDAVApp(self._config())
        self._server = wsgi.Server((self.host, self.port), app, numthreads=4)
        try:
            self._server.prepare()  # binds, so the port is known below
        except OSError as exc:
            raise WebDavUnavailable(f"cannot bind {self.host}: {exc}") from exc
        self.port = int(self._server.bind_addr[1])
        self._thread = threading.Thread(target=self._server.serve, name="webdav", daemon=True)
        self._thread.start()
        self._wait_until_listening()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _config(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "provider_mapping": {"/": str(self.root)},
            "simple_dc": {"user_mapping": {"*": {self.username: {"password": self.password}}}},
            "http_authenticator": {
                "domain_controller": None,
                "accept_basic": True,
                "accept_digest": False,
                "default_to_digest": False,
            },
            "property_manager": True,  # in-memory dead properties, so PROPPATCH works
            "lock_storage": True,
            "dir_browser": {"enable": False},
            "verbose": 0,
            "logging": {"enable": False},
        }

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise WebDavUnavailable(f"WebDAV server did not listen on port {self.port}")


@contextmanager
def webdav_server(root: Path, username: str, password: str) -> Iterator[WebDavServer]:
    """A running WebDAV server serving `root`; stopped on exit. Raises `WebDavUnavailable`."""
    root.mkdir(parents=True, exist_ok=True)
    server = WebDavServer(root, username, password)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def serve_or_skip(root: Path, username: str, password: str) -> AbstractContextManager[WebDavServer]:
    """Like `webdav_server`, but skip the test if it cannot start (fail when CI=true)."""
    root.mkdir(parents=True, exist_ok=True)
    server = WebDavServer(root, username, password)
    return started_or_skip(server, "the WebDAV test server", (WebDavUnavailable,))


def free_port() -> int:
    """A loopback port nobody listens on (for 'server down' tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
