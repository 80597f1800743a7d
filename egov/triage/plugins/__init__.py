"""The triage plugins egov ships, by the name `EGOV_TRIAGE_PLUGINS` uses for them.

Each factory builds its plugin from the settings; `egov.triage.runner.build_triage` picks and
orders them by configuration. The modules are imported when a plugin is built, so that
scikit-learn is loaded only where the local model runs.
"""

from __future__ import annotations

from egov.settings import Settings
from egov.triage.model import TriagePlugin
from egov.triage.runner import Factory


def _rules(settings: Settings) -> TriagePlugin:
    from egov.triage.plugins import rules

    return rules.factory(settings)


def _local_model(settings: Settings) -> TriagePlugin:
    from egov.triage.plugins import local_model

    return local_model.factory(settings)


def _llm(settings: Settings) -> TriagePlugin:
    from egov.triage.plugins import llm

    return llm.factory(settings)


FACTORIES: dict[str, Factory] = {"rules": _rules, "local-model": _local_model, "llm": _llm}

__all__ = ["FACTORIES"]
