"""Service-task operators: what a BPMN service task may do inside the step's transaction.

The engine calls them through `StepServices`. Two are built in, because they need nothing
above this package: `case.set_status` (the case's status, audited) and `outbox.send` (a side
effect toward an outside system, written to the outbox and delivered after commit). Packages
above register theirs (`letters.create` in `egov.postfach.letters`). Side effects on outside
systems never run here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from egov.cases.service import change_case
from egov.cases.store import Case
from egov.documents.filestore import FileSystemStore, Placement
from egov.errors import DomainError
from egov.outbox.service import enqueue


class OperatorError(DomainError):
    code = "operator-failed"
    default_message = "Ein automatischer Arbeitsschritt ist fehlgeschlagen."


@dataclass
class StepContext:
    session: Session
    case: Case
    files: FileSystemStore
    placement: Placement
    bundle_files: dict[str, str]
    now: datetime
    actor: str = "system:workflow"


Operator = Callable[[StepContext, dict[str, Any], dict[str, Any]], Any]


@dataclass
class OperatorRegistry:
    operators: dict[str, Operator] = field(default_factory=dict)

    @classmethod
    def with_builtins(cls) -> OperatorRegistry:
        registry = cls()
        registry.register("case.set_status", set_status)
        registry.register("outbox.send", send)
        return registry

    def register(self, name: str, operator: Operator) -> None:
        self.operators[name] = operator

    def bind(self, context: StepContext) -> StepServices:
        return StepServices(self, context)


@dataclass
class StepServices:
    registry: OperatorRegistry
    context: StepContext

    def __call__(self, operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        handler = self.registry.operators.get(operator)
        if handler is None:
            raise OperatorError(f"Unbekannter Operator {operator!r}.", code="operator-unknown")
        return handler(self.context, params, data)


def set_status(context: StepContext, params: dict[str, Any], _data: dict[str, Any]) -> str:
    """`case.set_status`: param `status` (a status name, see `egov.cases.model`)."""
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


def send(context: StepContext, params: dict[str, Any], _data: dict[str, Any]) -> str:
    """`outbox.send`: params `kind` (a registered delivery kind) and any JSON payload fields."""
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
