"""The Fachverfahren HTTP adapter: the outbox handler of kind `fachverfahren.deliver`.

It POSTs the canonical XML of a case (a stored document or submission, or inline `xml`; or a
file placed for it, `storage_key` with its `content_type`: the xdomea package) to the
endpoint configured for the procedure, signed with the FIT-Connect callback scheme
(`signing.sign`) and carrying the outbox row's `Idempotency-Key`, so the receiver can drop a
repeated delivery, through egov's outbound client (`egov.http_client`: TLS verified against
EGOV_CA_BUNDLE, the proxy of HTTPS_PROXY/HTTP_PROXY/NO_PROXY, no redirects). Timeouts,
connection errors, 5xx and 429 are retried by the outbox; a TLS failure and any other answer
outside 2xx are permanent and become an incident at once. The contract for implementers of a
receiver: docs/integrations.md.

Configuration (setting `fachverfahren_config`, a JSON file):
``{"<procedure key>": {"url": "https://...", "secret_env": "EGOV_FV_BAU_SECRET",
"timeout_seconds": 10}}``. Secrets are read from the named environment variable only.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.store import Case
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.documents.store import Document
from egov.http_client import OutboundHttp
from egov.intake.store import Submission
from egov.integrations import signing
from egov.integrations.http_post import Peer, deliver, permanent
from egov.outbox.service import Delivery

KIND = "fachverfahren.deliver"
PEER = Peer("Fachverfahren", "receiver")
MAX_BODY = 50 * 1024 * 1024


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret_env: str
    timeout_seconds: float = 10.0


def load_config(path: str | Path) -> dict[str, Endpoint]:
    """Read the per-procedure endpoints; raises ValueError naming the broken entry."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("fachverfahren config: expected a JSON object of procedures")
    return {key: _endpoint(key, entry) for key, entry in raw.items()}


def _endpoint(key: str, entry: Any) -> Endpoint:
    if not isinstance(entry, dict):
        raise ValueError(f"fachverfahren config {key!r}: expected an object")
    url, secret_env = entry.get("url"), entry.get("secret_env")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"fachverfahren config {key!r}: 'url' must be an http(s) URL")
    if not isinstance(secret_env, str) or not secret_env:
        raise ValueError(f"fachverfahren config {key!r}: 'secret_env' names the secret variable")
    timeout = entry.get("timeout_seconds", 10)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"fachverfahren config {key!r}: 'timeout_seconds' must be positive")
    return Endpoint(url, secret_env, float(timeout))


def secrets_for(endpoint: Endpoint, environ: Mapping[str, str]) -> list[bytes]:
    """The endpoint's secret(s): the variable may hold several, comma-separated (rotation)."""
    return signing.secrets_in(environ.get(endpoint.secret_env, ""))


@dataclass
class FachverfahrenAdapter:
    """Outbox handler: `outbox.register(KIND, adapter)`."""

    db: Database
    files: FileSystemStore
    endpoints: Mapping[str, Endpoint]
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    now: Callable[[], int] = lambda: int(time.time())
    http: OutboundHttp = field(default_factory=OutboundHttp)
    # where a procedure without an endpoint goes (development: the stub Fachverfahren)
    fallback: Callable[[str], Endpoint] | None = None

    def __call__(self, delivery: Delivery) -> None:
        endpoint = self._endpoint(delivery.payload)
        secrets = secrets_for(endpoint, self.environ)
        if not secrets:
            raise permanent(f"Kein Geheimnis in {endpoint.secret_env}.", "fachverfahren-no-secret")
        body = self._body(delivery.payload)
        headers = {
            "Content-Type": str(delivery.payload.get("content_type") or "application/xml"),
            "Idempotency-Key": delivery.idempotency_key,
            **signing.sign(secrets[0], body, self.now()),
        }
        deliver(PEER, endpoint.url, endpoint.timeout_seconds, body, headers, self.http)

    def _endpoint(self, payload: dict[str, Any]) -> Endpoint:
        procedure = payload.get("procedure")
        endpoint = self.endpoints.get(str(procedure))
        if endpoint is None and self.fallback is not None and isinstance(procedure, str):
            endpoint = self.fallback(procedure) if procedure else None
        if endpoint is None:
            raise permanent(
                f"Kein Fachverfahren für {payload.get('procedure')!r} eingerichtet.",
                "fachverfahren-not-configured",
            )
        return endpoint

    def _body(self, payload: dict[str, Any]) -> bytes:
        if isinstance(payload.get("xml"), str):
            return str(payload["xml"]).encode("utf-8")
        if isinstance(payload.get("storage_key"), str):  # a package placed for it (xdomea 0503)
            with self.files.open(str(payload["storage_key"])) as handle:
                return handle.read(MAX_BODY)
        with self.db.reading() as session:
            row: Document | Submission | None = None
            if payload.get("document_id"):
                row = session.get(Document, str(payload["document_id"]))
            elif payload.get("submission_id"):
                row = session.get(Submission, str(payload["submission_id"]))
            elif payload.get("case_reference"):  # default: the case's first submission
                row = first_submission(session, str(payload["case_reference"]))
            key = None if row is None else row.storage_key
        if key is None:
            raise permanent("Das zu sendende Dokument fehlt.", "fachverfahren-body-missing")
        with self.files.open(key) as handle:
            return handle.read(MAX_BODY)


def first_submission(session: Session, case_reference: str) -> Submission | None:
    """The message that opened the case (what a process forwards when it names no other)."""
    query = (
        select(Submission)
        .join(Case, Case.id == Submission.case_id)
        .where(Case.reference == case_reference)
        .order_by(Submission.received_at)
        .limit(1)
    )
    return session.scalars(query).first()
