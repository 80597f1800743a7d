"""The triage plugins egov ships, by the name `EGOV_TRIAGE_PLUGINS` uses for them.

Each factory builds its plugin from the settings; `egov.triage.runner.build_triage` picks and
orders them by configuration.
"""

from __future__ import annotations

from egov.triage.runner import Factory

FACTORIES: dict[str, Factory] = {}

__all__ = ["FACTORIES"]
