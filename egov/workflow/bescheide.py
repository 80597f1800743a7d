"""Bescheide: the letters of a procedure that decide, as its `procedure.json` marks them
(issue 16, ADR 0043, docs/modeling.md "Bescheide").

```json
"bescheide": {
  "letters": ["bescheid_admission", "rejection"],
  "behoerde": "Stadt Jena, Büro Bürgerbudget, Am Anger 15, 07743 Jena",
  "rechtsbehelfsbelehrung": "Gegen diesen Bescheid kann innerhalb eines Monats ...",
  "zeichnung": "Im Auftrag\\nBüro Bürgerbudget",
  "briefkopf": ["Stadt Jena", "Büro Bürgerbudget", "Am Anger 15, 07743 Jena"]
}
```

A Bescheid's template must name the authority (`$behoerde`), the date (`$bescheid_datum`),
the reference (`$case_reference`), give its reasons under a line `Gründe:` (or
`Begründung:`), and carry the Rechtsbehelfsbelehrung (`$rechtsbehelfsbelehrung`) and the
signature line (`$zeichnung`); deploy refuses one without them (422 `bescheid-incomplete`
naming the file). Pure: no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from string import Template
from typing import Any

from egov.errors import Invalid

PROCEDURE_FILE = "procedure.json"
TEXTS = ("behoerde", "rechtsbehelfsbelehrung", "zeichnung")
KEYS = {"letters", "briefkopf", *TEXTS}
MAX_TEXT = 4000
# placeholder: what it stands for, in the refusal
REQUIRED = {
    "behoerde": "die Behörde ($behoerde)",
    "bescheid_datum": "das Datum ($bescheid_datum)",
    "case_reference": "das Aktenzeichen ($case_reference)",
    "rechtsbehelfsbelehrung": "die Rechtsbehelfsbelehrung ($rechtsbehelfsbelehrung)",
    "zeichnung": "die Zeichnung ($zeichnung)",
}
VARIABLES = frozenset(REQUIRED)  # what a Bescheid's template may name besides the process's
REASONS_HEADINGS = ("gründe", "begründung")


@dataclass(frozen=True)
class BescheidConfig:
    letters: tuple[str, ...]
    behoerde: str
    rechtsbehelfsbelehrung: str
    zeichnung: str
    briefkopf: tuple[str, ...] = ()

    def values(self, now: datetime) -> dict[str, str]:
        """What a Bescheid's template gets besides the process data."""
        return {
            "behoerde": self.behoerde,
            "rechtsbehelfsbelehrung": self.rechtsbehelfsbelehrung,
            "zeichnung": self.zeichnung,
            "bescheid_datum": f"{now:%d.%m.%Y}",
        }


def problems(value: Any) -> list[tuple[str, str]]:
    """German reasons why `procedure.json/bescheide` is not a Bescheid configuration."""
    if not isinstance(value, dict):
        return [("bescheide", "ein Objekt mit letters, behoerde, rechtsbehelfsbelehrung erwartet")]
    found = [(f"bescheide/{key}", "unbekanntes Feld") for key in sorted(value.keys() - KEYS)]
    for key in TEXTS:
        text = value.get(key)
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            found.append((f"bescheide/{key}", f"Text mit höchstens {MAX_TEXT} Zeichen"))
    for key in ("letters", "briefkopf"):
        items = value.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            found.append((f"bescheide/{key}", "eine Liste von Texten erwartet"))
    if not value.get("letters"):
        found.append(("bescheide/letters", "mindestens eine Briefvorlage"))
    return found


def template_problems(config: BescheidConfig, texts: dict[str, str]) -> list[tuple[str, str]]:
    """What each Bescheid's template lacks, by file."""
    found = []
    for name in config.letters:
        path = f"letters/{name}.txt"
        text = texts.get(path)
        if text is None:
            found.append((path, "Die Briefvorlage des Bescheids fehlt im Bündel."))
            continue
        named = set(Template(text).get_identifiers())
        lacking = [what for key, what in REQUIRED.items() if key not in named]
        if not any(_is_heading(line) for line in text.splitlines()):
            lacking.append("die Gründe (eine Zeile „Gründe:“)")
        if lacking:
            found.append((path, f"Dem Bescheid fehlen: {', '.join(lacking)}."))
    return found


def check(procedure: dict[str, Any] | None, texts: dict[str, str]) -> None:
    """Refuse a bundle whose Bescheide lack what a Bescheid must carry."""
    config = parse(procedure or {})
    found = [] if config is None else template_problems(config, texts)
    if found:
        raise Invalid(
            f"Unvollständiger Bescheid: {', '.join(name for name, _ in found)}",
            code="bescheid-incomplete",
            invalid_params=[{"name": name, "reason": reason} for name, reason in found],
        )


def parse(spec: dict[str, Any]) -> BescheidConfig | None:
    """The Bescheide of a checked `procedure.json`, None when it marks none."""
    value = spec.get("bescheide")
    if value is None or problems(value):
        return None
    return BescheidConfig(
        letters=tuple(value["letters"]),
        behoerde=value["behoerde"],
        rechtsbehelfsbelehrung=value["rechtsbehelfsbelehrung"],
        zeichnung=value["zeichnung"],
        briefkopf=tuple(value.get("briefkopf", [])),
    )


def of_files(files: dict[str, str]) -> BescheidConfig | None:
    """The Bescheide a deployed version's files configure."""
    try:
        spec = json.loads(files.get(PROCEDURE_FILE, "{}"))
    except ValueError:
        return None
    return parse(spec) if isinstance(spec, dict) else None


def _is_heading(line: str) -> bool:
    return line.strip().rstrip(":").strip().lower() in REASONS_HEADINGS


__all__ = [
    "VARIABLES",
    "BescheidConfig",
    "check",
    "of_files",
    "parse",
    "problems",
    "template_problems",
]
