"""Webhooks: case events POSTed to subscribers, the outbox handler of kind ``webhook``.

Subscribers come from ``EGOV_WEBHOOKS``, a JSON list checked at startup (:func:`parse`)::

    [{"url": "https://fv.example/hooks/egov", "events": ["case.overdue", "case.closed"],
      "secret_env": "EGOV_WEBHOOK_FV_SECRET", "timeout_seconds": 10}]

Where events come from: every event worth announcing is already an audit event, and every
audit event is added to a session by ``egov.audit.store.append_event`` in the transaction of
the change. :func:`install` listens on the session factory for audit events being added
(``transient_to_pending``) and, for each subscriber of that action, writes an outbox row in the
same session at once: the webhook commits or rolls back with the change, and the workflow's
after-commit hook (or the next sweep) delivers it. ``egov.cases`` knows nothing of webhooks.

Events (:data:`EVENTS`) and their ``data`` (no personal content of the application):

* ``case.opened``: ``{procedure, status, due_at}``
* ``case.status_changed``: ``{status, previous_status}``
* ``case.closed``: ``{status, closed_at}``
* ``case.overdue``: ``{due_at, org_unit}`` (the escalation of a passed Frist)
* ``incident.opened``: ``{incident_id, code}``; not for failed webhook deliveries themselves
  (a subscriber that is down would otherwise be told of its own failures without end).

The request: ``POST`` of ``{event, case_id, case_reference, occurred_at, data}`` as compact
JSON (UTF-8, keys sorted), headers ``Content-Type: application/json``, ``Idempotency-Key``
(the outbox row's key, the same on every attempt: deduplicate on it), ``X-Egov-Event``, and the
FIT-Connect callback signature of ``egov.integrations.signing`` (``callback-authentication`` =
hex HMAC-SHA512 over ``callback-timestamp + "." + body``) with the subscriber's secret (the
variable may hold several, comma-separated; the first signs). 2xx is success; 5xx, 408, 425,
429, timeouts and refused connections are retried with backoff; a failed TLS handshake and any
other status are permanent and an incident at once. Redirects are not followed. Sent through
egov's outbound client (`egov.http_client`: EGOV_CA_BUNDLE, HTTPS_PROXY/HTTP_PROXY/NO_PROXY).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from egov.audit.store import AuditEvent
from egov.cases.store import Case, get_case
from egov.http_client import OutboundHttp
from egov.integrations import signing
from egov.integrations.http_post import Peer, deliver, permanent
from egov.outbox.service import Delivery, Outbox, enqueue
from egov.settings import Settings

KIND = "webhook"
EVENTS = ("case.opened", "case.status_changed", "case.closed", "case.overdue", "incident.opened")
EVENT_HEADER = "X-Egov-Event"
PEER = Peer("Webhook", "webhook")
ACTOR = "system:webhooks"


@dataclass(frozen=True)
class Subscriber:
    url: str
    events: frozenset[str]
    secret_env: str
    timeout_seconds: float = 10.0

    @property
    def key(self) -> str:
        """A short stable name of the subscriber, part of its idempotency keys."""
        return hashlib.sha256(self.url.encode()).hexdigest()[:16]


def parse(raw: str, environ: Mapping[str, str]) -> tuple[Subscriber, ...]:
    """The subscribers of EGOV_WEBHOOKS; ValueError names the broken entry."""
    if not raw.strip():
        return ()
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"EGOV_WEBHOOKS is not valid JSON: {exc.msg}") from None
    if not isinstance(entries, list):
        raise ValueError("EGOV_WEBHOOKS must be a JSON list of subscribers")
    subscribers = tuple(_subscriber(i, entry, environ) for i, entry in enumerate(entries))
    urls = [s.url for s in subscribers]
    duplicate = next((url for url in urls if urls.count(url) > 1), None)
    if duplicate is not None:
        raise ValueError(f"EGOV_WEBHOOKS names {duplicate!r} twice; list its events once")
    return subscribers


def _subscriber(index: int, entry: Any, environ: Mapping[str, str]) -> Subscriber:
    where = f"EGOV_WEBHOOKS[{index}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object with url, events and secret_env")
    unknown = sorted(set(entry) - {"url", "events", "secret_env", "timeout_seconds"})
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}")
    url, events, secret_env = entry.get("url"), entry.get("events"), entry.get("secret_env")
    if not isinstance(url, str) or not _http_url(url):
        raise ValueError(f"{where}: 'url' must be an http(s) URL")
    if not isinstance(events, list) or not events or not all(e in EVENTS for e in events):
        raise ValueError(f"{where}: 'events' must be a non-empty list of {', '.join(EVENTS)}")
    if not isinstance(secret_env, str) or not secret_env:
        raise ValueError(f"{where}: 'secret_env' names the variable that holds the secret")
    if not signing.secrets_in(environ.get(secret_env, "")):
        raise ValueError(f"{where}: the environment variable {secret_env} is not set")
    timeout = entry.get("timeout_seconds", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"{where}: 'timeout_seconds' must be a positive number")
    return Subscriber(url, frozenset(events), secret_env, float(timeout))


def _http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# -- writing: one outbox row per subscriber per event, in the event's transaction -------------


@dataclass(frozen=True)
class Emitter:
    """Listener for audit events added to a session (see the module docstring)."""

    subscribers: Sequence[Subscriber]

    def __call__(self, session: Session, instance: object) -> None:
        if not isinstance(instance, AuditEvent) or instance.action not in EVENTS:
            return
        wanted = [s for s in self.subscribers if instance.action in s.events]
        if not wanted or _about_a_webhook(instance):
            return
        with session.no_autoflush:
            case = get_case(session, instance.case_id)
            if case is None:
                return
            body = event_body(instance, case)
            for subscriber in wanted:
                enqueue(
                    session,
                    case_id=case.id,
                    kind=KIND,
                    payload={"url": subscriber.url, "event": instance.action, "body": body},
                    now=instance.occurred_at,
                    idempotency_key=f"webhook:{subscriber.key}:{case.id}:{instance.seq}",
                    actor=ACTOR,
                )


def _about_a_webhook(instance: AuditEvent) -> bool:
    return instance.action == "incident.opened" and (instance.after or {}).get("kind") == KIND


def event_body(instance: AuditEvent, case: Case) -> dict[str, Any]:
    """What a subscriber receives for an audit event of `case`."""
    return {
        "event": instance.action,
        "case_id": case.id,
        "case_reference": case.reference,
        "occurred_at": _iso(instance.occurred_at),
        "data": _data(instance, case),
    }


def _data(instance: AuditEvent, case: Case) -> dict[str, Any]:
    before, after = instance.before or {}, instance.after or {}
    if instance.action == "case.opened":
        return {"procedure": case.procedure_key, "status": case.status, "due_at": _iso(case.due_at)}
    if instance.action == "case.status_changed":
        return {"status": after.get("status"), "previous_status": before.get("status")}
    if instance.action == "case.closed":
        return {"status": after.get("status"), "closed_at": _iso(instance.occurred_at)}
    if instance.action == "case.overdue":
        return {"due_at": _iso(case.due_at), "org_unit": case.org_unit_key}
    return {"incident_id": after.get("incident_id"), "code": after.get("code")}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def encode(body: Mapping[str, Any]) -> bytes:
    """The bytes sent (and signed): compact JSON, keys sorted, UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# -- delivering ---------------------------------------------------------------------------


@dataclass
class WebhookSender:
    """The outbox handler of ``webhook``."""

    subscribers: Sequence[Subscriber]
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    now: Callable[[], int] = lambda: int(time.time())
    http: OutboundHttp = field(default_factory=OutboundHttp)

    def __call__(self, delivery: Delivery) -> None:
        subscriber = self._subscriber(delivery.payload.get("url"))
        secrets = signing.secrets_in(self.environ.get(subscriber.secret_env, ""))
        if not secrets:
            raise permanent(f"Kein Geheimnis in {subscriber.secret_env}.", "webhook-no-secret")
        body = delivery.payload.get("body")
        if not isinstance(body, dict):
            raise permanent("Die Webhook-Nachricht fehlt.", "webhook-payload-invalid")
        content = encode(body)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery.idempotency_key,
            EVENT_HEADER: str(delivery.payload.get("event", "")),
            **signing.sign(secrets[0], content, self.now()),
        }
        deliver(PEER, subscriber.url, subscriber.timeout_seconds, content, headers, self.http)

    def _subscriber(self, url: object) -> Subscriber:
        found = next((s for s in self.subscribers if s.url == url), None)
        if found is None:  # removed from EGOV_WEBHOOKS after the row was written
            raise permanent("Der Webhook-Empfänger ist nicht eingerichtet.", "webhook-unknown")
        return found


def install(
    outbox: Outbox,
    sessions: sessionmaker[Session],
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    http: OutboundHttp | None = None,
) -> WebhookSender | None:
    """Register the ``webhook`` kind and the event listener if EGOV_WEBHOOKS names any
    subscriber (a bad setting raises ValueError)."""
    environ = os.environ if environ is None else environ
    subscribers = parse(settings.webhooks, environ)
    if not subscribers:
        return None
    sender = WebhookSender(subscribers, environ, http=http or OutboundHttp.from_settings(settings))
    outbox.register(KIND, sender)
    event.listen(sessions, "transient_to_pending", Emitter(subscribers))
    return sender


__all__ = [
    "EVENTS",
    "EVENT_HEADER",
    "KIND",
    "Emitter",
    "Subscriber",
    "WebhookSender",
    "encode",
    "event_body",
    "install",
    "parse",
]
