"""One POST of an outbox delivery to an outside HTTP peer, and what its answer means.

Shared by the Fachverfahren adapter and the webhooks, sent through egov's one outbound client
(`egov.http_client`: TLS verified, the proxy of HTTPS_PROXY/HTTP_PROXY/NO_PROXY, pooled
connections). 2xx is success; no answer (timeout, refused or broken connection, proxy down),
5xx, 408, 425 and 429 are retried by the outbox with backoff; a failed TLS handshake (a
certificate that EGOV_CA_BUNDLE does not trust) and any other status are permanent (an
incident at once). Redirects are not followed: a signed message goes to the configured URL
only, a 3xx is a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from egov.http_client import OutboundHttp, failure_kind
from egov.outbox.service import DeliveryError

RETRYABLE_STATUS = frozenset({408, 425, 429})
MAX_ANSWER = 64 * 1024  # what is read of an answer body (only its status counts)


@dataclass(frozen=True)
class Peer:
    """Who is called: its name in the messages for people, the prefix of the error codes."""

    label: str  # "Fachverfahren", "Webhook"
    code_prefix: str  # "receiver", "webhook"


def deliver(
    peer: Peer,
    url: str,
    timeout: float,
    body: bytes,
    headers: dict[str, str],
    http: OutboundHttp,
) -> None:
    """POST `body`; return on 2xx, raise a DeliveryError (retryable or permanent) otherwise."""
    judge(peer, post(peer, url, timeout, body, headers, http))


def post(
    peer: Peer,
    url: str,
    timeout: float,
    body: bytes,
    headers: dict[str, str],
    http: OutboundHttp,
) -> int:
    """One POST; the status code, or a DeliveryError if no answer came."""
    try:
        return http.post(url, body, headers, timeout, MAX_ANSWER)
    except requests.RequestException as exc:
        kind = failure_kind(exc)
        if kind == "tls":
            message = f"TLS-Verbindung zum {peer.label} fehlgeschlagen (Zertifikat)."
            raise permanent(message, f"{peer.code_prefix}-tls") from exc
        if kind == "timeout":
            message = f"Zeitüberschreitung beim {peer.label}."
            raise DeliveryError(message, code=f"{peer.code_prefix}-timeout") from exc
        message = f"{peer.label} nicht erreichbar."
        raise DeliveryError(message, code=f"{peer.code_prefix}-unreachable") from exc


def judge(peer: Peer, status: int) -> None:
    if 200 <= status < 300:
        return
    if status >= 500 or status in RETRYABLE_STATUS:
        raise DeliveryError(f"{peer.label} antwortet {status}.", code=f"{peer.code_prefix}-error")
    raise permanent(
        f"{peer.label} weist die Nachricht ab ({status}).", f"{peer.code_prefix}-refused"
    )


def permanent(message: str, code: str) -> DeliveryError:
    return DeliveryError(message, code=code, permanent=True)
