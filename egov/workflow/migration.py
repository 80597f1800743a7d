"""Migration of a running instance's engine state to another version of its process (issue 12).

A **plan** maps every element (BPMN id, SpiffWorkflow task spec name) of the source version
to an element of the target version: the same id by default, an explicit instruction
otherwise; an element without a counterpart maps to None. Built on SpiffWorkflow's own
migration support (``SpiffWorkflow.bpmn.util.diff``: ``migrate_workflow``, as spiff-arena's
``ProcessInstanceMigrator`` uses it), but with egov's alignment by id and instruction instead
of ``SpecDiff``'s structural guessing: an operator sees and decides every pair.

:func:`migrate` works on an engine loaded from a snapshot (no transaction open, ADR 0018):
it re-points every task at its target spec, resets and re-predicts the waiting and ready
tasks (so a task added after the current one is predicted; a ready user task keeps its id,
so its inbox entry stays), then dumps the state and loads it again with the target spec,
which proves that the target can read it. Why an instance cannot be migrated is said in
German, per element, by :func:`migrate` raising :class:`Refused`.

Pure engine work: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.util.diff import migrate_workflow
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

from egov.workflow import serialization
from egov.workflow.compiling import CompiledDefinition
from egov.workflow.engine import Engine
from egov.workflow.forms import declared_context
from egov.workflow.script_pool import ScriptLimits

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
Mapping_ = dict[str, str | None]  # source element id -> target element id (None: no target)


@dataclass(frozen=True)
class Reason:
    """Why an instance cannot be migrated: a stable code, the element or variable, German text."""

    code: str  # element-unmapped | variable-missing | process-mismatch | instance-finished
    message: str
    element: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "element": self.element, "message": self.message}


class Refused(Exception):
    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("; ".join(reason.code for reason in reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Plan:
    """Source element -> target element, for one (source, target) pair of versions."""

    source_process_id: str
    target_process_id: str
    mapping: Mapping_ = field(default_factory=dict)

    @property
    def unmapped(self) -> list[str]:
        return sorted(source for source, target in self.mapping.items() if target is None)


def _elements(spec_json: str) -> dict[str, set[str]]:
    """Task spec names of the top-level spec ('') and of every subprocess spec (by name)."""
    spec, subs = serialization.load_specs(spec_json)
    found = {"": set(spec.task_specs)}
    for name, sub in subs.items():
        found[name] = set(sub.task_specs)
    return found


def generate_plan(
    source: CompiledDefinition,
    target: CompiledDefinition,
    instructions: Iterable[tuple[str, str | None]] = (),
) -> Plan:
    """Same ids by default; `instructions` (source, target) replace the default of their
    source. An instruction naming an element that does not exist raises ValueError(name)."""
    source_elements = _elements(source.spec_json)
    target_elements = _elements(target.spec_json)
    all_source = set().union(*source_elements.values())
    all_target = set().union(*target_elements.values())
    explicit: dict[str, str | None] = {}
    for source_id, target_id in instructions:
        if source_id not in all_source:
            raise ValueError(source_id)
        if target_id is not None and target_id not in all_target:
            raise ValueError(target_id)
        explicit[source_id] = target_id
    mapping: Mapping_ = {}
    for name in sorted(all_source):
        mapping[name] = explicit.get(name, name if name in all_target else None)
    return Plan(source.process_id, target.process_id, mapping)


def _workflows(engine: Engine) -> list[tuple[Workflow, str]]:
    """The top workflow and its subprocesses, each with the name of its spec ('' for the top)."""
    top = engine.spiff_workflow
    found: list[tuple[Workflow, str]] = [(top, "")]
    found.extend((sub, sub.spec.name) for sub in top.subprocesses.values())
    return found


def check(engine: Engine, plan: Plan, target: CompiledDefinition) -> list[Reason]:
    """What stands against migrating this engine state by `plan` (empty: nothing)."""
    if engine.definition.process_id != plan.source_process_id:
        return [_mismatch(engine.definition.process_id, plan.source_process_id)]
    if target.process_id != engine.definition.process_id:
        return [_mismatch(target.process_id, engine.definition.process_id)]
    if engine.completed:
        return [Reason("instance-finished", "Die Instanz ist bereits beendet.")]
    reasons: list[Reason] = []
    for workflow, _ in _workflows(engine):
        for task in workflow.get_tasks(state=ACTIVE, skip_subprocesses=True):
            for name in _waiting_at(task):
                if plan.mapping.get(name) is None:
                    reasons.append(
                        Reason(
                            "element-unmapped",
                            f"Das aktive Element „{name}“ hat in der Zielversion kein Gegenstück.",
                            name,
                        )
                    )
    return reasons


def active_elements(engine: Engine) -> set[str]:
    """The elements the instance stands at (what a filter `activity_ids` selects by)."""
    found: set[str] = set()
    for workflow, _ in _workflows(engine):
        for task in workflow.get_tasks(state=ACTIVE, skip_subprocesses=True):
            found.update(_waiting_at(task))
    return found


def _waiting_at(task: Task) -> list[str]:
    """The elements an active task stands at: itself, and for an event-based gateway the
    events it waits for (they are its outputs, predicted, not waiting themselves)."""
    names = [task.task_spec.name]
    if isinstance(task.task_spec, EventBasedGateway):
        names.extend(output.name for output in task.task_spec.outputs)
    return names


def _mismatch(found: str, expected: str) -> Reason:
    return Reason(
        "process-mismatch",
        f"Der Prozess „{found}“ ist nicht der Prozess „{expected}“ des Plans.",
        found,
    )


class _Alignment:
    """What ``migrate_workflow`` reads of a ``WorkflowDiff``: task -> new spec."""

    def __init__(self, alignment: dict[Task, TaskSpec]) -> None:
        self.alignment = alignment


def _target_specs(target: CompiledDefinition) -> tuple[BpmnProcessSpec, dict[str, Any]]:
    return serialization.load_specs(target.spec_json)


def _migrate_one(
    workflow: Workflow, spec: BpmnProcessSpec, mapping: Mapping_, reasons: list[Reason]
) -> None:
    alignment: dict[Task, TaskSpec] = {}
    for task in workflow.tasks.values():
        target_name = mapping.get(task.task_spec.name)
        new_spec = spec.task_specs.get(target_name) if target_name is not None else None
        if new_spec is not None:
            alignment[task] = new_spec
    migrate_workflow(_Alignment(alignment), workflow, spec)
    for task in workflow.tasks.values():
        if spec.task_specs.get(task.task_spec.name) is not task.task_spec:
            name = task.task_spec.name
            reasons.append(
                Reason(
                    "element-unmapped",
                    f"Das Element „{name}“ des Verlaufs hat in der Zielversion kein Gegenstück.",
                    name,
                )
            )


def migrate(engine: Engine, plan: Plan, target: CompiledDefinition, limits: ScriptLimits) -> Engine:
    """The engine state moved to `target` by `plan` (the given engine is changed: pass a
    snapshot). Raises :class:`Refused` with the reasons if it cannot be moved."""
    reasons = check(engine, plan, target)
    if reasons:
        raise Refused(reasons)
    spec, subs = _target_specs(target)
    top = engine.spiff_workflow
    for workflow, name in _workflows(engine):
        if name == "":
            _migrate_one(workflow, spec, plan.mapping, reasons)
        elif name in subs:
            _migrate_one(workflow, subs[name], plan.mapping, reasons)
        else:
            reasons.append(
                Reason(
                    "element-unmapped",
                    f"Der Teilprozess „{name}“ fehlt in der Zielversion.",
                    name,
                )
            )
    top.subprocess_specs = subs
    if reasons:
        raise Refused(_unique(reasons))
    migrated = Engine.load(target, engine.dump(), limits)
    missing = missing_variables(migrated, target.forms)
    if missing:
        raise Refused(missing)
    return migrated


def missing_variables(engine: Engine, forms: Mapping[str, Any]) -> list[Reason]:
    """The variables the target's forms of the ready user tasks declare that the task lacks."""
    reasons: list[Reason] = []
    for view in engine.ready_user_tasks():
        for entry in declared_context(forms.get(view.spec_name)):
            if entry.name not in view.data:
                reasons.append(
                    Reason(
                        "variable-missing",
                        f"Das Formular von „{view.spec_name}“ braucht die Variable "
                        f"„{entry.name}“, die der Instanz fehlt.",
                        entry.name,
                    )
                )
    return reasons


def _unique(reasons: list[Reason]) -> list[Reason]:
    seen: list[Reason] = []
    for reason in reasons:
        if reason not in seen:
            seen.append(reason)
    return seen
