"""Service-task operators: what a BPMN service task may do inside the step's transaction.

Feature packages register their operators (`case.set_status`, `letters.create`, ...); the
engine calls them through `StepServices`. Side effects on outside systems never run here:
they are written to the outbox and delivered after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from egov.cases.store import Case
from egov.documents.filestore import FileSystemStore, Placement
from egov.errors import DomainError


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
