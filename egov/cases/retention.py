"""Retention rules of a procedure (its `procedure.json` `retention` list): pure, no I/O.

`"retention": [{"result": "rejected", "years": 3, "legal_basis": "..."}, ...]`: a closed case
is kept `years` full years after its closing; the rule is the one whose `result` is the case's
status when it closed, else the one with `"*"`. A case without a matching rule gets no end date
and is never due (nothing is deleted without a rule). `"archive_duty": false` declares that the
records need not be offered to the public archive before deletion (default: they must).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from egov.cases.model import is_valid_status

ANY_RESULT = "*"
MAX_YEARS = 100
MAX_LEGAL_BASIS = 300
RULE_KEYS = {"result", "years", "legal_basis"}


@dataclass(frozen=True)
class RetentionRule:
    result: str
    years: int
    legal_basis: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def problems(value: Any) -> list[tuple[str, str]]:
    """German reasons why `procedure.json/retention` is not a list of rules, by field."""
    if not isinstance(value, list):
        return [("retention", "eine Liste von Regeln {result, years, legal_basis} erwartet")]
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, rule in enumerate(value):
        where = f"retention/{index}"
        if not isinstance(rule, dict):
            found.append((where, "ein Objekt mit result, years und legal_basis erwartet"))
            continue
        found += [(f"{where}/{key}", "unbekanntes Feld") for key in sorted(rule.keys() - RULE_KEYS)]
        found += _rule_problems(where, rule, seen)
    return found


def _rule_problems(where: str, rule: dict[str, Any], seen: set[str]) -> list[tuple[str, str]]:
    found = []
    result = rule.get("result")
    if not isinstance(result, str) or not (result == ANY_RESULT or is_valid_status(result)):
        found.append((f"{where}/result", 'ein Status des Vorgangs oder "*"'))
    elif result in seen:
        found.append((f"{where}/result", "doppelt: eine Regel je Ergebnis"))
    else:
        seen.add(result)
    years = rule.get("years")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        found.append((f"{where}/years", f"ganze Zahl von 1 bis {MAX_YEARS}"))
    basis = rule.get("legal_basis")
    if not isinstance(basis, str) or not basis.strip() or len(basis) > MAX_LEGAL_BASIS:
        found.append((f"{where}/legal_basis", f"Text mit höchstens {MAX_LEGAL_BASIS} Zeichen"))
    return found


def parse(value: Any) -> list[RetentionRule]:
    """The rules of a checked `retention` list (none when absent)."""
    if not value or problems(value):
        return []
    return [RetentionRule(r["result"], r["years"], r["legal_basis"].strip()) for r in value]


def archive_duty_problem(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true oder false"


def rule_for(rules: Sequence[RetentionRule], status: str) -> RetentionRule | None:
    exact = [r for r in rules if r.result == status]
    fallback = [r for r in rules if r.result == ANY_RESULT]
    return next(iter(exact or fallback), None)


def retention_end(closed_at: datetime, years: int) -> datetime:
    """The last day a closed case is kept: 31 December of the `years`-th year after the year of
    closing (as Aktenordnungen count: the period starts with the calendar year after the
    case was closed)."""
    return datetime(closed_at.year + years, 12, 31)


def is_due(until: datetime | None, *, held: bool, now: datetime) -> bool:
    """A case is due for deletion once its last day of keeping passed, unless it is held or
    has no rule."""
    return until is not None and not held and until.date() < now.date()
