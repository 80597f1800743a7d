"""One POST of an outbox delivery to an outside HTTP peer, and what its answer means.

Shared by the Fachverfahren adapter and the webhooks: 2xx is success; no answer (timeout,
refused or broken connection), 5xx, 408, 425 and 429 are retried by the outbox with backoff;
any other status is permanent (an incident at once). Redirects are not followed.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

from egov.outbox.service import DeliveryError

RETRYABLE_STATUS = frozenset({408, 425, 429})
MAX_ANSWER = 64 * 1024  # what is read of an answer body (only its status counts)


@dataclass(frozen=True)
class Peer:
    """Who is called: its name in the messages for people, the prefix of the error codes."""

    label: str  # "Fachverfahren", "Webhook"
    code_prefix: str  # "receiver", "webhook"


def deliver(peer: Peer, url: str, timeout: float, body: bytes, headers: dict[str, str]) -> None:
    """POST `body`; return on 2xx, raise a DeliveryError (retryable or permanent) otherwise."""
    judge(peer, post(peer, url, timeout, body, headers))


def post(peer: Peer, url: str, timeout: float, body: bytes, headers: dict[str, str]) -> int:
    """One POST; the status code, or a retryable DeliveryError if no answer came."""
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    assert parts.hostname is not None
    connection = kind(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_ANSWER)
        return response.status
    except TimeoutError as exc:
        message = f"Zeitüberschreitung beim {peer.label}."
        raise DeliveryError(message, code=f"{peer.code_prefix}-timeout") from exc
    except (OSError, http.client.HTTPException) as exc:
        message = f"{peer.label} nicht erreichbar."
        raise DeliveryError(message, code=f"{peer.code_prefix}-unreachable") from exc
    finally:
        connection.close()


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
