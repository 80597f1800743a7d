"""The FIT-Connect callback signature for HTTP deliveries and inbound messages.

The sender computes HMAC-SHA512 over `timestamp + "." + body` (the timestamp as Unix seconds in
decimal, the body as the raw bytes sent) and sends the hex digest in the header
`callback-authentication`, the timestamp in `callback-timestamp`.

The receiver checks the signature in constant time against one or more secrets (several while a
secret is being rotated) and refuses messages older than `max_age` seconds or dated more than
`max_future` seconds ahead of its clock. Secrets are bytes; the caller reads them from the
environment. Pure: no I/O, no clock (the caller passes `now`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence

from egov.errors import DomainError

SIGNATURE_HEADER = "callback-authentication"
TIMESTAMP_HEADER = "callback-timestamp"

DEFAULT_MAX_AGE = 300
DEFAULT_MAX_FUTURE = 60

_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{128}")

MESSAGES = {
    "signature-missing": "Die Signatur der Nachricht fehlt.",
    "signature-invalid": "Die Signatur der Nachricht ist ungültig.",
    "signature-expired": "Die Signatur der Nachricht ist abgelaufen.",
    "timestamp-invalid": "Der Zeitstempel der Nachricht ist ungültig.",
}


class SignatureError(DomainError):
    code = "signature-invalid"
    default_message = MESSAGES["signature-invalid"]

    def __init__(self, code: str) -> None:
        super().__init__(MESSAGES[code], code=code)


def secrets_in(value: str) -> list[bytes]:
    """The secret(s) of a variable: several, comma-separated, while one is being rotated
    (the first signs, any verifies)."""
    return [part.strip().encode() for part in value.split(",") if part.strip()]


def sign(secret: bytes, body: bytes, timestamp: int) -> dict[str, str]:
    """The two headers that authenticate `body`, sent at `timestamp` (Unix seconds)."""
    if timestamp < 0:
        raise ValueError("the timestamp must not be negative")
    stamp = str(timestamp)
    return {SIGNATURE_HEADER: _digest(secret, stamp, body), TIMESTAMP_HEADER: stamp}


def verify(
    secret: bytes | Sequence[bytes],
    body: bytes,
    headers: Mapping[str, str],
    now: int,
    max_age: int = DEFAULT_MAX_AGE,
    max_future: int = DEFAULT_MAX_FUTURE,
) -> None:
    """Return if `headers` authenticate `body` at `now`; raise `SignatureError(code)` if not.

    `secret` is one secret or several (during a rotation): any of them may have signed.
    Authenticity is checked before age, so `signature-expired` means a genuine but stale message.
    """
    secrets = _secrets(secret)
    signature = _header(headers, SIGNATURE_HEADER)
    stamp = _header(headers, TIMESTAMP_HEADER)
    if not signature or not stamp:
        raise SignatureError("signature-missing")
    if not _TIMESTAMP.fullmatch(stamp):
        raise SignatureError("timestamp-invalid")
    if not _matches_any(secrets, stamp, body, signature):
        raise SignatureError("signature-invalid")
    _check_age(int(stamp), now, max_age, max_future)


def _secrets(secret: bytes | Sequence[bytes]) -> list[bytes]:
    secrets = [secret] if isinstance(secret, bytes) else list(secret)
    if not secrets:
        raise ValueError("verify needs at least one secret")
    for each in secrets:
        _require_secret(each)
    return secrets


def _require_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("a callback secret must be non-empty bytes")


def _digest(secret: bytes, stamp: str, body: bytes) -> str:
    _require_secret(secret)
    message = stamp.encode("ascii") + b"." + body
    return hmac.new(secret, message, hashlib.sha512).hexdigest()


def _matches_any(secrets: Sequence[bytes], stamp: str, body: bytes, signature: str) -> bool:
    if not _SIGNATURE.fullmatch(signature):
        return False
    received = signature.lower().encode("ascii")
    matched = False
    for secret in secrets:  # no early exit: every secret costs the same time
        expected = _digest(secret, stamp, body).encode("ascii")
        matched |= hmac.compare_digest(expected, received)
    return matched


def _check_age(timestamp: int, now: int, max_age: int, max_future: int) -> None:
    if timestamp > now + max_future:
        raise SignatureError("timestamp-invalid")
    if timestamp < now - max_age:
        raise SignatureError("signature-expired")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """HTTP header names are case-insensitive; plain dicts are not."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return None if value is None else value.strip()
