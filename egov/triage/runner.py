"""The configured chain of triage plugins: order, time limit, failures contained.

`EGOV_TRIAGE_PLUGINS` names the plugins in the order they are asked. Each call runs on a worker
thread and is given `EGOV_TRIAGE_TIMEOUT_SECONDS`; a plugin that raises or is slower leaves a
log line and a metric (`egov_triage_plugin_failures_total`) and its suggestions are missing,
but triage still answers: it never blocks intake. A plugin with `fallback = True` (the LLM) is
asked only when the plugins before it abstained on the org unit. A procedure that names no
threshold gets the one the first plugin with a tuned `threshold` brings (the local model's),
else `FALLBACK_THRESHOLD`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram

from egov.errors import Invalid
from egov.settings import Settings
from egov.triage.model import PluginFailure, Suggestion, TriageInput, TriagePlugin, TriageResult

log = logging.getLogger(__name__)

Factory = Callable[[Settings], TriagePlugin]
FALLBACK_THRESHOLD = 0.9

FAILURES = Counter(
    "egov_triage_plugin_failures_total",
    "Triage plugin calls that raised or ran past the time limit.",
    ["plugin", "reason"],
)
SECONDS = Histogram("egov_triage_plugin_seconds", "Time of one triage plugin call.", ["plugin"])


@dataclass
class Chain:
    """`Triage` over an ordered list of plugins."""

    plugins: Sequence[TriagePlugin]
    timeout_seconds: float
    _pool: ThreadPoolExecutor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # more threads than plugins: a call past its limit keeps its thread until it returns
        self._pool = ThreadPoolExecutor(
            max_workers=max(4, 2 * len(self.plugins)), thread_name_prefix="triage"
        )

    @property
    def default_threshold(self) -> float:
        for plugin in self.plugins:
            tuned = getattr(plugin, "threshold", None)
            if isinstance(tuned, float):
                return tuned
        return FALLBACK_THRESHOLD

    def run(self, item: TriageInput, threshold: float) -> TriageResult:
        suggestions: list[Suggestion] = []
        failures: list[PluginFailure] = []
        for plugin in self.plugins:
            decided = not TriageResult(tuple(suggestions), threshold).abstained
            if getattr(plugin, "fallback", False) and decided:
                continue
            suggestions += self._ask(plugin, item, failures)
        return TriageResult(tuple(suggestions), threshold, tuple(failures))

    def _ask(
        self, plugin: TriagePlugin, item: TriageInput, failures: list[PluginFailure]
    ) -> list[Suggestion]:
        started = time.perf_counter()
        future = self._pool.submit(plugin.suggest, item)
        try:
            return list(future.result(timeout=self.timeout_seconds))
        except FutureTimeout:
            failures.append(PluginFailure(plugin.name, "timeout"))
            log.warning(
                "triage_plugin_timeout plugin=%s limit=%s", plugin.name, self.timeout_seconds
            )
        except Exception as exc:
            failures.append(PluginFailure(plugin.name, "error"))
            log.warning("triage_plugin_failed plugin=%s error=%s", plugin.name, type(exc).__name__)
        finally:
            SECONDS.labels(plugin.name).observe(time.perf_counter() - started)
        FAILURES.labels(plugin.name, failures[-1].reason).inc()
        return []


def build_triage(settings: Settings, factories: Mapping[str, Factory]) -> Chain:
    """The chain `EGOV_TRIAGE_PLUGINS` names; an unknown name is a configuration error."""
    names = [name.strip() for name in settings.triage_plugins.split(",") if name.strip()]
    unknown = [name for name in names if name not in factories]
    if unknown:
        known = ", ".join(sorted(factories)) or "keine"
        raise Invalid(
            f"EGOV_TRIAGE_PLUGINS nennt unbekannte Plugins: {', '.join(unknown)} "
            f"(bekannt: {known}).",
            code="settings-invalid",
        )
    plugins = [factories[name](settings) for name in names]
    return Chain(plugins, settings.triage_timeout_seconds)


__all__ = ["FAILURES", "FALLBACK_THRESHOLD", "Chain", "Factory", "build_triage"]
