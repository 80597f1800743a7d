"""Canonical, format-independent view of a received application (pure dataclasses).

``CanonicalApplication.data`` holds the mapped Fachdaten as JSON-safe values:
strings, real booleans, ``None`` for absent optional fields and **floats** for decimals
(amounts are limited by the Fachdaten XSDs to 12 total / 2 fraction digits, so
``repr(float)`` round-trips them exactly).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

Vertrauensniveau = Literal["low", "substantial", "high"]


@dataclass(frozen=True)
class Applicant:
    given_name: str
    family_name: str
    email: str | None
    authentication: str
    vertrauensniveau: str  # 'low' | 'substantial' | 'high' (from the eIDAS LoA URI)


@dataclass(frozen=True)
class ReceivedAttachment:
    filename: str
    media_type: str
    size: int
    sha512: str  # lower-case hex
    sha256: str  # lower-case hex
    path: Path  # temp file in the intake workdir holding the decoded bytes


@dataclass(frozen=True)
class CanonicalApplication:
    format_key: str
    message_id: str
    message_type: str
    created_at: datetime
    leika_key: str
    authority_ars: str
    applicants: tuple[Applicant, ...]
    reply_postfach: str | None
    fachdaten_namespace: str
    data: dict[str, Any]
    attachments: tuple[ReceivedAttachment, ...]
    follow_up_case_reference: str | None
    case_keys: tuple[tuple[str, str], ...] = ()  # (scheme, value), e.g. an XBeteiligung plan


# --- attachment metadata (both paths, any format) ---------------------------------------------

MAX_FILENAME_CHARS = 255  # documents.filename
MAX_MEDIA_TYPE_CHARS = 120  # documents.media_type
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*"  # RFC 6838 restricted-name
_MEDIA_TYPE = re.compile(f"{_TOKEN}/{_TOKEN}")
# control (Cc), format (Cf: bidi overrides and isolates, zero-width characters, soft hyphen),
# surrogate (Cs), private use (Co), line and paragraph separators (Zl, Zp)
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def _refused_character(text: str) -> str | None:
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"U+{ord(char):04X}"
    return None


def filename_problem(filename: str) -> str | None:
    """Why a file name is refused (German), None when it is acceptable. Control, format and
    bidi characters are refused, not removed: the name a clerk sees must be the name sent."""
    if not filename or len(filename) > MAX_FILENAME_CHARS:
        return f"1 bis {MAX_FILENAME_CHARS} Zeichen erwartet"
    if "/" in filename or "\\" in filename:
        return "darf keinen Schrägstrich enthalten"
    if (char := _refused_character(filename)) is not None:
        return f"enthält ein unsichtbares Steuer- oder Formatierungszeichen ({char})"
    return None


def media_type_problem(media_type: str) -> str | None:
    """Why a media type is refused (German), None when it is a plain `type/subtype`."""
    if len(media_type) > MAX_MEDIA_TYPE_CHARS:
        return f"höchstens {MAX_MEDIA_TYPE_CHARS} Zeichen"
    if not _MEDIA_TYPE.fullmatch(media_type):
        return "Medientyp der Form typ/subtyp erwartet (ohne Parameter)"
    return None
