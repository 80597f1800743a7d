"""How often clerks overrule triage, and how fast they confirm: so that rubber-stamping shows.

Pure arithmetic over decisions: the override rate and the time from suggestion to decision
(median, p90) overall, per procedure, per suggested org unit and per clerk. `fast_confirms`
counts confirmations within `FAST_SECONDS`; a clerk whose every confirmation is that fast is
likely not reading the suggestion.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

FAST_SECONDS = 5.0


class DecisionRow(Protocol):
    procedure_key: str
    suggested_org_unit: str
    decided_by: str
    decision: str
    seconds: float


@dataclass(frozen=True)
class Figures:
    decisions: int
    overrides: int
    override_rate: float | None
    median_seconds: float | None
    p90_seconds: float | None
    fast_confirms: int

    def as_json(self) -> dict[str, Any]:
        return {
            "decisions": self.decisions,
            "overrides": self.overrides,
            "override_rate": self.override_rate,
            "median_seconds": self.median_seconds,
            "p90_seconds": self.p90_seconds,
            "fast_confirms": self.fast_confirms,
        }


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 3)


def figures(rows: Sequence[DecisionRow]) -> Figures:
    overrides = sum(1 for r in rows if r.decision == "override")
    seconds = [r.seconds for r in rows]
    return Figures(
        decisions=len(rows),
        overrides=overrides,
        override_rate=round(overrides / len(rows), 4) if rows else None,
        median_seconds=quantile(seconds, 0.5),
        p90_seconds=quantile(seconds, 0.9),
        fast_confirms=sum(1 for r in rows if r.decision == "confirm" and r.seconds < FAST_SECONDS),
    )


def _grouped(
    rows: Iterable[DecisionRow], key: Callable[[DecisionRow], str]
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[DecisionRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return {name: figures(group).as_json() for name, group in sorted(groups.items())}


def report(rows: Sequence[DecisionRow]) -> dict[str, Any]:
    return {
        "overall": figures(rows).as_json(),
        "by_procedure": _grouped(rows, lambda r: r.procedure_key),
        "by_org_unit": _grouped(rows, lambda r: r.suggested_org_unit),
        "by_clerk": _grouped(rows, lambda r: r.decided_by),
        "fast_seconds": FAST_SECONDS,
    }


__all__ = ["FAST_SECONDS", "Figures", "figures", "quantile", "report"]
