"""Service-task operator `outbox.send`: a BPMN service task writes a side effect into the
outbox, in the step's transaction; it is delivered after commit."""

from __future__ import annotations

from typing import Any

from egov.integrations.outbox import enqueue
from egov.workflow.operators import OperatorError, OperatorRegistry, StepContext


def send(context: StepContext, params: dict[str, Any], _data: dict[str, Any]) -> str:
    """Params: `kind` (a registered delivery kind) and any JSON payload fields."""
    kind = params.get("kind")
    if not isinstance(kind, str) or not kind:
        raise OperatorError("outbox.send braucht den Parameter 'kind'.", code="operator-params")
    payload = {key: value for key, value in params.items() if key != "kind"}
    payload.setdefault("case_reference", context.case.reference)
    return enqueue(
        context.session,
        case_id=context.case.id,
        kind=kind,
        payload=payload,
        now=context.now,
        actor=context.actor,
    )


def register(registry: OperatorRegistry) -> None:
    registry.register("outbox.send", send)
