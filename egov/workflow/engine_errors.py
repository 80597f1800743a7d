"""How engine failures reach people: a script's own error code, else ``process-error``."""

from __future__ import annotations

from SpiffWorkflow.exceptions import SpiffWorkflowException

from egov.workflow.bundle import WorkflowError
from egov.workflow.scripting import ScriptError

__all__ = ["engine_error"]


def _find_script_error(exc: BaseException) -> ScriptError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ScriptError):
            return current
        seen.add(id(current))
        inner = getattr(current, "exception", None)
        nxt = inner if isinstance(inner, BaseException) else None
        current = nxt or current.__cause__ or current.__context__
    return None


def engine_error(exc: SpiffWorkflowException | ScriptError) -> WorkflowError:
    script_error = _find_script_error(exc)
    if script_error is not None:
        where = getattr(exc, "task_spec", None)
        name = getattr(where, "bpmn_name", None) or getattr(where, "name", None) or "?"
        message = f"Skript in Schritt '{name}' fehlgeschlagen: {script_error.message}"
        return WorkflowError(script_error.code, message, str(exc))
    return WorkflowError("process-error", f"Fehler im Prozessablauf: {exc}", repr(exc))
