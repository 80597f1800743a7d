"""A clerk confirms or overrides a suggestion; only then is the case routed on.

The decision completes the review task with `routed_org_unit` (the unit the next task goes to)
in the same transaction as its `triage_decisions` row and its audit event
(`triage.confirmed` / `triage.overridden`, with who and how many seconds after the suggestion).
A review task cannot be completed through its form: `guard` refuses that (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import get_case
from egov.errors import Conflict, Invalid
from egov.identity.model import Principal
from egov.identity.store import get_org_unit
from egov.triage.routing import config_of_instance
from egov.triage.store import TriageDecision, TriageSuggestion, decision_of, latest_suggestion
from egov.workflow.store import Task
from egov.workflow.triage_config import TriageConfig

MAX_REASON = 2000
Decision = Literal["confirm", "override"]


@dataclass(frozen=True)
class Routing:
    """What a clerk decided, checked: the unit the case goes to next."""

    decision: Decision
    org_unit: str
    reason: str | None


def review_suggestion(session: Session, task: Task) -> TriageSuggestion | None:
    """The suggestion a review task shows, None when the task is no triage review task."""
    config = config_of_instance(session, task.instance_id)
    if config is None or task.spec_name != config.review_task:
        return None
    return latest_suggestion(session, task.case_id, before=task.created_at)


def inbox_marks(session: Session, tasks: list[Task]) -> dict[str, str]:
    """Review tasks of a page of the inbox, by task id: `suggested` (a suggestion to confirm)
    or `abstained` (Allgemein routes it); other tasks are not named."""
    configs: dict[str, TriageConfig | None] = {}
    marks = {}
    for task in tasks:
        if task.instance_id not in configs:
            configs[task.instance_id] = config_of_instance(session, task.instance_id)
        config = configs[task.instance_id]
        if config is None or task.spec_name != config.review_task:
            continue
        suggestion = latest_suggestion(session, task.case_id, before=task.created_at)
        if suggestion is not None and decision_of(session, suggestion.id) is None:
            marks[task.id] = "abstained" if suggestion.abstained else "suggested"
    return marks


def guard(session: Session, task: Task) -> None:
    """`Inbox.guard`: a review task is completed by the triage decision only."""
    if review_suggestion(session, task) is not None:
        raise Conflict(
            "Diese Aufgabe wird mit der Entscheidung über den Vorschlag der Triage "
            "abgeschlossen (POST /tasks/{id}/triage).",
            code="triage-decision-required",
        )


def check(
    session: Session,
    suggestion: TriageSuggestion,
    decision: object,
    org_unit: object,
    reason: object,
) -> Routing:
    """The decision as given, or 422 naming the field."""
    if decision not in ("confirm", "override"):
        raise _invalid("decision", "confirm oder override")
    why = reason.strip() if isinstance(reason, str) and reason.strip() else None
    if why is not None and len(why) > MAX_REASON:
        raise _invalid("reason", f"höchstens {MAX_REASON} Zeichen")
    if decision == "confirm":
        if org_unit not in (None, suggestion.org_unit_key):
            raise _invalid("org_unit", "beim Bestätigen leer oder die vorgeschlagene Stelle")
        return Routing("confirm", suggestion.org_unit_key, why)
    if not isinstance(org_unit, str) or get_org_unit(session, org_unit) is None:
        raise _invalid("org_unit", "Schlüssel einer bekannten Organisationseinheit")
    if org_unit == suggestion.org_unit_key:
        raise _invalid("org_unit", "dieselbe Stelle wie vorgeschlagen: bitte bestätigen")
    if why is None:
        raise _invalid("reason", "Begründung fehlt (Pflicht beim Ändern)")
    return Routing("override", org_unit, why)


def pending(session: Session, task: Task) -> TriageSuggestion:
    """The review task's suggestion that is still to be decided (else 409)."""
    suggestion = review_suggestion(session, task)
    if suggestion is None:
        raise Conflict(
            "Diese Aufgabe ist keine Zuordnung nach einem Vorschlag der Triage.",
            code="triage-not-review-task",
        )
    if decision_of(session, suggestion.id) is not None:
        raise Conflict("Über diesen Vorschlag ist schon entschieden.", code="triage-decided")
    return suggestion


def write(
    session: Session,
    task: Task,
    suggestion_id: str,
    routing: Routing,
    principal: Principal,
    now: datetime,
) -> TriageDecision:
    """The decision row and its audit event, in the completion's transaction."""
    suggestion = session.get(TriageSuggestion, suggestion_id)
    case = get_case(session, task.case_id)
    assert suggestion is not None and case is not None
    if decision_of(session, suggestion.id) is not None:  # a racing second decision
        raise Conflict("Über diesen Vorschlag ist schon entschieden.", code="triage-decided")
    suggestion.task_id = task.id
    row = TriageDecision(
        suggestion_id=suggestion.id,
        case_id=case.id,
        task_id=task.id,
        procedure_key=suggestion.procedure_key,
        decision=routing.decision,
        suggested_org_unit=suggestion.org_unit_key,
        decided_org_unit=routing.org_unit,
        reason=routing.reason,
        decided_by=principal.subject,
        decided_at=now,
        seconds=max(0.0, (now - suggestion.created_at).total_seconds()),
    )
    session.add(row)
    action = "triage.confirmed" if routing.decision == "confirm" else "triage.overridden"
    record(session, case, actor=principal.subject, action=action, now=now, details=_details(row))
    return row


def _details(row: TriageDecision) -> dict[str, Any]:
    return {
        "suggestion_id": row.suggestion_id,
        "task_id": row.task_id,
        "suggested_org_unit": row.suggested_org_unit,
        "org_unit": row.decided_org_unit,
        "reason": row.reason,
        "seconds": round(row.seconds, 3),
    }


def _invalid(name: str, reason: str) -> Invalid:
    return Invalid(
        "Die Entscheidung über den Vorschlag ist ungültig.",
        code="triage-decision-invalid",
        invalid_params=[{"name": name, "reason": reason}],
    )


__all__ = ["Routing", "check", "guard", "inbox_marks", "pending", "review_suggestion", "write"]
