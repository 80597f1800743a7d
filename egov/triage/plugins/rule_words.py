"""The word lists of plugin rules: small on purpose, so a clerk can follow every rule.

Keywords are lower-case parts of words ("laterne" also finds "Straßenlaterne"); each names
one org unit. Danger words begin a word ("verletzt" finds "verletzte") and raise the
priority. Edit here; tests/unit/test_triage_rules.py pins the behaviour.
"""

from __future__ import annotations

KEYWORDS: dict[str, tuple[str, ...]] = {
    "Büro Bürgerbudget": ("bürgerbudget", "bürgerhaushalt", "buergerbudget"),
    "Fachdienst Stadtplanung": (
        "bebauungsplan",
        "flächennutzungsplan",
        "stadtplanung",
        "stadtentwicklungskonzept",
    ),
    "Bauaufsicht": ("baugenehmigung", "bauantrag", "bauvoranfrage", "bauaufsicht"),
    "Bürgeramt": (
        "personalausweis",
        "reisepass",
        "meldebescheinigung",
        "ummeldung",
        "führungszeugnis",
        "wohnsitz",
    ),
    "Ordnungsamt": ("falschpark", "ruhestörung", "lärmbelästigung", "parkverstoß"),
    "Straßen und Verkehr": ("schlagloch", "straßenlaterne", "fahrbahn", "ampel"),
    "Umwelt und Grünflächen": ("baumfällung", "grünschnitt", "stadtbaum", "grünanlage"),
}

DANGER_WORDS: tuple[str, ...] = (
    "gefahr",
    "gefährlich",
    "lebensgefahr",
    "umgestürzt",
    "gasgeruch",
    "riecht nach gas",
    "verletzt",
    "brennt",
    "rauch",
    "einsturz",
    "eingestürzt",
    "stromkabel",
    "überflutet",
)

REFERS_TO_ATTACHMENT: tuple[str, ...] = (
    "siehe foto",
    "siehe bild",
    "siehe anhang",
    "im anhang",
    "anbei",
    "beigefügt",
    "foto anbei",
    "see attached",
)

__all__ = ["DANGER_WORDS", "KEYWORDS", "REFERS_TO_ATTACHMENT"]

PROCEDURE_WORDS: dict[str, tuple[str, ...]] = {
    # a procedure egov offers with its own form: the request belongs there (its key)
    "buergerbudget": ("bürgerbudget", "bürgerhaushalt", "vorschlag fürs budget"),
    "bauantrag": ("bauantrag", "baugenehmigung beantragen", "bauvoranfrage"),
    "beteiligung": ("stellungnahme zum bebauungsplan", "einwendung gegen den bebauungsplan"),
}
"""Words that say which of the shipped procedures a general request is really an application
of; the clerk may point the citizen to its form."""
