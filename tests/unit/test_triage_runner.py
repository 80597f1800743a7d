"""The triage chain: plugins in configured order; a failing or slow one never blocks triage."""

import threading

import pytest

from egov.errors import Invalid
from egov.settings import Settings
from egov.triage.model import Suggestion, TriageInput
from egov.triage.runner import FAILURES, build_triage

ITEM = TriageInput("anliegen", "web", {"anliegen": "Die Laterne vor Nr. 5 ist aus."})


class Fixed:
    def __init__(self, name: str, unit: str, confidence: float, fallback: bool = False) -> None:
        self.name, self.version, self.fallback = name, "1", fallback
        self.unit, self.confidence, self.calls = unit, confidence, 0

    def suggest(self, item: TriageInput) -> list[Suggestion]:
        self.calls += 1
        return [Suggestion("org_unit", self.unit, self.confidence, "Regel", self.name, "1")]


class Broken:
    name, version = "broken", "1"

    def suggest(self, item: TriageInput) -> list[Suggestion]:
        raise RuntimeError("model file missing")


class Slow:
    name, version = "slow", "1"

    def __init__(self) -> None:
        self.release = threading.Event()

    def suggest(self, item: TriageInput) -> list[Suggestion]:
        self.release.wait(10)
        return [Suggestion("org_unit", "Bürgeramt", 1.0, "zu spät", self.name, "1")]


def chain(names: str, timeout: float = 2.0, **plugins):
    settings = Settings(triage_plugins=names, triage_timeout_seconds=timeout)
    return build_triage(settings, {name: (lambda s, p=p: p) for name, p in plugins.items()})


def test_plugins_answer_in_the_configured_order() -> None:
    first, second = Fixed("rules", "Ordnungsamt", 0.3), Fixed("model", "Straßen und Verkehr", 0.9)
    result = chain("model,rules", model=second, rules=first).run(ITEM, 0.8)
    assert [s.plugin for s in result.suggestions] == ["model", "rules"]
    assert result.org_unit is not None and result.org_unit.value == "Straßen und Verkehr"


def test_a_failing_plugin_is_reported_and_the_others_still_answer() -> None:
    before = FAILURES.labels("broken", "error")._value.get()
    result = chain("broken,model", broken=Broken(), model=Fixed("model", "Bürgeramt", 0.9)).run(
        ITEM, 0.5
    )
    assert [f.plugin for f in result.failures] == ["broken"]
    assert result.org_unit is not None and result.org_unit.value == "Bürgeramt"
    assert FAILURES.labels("broken", "error")._value.get() == before + 1


def test_a_slow_plugin_is_not_waited_for(caplog: pytest.LogCaptureFixture) -> None:
    slow = Slow()
    try:
        result = chain("slow", timeout=0.05, slow=slow).run(ITEM, 0.5)
    finally:
        slow.release.set()
    assert result.abstained and [(f.plugin, f.reason) for f in result.failures] == [
        ("slow", "timeout")
    ]
    assert "triage_plugin_timeout plugin=slow" in caplog.text


def test_a_fallback_is_asked_only_when_the_plugins_before_it_abstained() -> None:
    llm = Fixed("llm", "Bauaufsicht", 0.9, fallback=True)
    sure = Fixed("model", "Bürgeramt", 0.95)
    chain("model,llm", model=sure, llm=llm).run(ITEM, 0.8)
    assert llm.calls == 0
    unsure = Fixed("model", "Bürgeramt", 0.4)
    result = chain("model,llm", model=unsure, llm=llm).run(ITEM, 0.8)
    assert llm.calls == 1 and result.org_unit is not None and result.org_unit.plugin == "llm"


def test_an_unknown_plugin_name_is_a_configuration_error() -> None:
    with pytest.raises(Invalid) as refused:
        chain("rules,magic", rules=Fixed("rules", "Bürgeramt", 0.5))
    assert refused.value.code == "settings-invalid" and "magic" in str(refused.value)


def test_no_plugins_configured_means_triage_always_abstains() -> None:
    assert chain("").run(ITEM, 0.5).abstained
