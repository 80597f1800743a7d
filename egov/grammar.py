"""German articles for the names of org units in letters ("der Fachdienst Stadtplanung",
"dem Büro Bürgerbudget", "von der Bauaufsicht"): pure, no I/O.

The genus (or plural) of a unit follows from the word its name starts with, the kind of unit
(`KINDS`). A letter template names a unit variable ending in `org_unit_name` with a suffix
for the case, spelled as the masculine article: `${responsible_org_unit_name_der}`
(nominative), `_dem` (dative), `_den` (accusative), capitalised at the start of a sentence
(`_Der`: "Der Fachdienst ..."); a plural's dative takes its -n ("den Stadtwerken Jena"); no
genitive, which would inflect a singular noun too ("des Fachdienstes"). A name whose kind is
not known gets no article (the bare name), never a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

Genus = Literal["m", "f", "n", "pl"]
UNIT_SUFFIX = "org_unit_name"
# the case, by the masculine article that names it: the articles per genus
ARTICLES: dict[str, dict[Genus, str]] = {
    "der": {"m": "der", "f": "die", "n": "das", "pl": "die"},
    "dem": {"m": "dem", "f": "der", "n": "dem", "pl": "den"},
    "den": {"m": "den", "f": "die", "n": "das", "pl": "die"},
}
KINDS: dict[str, Genus] = {
    "fachdienst": "m",
    "fachbereich": "m",
    "bereich": "m",
    "eigenbetrieb": "m",
    "bürgerservice": "m",
    "büro": "n",
    "amt": "n",
    "dezernat": "n",
    "referat": "n",
    "team": "n",
    "standesamt": "n",
    "ordnungsamt": "n",
    "bauaufsicht": "f",
    "bauaufsichtsbehörde": "f",
    "behörde": "f",
    "abteilung": "f",
    "stelle": "f",
    "stabsstelle": "f",
    "verwaltung": "f",
    "stadtverwaltung": "f",
    "stadtwerke": "pl",
    "kommunalservice": "m",
}


def genus(name: str) -> Genus | None:
    """The genus of a unit by the kind its name starts with; None if the kind is unknown."""
    words = name.split()
    return KINDS.get(words[0].lower()) if words else None


def with_article(name: str, case: str) -> str:
    """`name` with its article in `case` (der, dem, den)."""
    found = genus(name)
    if found is None:
        return name
    if found == "pl" and case == "dem":
        kind, _, rest = name.partition(" ")
        name = kind if kind.endswith(("n", "s")) else f"{kind}n"
        name = f"{name} {rest}" if rest else name
    return f"{ARTICLES[case][found]} {name}"


def unit_forms(values: Mapping[str, Any]) -> dict[str, str]:
    """For each unit name among `values`, its forms with article, by placeholder."""
    forms = {}
    for key, value in values.items():
        if key.endswith(UNIT_SUFFIX) and isinstance(value, str):
            for case in ARTICLES:
                text = with_article(value, case)
                forms[f"{key}_{case}"] = text
                forms[f"{key}_{case.capitalize()}"] = text[:1].upper() + text[1:]
    return forms


def form_names(variables: Iterable[str]) -> set[str]:
    """The placeholders `unit_forms` offers for these variable names."""
    return {
        f"{name}_{spelled}"
        for name in variables
        if name.endswith(UNIT_SUFFIX)
        for case in ARTICLES
        for spelled in (case, case.capitalize())
    }
