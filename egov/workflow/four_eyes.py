"""Four eyes on an admin's command, where the procedure demands it (ADR 0021, ADR 0027).

A bundle's `procedure.json` may list commands in `four_eyes`: any of `COMMANDS`. Then the
first admin's command only records `workflow.<command>_requested` (with the reason) in the
trail and changes nothing; the same command of **another** admin within `WINDOW` of that
request carries it out, naming the first admin in `requested_by`. The same admin again is
refused (409 `four-eyes-own-request`). A request is pending until the command is carried out
(its done event, e.g. `workflow.suspended`, comes after it in the trail). Instance commands
and migrations keep the request in the case's audit trail; an activation (there is no case)
in the definition's trail (`definition_activations`, kind `requested`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.audit.store import AuditEvent
from egov.cases.service import record
from egov.cases.store import Case
from egov.errors import Conflict
from egov.workflow.store import ActivationKind, DefinitionActivation, ProcessDefinition

WINDOW = timedelta(hours=24)
PROCEDURE_FILE = "procedure.json"
# the commands four eyes can guard, and the trail event that carries each one out
DONE = {
    "cancel": "workflow.cancelled",
    "suspend": "workflow.suspended",
    "resume": "workflow.resumed",
    "restart": "workflow.restart_confirmed",
    "migrate": "workflow.migrated",
    "activate": "definition.activated",
}
COMMANDS = tuple(DONE)


@dataclass(frozen=True)
class Pending:
    """A command waiting for a second admin: what, who asked, until when."""

    command: str
    requested_by: str
    requested_at: datetime

    @property
    def until(self) -> datetime:
        return self.requested_at + WINDOW


@dataclass(frozen=True)
class Gate:
    """`go`: carry the command out now (`requested_by`: the first admin, if four eyes);
    else `pending` says what waits for the second admin."""

    go: bool
    requested_by: str | None = None
    pending: Pending | None = None


OPEN = Gate(go=True)


def requested(command: str) -> str:
    return f"workflow.{command}_requested"


def listed(files: Mapping[str, str]) -> frozenset[str]:
    """The commands the bundle's procedure.json lists in `four_eyes`."""
    try:
        spec = json.loads(files.get(PROCEDURE_FILE, "{}"))
    except ValueError:
        return frozenset()
    names = spec.get("four_eyes") if isinstance(spec, dict) else None
    if not isinstance(names, list):
        return frozenset()
    return frozenset(name for name in names if isinstance(name, str))


def demanded(definition: ProcessDefinition, command: str) -> bool:
    return command in listed(definition.files)


def problem(value: object) -> str | None:
    """Why `four_eyes` of a procedure.json is refused at deploy, or None."""
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        return "Liste von Befehlen erwartet"
    unknown = sorted(set(value) - set(COMMANDS))
    if unknown:
        return f"unbekannte Befehle {', '.join(unknown)}; erlaubt: {', '.join(COMMANDS)}"
    return None


def gate(
    session: Session,
    case: Case,
    definition: ProcessDefinition,
    command: str,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
    subject: Mapping[str, Any],
) -> Gate:
    """Four eyes for `command` on `subject` (the details naming it in the trail, e.g.
    `{"instance_id": ...}`): OPEN if not demanded; go with `requested_by` if another admin
    asked within the window; else the request is recorded and the gate stays shut."""
    if not demanded(definition, command):
        return OPEN
    first = _pending_event(session, case.id, command, subject, now)
    if first is not None:
        return _second(command, first.actor, first.occurred_at, actor)
    details = {**subject, "reason": reason}
    record(session, case, actor=actor, action=requested(command), now=now, details=details)
    return Gate(go=False, pending=Pending(command, actor, now))


def gate_activation(
    session: Session,
    definitions: list[ProcessDefinition],
    target: ProcessDefinition,
    *,
    actor: str,
    reason: str,
    now: datetime,
) -> Gate:
    """Four eyes for activating `target` where it or the active version (`definitions`)
    demands it; the request is a row of kind `requested` in the definition's trail."""
    if not any(demanded(d, "activate") for d in definitions):
        return OPEN
    query = (
        select(DefinitionActivation)
        .where(
            DefinitionActivation.process_id == target.process_id,
            DefinitionActivation.activated_at >= now - WINDOW,
        )
        .order_by(DefinitionActivation.activated_at.desc(), DefinitionActivation.id.desc())
    )
    latest = next(iter(session.scalars(query.limit(1))), None)
    if (
        latest is not None
        and latest.kind == ActivationKind.REQUESTED
        and latest.definition_id == target.id
    ):
        return _second("activate", latest.activated_by, latest.activated_at, actor)
    session.add(
        DefinitionActivation(
            process_id=target.process_id,
            definition_id=target.id,
            previous_id=None,
            activated_at=now,
            activated_by=actor,
            reason=reason,
            kind=ActivationKind.REQUESTED,
        )
    )
    return Gate(go=False, pending=Pending("activate", actor, now))


def _second(command: str, first: str, at: datetime, actor: str) -> Gate:
    if first == actor:
        until = f"{at + WINDOW:%d.%m.%Y %H:%M}"
        raise Conflict(
            "Vier-Augen-Prinzip: Sie haben diesen Befehl bereits beantragt. Ausführen kann ihn "
            f"nur eine andere Administratorin oder ein anderer Administrator (bis {until} UTC).",
            code="four-eyes-own-request",
        )
    return Gate(go=True, requested_by=first, pending=Pending(command, first, at))


def _pending_event(
    session: Session, case_id: str, command: str, subject: Mapping[str, Any], now: datetime
) -> AuditEvent | None:
    """The latest request of `command` on `subject` within the window, unless the command
    was carried out after it."""
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.case_id == case_id,
            AuditEvent.action.in_((requested(command), DONE[command])),
            AuditEvent.occurred_at >= now - WINDOW,
        )
        .order_by(AuditEvent.seq.desc())
    )
    for event in session.scalars(query):
        after = event.after or {}
        if all(after.get(key) == value for key, value in subject.items()):
            return event if event.action == requested(command) else None
    return None


__all__ = [
    "COMMANDS",
    "OPEN",
    "WINDOW",
    "Gate",
    "Pending",
    "demanded",
    "gate",
    "gate_activation",
    "listed",
    "problem",
    "requested",
]
