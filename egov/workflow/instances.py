"""Process instances as operators see them (like Camunda Cockpit): a filtered, paged list and
one instance with its position, its history, its variables and its open incidents.

State: the instance's stored status (`running`, `suspended`, `completed`, `cancelled`); a
running instance is `failed` while a failed step of its case waits as an open workflow-step
incident.

Variables are personal data unless the bundle's `procedure.json` names them in
`non_personal_variables`: clerks of the case's org unit see every value, admins see every
name but only the values declared non-personal (the others read `REDACTED`). Nobody else sees
an instance (`instance-not-found`), and only admins list them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from egov.cases.store import Case, get_case
from egov.db import Database
from egov.errors import NotFound
from egov.identity.model import Principal
from egov.outbox.store import Incident, IncidentKind, IncidentStatus
from egov.paging import FIRST_PAGE, Page, PageRequest, fetch_page
from egov.workflow.engine import Engine
from egov.workflow.event_subprocesses import SCOPE_PREFIX
from egov.workflow.held import HeldMessage, list_by_case
from egov.workflow.script_pool import ScriptLimits
from egov.workflow.steps import compiled
from egov.workflow.store import (
    LIVE_TASK,
    InstanceStatus,
    ProcessDefinition,
    Task,
    WorkflowInstance,
    get_instance_by_case,
)

REDACTED = "[geschwärzt]"
FAILED = "failed"
STATES = (*(s.value for s in InstanceStatus), FAILED)
PROCEDURE_FILE = "procedure.json"
POSITION = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class InstanceFilter:
    procedure: str | None = None  # the case's procedure key
    process_id: str | None = None
    definition_version: int | None = None
    state: str | None = None  # one of STATES
    element: str | None = None  # the id of an element a live user task waits at
    has_incident: bool | None = None


@dataclass(frozen=True)
class InstanceRow:
    instance: WorkflowInstance
    definition: ProcessDefinition
    case: Case
    state: str

    TIMES = ("created_at", "updated_at", "next_timer_at")

    def summary(self) -> dict[str, Any]:
        """The row as the API and the CLI list it (the `TIMES` as datetimes)."""
        return {
            "id": self.instance.id,
            "case_id": self.case.id,
            "case_reference": self.case.reference,
            "procedure": self.case.procedure_key,
            "process_id": self.definition.process_id,
            "definition_version": self.definition.version,
            "state": self.state,
            **{name: getattr(self.instance, name) for name in self.TIMES},
        }


@dataclass(frozen=True)
class Element:
    id: str
    name: str | None
    at: datetime | None  # when it reached this state (completed elements: when completed)


@dataclass(frozen=True)
class InstanceDetail:
    row: InstanceRow
    position: list[Element]  # waiting or ready elements, for highlighting in the diagram
    completed: list[Element]
    variables: dict[str, Any]
    incidents: list[Incident]
    held: list[HeldMessage]  # messages held while suspended, and what became of them


def open_step_incident() -> Any:
    return exists().where(
        Incident.case_id == WorkflowInstance.case_id,
        Incident.status == IncidentStatus.OPEN,
        Incident.kind == IncidentKind.WORKFLOW_STEP,
    )


def instance_query(found: InstanceFilter) -> Select[WorkflowInstance]:
    query = select(WorkflowInstance)
    if found.procedure is not None:
        of_procedure = (Case.id == WorkflowInstance.case_id) & (
            Case.procedure_key == found.procedure
        )
        query = query.where(exists().where(of_procedure))
    if found.process_id is not None or found.definition_version is not None:
        match = ProcessDefinition.id == WorkflowInstance.definition_id
        if found.process_id is not None:
            match &= ProcessDefinition.process_id == found.process_id
        if found.definition_version is not None:
            match &= ProcessDefinition.version == found.definition_version
        query = query.where(exists().where(match))
    running = WorkflowInstance.status == InstanceStatus.RUNNING
    if found.state == FAILED:
        query = query.where(running, open_step_incident())
    elif found.state == InstanceStatus.RUNNING:
        query = query.where(running, ~open_step_incident())
    elif found.state is not None:
        query = query.where(WorkflowInstance.status == found.state)
    if found.element is not None:
        query = query.where(
            exists().where(
                Task.instance_id == WorkflowInstance.id,
                Task.spec_name == found.element,
                Task.status.in_(LIVE_TASK),
            )
        )
    if found.has_incident is not None:
        any_open = exists().where(
            Incident.case_id == WorkflowInstance.case_id, Incident.status == IncidentStatus.OPEN
        )
        query = query.where(any_open if found.has_incident else ~any_open)
    return query


def state_of(session: Session, instance: WorkflowInstance) -> str:
    query = select(Incident.id).where(
        Incident.case_id == instance.case_id,
        Incident.status == IncidentStatus.OPEN,
        Incident.kind == IncidentKind.WORKFLOW_STEP,
    )
    if instance.status != InstanceStatus.RUNNING:
        return instance.status
    return FAILED if session.scalars(query).first() is not None else instance.status


def row_of(session: Session, instance: WorkflowInstance) -> InstanceRow:
    definition = session.get(ProcessDefinition, instance.definition_id)
    case = get_case(session, instance.case_id)
    assert definition is not None and case is not None
    return InstanceRow(instance, definition, case, state_of(session, instance))


def may_see(principal: Principal, case: Case) -> bool:
    return principal.is_admin or (principal.is_clerk and case.org_unit_key in principal.org_units)


def visible_instance(session: Session, principal: Principal, instance_id: str) -> InstanceRow:
    instance = session.get(WorkflowInstance, instance_id)
    case = None if instance is None else get_case(session, instance.case_id)
    if instance is None or case is None or not may_see(principal, case):
        raise NotFound("Prozessinstanz nicht gefunden.", code="instance-not-found")
    return row_of(session, instance)


def non_personal(definition: ProcessDefinition) -> set[str]:
    """The variables the bundle's procedure.json declares free of personal data."""
    try:
        spec = json.loads(definition.files.get(PROCEDURE_FILE, "{}"))
    except ValueError:
        return set()
    names = spec.get("non_personal_variables") if isinstance(spec, dict) else None
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def redacted(principal: Principal, row: InstanceRow, data: dict[str, Any]) -> dict[str, Any]:
    if principal.is_clerk and row.case.org_unit_key in principal.org_units:
        return data
    free = non_personal(row.definition)
    return {name: value if name in free else REDACTED for name, value in data.items()}


def _element(task: Any) -> Element:
    spec = task.task_spec
    at = datetime.fromtimestamp(task.last_state_change, UTC).replace(tzinfo=None)
    return Element(id=str(spec.bpmn_id), name=getattr(spec, "bpmn_name", None), at=at)


def elements(engine: Engine) -> tuple[list[Element], list[Element]]:
    """(position, completed) of the BPMN elements the engine still knows (compaction drops
    old completed tasks of loops), without those egov added for event subprocesses."""
    every = engine.spiff_workflow.get_tasks()
    ids = [(t, str(getattr(t.task_spec, "bpmn_id", None) or "")) for t in every]
    tasks = [t for t, bpmn_id in ids if bpmn_id and SCOPE_PREFIX not in bpmn_id]
    position = [_element(t) for t in tasks if t.has_state(POSITION)]
    completed = [_element(t) for t in tasks if t.has_state(TaskState.COMPLETED)]
    completed.sort(key=lambda e: (e.at or datetime.min, e.id))
    return position, completed


@dataclass
class Instances:
    db: Database
    script_limits: ScriptLimits = ScriptLimits()  # noqa: RUF009 - frozen, shared safely

    def find(
        self, principal: Principal, found: InstanceFilter, page: PageRequest = FIRST_PAGE
    ) -> Page[InstanceRow]:
        """Instances matching `found`, oldest first (admins only: the web layer checks)."""
        order = (WorkflowInstance.created_at, WorkflowInstance.id)
        with self.db.reading() as session:
            rows = fetch_page(
                session,
                instance_query(found),
                page,
                scope="instances",
                order=order,
                key=lambda i: (i.created_at, i.id),
            )
            return Page([row_of(session, i) for i in rows.items], rows.next_cursor)

    def detail(self, principal: Principal, instance_id: str) -> InstanceDetail:
        with self.db.reading() as session:
            row = visible_instance(session, principal, instance_id)
            query = select(Incident).where(
                Incident.case_id == row.case.id, Incident.status == IncidentStatus.OPEN
            )
            incidents = list(session.scalars(query.order_by(Incident.created_at)))
            held = list_by_case(session, row.case.id)
            state = row.instance.state
        engine = Engine.load(compiled(row.definition), state, self.script_limits)
        position, completed = elements(engine)
        variables = redacted(principal, row, engine.data)
        return InstanceDetail(row, position, completed, variables, incidents, held)

    def of_case(self, principal: Principal, case_id: str) -> InstanceDetail | None:
        """The instance of a case as `detail` shows it; None if the case has none or the
        principal may not see it."""
        with self.db.reading() as session:
            instance = get_instance_by_case(session, case_id)
            case = get_case(session, case_id)
            if instance is None or case is None or not may_see(principal, case):
                return None
            instance_id = instance.id
        return self.detail(principal, instance_id)

    def diagram(self, principal: Principal, instance_id: str) -> str:
        """The BPMN XML (with its diagram) of the version the instance runs on."""
        with self.db.reading() as session:
            definition = visible_instance(session, principal, instance_id).definition
            files = definition.files
            process_id = definition.process_id
        models = [text for name, text in sorted(files.items()) if name.endswith(".bpmn")]
        own = [text for text in models if f'id="{process_id}"' in text]
        if not (own or models):
            raise NotFound("Prozessinstanz nicht gefunden.", code="instance-not-found")
        return (own or models)[0]


__all__ = ["STATES", "InstanceDetail", "InstanceFilter", "InstanceRow", "Instances"]
