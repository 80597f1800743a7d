"""File contents sent as base64 in a JSON body: decoded strictly, anything else (also text
that is no ASCII at all) refused as the caller's error naming the field."""

from __future__ import annotations

from base64 import b64decode

from egov.errors import Invalid


def decoded(text: str, field: str, message: str, code: str) -> bytes:
    try:
        return b64decode(text, validate=True)
    except ValueError:  # binascii.Error, and the ValueError of a non-ASCII string
        problem = {"name": field, "reason": "base64"}
        raise Invalid(message, code=code, invalid_params=[problem]) from None
