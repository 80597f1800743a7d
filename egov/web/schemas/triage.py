"""Triage as the clerk and the admin see it: the suggestion of a review task, the decision,
the override metrics (egov.web.api_triage, egov.triage.service)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from egov.web.schemas.cases import TaskWithContext

SUGGESTION_EXAMPLE = {
    "kind": "org_unit",
    "value": "Straßen und Verkehr",
    "confidence": 0.93,
    "explanation": "Wörter mit dem meisten Gewicht: Schlagloch, Fahrbahn, Radweg",
    "plugin": "local-model",
    "model_version": "2026-12-01-a1b2c3",
}


class SuggestionView(BaseModel):
    """One plugin's suggestion, as `egov.triage.model.Suggestion.as_json` writes it."""

    model_config = ConfigDict(
        openapi_extra={"example": SUGGESTION_EXAMPLE}  # type: ignore[typeddict-unknown-key]
    )

    kind: Literal["org_unit", "procedure", "priority", "flag"]
    value: str
    confidence: float = Field(ge=0, le=1)
    explanation: str = Field(description="für die Sachbearbeitung, deutsch")
    plugin: str
    model_version: str


class FailureView(BaseModel):
    plugin: str
    reason: Literal["error", "timeout"]


class TaskTriageView(BaseModel):
    """The suggestion a review task shows; a person decides (Art. 22 DSGVO)."""

    id: str
    org_unit: str = Field(description="Org-Einheit der Aufgabe: vorgeschlagen oder allgemein")
    abstained: bool = Field(description="unter der Schwelle: die Triage schlägt nichts vor")
    threshold: float
    suggested: SuggestionView | None = Field(description="bester Vorschlag zur Org-Einheit")
    priority: SuggestionView | None = Field(default=None, description="vorgeschlagene Priorität")
    procedure: SuggestionView | None = Field(
        default=None, description="Verfahren mit eigenem Formular, zu dem das Anliegen gehört"
    )
    flags: list[SuggestionView]
    failures: list[FailureView] = Field(description="Plugins, die fehlschlugen oder zu lange")
    created_at: str
    decision: Literal["confirm", "override"] | None


class TaskWithTriage(TaskWithContext):
    triage: TaskTriageView | None = Field(
        None, description="der Vorschlag der Triage, nur bei einer Zuordnungsaufgabe"
    )


class TriageDecisionBody(BaseModel):
    model_config = ConfigDict(
        openapi_extra={  # type: ignore[typeddict-unknown-key]
            "example": {
                "decision": "override",
                "org_unit": "ordnungsamt",
                "reason": "Falschparker, nicht die Fahrbahn",
            }
        }
    )

    decision: str = Field(description="confirm (Vorschlag bestätigen) oder override (ändern)")
    org_unit: str | None = Field(None, description="beim Ändern: Schlüssel der Org-Einheit")
    reason: str | None = Field(None, description="Begründung; beim Ändern Pflicht")


class MetricsQuery(BaseModel):
    since: datetime | None = Field(None, description="Entscheidungen ab (ISO 8601)")
    until: datetime | None = Field(None, description="Entscheidungen vor (ISO 8601)")


class Figures(BaseModel):
    decisions: int
    overrides: int
    override_rate: float | None
    median_seconds: float | None = Field(description="Zeit vom Vorschlag zur Entscheidung")
    p90_seconds: float | None
    fast_confirms: int = Field(description="Bestätigungen schneller als fast_seconds")


class TriageMetrics(BaseModel):
    overall: Figures
    by_procedure: dict[str, Figures]
    by_org_unit: dict[str, Figures] = Field(description="nach vorgeschlagener Org-Einheit")
    by_clerk: dict[str, Figures]
    fast_seconds: float
