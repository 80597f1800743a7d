"""An OIDC issuer on a loopback port: discovery and JWKS over real HTTP, tokens signed with
its keys. What the verifier, the JWKS cache and the authorization matrix talk to as the
second, third... issuer next to the development IdP."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from egov.identity.tokens import KeyPair, TokenSettings, issue_token

AUDIENCE = "egov-api"
DISCOVERY = "/.well-known/openid-configuration"


class LoopbackIdp:
    """Discovery + JWKS of one issuer on a loopback port; counts requests per path."""

    def __init__(self, realm: str, keys: list[KeyPair]) -> None:
        self.realm = realm
        self.keys = list(keys)
        self.hits: Counter[str] = Counter()
        self.discovery_issuer: str | None = None  # override to simulate a lying discovery
        self.jwks_delay = 0.0
        self.body_override: bytes | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/realms/{self.realm}"

    @property
    def jwks_path(self) -> str:
        return f"/realms/{self.realm}/protocol/openid-connect/certs"

    def jwks_fetches(self) -> int:
        with self._lock:
            return self.hits[self.jwks_path]

    def discovery_fetches(self) -> int:
        with self._lock:
            return self.hits[f"/realms/{self.realm}{DISCOVERY}"]

    def start(self) -> LoopbackIdp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def token(self, key: KeyPair | None = None, issuer: str | None = None, **claims: Any) -> str:
        settings = TokenSettings(issuer=issuer or self.issuer, audience=AUDIENCE)
        body = {"sub": "u-1", "roles": ["citizen"], **claims}
        return issue_token(key or self.keys[0], settings, body)

    def _document(self, path: str) -> dict[str, Any] | None:
        if path == f"/realms/{self.realm}{DISCOVERY}":
            issuer = self.discovery_issuer or self.issuer
            return {"issuer": issuer, "jwks_uri": self.base + self.jwks_path}
        if path == self.jwks_path:
            time.sleep(self.jwks_delay)
            return {"keys": [key.public_jwk() for key in self.keys]}
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with idp._lock:
                    idp.hits[self.path] += 1
                document = idp._document(self.path)
                if document is None:
                    self.send_error(404)
                    return
                body = idp.body_override or json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
