"""Pure domain rules of cases: references, statuses, deadlines (Fristen). No I/O."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

REFERENCE_PATTERN = re.compile(r"^JENA-(\d{4})-(\d{6})$")
STATUS_PATTERN = re.compile(r"^[a-z][a-z_]{1,39}$")

STATUS_LABELS = {
    "received": "Eingegangen",
    "in_progress": "In Bearbeitung",
    "in_formal_check": "Formale Prüfung",
    "in_feasibility_check": "Prüfung der Machbarkeit",
    "admitted_to_vote": "Zur Abstimmung zugelassen",
    "rejected": "Abgelehnt",
    "closed": "Abgeschlossen",
}


def format_reference(year: int, number: int) -> str:
    if not 0 < number < 1_000_000:
        raise ValueError("the case reference counter of a year is exhausted")
    return f"JENA-{year:04d}-{number:06d}"


def is_reference(value: str) -> bool:
    return REFERENCE_PATTERN.match(value) is not None


def is_valid_status(value: str) -> bool:
    return STATUS_PATTERN.match(value) is not None


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def processing_deadline(received_at: datetime, processing_days: int) -> datetime:
    """The Frist of a case in calendar days (business days with Thuringia's holidays: later)."""
    return received_at + timedelta(days=processing_days)
