"""The triage port: a routing suggestion below the threshold is an abstention to Allgemein."""

import pytest

from egov.triage.model import GENERAL_UNIT, Suggestion, TriageInput, TriageResult


def unit(value: str, confidence: float, plugin: str = "local-model") -> Suggestion:
    return Suggestion("org_unit", value, confidence, "Wörter: Schlagloch", plugin, "1")


def test_the_most_confident_unit_at_the_threshold_is_the_suggestion() -> None:
    result = TriageResult((unit("Bürgeramt", 0.4), unit("Straßen und Verkehr", 0.7)), 0.7)
    assert result.org_unit is not None and result.org_unit.value == "Straßen und Verkehr"
    assert not result.abstained
    assert result.as_json()["org_unit"] == "Straßen und Verkehr"


@pytest.mark.parametrize(
    "suggestions", [(), (unit("Bürgeramt", 0.69),), (unit(GENERAL_UNIT, 0.99),)]
)
def test_below_the_threshold_or_general_it_abstains_to_allgemein(suggestions) -> None:
    result = TriageResult(tuple(suggestions), 0.7)
    assert result.abstained and result.org_unit is None
    assert result.as_json()["org_unit"] == GENERAL_UNIT


def test_a_confidence_outside_zero_to_one_is_a_bug_of_the_plugin() -> None:
    with pytest.raises(ValueError):
        unit("Bürgeramt", 1.2)


def test_models_read_all_free_text_in_field_order() -> None:
    item = TriageInput("anliegen", "web", {"betreff": "Laterne", "text": "", "anliegen": "aus"})
    assert item.text == "Laterne\naus"
