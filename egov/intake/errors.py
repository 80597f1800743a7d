"""Errors of the intake layer.

Every rejection of an incoming message is an :class:`IntakeError` with a stable kebab-case
``code`` (for machines, API clients and tests), a German ``message`` (for people) and a list of
``invalid_params`` in the style of RFC 9457 problem details.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Stable error codes (documented in schemas/xfall/README.md).
XML_MALFORMED = "xml-malformed"
XML_FORBIDDEN_CONSTRUCT = "xml-forbidden-construct"
XML_TOO_DEEP = "xml-too-deep"
XML_TOO_MANY_ELEMENTS = "xml-too-many-elements"
XML_TOO_MANY_ATTRIBUTES = "xml-too-many-attributes"
XML_TEXT_TOO_LONG = "xml-text-too-long"
MESSAGE_TOO_LARGE = "message-too-large"
SCHEMA_INVALID = "schema-invalid"
FACHDATEN_INVALID = "fachdaten-invalid"
UNKNOWN_FORMAT = "unknown-format"
UNKNOWN_FACHDATEN = "unknown-fachdaten"
ATTACHMENT_HASH_MISMATCH = "attachment-hash-mismatch"
ATTACHMENT_SIZE_MISMATCH = "attachment-size-mismatch"
ATTACHMENT_INVALID_BASE64 = "attachment-invalid-base64"
ATTACHMENT_METADATA_INVALID = "attachment-metadata-invalid"
IDENTIFIERS_MISSING = "identifiers-missing"

MAX_REPORTED_PARAMS = 25
MAX_REASON_CHARS = 300  # libxml2 echoes the offending value; a refusal stays small
MAX_NAME_CHARS = 200


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def invalid_param(name: str, reason: str, line: int | None = None) -> dict[str, Any]:
    """One entry of ``invalid_params`` (name and reason cut to a readable length)."""
    return {
        "name": _cut(name, MAX_NAME_CHARS),
        "reason": _cut(reason, MAX_REASON_CHARS),
        "line": line,
    }


class IntakeError(Exception):
    """A message was rejected; ``code`` says why."""

    def __init__(
        self,
        code: str,
        message: str,
        invalid_params: Iterable[dict[str, Any]] = (),
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.invalid_params: list[dict[str, Any]] = list(invalid_params)[:MAX_REPORTED_PARAMS]

    def __repr__(self) -> str:
        return f"IntakeError(code={self.code!r}, message={self.message!r})"
