"""Plugin local-model: the shipped model routes with a calibrated confidence and names why."""

import pytest

from egov.settings import Settings
from egov.triage.model import ORG_UNITS, TriageInput
from egov.triage.plugins import FACTORIES
from egov.triage.runner import build_triage


@pytest.fixture(scope="module")
def plugin():
    return FACTORIES["local-model"](Settings())


def ask(text: str) -> TriageInput:
    return TriageInput("anliegen", "web", {"anliegen": text})


def test_it_suggests_one_unit_with_confidence_words_name_and_version(plugin) -> None:
    [suggestion] = plugin.suggest(ask("Die Straßenlaterne vor Haus 5 ist seit Tagen defekt."))
    assert suggestion.kind == "org_unit" and suggestion.value == "Straßen und Verkehr"
    assert 0.0 <= suggestion.confidence <= 1.0
    assert suggestion.explanation.startswith("Ausschlaggebend: ")
    assert "'straßenlaterne'" in suggestion.explanation
    assert suggestion.plugin == "local-model" and suggestion.model_version == plugin.version


def test_an_empty_text_gets_no_suggestion(plugin) -> None:
    assert plugin.suggest(ask("   ")) == []


def test_the_model_reports_the_threshold_it_was_tuned_for(plugin) -> None:
    assert 0.3 <= plugin.threshold <= 0.99 and plugin.version == plugin.artifact.meta.version


def test_a_vague_request_abstains_to_allgemein_at_the_tuned_threshold(plugin) -> None:
    chain = build_triage(Settings(triage_plugins="local-model"), {"local-model": lambda s: plugin})
    result = chain.run(ask("Ich hätte da mal eine Frage."), plugin.threshold)
    assert result.abstained and result.as_json()["org_unit"] == "Allgemein"
    assert all(s.value in ORG_UNITS for s in result.suggestions)
