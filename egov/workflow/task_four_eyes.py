"""Four eyes on the decision of a user task (issue 16, ADR 0042).

A user task demands a second approver when its BPMN says so (extension property
`fourEyes` = "true", e.g. `<camunda:property name="fourEyes" value="true"/>` or SpiffWorkflow's
`<spiffworkflow:property name="fourEyes" value="true"/>`) or its bundle's `procedure.json` lists
its id in `four_eyes_tasks`. Completing it then only records the proposal (status `proposed`,
`task.decision_proposed`); a second clerk of the task's org unit approves it (the task completes
with the proposed data, `task.decision_approved`) or rejects it with a reason (it goes back to the
proposer, claimed, `task.decision_rejected`). The second clerk is never the proposer, nor
someone who deputizes for the proposer or for whom the proposer deputizes (`second_person`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from egov.errors import Conflict
from egov.identity.store import Deputy, active_deputies
from egov.workflow.encoding import parse_model
from egov.workflow.store import ProcessDefinition, WorkflowInstance

PROCEDURE_FILE = "procedure.json"


def listed_tasks(session: Session, instance: WorkflowInstance) -> frozenset[str]:
    """The task ids the bundle's procedure.json lists in `four_eyes_tasks`."""
    definition = session.get(ProcessDefinition, instance.definition_id)
    if definition is None:
        return frozenset()
    try:
        spec = json.loads(definition.files.get(PROCEDURE_FILE, "{}"))
    except ValueError:
        return frozenset()
    names = spec.get("four_eyes_tasks") if isinstance(spec, dict) else None
    if not isinstance(names, list):
        return frozenset()
    return frozenset(name for name in names if isinstance(name, str))


def deputy_relations(session: Session, subject: str, now: datetime) -> set[str]:
    """Who deputizes for `subject` at `now`, and for whom `subject` deputizes."""
    mine = {d.absent_subject for d in active_deputies(session, subject, now)}
    query = select(Deputy.deputy_subject).where(
        Deputy.absent_subject == subject,
        Deputy.valid_from <= now,
        Deputy.valid_until > now,
        or_(Deputy.ended_at.is_(None), Deputy.ended_at > now),
    )
    return mine | set(session.scalars(query))


def other_person(session: Session, first: str, second: str, now: datetime) -> bool:
    """`second` is a person other than `first`, and neither deputizes for the other at `now`."""
    return second != first and second not in deputy_relations(session, first, now)


def second_person(session: Session, proposer: str, approver: str, now: datetime) -> None:
    """409 `task-decision-own` unless `approver` is a person other than `proposer` and
    neither deputizes for the other at `now`."""
    if not other_person(session, proposer, approver, now):
        raise Conflict(
            "Vier-Augen-Prinzip: Diese Entscheidung muss eine andere Person freigeben "
            "(weder wer sie vorgeschlagen hat noch deren Vertretung).",
            code="task-decision-own",
        )


def model_problems(
    procedure: dict[str, object] | None, trees: list[Any], review_task: str | None
) -> list[tuple[str, str]]:
    """What the bundle gets wrong about four eyes: `four_eyes_tasks` must be a list of user
    task ids of its models, and the triage's review task (completed together with the triage
    decision, egov/triage) cannot demand four eyes."""
    user_tasks = {el.get("id") for tree in trees for el in tree.iter("{*}userTask")}
    marked = set(_marked(trees))
    listed = (procedure or {}).get("four_eyes_tasks", [])
    if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
        return [("four_eyes_tasks", "Liste von IDs von Benutzeraufgaben erwartet")]
    found = [
        ("four_eyes_tasks", f"keine Benutzeraufgabe mit der ID {name!r} im Modell")
        for name in listed
        if name not in user_tasks
    ]
    if review_task is not None and review_task in marked | set(listed):
        found.append(
            ("four_eyes_tasks", f"die Zuordnungsaufgabe der Triage {review_task!r} kann kein "
             "Vier-Augen-Prinzip verlangen")
        )  # fmt: skip
    return found


def _marked(trees: list[Any]) -> dict[str, str]:
    """The user tasks whose BPMN demands four eyes (`fourEyes` = "true"): id -> name."""
    return {
        el.get("id"): el.get("name") or el.get("id")
        for tree in trees
        for el in tree.iter("{*}userTask")
        for prop in el.iter("{*}property")
        if prop.get("name") == "fourEyes" and (prop.get("value") or "").strip().lower() == "true"
    }


def four_eyes_tasks(files: Mapping[str, str]) -> dict[str, str]:
    """The user tasks of a deployed version that demand four eyes, marked in its BPMN or
    listed in its procedure.json `four_eyes_tasks`: id -> name (the admin pages show them)."""
    trees = [parse_model(n, text.encode()) for n, text in files.items() if n.endswith(".bpmn")]
    named = {el.get("id"): el.get("name") for tree in trees for el in tree.iter("{*}userTask")}
    found = _marked(trees)
    try:
        spec = json.loads(files.get(PROCEDURE_FILE, "{}"))
    except ValueError:
        spec = {}
    listed = spec.get("four_eyes_tasks") if isinstance(spec, dict) else None
    for task in listed if isinstance(listed, list) else []:
        if isinstance(task, str):
            found.setdefault(task, named.get(task) or task)
    return dict(sorted(found.items()))


__all__ = [
    "deputy_relations",
    "four_eyes_tasks",
    "listed_tasks",
    "model_problems",
    "other_person",
    "second_person",
]
