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
from datetime import datetime

from sqlalchemy.orm import Session

from egov.errors import Conflict
from egov.identity.store import active_deputies
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


def second_person(session: Session, proposer: str, approver: str, now: datetime) -> None:
    """409 `task-decision-own` unless `approver` is a person other than `proposer` and
    neither deputizes for the other at `now`."""
    deputizes = any(d.absent_subject == proposer for d in active_deputies(session, approver, now))
    deputized = any(d.absent_subject == approver for d in active_deputies(session, proposer, now))
    if approver == proposer or deputizes or deputized:
        raise Conflict(
            "Vier-Augen-Prinzip: Diese Entscheidung muss eine andere Person freigeben "
            "(weder wer sie vorgeschlagen hat noch deren Vertretung).",
            code="task-decision-own",
        )


__all__ = ["listed_tasks", "second_person"]
