"""The contract every shipped triage plugin keeps: suggestions of a known kind and value, a
confidence in [0, 1], a German explanation, the plugin's name and its model version."""

import pytest

from egov.settings import Settings
from egov.triage.model import FLAGS, ORG_UNITS, PRIORITIES, Suggestion, TriageInput
from egov.triage.plugins import FACTORIES
from tests.support.llm_stub import llm_stub

TEXTS = [
    "Die Straßenlaterne vor Nummer 5 ist kaputt, Gefahr für Fußgänger, siehe Foto.",
    "Ich brauche einen Termin für meinen Reisepass. Meine IBAN: DE89 3704 0044 0532 0130 00",
    "hallo",
]
EXPLAINED = ("Regel: ", "Ausschlaggebend: ", "Das Modell fand", "Sprachmodell ")


def keeps_the_contract(suggestion: Suggestion, name: str, version: str) -> None:
    assert isinstance(suggestion, Suggestion) and 0.0 <= suggestion.confidence <= 1.0
    allowed = {"org_unit": ORG_UNITS, "priority": PRIORITIES, "flag": FLAGS}[suggestion.kind]
    assert suggestion.value in allowed
    assert suggestion.explanation.startswith(EXPLAINED)
    assert suggestion.plugin == name and suggestion.model_version == version and version


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_plugin_keeps_the_contract(name: str) -> None:
    with llm_stub() as stub:
        settings = Settings(triage_llm_url=stub.url, triage_llm_model="stub-7b")
        plugin = FACTORIES[name](settings)
        assert plugin.name == name
        answered = [plugin.suggest(TriageInput("anliegen", "web", {"t": t})) for t in TEXTS]
    assert any(answered), f"{name} suggested nothing at all"
    for suggestions in answered:
        for suggestion in suggestions:
            keeps_the_contract(suggestion, name, plugin.version)
