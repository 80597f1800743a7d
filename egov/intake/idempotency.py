"""`Idempotency-Key` values: checked, never cut, and scoped to the principal that sent them.

A key is 1..128 printable ASCII characters (space to `~`); anything else is refused with 400
`idempotency-key-invalid`, because cutting or cleaning a key makes distinct keys collide. The
stored key is `<subject>:<key>` (at most 200 characters, the column): a subject longer than 71
characters is replaced by `#` and its SHA-256 so that the key is never cut either.
"""

from __future__ import annotations

import hashlib
import re

from egov.errors import Invalid

MAX_KEY_CHARS = 128
MAX_STORED_CHARS = 200  # submissions.idempotency_key, inbound_messages.idempotency_key
_KEY = re.compile(f"[\\x20-\\x7e]{{1,{MAX_KEY_CHARS}}}")
_MAX_SUBJECT_CHARS = MAX_STORED_CHARS - 1 - MAX_KEY_CHARS


def check_key(key: str | None) -> None:
    """Raise 400 `idempotency-key-invalid` unless `key` is absent or well-formed."""
    if key is not None and not _KEY.fullmatch(key):
        raise Invalid(
            f"Der Idempotency-Key muss aus 1 bis {MAX_KEY_CHARS} druckbaren ASCII-Zeichen "
            "bestehen.",
            code="idempotency-key-invalid",
            invalid_params=[{"name": "Idempotency-Key", "reason": "ungültiger Wert"}],
        )


def scoped_key(subject: str, key: str | None) -> str | None:
    """The stored form of `key` for the principal `subject` (None: no key sent)."""
    check_key(key)
    if key is None:
        return None
    if len(subject) > _MAX_SUBJECT_CHARS:
        subject = "#" + hashlib.sha256(subject.encode()).hexdigest()
    return f"{subject}:{key}"
