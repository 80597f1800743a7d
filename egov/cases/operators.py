"""Service-task operators that change the case itself."""

from __future__ import annotations

from typing import Any

from egov.cases.service import change_case
from egov.workflow.operators import OperatorError, OperatorRegistry, StepContext


def set_status(context: StepContext, params: dict[str, Any], _data: dict[str, Any]) -> str:
    status = params.get("status")
    if not isinstance(status, str):
        raise OperatorError("case.set_status braucht den Parameter 'status'.")
    if status != context.case.status:
        change_case(
            context.session,
            context.case,
            actor=context.actor,
            action="case.status_changed",
            now=context.now,
            status=status,
        )
    return status


def register(registry: OperatorRegistry) -> None:
    registry.register("case.set_status", set_status)
