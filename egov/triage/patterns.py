"""What triage looks for in free text: personal data, abuse, prompt injection; and redaction.

The rules plugin flags what it finds; the LLM plugin redacts personal data before a request
leaves and does not ask about a text that tries to instruct the model. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.I)
TAX_ID = re.compile(r"(?<!\d)\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+49|0049|0)[ /-]?(?:\(0\))?\d{2,5}(?:[ /-]?\d{2,}){1,4}(?!\d)")
STREET_NUMBER = re.compile(
    r"\b(\w*(?:straße|strasse|str\.|weg|platz|gasse|allee|ring|damm|ufer|markt|steig))"
    r"(\s+)\d+\s?[a-z]?\b",
    re.I,
)
LONG_NUMBER = re.compile(r"(?<!\d)\d{6,}(?!\d)")

HEALTH_WORDS = (
    "diagnose",
    "krankheit",
    "erkrank",
    "medikament",
    "therapie",
    "depression",
    "krebs",
    "chemo",
    "hiv",
    "psychiatr",
    "arztbrief",
    "befund",
    "pflegegrad",
    "reha",
)
ABUSIVE_WORDS = (
    "arschloch",
    "idiot",
    "vollidiot",
    "depp",
    "penner",
    "schwachkopf",
    "hurensohn",
    "wichser",
    "drecksamt",
    "scheißamt",
    "verrecken",
    "abknallen",
    "umbringen",
)
INJECTION = re.compile(
    r"ignorier\w*\s+(?:alle\s+|sämtliche\s+)?(?:vorherigen|bisherigen|obigen|vorigen|deine)\s+"
    r"(?:anweisungen|instruktionen|befehle|regeln)"
    r"|vergiss\s+(?:alle\s+|deine\s+)?(?:vorherigen\s+)?(?:anweisungen|regeln)"
    r"|ignore\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|above)\s+(?:instructions|prompts?|rules)"
    r"|disregard\s+(?:all\s+|the\s+)?(?:previous|prior|above)"
    r"|system[\s-]?prompt|systemanweisung|jailbreak"
    r"|(?:du\s+bist|you\s+are)\s+(?:jetzt|ab\s+sofort|now)\s+"
    r"|antworte\s+(?:nur|ausschließlich)\s+mit|respond\s+only\s+with"
    r"|</?\s*(?:system|assistant|user|anliegen)\s*>",
    re.I,
)


@dataclass(frozen=True)
class Finding:
    kind: str  # "IBAN", "Steuer-ID", "Gesundheitsdaten"
    sample: str  # what matched, for the clerk's explanation (shortened)


def iban_valid(candidate: str) -> bool:
    """ISO 13616 check: moved country code and check digits, letters as numbers, mod 97 = 1."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def tax_id_valid(candidate: str) -> bool:
    """The German Steuer-Identifikationsnummer: 11 digits, not starting with 0, check digit
    by ISO 7064 MOD 11,10."""
    digits = candidate.replace(" ", "")
    if len(digits) != 11 or not digits.isdigit() or digits[0] == "0":
        return False
    product = 10
    for digit in digits[:10]:
        total = (int(digit) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return (0 if check == 10 else check) == int(digits[10])


def personal_data(text: str) -> list[Finding]:
    found = [Finding("IBAN", _short(m.group())) for m in IBAN.finditer(text) if iban_valid(m[0])]
    found += [
        Finding("Steuer-ID", _short(m.group())) for m in TAX_ID.finditer(text) if tax_id_valid(m[0])
    ]
    found += [Finding("Gesundheitsdaten", word) for word in words_in(text, HEALTH_WORDS)]
    return found


def words_in(text: str, stems: Iterable[str]) -> list[str]:
    """The stems that begin a word of `text` (case-insensitive), in the order given."""
    lowered = text.lower()
    return [stem for stem in stems if re.search(rf"(?<!\w){re.escape(stem)}", lowered)]


def injection(text: str) -> str | None:
    """The first phrase that tries to instruct a language model, or None."""
    match = INJECTION.search(text)
    return " ".join(match.group().split()) if match else None


def redact(text: str, names: Iterable[str] = ()) -> str:
    """The text with IBANs, tax ids, e-mail addresses, phone numbers, the given names, house
    numbers after a street name and other long numbers replaced by placeholders. Street
    names stay: they say where, which routing needs."""
    text = IBAN.sub(lambda m: "[IBAN]" if iban_valid(m[0]) else m[0], text)
    text = TAX_ID.sub(lambda m: "[STEUER-ID]" if tax_id_valid(m[0]) else m[0], text)
    text = EMAIL.sub("[E-MAIL]", text)
    text = PHONE.sub("[TELEFON]", text)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[NAME]", text, flags=re.I)
    text = STREET_NUMBER.sub(r"\1\2[NR]", text)
    return LONG_NUMBER.sub("[ZAHL]", text)


def _short(sample: str) -> str:
    compact = sample.replace(" ", "")
    return compact[:4] + "…" if len(compact) > 4 else compact


__all__ = [
    "ABUSIVE_WORDS",
    "HEALTH_WORDS",
    "Finding",
    "iban_valid",
    "injection",
    "personal_data",
    "redact",
    "tax_id_valid",
    "words_in",
]
