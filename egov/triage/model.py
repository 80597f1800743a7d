"""The triage port: what a plugin is given, what it answers, and what the chain returns.

Pure data and protocols, no I/O. A plugin reads a `TriageInput` (the canonical application as
triage sees it) and answers `Suggestion`s, each with a confidence in [0, 1], a German
explanation a clerk can read, and the plugin's name and model version. A suggestion is never a
decision: callers show it to a clerk, who confirms or overrides it (GDPR Art. 22).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

GENERAL_UNIT = "Allgemein"
"""The general inbox: where a case goes when triage abstains."""

ORG_UNITS: tuple[str, ...] = (
    "Büro Bürgerbudget",
    "Fachdienst Stadtplanung",
    "Bauaufsicht",
    "Bürgeramt",
    "Ordnungsamt",
    "Straßen und Verkehr",
    "Umwelt und Grünflächen",
    GENERAL_UNIT,
)
"""The categories of the org-unit suggestion: the demo city's units, by these exact names."""

SuggestionKind = Literal["org_unit", "procedure", "priority", "flag"]
PRIORITIES: tuple[str, ...] = ("niedrig", "normal", "hoch")
FLAGS: tuple[str, ...] = ("incomplete", "personal_data", "abusive", "duplicate")
"""Flag values: incomplete application, personal data in free text that does not belong there
(IBAN, tax id, health data), possibly abusive text, likely duplicate of an open case."""


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment's metadata; triage never reads the content."""

    filename: str
    media_type: str
    size: int


@dataclass(frozen=True)
class TriageInput:
    """The application as triage sees it."""

    procedure_key: str
    channel: str  # "web", "xfall", "xbau", "postfach", ...
    texts: dict[str, str]  # free-text fields by name, e.g. {"anliegen": "..."}
    data: dict[str, Any] = field(default_factory=dict)  # structured Fachdaten
    attachments: tuple[AttachmentInfo, ...] = ()
    applicant_key: str | None = None  # a stable pseudonym of the applicant, never the name
    location: str | None = None
    case_id: str | None = None

    @property
    def text(self) -> str:
        """All free text, in field order, for models that read one string."""
        return "\n".join(value for value in self.texts.values() if value)


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    value: str  # an org unit name, a procedure key, a priority or a flag
    confidence: float  # in [0, 1]
    explanation: str  # German, for the clerk: the words that weighed most, or the rule
    plugin: str
    model_version: str

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence!r} outside [0, 1]")

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "explanation": self.explanation,
            "plugin": self.plugin,
            "model_version": self.model_version,
        }


class TriagePlugin(Protocol):
    """One plugin of the chain. `suggest` may raise or be slow: the chain contains both."""

    name: str
    version: str

    def suggest(self, item: TriageInput) -> list[Suggestion]: ...


@dataclass(frozen=True)
class PluginFailure:
    plugin: str
    reason: Literal["error", "timeout"]


@dataclass(frozen=True)
class TriageResult:
    """What the chain says about one application.

    `org_unit` is the routing suggestion at or above the threshold, or None: then triage
    abstained and the case belongs to `GENERAL_UNIT` until a clerk routes it.
    """

    suggestions: tuple[Suggestion, ...]
    threshold: float
    failures: tuple[PluginFailure, ...] = ()

    def best(self, kind: SuggestionKind) -> Suggestion | None:
        found = [s for s in self.suggestions if s.kind == kind]
        return max(found, key=lambda s: s.confidence) if found else None

    @property
    def org_unit(self) -> Suggestion | None:
        best = self.best("org_unit")
        if best is None or best.confidence < self.threshold or best.value == GENERAL_UNIT:
            return None
        return best

    @property
    def abstained(self) -> bool:
        return self.org_unit is None

    @property
    def flags(self) -> tuple[Suggestion, ...]:
        return tuple(s for s in self.suggestions if s.kind == "flag")

    def as_json(self) -> dict[str, Any]:
        chosen = self.org_unit
        return {
            "org_unit": chosen.value if chosen else GENERAL_UNIT,
            "abstained": self.abstained,
            "threshold": self.threshold,
            "suggestions": [s.as_json() for s in self.suggestions],
            "failures": [{"plugin": f.plugin, "reason": f.reason} for f in self.failures],
        }


class Triage(Protocol):
    """The configured chain of plugins (`egov.triage.runner`)."""

    @property
    def default_threshold(self) -> float:
        """The threshold of a procedure that names none."""
        ...

    def run(self, item: TriageInput, threshold: float) -> TriageResult: ...


__all__ = [
    "FLAGS",
    "GENERAL_UNIT",
    "ORG_UNITS",
    "PRIORITIES",
    "AttachmentInfo",
    "PluginFailure",
    "Suggestion",
    "SuggestionKind",
    "Triage",
    "TriageInput",
    "TriagePlugin",
    "TriageResult",
]
