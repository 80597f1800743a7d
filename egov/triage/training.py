"""Training a routing model from labelled rows, and tuning its threshold without the test set.

`train` takes any iterable of (text, org unit) pairs (a CSV, or the clerks' confirmed and
overridden decisions), fits the classifier on all of them and tunes the default threshold on
5-fold cross-validated predictions of the same rows: the lowest threshold at which the
suggestions made are right at least `TARGET_ACCURACY` of the time (most coverage for that
accuracy). Held-out data never takes part. The figures of that cross-validation go into the
artifact's meta.json.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from egov.errors import Invalid
from egov.triage import classifier
from egov.triage.artifact import Artifact, Meta, sklearn_version, version_for
from egov.triage.evaluation import Prediction, evaluate
from egov.triage.model import ORG_UNITS

TARGET_ACCURACY = 0.96  # a margin above the 95% promised on held-out data
CV_FOLDS = 5
THRESHOLDS = [round(0.30 + 0.01 * i, 2) for i in range(70)]  # 0.30 ... 0.99
MIN_PER_UNIT = 3


def train(
    rows: Iterable[tuple[str, str]], created: datetime, training_sha256: str | None = None
) -> Artifact:
    pairs = [(text, unit) for text, unit in rows]
    texts, units = [t for t, _ in pairs], [u for _, u in pairs]
    folds = _folds(units)
    predictions = cross_validated(texts, units, folds)
    threshold = tune(predictions)
    report = evaluate(predictions, threshold).as_json()
    digest = training_sha256 or rows_sha256(pairs)
    meta = Meta(
        version=version_for(created, digest),
        created=created.isoformat(timespec="seconds") + "Z",
        sklearn_version=sklearn_version(),
        training_sha256=digest,
        training_rows=len(pairs),
        threshold=threshold,
        cv_metrics={"folds": folds, "target_accuracy": TARGET_ACCURACY, **report},
        units=sorted(set(units), key=ORG_UNITS.index),
    )
    return Artifact(classifier.fit(texts, units, min(folds, classifier.CALIBRATION_FOLDS)), meta)


def cross_validated(texts: Sequence[str], units: Sequence[str], folds: int) -> list[Prediction]:
    """Out-of-fold predictions: each row predicted by a model that never saw it."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=classifier.SEED)
    inner = max(2, min(classifier.CALIBRATION_FOLDS, folds - 1))
    matrix = cross_val_predict(
        classifier.build(inner), list(texts), list(units), cv=splitter, method="predict_proba"
    )
    return top(sorted(set(units)), matrix, units)  # columns like the estimator's: sorted


def predict(pipeline: Pipeline, rows: Iterable[tuple[str, str]]) -> list[Prediction]:
    """The model's top unit and confidence for each (text, true unit) row."""
    pairs = list(rows)
    labels, matrix = classifier.probabilities(pipeline, [text for text, _ in pairs])
    return top(labels, matrix, [truth for _, truth in pairs])


def top(labels: Sequence[str], matrix: Any, truths: Sequence[str]) -> list[Prediction]:
    """Each row's most probable unit and its probability, beside the true unit."""
    best = np.argmax(matrix, axis=1)
    return [
        Prediction(truth, labels[int(b)], float(row[int(b)]))
        for truth, row, b in zip(truths, matrix, best, strict=True)
    ]


def tune(predictions: Sequence[Prediction]) -> float:
    """The lowest threshold whose suggestions reach TARGET_ACCURACY (the highest if none)."""
    for threshold in THRESHOLDS:
        accuracy = evaluate(predictions, threshold).accuracy_at_threshold
        if accuracy is not None and accuracy >= TARGET_ACCURACY:
            return threshold
    return THRESHOLDS[-1]


def rows_sha256(pairs: Sequence[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for text, unit in pairs:
        digest.update(f"{unit}\t{text}\n".encode())
    return digest.hexdigest()


def _folds(units: Sequence[str]) -> int:
    counts = Counter(units)
    unknown = sorted(set(counts) - set(ORG_UNITS))
    if unknown:
        raise Invalid(
            f"Unbekannte Organisationseinheiten: {', '.join(unknown)}.", code="triage-csv-invalid"
        )
    fewest = min(counts.values(), default=0)
    if len(counts) < 2 or fewest < MIN_PER_UNIT:
        raise Invalid(
            f"Zu wenige Beispiele zum Trainieren: mindestens zwei Einheiten mit je "
            f"{MIN_PER_UNIT} Beispielen nötig.",
            code="triage-training-too-small",
        )
    return min(CV_FOLDS, fewest)


__all__ = ["TARGET_ACCURACY", "cross_validated", "predict", "rows_sha256", "train", "tune"]
