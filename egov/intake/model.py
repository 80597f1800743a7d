"""Canonical, format-independent view of a received application (pure dataclasses).

``CanonicalApplication.data`` holds the mapped Fachdaten as JSON-safe values:
strings, real booleans, ``None`` for absent optional fields and **floats** for decimals
(amounts are limited by the Fachdaten XSDs to 12 total / 2 fraction digits, so
``repr(float)`` round-trips them exactly).
"""

from __future__ import annotations

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
