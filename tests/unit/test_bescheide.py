"""What a Bescheid's template and its procedure's configuration must carry (pure)."""

from __future__ import annotations

from egov.workflow.bescheide import BescheidConfig, problems, template_problems

CONFIG = BescheidConfig(
    letters=("bescheid",),
    behoerde="Stadt Jena, Musterbehörde",
    rechtsbehelfsbelehrung="Gegen diesen Bescheid kann ... Widerspruch erhoben werden.",
    zeichnung="Im Auftrag",
)
COMPLETE = (
    "$behoerde\nAktenzeichen: $case_reference\nDatum: $bescheid_datum\n\nTenor.\n\n"
    "Gründe:\n$reasons\n\nRechtsbehelfsbelehrung:\n$rechtsbehelfsbelehrung\n\n$zeichnung\n"
)


def test_a_complete_bescheid_has_no_problems() -> None:
    assert template_problems(CONFIG, {"letters/bescheid.txt": COMPLETE}) == []


def test_a_bescheid_without_date_and_reasons_is_named_with_what_it_lacks() -> None:
    text = COMPLETE.replace("$bescheid_datum", "").replace("Gründe:", "Warum:")
    [(path, reason)] = template_problems(CONFIG, {"letters/bescheid.txt": text})
    assert path == "letters/bescheid.txt"
    assert "das Datum ($bescheid_datum)" in reason and "die Gründe" in reason
    assert "Rechtsbehelfsbelehrung" not in reason


def test_a_marked_bescheid_missing_from_the_bundle_is_named() -> None:
    [(path, reason)] = template_problems(CONFIG, {})
    assert path == "letters/bescheid.txt" and "fehlt" in reason


def test_the_configuration_needs_its_texts_and_at_least_one_letter() -> None:
    found = dict(problems({"letters": [], "behoerde": " ", "zeichnung": "x", "extra": 1}))
    assert set(found) == {
        "bescheide/letters",
        "bescheide/behoerde",
        "bescheide/rechtsbehelfsbelehrung",
        "bescheide/extra",
    }
