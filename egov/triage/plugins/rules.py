"""Plugin `rules`: small, explainable rules a clerk can check by reading them.

* **Keywords** (`rule_words.KEYWORDS`): one unit's keywords and no other's → that unit at
  `KEYWORD_CONFIDENCE` (below the shipped model's threshold: a keyword explains, the model
  routes), "Regel: Stichwort 'personalausweis' → Bürgeramt".
* **Procedure**: words of one procedure egov offers with its own form
  (`rule_words.PROCEDURE_WORDS`) → that procedure's key, "Regel: 'bauantrag' → Verfahren
  bauantrag".
* **Priority** hoch for danger words (Gefahr, umgestürzt, Gasgeruch, verletzt ...).
* **Flags**: `incomplete` (no free text, less than `MIN_TEXT` characters, or the text points
  to a photo or attachment that is not there); `personal_data` (a checksum-valid IBAN, a
  German tax id with its check digit, health words); `abusive` (insults and threats, and
  attempts to instruct a language model: "ignoriere alle vorherigen Anweisungen");
  `duplicate`: an open case of the same applicant or location from the last
  EGOV_TRIAGE_DUPLICATE_DAYS days whose text is similar (character-trigram cosine at least
  `DUPLICATE_SIMILARITY`).

The open cases come through `RecentCases`, which the caller implements over its store and
sets as `recent_cases` on the plugin; without it there is no duplicate check.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from egov.clock import utcnow
from egov.settings import Settings
from egov.triage import patterns
from egov.triage.model import Suggestion, TriageInput
from egov.triage.plugins.rule_words import (
    DANGER_WORDS,
    KEYWORDS,
    PROCEDURE_WORDS,
    REFERS_TO_ATTACHMENT,
)

NAME = "rules"
VERSION = "1"
KEYWORD_CONFIDENCE = 0.75
MIN_TEXT = 20
DUPLICATE_SIMILARITY = 0.6


@dataclass(frozen=True)
class RecentCase:
    case_id: str
    reference: str
    text: str


class RecentCases(Protocol):
    """Open cases of an applicant (by pseudonym) or at a location, received since a moment."""

    def recent(
        self, applicant_key: str | None, location: str | None, since: datetime
    ) -> list[RecentCase]: ...


class Rules:
    name = NAME
    version = VERSION

    def __init__(self, duplicate_days: int = 14, clock: Callable[[], datetime] = utcnow) -> None:
        self.duplicate_days = duplicate_days
        self.clock = clock
        self.recent_cases: RecentCases | None = None

    def suggest(self, item: TriageInput) -> list[Suggestion]:
        text = item.text
        found = [*keyword_unit(text), *procedure(item), *priority(text), *incomplete(item)]
        found += personal(text)
        found += abusive(text)
        return [*found, *self.duplicates(item)]

    def duplicates(self, item: TriageInput) -> list[Suggestion]:
        if self.recent_cases is None or not (item.applicant_key or item.location):
            return []
        since = self.clock() - timedelta(days=self.duplicate_days)
        best: tuple[float, RecentCase] | None = None
        for case in self.recent_cases.recent(item.applicant_key, item.location, since):
            score = similarity(item.text, case.text)
            if case.case_id != item.case_id and (best is None or score > best[0]):
                best = (score, case)
        if best is None or best[0] < DUPLICATE_SIMILARITY:
            return []
        score, case = best
        why = f"Regel: Text zu {score:.0%} gleich dem offenen Vorgang {case.reference}"
        return [
            flag(
                "duplicate",
                score,
                why + f" (dieselbe Person oder derselbe Ort, letzte {self.duplicate_days} Tage)",
            )
        ]


def flag(value: str, confidence: float, explanation: str) -> Suggestion:
    return Suggestion("flag", value, min(1.0, confidence), explanation, NAME, VERSION)


def keyword_unit(text: str) -> list[Suggestion]:
    lowered = text.lower()
    hits = {unit: [word for word in words if word in lowered] for unit, words in KEYWORDS.items()}
    matched = {unit: words for unit, words in hits.items() if words}
    if len(matched) != 1:  # none, or keywords of several units: no rule decides
        return []
    [(unit, words)] = matched.items()
    quoted = ", ".join(f"'{word}'" for word in words)
    explanation = f"Regel: Stichwort {quoted} → {unit}"
    return [Suggestion("org_unit", unit, KEYWORD_CONFIDENCE, explanation, NAME, VERSION)]


def procedure(item: TriageInput) -> list[Suggestion]:
    lowered = item.text.lower()
    matched = {
        key: [word for word in words if word in lowered]
        for key, words in PROCEDURE_WORDS.items()
        if key != item.procedure_key
    }
    matched = {key: words for key, words in matched.items() if words}
    if len(matched) != 1:
        return []
    [(key, words)] = matched.items()
    why = f"Regel: '{words[0]}' → Verfahren {key} (hat ein eigenes Antragsformular)"
    return [Suggestion("procedure", key, KEYWORD_CONFIDENCE, why, NAME, VERSION)]


def priority(text: str) -> list[Suggestion]:
    danger = patterns.words_in(text, DANGER_WORDS)
    if not danger:
        return []
    quoted = ", ".join(f"'{word}'" for word in danger[:3])
    why = f"Regel: Gefahrenwort {quoted} → Priorität hoch"
    return [Suggestion("priority", "hoch", 0.8, why, NAME, VERSION)]


def incomplete(item: TriageInput) -> list[Suggestion]:
    text = item.text.strip()
    if len(text) < MIN_TEXT:
        why = f"Regel: Freitext fehlt oder ist kürzer als {MIN_TEXT} Zeichen"
        return [flag("incomplete", 0.9, why)]
    lowered = text.lower()
    mentioned = [words for words in REFERS_TO_ATTACHMENT if words in lowered]
    if mentioned and not item.attachments:
        why = f"Regel: Der Text verweist auf einen Anhang ('{mentioned[0]}'), es ist keiner dabei"
        return [flag("incomplete", 0.8, why)]
    return []


def personal(text: str) -> list[Suggestion]:
    findings = patterns.personal_data(text)
    if not findings:
        return []
    kinds = list(dict.fromkeys(f.kind for f in findings))
    confidence = 0.95 if {"IBAN", "Steuer-ID"} & set(kinds) else 0.7
    named = ", ".join(f"{f.kind} ('{f.sample}')" for f in findings[:3])
    why = f"Regel: persönliche Daten im Freitext: {named}"
    return [flag("personal_data", confidence, why)]


def abusive(text: str) -> list[Suggestion]:
    attempt = patterns.injection(text)
    if attempt:
        why = f"Regel: Versuch, einem Sprachmodell Anweisungen zu geben ('{attempt[:60]}')"
        return [flag("abusive", 0.9, why)]
    words = patterns.words_in(text, patterns.ABUSIVE_WORDS)
    if words:
        return [flag("abusive", 0.8, f"Regel: beleidigendes oder drohendes Wort '{words[0]}'")]
    return []


def similarity(first: str, second: str) -> float:
    """Cosine of the character-trigram counts of the two texts (case and spaces folded)."""
    a, b = _trigrams(first), _trigrams(second)
    dot = sum(count * b[gram] for gram, count in a.items())
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def _trigrams(text: str) -> Counter[str]:
    folded = " " + re.sub(r"\W+", " ", text.casefold()).strip() + " "
    return Counter(folded[i : i + 3] for i in range(len(folded) - 2))


def factory(settings: Settings) -> Rules:
    return Rules(duplicate_days=settings.triage_duplicate_days)


__all__ = ["NAME", "RecentCase", "RecentCases", "Rules", "factory", "similarity"]
