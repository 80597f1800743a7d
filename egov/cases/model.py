"""Pure domain rules of cases: references, statuses, deadlines (Fristen). No I/O."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from egov.cases.fristen import add_business_days

REFERENCE_PATTERN = re.compile(r"^JENA-(\d{4})-(\d{6})$")
STATUS_PATTERN = re.compile(r"^[a-z][a-z_]{1,39}$")
CITY_TIME = ZoneInfo("Europe/Berlin")  # Fristen count the city's local calendar days
END_OF_DAY = time(23, 59, 59)

# A case's status is data: the process sets it (operator `case.set_status`) to any name of
# STATUS_PATTERN; these are the ones the shipped processes use, with their German labels.
RECEIVED = "received"  # every case starts so, before its process runs
STATUS_LABELS = {
    RECEIVED: "Eingegangen",
    "in_progress": "In Bearbeitung",
    "in_formal_check": "Formale Prüfung",
    "in_feasibility_check": "Prüfung der Machbarkeit",
    "admitted_to_vote": "Zur Abstimmung zugelassen",
    "not_funded": "Nicht gefördert",  # a Bürgerbudget proposal after the vote
    "in_implementation": "In Umsetzung",  # a funded Bürgerbudget proposal
    "implemented": "Umgesetzt",
    "rejected": "Abgelehnt",
    "closed": "Abgeschlossen",
    "cancelled": "Eingestellt",  # its process instance was cancelled by an admin
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
    """The end of a case's Frist, as naive UTC: the end (23:59:59 in Jena) of the
    `processing_days`-th business day after the local day of receipt.

    `Procedure.processing_days` counts business days: Monday to Friday without Thuringia's
    public holidays (`fristen.add_business_days`); the day of receipt is not counted
    (§187 Abs. 1 BGB). A case is overdue once `due_at` lies before now.
    """
    received = received_at.replace(tzinfo=UTC).astimezone(CITY_TIME).date()
    last_day = add_business_days(received, processing_days)
    end = datetime.combine(last_day, END_OF_DAY, CITY_TIME)
    return end.astimezone(UTC).replace(tzinfo=None)
