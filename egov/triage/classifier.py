"""The routing classifier: TF-IDF over character n-grams, a linear model, calibrated.

Features: `char_wb` n-grams of 2-5 characters, sublinear TF-IDF (robust to spelling
mistakes, dialect and compounds: "Straßenlaterne", "strassenlampe"; adding word n-grams
lowered the cross-validated coverage, ADR 0028). Model: a linear SVM (class weights
balanced, C=3) whose scores are turned
into probabilities by temperature scaling (one temperature for all units, fitted by 5-fold
cross-validation: `CalibratedClassifierCV(method="temperature", ensemble=False)`), so the
confidence is a calibrated probability. Everything is seeded: the same rows give the same
model. The explanation names the words of the request whose n-grams weighed most for the
predicted unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

SEED = 0
CALIBRATION_FOLDS = 5
WORD = re.compile(r"\w{3,}")
EXPLAINED_WORDS = 3
# words that say nothing to a clerk, left out of the explanation (not out of the features)
_FILLERS = (
    "aber alle auch bei bin bis das dass dem den der des die ein eine einen einer es für "
    "hat ich ihr ist mit nicht noch oder sie sind und uns von vor war wie wir zu zum zur "
    "bitte hallo guten tag danke sehr mfg freundlichen grüßen the and"
)
UNEXPLAINED = frozenset(_FILLERS.split())


@dataclass(frozen=True)
class Ranked:
    unit: str
    confidence: float
    words: tuple[str, ...]  # what weighed most for the unit, most first


def build(folds: int = CALIBRATION_FOLDS) -> Pipeline:
    features = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    linear = LinearSVC(C=3.0, class_weight="balanced", random_state=SEED)
    calibrated = CalibratedClassifierCV(linear, method="temperature", cv=folds, ensemble=False)
    return Pipeline([("merkmale", features), ("modell", calibrated)])


def fit(texts: Sequence[str], units: Sequence[str], folds: int = CALIBRATION_FOLDS) -> Pipeline:
    pipeline = build(folds)
    pipeline.fit(list(texts), list(units))
    return pipeline


def probabilities(pipeline: Pipeline, texts: Sequence[str]) -> tuple[list[str], Any]:
    """The units (column order) and a rows x units matrix of probabilities."""
    return [str(u) for u in pipeline.classes_], pipeline.predict_proba(list(texts))


def rank(pipeline: Pipeline, text: str) -> Ranked:
    features: TfidfVectorizer = pipeline.named_steps["merkmale"]
    row = features.transform([text])  # once: for the probabilities and the explanation
    units = [str(u) for u in pipeline.classes_]
    matrix = pipeline.named_steps["modell"].predict_proba(row)
    best = int(np.argmax(matrix[0]))
    return Ranked(units[best], float(matrix[0][best]), explain(pipeline, text, row, best))


def explain(pipeline: Pipeline, text: str, row: Any, column: int) -> tuple[str, ...]:
    """The request's words whose character n-grams pushed most towards the unit (`row`: the
    text's feature vector, `column`: the unit)."""
    chars: TfidfVectorizer = pipeline.named_steps["merkmale"]
    weights = _weights(pipeline)[column]
    sparse = row.tocoo()
    contribution = {
        int(i): float(v * weights[i]) for i, v in zip(sparse.col, sparse.data, strict=True)
    }
    analyze = chars.build_analyzer()
    scores: dict[str, float] = {}
    for word in set(WORD.findall(text.lower())) - UNEXPLAINED:
        grams = {chars.vocabulary_[g] for g in analyze(word) if g in chars.vocabulary_}
        score = sum(contribution.get(i, 0.0) for i in grams)
        if score > 0:
            scores[word] = score
    return tuple(sorted(scores, key=lambda w: (-scores[w], w))[:EXPLAINED_WORDS])


def _weights(pipeline: Pipeline) -> Any:
    calibrated: CalibratedClassifierCV = pipeline.named_steps["modell"]
    coef = calibrated.calibrated_classifiers_[0].estimator.coef_
    return np.vstack([-coef[0], coef[0]]) if coef.shape[0] == 1 else coef  # two units: one row


__all__ = ["Ranked", "build", "explain", "fit", "probabilities", "rank"]
