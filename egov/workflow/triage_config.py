"""A procedure's triage, as its `procedure.json` configures it (issue 13, docs/triage.md).

`"triage": {"on": "intake" | "service_task", "threshold": 0.9, "review_task": "route_request"}`:
without `threshold` the chain's own applies (the one the shipped model was tuned for, see
`egov.triage.runner.Chain.default_threshold`). On `intake` egov asks triage right before
the process starts (never failing the filing); on `service_task` the model calls the
operator `triage.suggest` where it wants the suggestion. `review_task` names the user task
in which a clerk confirms or overrides the suggestion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

PROCEDURE_FILE = "procedure.json"
MODES = ("intake", "service_task")
DEFAULT_REVIEW_TASK = "route_request"
KEYS = {"on", "threshold", "review_task"}
OPERATOR = "triage.suggest"  # registered by egov.triage.service


@dataclass(frozen=True)
class TriageConfig:
    on: Literal["intake", "service_task"]
    threshold: float | None = None  # None: the chain's default
    review_task: str = DEFAULT_REVIEW_TASK


def problems(value: Any) -> list[tuple[str, str]]:
    """German reasons why `procedure.json/triage` is not a triage configuration."""
    if not isinstance(value, dict):
        return [("triage", "ein Objekt mit on, threshold und review_task erwartet")]
    found = [(f"triage/{key}", "unbekanntes Feld") for key in sorted(value.keys() - KEYS)]
    if value.get("on") not in MODES:
        found.append(("triage/on", "intake oder service_task"))
    threshold = value.get("threshold", 0.0)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0.0 <= threshold <= 1.0
    ):
        found.append(("triage/threshold", "Zahl von 0 bis 1 erwartet"))
    task = value.get("review_task", DEFAULT_REVIEW_TASK)
    if not isinstance(task, str) or not task.strip() or len(task) > 100:
        found.append(("triage/review_task", "ID einer Benutzeraufgabe (höchstens 100 Zeichen)"))
    return found


def model_problems(config: TriageConfig, trees: list[Any]) -> list[tuple[str, str]]:
    """What the models (parsed BPMN trees) lack for the configured triage."""
    user_tasks = {el.get("id") for tree in trees for el in tree.iter("{*}userTask")}
    operators = {el.get("id") for tree in trees for el in tree.iter("{*}serviceTaskOperator")}
    found = []
    if config.review_task not in user_tasks:
        found.append(("triage/review_task", "keine Benutzeraufgabe mit dieser ID im Modell"))
    if config.on == "service_task" and OPERATOR not in operators:
        found.append(("triage/on", f"service_task, aber kein Service-Task ruft {OPERATOR} auf"))
    if config.on == "intake" and OPERATOR in operators:
        found.append(("triage/on", f"intake, aber ein Service-Task ruft auch {OPERATOR} auf"))
    return found


def parse(spec: dict[str, Any]) -> TriageConfig | None:
    """The triage of a checked `procedure.json`, None when the procedure has none."""
    value = spec.get("triage")
    if value is None or problems(value):
        return None
    return TriageConfig(
        on=value["on"],
        threshold=None if value.get("threshold") is None else float(value["threshold"]),
        review_task=value.get("review_task", DEFAULT_REVIEW_TASK),
    )


def of_files(files: dict[str, str]) -> TriageConfig | None:
    """The triage a deployed version's files configure."""
    try:
        spec = json.loads(files.get(PROCEDURE_FILE, "{}"))
    except ValueError:
        return None
    return parse(spec) if isinstance(spec, dict) else None


__all__ = ["MODES", "OPERATOR", "TriageConfig", "model_problems", "of_files", "parse", "problems"]
