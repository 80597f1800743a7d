"""libxml2's XSD validation messages as German reasons for people (the JSON form path).

The web form names its fields itself (`data.title`); the reason comes from the XSD check of the
Fachdaten built from them. libxml2 words it in English and with XML names, so the facets and
types a Fachdaten XSD uses are said again in German; anything else gets a general reason.
"""

from __future__ import annotations

import re

_FALLBACK = "entspricht nicht den Regeln der Fachdaten"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), reason)
    for pattern, reason in (
        (
            r"\[facet 'minLength'\] The value has a length of '(\d+)'; .* length of '(\d+)'",
            "muss mindestens {1} Zeichen lang sein (sind {0})",
        ),
        (
            r"\[facet 'maxLength'\] The value has a length of '(\d+)'; .* length of '(\d+)'",
            "darf höchstens {1} Zeichen lang sein (sind {0})",
        ),
        (r"\[facet 'pattern'\]", "hat nicht das erwartete Format"),
        (r"\[facet 'enumeration'\] .* the set \{(.*)\}", "muss einer dieser Werte sein: {0}"),
        (r"\[facet 'minInclusive'\] .* allowed \('(.*)'\)", "muss mindestens {0} sein"),
        (r"\[facet 'maxInclusive'\] .* allowed \('(.*)'\)", "darf höchstens {0} sein"),
        (r"\[facet 'minExclusive'\] .*\('(.*)'\)", "muss größer als {0} sein"),
        (r"\[facet 'maxExclusive'\] .*\('(.*)'\)", "muss kleiner als {0} sein"),
        (r"\[facet 'totalDigits'\] .* allowed \('(\d+)'\)", "darf höchstens {0} Ziffern haben"),
        (
            r"\[facet 'fractionDigits'\] .* allowed \('(\d+)'\)",
            "darf höchstens {0} Nachkommastellen haben",
        ),
        (r"atomic type 'xs:(?:decimal|integer|double|float)'", "muss eine Zahl sein"),
        (r"atomic type 'xs:boolean'", "muss true oder false sein"),
        (r"atomic type 'xs:date'", "muss ein Datum (JJJJ-MM-TT) sein"),
        (r"Missing child element", "Pflichtfeld fehlt"),
        (r"This element is not expected", "ist an dieser Stelle nicht vorgesehen"),
    )
)
_QUOTED = re.compile(r"'([^']*)'")


def german_reason(message: str) -> str:
    """The German reason for one libxml2 schema message (never the message itself)."""
    for pattern, reason in _RULES:
        match = pattern.search(message)
        if match is not None:
            values = [_listed(value) for value in match.groups()]
            return reason.format(*values)
    return _FALLBACK


def _listed(value: str) -> str:
    """`'a', 'b'` (an enumeration as libxml2 lists it) as „a“, „b“; other values unchanged."""
    items = _QUOTED.findall(value)
    return ", ".join(f"„{item}“" for item in items) if items else value
