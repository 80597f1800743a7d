"""A stub Fachverfahren for development: what the shipped Bauantrag forwards to on a fresh
machine (`make run`), so that its Fachverfahren step passes instead of opening an incident.

Only with ``EGOV_ENV=development`` and ``EGOV_DEV_FACHVERFAHREN`` on (the default) does
``egov.container`` build it; ``egov.app`` then serves it at ``POST /dev-fachverfahren/<procedure>``
(``egov/web/dev_fachverfahren.py``), and the Fachverfahren adapter sends every procedure that
``EGOV_FACHVERFAHREN_CONFIG`` does not name there (:func:`fallback_endpoint`). It behaves like a
receiver should (docs/integrations.md): it verifies the FIT-Connect callback signature with
the secret it shares with the adapter (generated once in ``EGOV_DATA_DIR``), refuses unsigned,
forged and stale calls with 401, applies each ``Idempotency-Key`` once and answers 200 with a
receipt ``{status, procedure, vorgangsnummer, duplicate}``. What it received is kept in memory
only (``received``), for a look in the log and in tests.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from egov.integrations import signing
from egov.integrations.fachverfahren import Endpoint, FachverfahrenAdapter
from egov.settings import Settings

SECRET_ENV = "EGOV_DEV_FACHVERFAHREN_SECRET"  # the adapter's name for the stub's secret
PREFIX = "/dev-fachverfahren"
SECRET_FILE = "dev-fachverfahren.secret"
KEPT = 100  # receipts kept in memory

log = logging.getLogger(__name__)


def dev_secret(data_dir: Path) -> str:
    """The stub's signing secret: read from EGOV_DATA_DIR, created there on first use."""
    path = data_dir / SECRET_FILE
    try:
        found = path.read_text("ascii").strip()
    except FileNotFoundError:
        found = ""
    if not found:
        found = secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_text(found, "ascii")
        partial.chmod(0o600)
        partial.replace(path)
    return found


def fallback_endpoint(base_url: str) -> Callable[[str], Endpoint]:
    """Where the adapter sends a procedure without its own endpoint: the stub."""

    def endpoint(procedure: str) -> Endpoint:
        return Endpoint(f"{base_url.rstrip('/')}{PREFIX}/{quote(procedure, safe='')}", SECRET_ENV)

    return endpoint


@dataclass(frozen=True)
class Receipt:
    procedure: str
    idempotency_key: str
    vorgangsnummer: str
    size: int
    sha256: str


@dataclass
class StubFachverfahren:
    secret: str
    now: Callable[[], int] = lambda: int(time.time())
    received: dict[str, Receipt] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(
        self, procedure: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """(status, JSON answer) for one call."""
        try:
            signing.verify(self.secret.encode(), body, headers, self.now())
        except signing.SignatureError as exc:
            log.warning("dev Fachverfahren refused a call for %s: %s", procedure, exc.code)
            return 401, {"status": "refused", "code": exc.code}
        key = next((v for k, v in headers.items() if k.title() == "Idempotency-Key"), "")
        if not key:
            return 400, {"status": "refused", "code": "idempotency-key-invalid"}
        with self._lock:
            duplicate = key in self.received
            if not duplicate:
                digest = hashlib.sha256(body).hexdigest()
                number = f"FV-{procedure.upper()[:12]}-{len(self.received) + 1:06d}"
                self.received[key] = Receipt(procedure, key, number, len(body), digest)
                while len(self.received) > KEPT:
                    del self.received[next(iter(self.received))]
            receipt = self.received[key]
        log.info(
            "dev Fachverfahren received %s (%d bytes) as %s%s",
            procedure,
            receipt.size,
            receipt.vorgangsnummer,
            " again" if duplicate else "",
        )
        return 200, {
            "status": "received",
            "procedure": procedure,
            "vorgangsnummer": receipt.vorgangsnummer,
            "duplicate": duplicate,
        }


def enabled(settings: Settings) -> bool:
    return settings.dev_fachverfahren and settings.env == "development"


def install(adapter: FachverfahrenAdapter, settings: Settings) -> StubFachverfahren | None:
    """In development: the stub, and the adapter told to send unconfigured procedures to it
    (signed with the stub's secret). Elsewhere None, and the adapter is left as it is."""
    if not enabled(settings):
        return None
    stub = StubFachverfahren(dev_secret(settings.data_dir))
    adapter.environ = ChainMap({SECRET_ENV: stub.secret}, dict(adapter.environ))
    adapter.fallback = fallback_endpoint(settings.base_url)
    return stub
