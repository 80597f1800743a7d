"""Labelled requests from a CSV with the columns `id,text,org_unit` (org unit by its name).

A bad file is refused whole with German reasons naming the line (`triage-csv-invalid`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from egov.errors import Invalid
from egov.triage.model import ORG_UNITS

COLUMNS = ("id", "text", "org_unit")
MAX_REASONS = 20


@dataclass(frozen=True)
class Labelled:
    id: str
    text: str
    org_unit: str


def read_csv(path: Path) -> list[Labelled]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Invalid(
            f"Die Datei {path} ist nicht lesbar ({exc.strerror}).", code="triage-csv-invalid"
        ) from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refused(path, [_reason(1, "encoding", "Die Datei ist nicht in UTF-8.")]) from None
    reader = csv.DictReader(io.StringIO(content, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        reasons = [_reason(1, c, "Spalte fehlt (erwartet: id,text,org_unit).") for c in missing]
        raise _refused(path, reasons)
    rows, reasons = [], []
    line = reader.line_num + 1  # where the record starts (a quoted text may span lines)
    for record in reader:
        unit = (record.get("org_unit") or "").strip()
        text = (record.get("text") or "").strip()
        if unit not in ORG_UNITS:
            reasons.append(_reason(line, "org_unit", f"unbekannte Organisationseinheit {unit!r}"))
        elif not text:
            reasons.append(_reason(line, "text", "Text ist leer."))
        else:
            rows.append(Labelled((record.get("id") or "").strip(), text, unit))
        line = reader.line_num + 1
    if reasons:
        raise _refused(path, reasons)
    if not rows:
        raise _refused(path, [_reason(1, "text", "Die Datei enthält keine Zeilen.")])
    return rows


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reason(line: int, name: str, reason: str) -> dict[str, object]:
    return {"name": name, "line": line, "reason": reason}


def _refused(path: Path, reasons: list[dict[str, object]]) -> Invalid:
    return Invalid(
        f"Die Datei {path} ist kein gültiger Datensatz (id,text,org_unit).",
        code="triage-csv-invalid",
        invalid_params=reasons[:MAX_REASONS],
    )


__all__ = ["COLUMNS", "Labelled", "read_csv", "sha256_of"]
