"""Case statistics per procedure and month (pure, no I/O): received, decided, the median and
90th percentile of the processing time in business days (Thuringia's calendar,
`egov.cases.fristen`) and the share decided within the Frist; small counts suppressed
(`suppression.py`).

A case is received in the month (Jena's local time) of its `created_at`, decided in the month
of its `closed_at` unless it was cancelled. Its processing time is the business days after the
day of receipt up to the day of decision (§187 BGB: the day of receipt does not count); it is
within the Frist when `closed_at` is not after `due_at`. The percentile is the nearest rank
(the smallest time that at least 90% of the decided cases did not exceed). The derived figures
of a month are published only where its count of decided cases is.
"""

from __future__ import annotations

import math
import statistics as stats
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from egov.cases.fristen import business_days_between
from egov.cases.model import CITY_TIME
from egov.opendata.suppression import suppressed
from egov.opendata.table import SUPPRESSED, Table

ALL = "alle"  # the procedure key of each month's total row
ALL_NAME = "Alle Verfahren"
COLUMNS = (
    "verfahren",
    "verfahren_name",
    "monat",
    "eingegangen",
    "entschieden",
    "bearbeitungsdauer_median_arbeitstage",
    "bearbeitungsdauer_p90_arbeitstage",
    "anteil_fristgerecht",
)
DERIVED = COLUMNS[5:]
COUNTS = ("eingegangen", "entschieden")


@dataclass(frozen=True)
class CaseTimes:
    """What the statistics read of one case (no person, no content)."""

    procedure: str
    received_at: datetime  # naive UTC, as stored
    closed_at: datetime | None
    due_at: datetime
    cancelled: bool = False


def local_day(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(CITY_TIME).date()


def month_of(moment: datetime) -> str:
    return local_day(moment).strftime("%Y-%m")


def nearest_rank(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


@dataclass
class _Cell:
    received: int = 0
    durations: list[int] | None = None
    in_time: int = 0

    def decide(self, days: int, in_time: bool) -> None:
        self.durations = [*(self.durations or []), days]
        self.in_time += int(in_time)

    @property
    def decided(self) -> int:
        return len(self.durations or [])


def _cells(cases: Iterable[CaseTimes]) -> dict[tuple[str, str], _Cell]:
    cells: dict[tuple[str, str], _Cell] = defaultdict(_Cell)
    for case in cases:
        received, closed = case.received_at, case.closed_at
        for procedure in (case.procedure, ALL):
            cells[(procedure, month_of(received))].received += 1
            if closed is not None and not case.cancelled:
                days = business_days_between(local_day(received), local_day(closed))
                cells[(procedure, month_of(closed))].decide(days, closed <= case.due_at)
    return cells


def _groups(keys: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Each month with its total row; each procedure's months of one year."""
    by_month: dict[str, list[tuple[str, str]]] = defaultdict(list)
    by_year: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key in keys:
        by_month[key[1]].append(key)
        by_year[(key[0], key[1][:4])].append(key)
    return [*by_month.values(), *by_year.values()]


def _figures(cell: _Cell) -> dict[str, Any]:
    if not cell.durations:
        return dict.fromkeys(DERIVED)
    return {
        "bearbeitungsdauer_median_arbeitstage": stats.median(cell.durations),
        "bearbeitungsdauer_p90_arbeitstage": nearest_rank(cell.durations, 0.9),
        "anteil_fristgerecht": round(cell.in_time / cell.decided, 3),
    }


def case_statistics(cases: Iterable[CaseTimes], names: dict[str, str]) -> Table:
    """One row per procedure and month with cases, then the month's total row (`alle`)."""
    cells = _cells(cases)
    keys = sorted(cells, key=lambda k: (k[1], k[0] == ALL, k[0]))
    order = {key: index for index, key in enumerate(keys)}
    groups = _groups(keys)
    hidden = {
        "eingegangen": suppressed({k: cells[k].received for k in keys}, groups, order),
        "entschieden": suppressed({k: cells[k].decided for k in keys}, groups, order),
    }
    rows = []
    for key in keys:
        cell = cells[key]
        row: dict[str, Any] = {
            "verfahren": key[0],
            "verfahren_name": ALL_NAME if key[0] == ALL else names.get(key[0], key[0]),
            "monat": key[1],
            "eingegangen": cell.received,
            "entschieden": cell.decided,
            **_figures(cell),
        }
        for column in COUNTS:
            if key in hidden[column]:
                row[column] = SUPPRESSED
        if key in hidden["entschieden"]:
            row.update(dict.fromkeys(DERIVED, SUPPRESSED))
        rows.append(row)
    return Table(COLUMNS, rows)
