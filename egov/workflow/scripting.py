"""Restricted script engine for BPMN scripts, conditions, DMN expressions and service params.

SpiffWorkflow's default ``PythonScriptEngine`` runs ``exec`` with full builtins in the calling
process. This engine instead

* checks every script and expression against the sandbox's rules
  (:mod:`egov.workflow.script_rules`) before anything runs, here in the egov process;
* runs it in a sandbox subprocess (:mod:`egov.workflow.script_pool`) under a wall-clock
  limit, a CPU-time and a memory cap enforced by the operating system, with only the task
  data variables the code names, sent and returned as JSON (:mod:`egov.workflow.script_codec`).

There is no in-process mode. Every violation or failure raises :class:`ScriptError` (or
:class:`ScriptTimeLimit`, :class:`ScriptMemoryLimit`); the runtime reports its ``code``
(``script-failed``, ``script-time-limit``, ``script-memory-limit``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from egov.workflow import script_codec as codec
from egov.workflow.script_pool import ScriptLimits, pool_for
from egov.workflow.script_rules import (
    ScriptError,
    ScriptMemoryLimit,
    ScriptSyntaxError,
    ScriptTimeLimit,
    check_source,
    compile_restricted,
    referenced_names,
    validate_source,
)

DEFAULT_LIMITS = ScriptLimits()
DEFAULT_TIME_LIMIT = DEFAULT_LIMITS.time_seconds

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIME_LIMIT",
    "RestrictedEnvironment",
    "RestrictedScriptEngine",
    "ScriptError",
    "ScriptLimits",
    "ScriptMemoryLimit",
    "ScriptSyntaxError",
    "ScriptTimeLimit",
    "check_source",
    "compile_restricted",
]


def _visible(
    names: Iterable[str], context: dict[str, Any], external: dict[str, Any]
) -> dict[str, Any]:
    """The variables named by the code, encoded for the subprocess (task data wins)."""
    chosen = {n: context[n] for n in names if n in context}
    chosen.update({n: external[n] for n in names if n in external and n not in context})
    try:
        encoded: dict[str, Any] = codec.encode_value(chosen)
    except codec.CodecError as exc:
        raise ScriptError(f"Prozessdaten: {exc}") from exc
    return encoded


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Task data environment that runs checked code in the sandbox subprocesses."""

    def __init__(
        self, time_limit: float | None = None, limits: ScriptLimits = DEFAULT_LIMITS
    ) -> None:
        super().__init__({})
        self.time_limit = limits.time_seconds if time_limit is None else time_limit
        self.limits = limits

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        return pool_for(self.limits).call(request, self.time_limit)

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        source = expression.strip()
        names = referenced_names(source, "eval")
        variables = _visible(names, context, external_context or {})
        return self._call({"op": "eval", "source": source, "vars": variables})["value"]

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> bool:
        external = external_context or {}
        names = referenced_names(script, "exec")
        hidden = sorted(names & (external.keys() - context.keys()))  # not given back
        request = {
            "op": "exec",
            "source": script,
            "vars": _visible(names, context, external),
            "hide": hidden,
        }
        result: dict[str, Any] = self._call(request)["vars"]
        for key in [k for k in names & context.keys() if k not in result]:
            del context[key]  # deleted by the script (del x)
        context.update(result)
        return True


class RestrictedScriptEngine(PythonScriptEngine):
    """Spiff script engine using :class:`RestrictedEnvironment`; service calls are delegated."""

    def __init__(
        self, time_limit: float | None = None, limits: ScriptLimits = DEFAULT_LIMITS
    ) -> None:
        super().__init__(environment=RestrictedEnvironment(time_limit, limits))
        self.service_caller: Callable[[Any, str, dict[str, Any]], Any] | None = None

    def validate(self, expression: str) -> None:
        validate_source(expression)

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        if self.service_caller is None:
            raise ScriptError("Kein Service-Handler konfiguriert")
        return self.service_caller(task, kwargs["operation_name"], kwargs["operation_params"])
