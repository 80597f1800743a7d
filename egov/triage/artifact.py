"""The model as a versioned artifact: a directory with `model.joblib` and `meta.json`.

`meta.json` names the format, the version, when and with which scikit-learn it was trained,
the sha256 of the training data, the sha256 of `model.joblib`, the threshold tuned by
cross-validation and the cross-validated figures (ADR 0028). `load` checks the model file's
hash *before* unpickling it: a changed file is refused (`triage-model-invalid`), never loaded.
A new training run writes a new version beside the old ones (`save`), nothing is overwritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sklearn.pipeline import Pipeline

from egov.errors import Invalid

FORMAT = "egov-triage-model/1"
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
SHIPPED = Path(__file__).resolve().parent / "artifacts" / "default"
"""The default model egov ships (trained on egov/triage/data/requests-train.csv)."""


@dataclass(frozen=True)
class Meta:
    version: str
    created: str  # ISO 8601, UTC
    sklearn_version: str
    training_sha256: str
    training_rows: int
    threshold: float
    cv_metrics: dict[str, Any]
    model_sha256: str = ""
    format: str = FORMAT
    units: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Artifact:
    pipeline: Pipeline
    meta: Meta
    path: Path | None = None


def version_for(created: datetime, training_sha256: str) -> str:
    return f"{created:%Y%m%dT%H%M%SZ}-{training_sha256[:8]}"


def save(artifact: Artifact, parent: Path) -> Path:
    """Write the artifact as a new directory `parent/<version>` (a suffix if it exists)."""
    parent.mkdir(parents=True, exist_ok=True)
    target, n = parent / artifact.meta.version, 1
    while target.exists():
        n += 1
        target = parent / f"{artifact.meta.version}.{n}"
    return write(artifact, target)


def write(artifact: Artifact, target: Path) -> Path:
    """Write the artifact into `target` (created); meta.json last, so a half-written
    directory has no meta and is never loaded."""
    target.mkdir(parents=True)
    model = target / MODEL_FILE
    joblib.dump(artifact.pipeline, model, compress=3)
    meta = {**asdict(artifact.meta), "model_sha256": _sha256(model)}
    (target / META_FILE).write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return target


def load(directory: Path) -> Artifact:
    meta = read_meta(directory)
    model = directory / MODEL_FILE
    if not model.is_file() or _sha256(model) != meta.model_sha256:
        raise Invalid(
            f"Die Modelldatei in {directory} passt nicht zu meta.json (Prüfsumme); "
            "sie wird nicht geladen.",
            code="triage-model-invalid",
        )
    return Artifact(joblib.load(model), meta, directory)


def read_meta(directory: Path) -> Meta:
    try:
        raw = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        meta = Meta(**raw)
    except (OSError, ValueError, TypeError):
        raise Invalid(
            f"In {directory} liegt kein lesbares Triage-Modell (meta.json fehlt oder ist "
            "ungültig).",
            code="triage-model-invalid",
        ) from None
    if meta.format != FORMAT:
        raise Invalid(
            f"Das Modell in {directory} hat das Format {meta.format!r}, erwartet {FORMAT!r}.",
            code="triage-model-invalid",
        )
    return meta


def sklearn_version() -> str:
    return str(sklearn.__version__)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = ["FORMAT", "SHIPPED", "Artifact", "Meta", "load", "read_meta", "save", "version_for"]
