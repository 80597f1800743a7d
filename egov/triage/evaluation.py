"""How good a routing model is on labelled requests: pure arithmetic, no I/O, no numpy.

Each row is a `Prediction`: the true unit, the model's top unit and its confidence. At a
threshold the model *makes a suggestion* when its top unit is not Allgemein and its
confidence reaches the threshold (as `TriageResult.org_unit` decides); otherwise it abstains
and the case goes to Allgemein. So:

* `accuracy_at_threshold`: share of the suggestions made that are right (None: none made);
* `coverage`: share of rows with a suggestion; `abstain_rate` = 1 - coverage;
* `macro_f1`: F1 per unit, averaged over the units that occur as truth or as the effective
  prediction, an abstention counting as the prediction Allgemein;
* `ece`: expected calibration error of the top confidence over all rows, in 10 bins of equal
  width ([0, 0.1), ..., [0.9, 1.0]): the rows' share times |accuracy - mean confidence|;
* `confusion`: rows by true unit, columns by effective prediction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from egov.triage.model import GENERAL_UNIT, ORG_UNITS

BINS = 10


@dataclass(frozen=True)
class Prediction:
    truth: str
    unit: str  # the model's most probable unit
    confidence: float  # its probability

    def suggested(self, threshold: float) -> bool:
        return self.unit != GENERAL_UNIT and self.confidence >= threshold

    def effective(self, threshold: float) -> str:
        """What the case is routed to: the suggestion, or Allgemein on abstention."""
        return self.unit if self.suggested(threshold) else GENERAL_UNIT


@dataclass(frozen=True)
class Report:
    n: int
    threshold: float
    accuracy_at_threshold: float | None
    coverage: float
    abstain_rate: float
    macro_f1: float
    ece: float
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]  # confusion[i][j]: truth labels[i], routed labels[j]

    def as_json(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "n": self.n,
            "threshold": self.threshold,
            "accuracy_at_threshold": rounded(self.accuracy_at_threshold),
            "coverage": rounded(self.coverage),
            "abstain_rate": rounded(self.abstain_rate),
            "macro_f1": rounded(self.macro_f1),
            "ece": rounded(self.ece),
            "labels": list(self.labels),
            "confusion": [list(row) for row in self.confusion],
        }


def evaluate(predictions: Iterable[Prediction], threshold: float) -> Report:
    rows = list(predictions)
    if not rows:
        raise ValueError("no rows to evaluate")
    made = [p for p in rows if p.suggested(threshold)]
    right = sum(p.unit == p.truth for p in made)
    routed = [(p.truth, p.effective(threshold)) for p in rows]
    labels = _labels(unit for pair in routed for unit in pair)
    coverage = len(made) / len(rows)
    return Report(
        n=len(rows),
        threshold=threshold,
        accuracy_at_threshold=right / len(made) if made else None,
        coverage=coverage,
        abstain_rate=1.0 - coverage,
        macro_f1=macro_f1(routed, labels),
        ece=expected_calibration_error(rows),
        labels=labels,
        confusion=confusion(routed, labels),
    )


def macro_f1(pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> float:
    """Mean F1 over `labels` of (truth, predicted) pairs; a unit never right scores 0."""
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in pairs)
        fp = sum(t != label and p == label for t, p in pairs)
        fn = sum(t == label and p != label for t, p in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def expected_calibration_error(rows: Sequence[Prediction], bins: int = BINS) -> float:
    grouped: dict[int, list[Prediction]] = {}
    for row in rows:
        grouped.setdefault(min(int(row.confidence * bins), bins - 1), []).append(row)
    total = 0.0
    for members in grouped.values():
        accuracy = sum(p.unit == p.truth for p in members) / len(members)
        confidence = sum(p.confidence for p in members) / len(members)
        total += len(members) / len(rows) * abs(accuracy - confidence)
    return total


def confusion(
    pairs: Sequence[tuple[str, str]], labels: Sequence[str]
) -> tuple[tuple[int, ...], ...]:
    counts = Counter(pairs)
    return tuple(tuple(counts[(t, p)] for p in labels) for t in labels)


def _labels(units: Iterable[str]) -> tuple[str, ...]:
    """The units seen, in the order of ORG_UNITS (unknown names after them, sorted)."""
    seen = set(units)
    known = [unit for unit in ORG_UNITS if unit in seen]
    return (*known, *sorted(seen - set(ORG_UNITS)))


def table(report: Report) -> str:
    """The report as German text lines for the terminal."""
    accuracy = report.accuracy_at_threshold
    lines = [
        f"Zeilen: {report.n}, Schwelle: {report.threshold:.2f}",
        "Genauigkeit der Vorschläge: " + ("–" if accuracy is None else f"{accuracy:.3f}"),
        f"Abdeckung: {report.coverage:.3f}  Enthaltungen: {report.abstain_rate:.3f}",
        f"Makro-F1 (Enthaltung = Allgemein): {report.macro_f1:.3f}",
        f"Kalibrierungsfehler (ECE, {BINS} Klassen): {report.ece:.3f}",
        "Verwechslungsmatrix (Zeilen: richtig, Spalten: zugewiesen):",
    ]
    short = [label[:6] for label in report.labels]
    width = max(len(label) for label in report.labels)
    lines.append(" " * width + " " + " ".join(f"{s:>6}" for s in short))
    for label, row in zip(report.labels, report.confusion, strict=True):
        lines.append(f"{label:<{width}} " + " ".join(f"{count:>6}" for count in row))
    return "\n".join(lines)


__all__ = ["Prediction", "Report", "evaluate", "expected_calibration_error", "macro_f1", "table"]
