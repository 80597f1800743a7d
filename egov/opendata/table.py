"""A dataset's rows and how they are written: CSV (RFC 4180) and JSON. Pure, no I/O.

A cell may be `SUPPRESSED` (ADR 0033): `.` in CSV (as the statistical offices write "secret"),
`null` in JSON with the column named in the row's `geheimgehalten`. An empty CSV cell and a
JSON `null` without that mention mean "no value" (e.g. no median without decided cases).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Final

SUPPRESSED_CELL = "."
HIDDEN_KEY = "geheimgehalten"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such text as a formula


class _Suppressed:
    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED: Final = _Suppressed()


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


def _csv_cell(value: Any) -> str:
    if value is SUPPRESSED:
        return SUPPRESSED_CELL
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA) else text


def as_csv(table: Table) -> bytes:
    """Comma-separated UTF-8 without BOM, CRLF line ends, a header row (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_cell(row.get(column)) for column in table.columns])
    return out.getvalue().encode("utf-8")


def _json_row(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    hidden = [c for c in columns if row.get(c) is SUPPRESSED]
    out = {c: None if row.get(c) is SUPPRESSED else row.get(c) for c in columns}
    return {**out, HIDDEN_KEY: hidden} if hidden else out


def as_json(dataset_id: str, table: Table) -> bytes:
    document = {
        "datensatz": dataset_id,
        "spalten": list(table.columns),
        "zeilen": [_json_row(row, table.columns) for row in table.rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
