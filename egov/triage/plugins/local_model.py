"""Plugin `local-model`: the org unit from the trained classifier, offline (no download).

The artifact comes from EGOV_TRIAGE_MODEL_DIR or, empty, the model egov ships
(`egov/triage/artifacts/default/`); it is loaded and its checksum verified once per process
and folder, when the first chain is built (a version folder is never overwritten). The
suggestion's confidence is the calibrated probability; the explanation names the words that
weighed most ("Ausschlaggebend: 'laterne', 'defekt'"). Abstaining is the chain's threshold;
`threshold` is the one the model was tuned for, which a procedure naming none gets.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from egov.settings import Settings
from egov.triage import classifier
from egov.triage.artifact import SHIPPED, Artifact, load
from egov.triage.model import Suggestion, TriageInput

NAME = "local-model"


class LocalModel:
    name = NAME

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self.version = artifact.meta.version
        self.threshold = artifact.meta.threshold

    def suggest(self, item: TriageInput) -> list[Suggestion]:
        text = item.text.strip()
        if not text:
            return []
        ranked = classifier.rank(self.artifact.pipeline, text)
        return [
            Suggestion(
                "org_unit", ranked.unit, ranked.confidence, explain(ranked), NAME, self.version
            )
        ]


def explain(ranked: classifier.Ranked) -> str:
    if not ranked.words:
        return "Das Modell fand keine ausschlaggebenden Wörter."
    return "Ausschlaggebend: " + ", ".join(f"'{word}'" for word in ranked.words)


def model_dir(settings: Settings) -> Path:
    return Path(settings.triage_model_dir) if str(settings.triage_model_dir) else SHIPPED


@lru_cache(maxsize=8)
def _loaded(folder: Path) -> Artifact:
    return load(folder)


def factory(settings: Settings) -> LocalModel:
    return LocalModel(_loaded(model_dir(settings)))


__all__ = ["NAME", "LocalModel", "factory", "model_dir"]
