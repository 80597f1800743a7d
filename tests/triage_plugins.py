"""Small triage plugins for tests: keyword rules with fixed confidences, one that raises and
one that is slower than any time limit (fictional texts only)."""

from __future__ import annotations

import threading
from typing import Any

from egov.settings import Settings
from egov.triage.model import Suggestion, TriageInput

RELEASE = threading.Event()  # lets the slow plugin's thread end after a test
SEEN: list[TriageInput] = []  # what the plugin was given, newest last


class Keywords:
    """`Schlagloch` → Straßen und Verkehr (sure), `Falschparker` → Ordnungsamt (unsure),
    `kaputt` raises, `langsam` waits past the time limit."""

    name, version = "test-keywords", "kw-1"

    def suggest(self, item: TriageInput) -> list[Suggestion]:
        SEEN.append(item)
        text = item.text
        if "kaputt" in text:
            raise RuntimeError("plugin broken")
        if "langsam" in text:
            RELEASE.wait(10)
        if "Schlagloch" in text:
            return [self._unit("Straßen und Verkehr", 0.95, "Schlagloch")]
        if "Falschparker" in text:
            return [self._unit("Ordnungsamt", 0.55, "Falschparker")]
        return []

    def _unit(self, unit: str, confidence: float, word: str) -> Suggestion:
        why = f"Wort mit dem meisten Gewicht: {word}"
        return Suggestion("org_unit", unit, confidence, why, self.name, self.version)


def keywords(_settings: Settings) -> Any:
    return Keywords()
