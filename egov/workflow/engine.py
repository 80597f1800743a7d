"""Pure BPMN engine wrapper around SpiffWorkflow 3.2 (no database, no web).

Conventions for process models (bundle = folder with ``*.bpmn``, ``*.dmn``, ``forms/*.json``,
``letters/*.txt`` ...):

* **Parser**: SpiffWorkflow's ``SpiffBpmnParser`` (spiff extensions + DMN). Without an explicit
  ``process_id`` the bundle must contain exactly one executable process that is not the target
  of a call activity. Before SpiffWorkflow parses a file, :mod:`egov.workflow.constructs`
  rewrites what egov runs by rewriting (link events, ISO 8601 timers, ad-hoc subprocesses)
  and refuses what would run wrong (``bpmn-unsupported``, see ``docs/modeling.md``);
  :mod:`egov.workflow.feel` turns FEEL unary tests of DMN input entries into Python.
* **Steps without the lock**: :meth:`Engine.compute` runs the engine's own work and stops
  before a ready service task, :meth:`Engine.run_service` runs that one (ADR 0018).
* **Forms**: a user task declares its form with
  ``<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename"
  value="forms/x.schema.json"/></spiffworkflow:properties>``; the JSON Schema file is loaded
  from the bundle at compile time (a missing file makes the bundle invalid).
* **Org unit** of a user task: property ``orgUnit`` (a literal org unit key), else property
  ``orgUnitVariable`` (name of a task data variable holding the key), else the lane name
  (lanes are named by org unit key, e.g. ``buero-buergerbudget``).
* **Service tasks**: ``spiffworkflow:serviceTaskOperator id="..." resultVariable="..."`` with
  ``spiffworkflow:parameters``; parameter values are expressions of the restricted script
  engine. The ``services`` handler given to :meth:`Engine.advance` is called as
  ``services(operator, params, data)``; its (JSON-serializable) return value is stored in
  ``resultVariable`` if given. Exceptions of the handler propagate unchanged; the failed task is
  put back to READY (with its data restored) so that a later ``advance`` retries it.
* **Scripts, conditions, DMN expressions** are checked when a bundle is compiled
  (:mod:`egov.workflow.script_check`, ``WorkflowError("script-invalid")`` with
  ``invalid_params``) and run in :mod:`egov.workflow.scripting`: restricted, in sandbox
  subprocesses with wall-clock, CPU and memory limits. Failures raise
  ``WorkflowError`` with code ``script-failed``, ``script-time-limit`` or
  ``script-memory-limit``.
* **Task data must stay JSON-serializable**; ``complete_user_task`` rejects other data.
* **Messages**: :meth:`Engine.send_message` correlates by message name only.
* **Conditional events** are evaluated again after every step (:mod:`egov.workflow.spiff_fixes`).
* **Timers** run on the clock given to :meth:`Engine.start` / :meth:`load`
  (:mod:`egov.workflow.engine_time`); :meth:`Engine.next_timer_due` is the earliest
  due time of the waiting timers, :attr:`Engine.fired_timers` those ``advance`` fired.
* **State**: :meth:`Engine.dump` stores the instance without the spec; the spec is
  stored once in :attr:`CompiledDefinition.spec_json`. After every ``advance`` the task tree is
  compacted (:mod:`egov.workflow.compaction`) so long-lived loops do not degrade.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from egov.clock import utcnow
from egov.workflow import serialization
from egov.workflow.assignment import TaskModel, of_task
from egov.workflow.bundle import WorkflowError
from egov.workflow.compaction import compact_workflow
from egov.workflow.compiling import CompiledDefinition, compile_bundle
from egov.workflow.engine_errors import engine_error
from egov.workflow.engine_time import (
    Clock,
    cycle_positions,
    cycles_fired,
    engine_clock,
    is_cycle,
    is_timer,
    next_timer_due,
)
from egov.workflow.scripting import (
    DEFAULT_LIMITS,
    RestrictedScriptEngine,
    ScriptError,
    ScriptLimits,
)
from egov.workflow.spiff_fixes import refresh_conditions  # importing installs the fixes

__all__ = [
    "CompiledDefinition",
    "Engine",
    "ServiceHandler",
    "UserTaskView",
    "WorkflowError",
    "compile_bundle",
]

MAX_ENGINE_STEPS = 10_000


@dataclass(frozen=True)
class UserTaskView:
    task_id: str
    spec_name: str
    title: str
    lane: str | None
    org_unit: str | None
    form_schema: dict[str, Any] | None
    data: dict[str, Any]
    model: TaskModel | None = None  # assignee and due date as modelled (camunda:assignee ...)
    four_eyes: bool = False  # property `fourEyes` = "true": a second clerk approves the decision


class _Paused(Exception):
    """`compute` reached a ready service task."""


class ServiceHandler(Protocol):
    def __call__(self, operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any: ...


def _properties(task: Task) -> dict[str, str]:
    extensions = getattr(task.task_spec, "extensions", None) or {}
    props = extensions.get("properties") or {}
    return dict(props)


def _org_unit(task: Task) -> str | None:
    props = _properties(task)
    if props.get("orgUnit"):
        return props["orgUnit"]
    variable = props.get("orgUnitVariable")
    if variable:
        value = task.data.get(variable)
        return str(value) if value is not None else None
    lane = getattr(task.task_spec, "lane", None)
    return str(lane) if lane else None


def _ensure_json(data: Any) -> None:
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise WorkflowError(
            "data-invalid", "Die Daten sind nicht als JSON speicherbar.", str(exc)
        ) from exc


class Engine:
    """The engine state of one running process instance (top-level workflow plus its
    subprocesses); `egov.workflow.store.WorkflowInstance` is the row it is saved in."""

    def __init__(
        self,
        definition: CompiledDefinition,
        workflow: BpmnWorkflow,
        limits: ScriptLimits,
        clock: Clock | None = None,
    ) -> None:
        self.definition = definition
        self._workflow = workflow
        self._clock = clock  # what timers see as "now" (engine_time); None: the real time
        self.fired_timers: list[str] = []  # timer events completed by advance (BPMN ids)
        self._steps = 0  # automatic steps of this engine object (MAX_ENGINE_STEPS)
        self._current: tuple[Task, dict[str, Any]] | None = None  # the task running, its data
        self._engine = RestrictedScriptEngine(limits=limits)
        workflow.script_engine = self._engine

    @classmethod
    def start(
        cls,
        definition: CompiledDefinition,
        data: dict[str, Any],
        limits: ScriptLimits = DEFAULT_LIMITS,
        clock: Clock | None = None,
    ) -> Engine:
        _ensure_json(data)
        spec, subprocess_specs = serialization.load_specs(definition.spec_json)
        workflow = BpmnWorkflow(spec, subprocess_specs)
        instance = cls(definition, workflow, limits, clock)
        start = workflow.get_next_task(spec_name="Start")
        if start is not None:
            start.data.update(copy.deepcopy(data))
        return instance

    @classmethod
    def load(
        cls,
        definition: CompiledDefinition,
        state_json: str,
        limits: ScriptLimits = DEFAULT_LIMITS,
        clock: Clock | None = None,
    ) -> Engine:
        try:
            workflow = serialization.load_instance(definition.spec_json, state_json)
        except (KeyError, ValueError, TypeError, SpiffWorkflowException) as exc:
            raise WorkflowError(
                "state-invalid", "Der gespeicherte Vorgangszustand ist nicht lesbar.", repr(exc)
            ) from exc
        return cls(definition, workflow, limits, clock)

    # -- engine ---------------------------------------------------------------------------

    def advance(self, services: ServiceHandler) -> None:
        """Runs all engine tasks until only user tasks / waiting events remain, then compacts."""
        self._run(services, pause=False)

    def compute(self) -> bool:
        """Runs the engine's own work (scripts, gateways, DMN, timers) like :meth:`advance`,
        but stops before a ready service task, which it does not run: nothing here touches a
        database, so the caller holds no lock. True if a service task waits for
        :meth:`run_service`."""
        return self._run(None, pause=True)

    def run_service(self, services: ServiceHandler) -> None:
        """Runs the ready service task :meth:`compute` stopped before, and nothing after it."""
        ready = [t for t in self._engine_ready_tasks() if isinstance(t.task_spec, ServiceTask)]
        if not ready:
            return
        task = ready[0]
        self._engine.service_caller = self._service_caller(services)
        try:
            with engine_clock(self._clock):
                self._before(task, pause=False)
                task.run()
                self._after(task)
        except (SpiffWorkflowException, ScriptError) as exc:
            self._rewind()
            raise engine_error(exc) from exc
        except BaseException:
            self._rewind()
            raise
        finally:
            self._engine.service_caller = None

    def _run(self, services: ServiceHandler | None, *, pause: bool) -> bool:
        if services is not None:
            self._engine.service_caller = self._service_caller(services)
        try:
            with engine_clock(self._clock):
                return self._run_engine(pause)
        finally:
            self._engine.service_caller = None
            compact_workflow(self._workflow)

    def _service_caller(self, services: ServiceHandler) -> Any:
        def call(task: Task, operator: str, params: dict[str, Any]) -> str:
            values = {name: p["value"] for name, p in params.items()}
            result = services(operator, values, copy.deepcopy(task.data))
            _ensure_json(result)
            return json.dumps(result)

        return call

    def _before(self, task: Task, *, pause: bool) -> None:
        if pause and isinstance(task.task_spec, ServiceTask):
            raise _Paused
        self._steps += 1
        if self._steps > MAX_ENGINE_STEPS:
            raise WorkflowError("step-limit", "Zu viele automatische Schritte ohne Halt.")
        self._current = (task, copy.deepcopy(task.data))

    def _after(self, task: Task) -> None:
        if is_timer(task) and not is_cycle(task):
            self.fired_timers.append(str(task.task_spec.bpmn_id or task.task_spec.name))
        if isinstance(task.task_spec, ServiceTask):
            for holder in [task, *task.children]:
                for key in [k for k in holder.data if k.startswith("spiff__")]:
                    del holder.data[key]

    def _run_engine(self, pause: bool) -> bool:
        cycles = cycle_positions(self._workflow)

        def before(task: Task) -> None:
            self._before(task, pause=pause)

        try:
            while True:
                self._workflow.do_engine_steps(
                    will_complete_task=before, did_complete_task=self._after
                )
                refresh_conditions(self._workflow)  # the data may have changed
                self.fired_timers += cycles_fired(cycles, self._workflow)
                cycles = cycle_positions(self._workflow)
                if not self._engine_ready_tasks():
                    return False
        except _Paused:
            self.fired_timers += cycles_fired(cycles, self._workflow)
            return True
        except (SpiffWorkflowException, ScriptError) as exc:
            self._rewind()
            raise engine_error(exc) from exc
        except BaseException:
            self._rewind()
            raise

    def _engine_ready_tasks(self) -> list[Task]:
        ready = self._workflow.get_tasks(state=TaskState.READY)
        return [t for t in ready if not t.task_spec.manual]

    def _rewind(self) -> None:
        """A failed task goes back to READY with its data as before (a later step retries)."""
        if self._current is None:
            return
        task, data = self._current
        if task.has_state(TaskState.ERROR):
            task.data = data
            task._set_state(TaskState.READY)

    # -- user tasks -----------------------------------------------------------------------

    def ready_user_tasks(self, *, with_data: bool = True) -> list[UserTaskView]:
        """`with_data=False`: without a copy of each task's data (the projection needs none;
        copying the data of 10,000 fan-out tasks, each holding the list, costs seconds)."""
        tasks = self._workflow.get_tasks(state=TaskState.READY, manual=True)
        return [self._view(t, with_data) for t in tasks]

    def _view(self, task: Task, with_data: bool = True) -> UserTaskView:
        spec = task.task_spec
        return UserTaskView(
            task_id=str(task.id),
            spec_name=spec.name,
            title=getattr(spec, "bpmn_name", None) or spec.name,
            lane=getattr(spec, "lane", None),
            org_unit=_org_unit(task),
            form_schema=self.definition.forms.get(spec.name),
            data=copy.deepcopy(task.data) if with_data else {},
            model=of_task(_properties(task), task.data),
            four_eyes=_properties(task).get("fourEyes", "").strip().lower() == "true",
        )

    def complete_user_task(self, task_id: str, data: dict[str, Any]) -> None:
        task = self._find_task(task_id)
        if task is None or not task.has_state(TaskState.READY) or not task.task_spec.manual:
            raise WorkflowError(
                "task-not-ready", "Die Aufgabe ist nicht (mehr) bearbeitbar.", f"task {task_id}"
            )
        _ensure_json(data)
        task.data.update(copy.deepcopy(data))
        try:
            with engine_clock(self._clock):
                task.run()
        except (SpiffWorkflowException, ScriptError) as exc:
            raise engine_error(exc) from exc

    def task_data(self, task_id: str) -> dict[str, Any] | None:
        """A copy of the data of the engine task `task_id` (None: gone, e.g. compacted)."""
        task = self._find_task(task_id)
        return None if task is None else copy.deepcopy(dict(task.data))

    def _find_task(self, task_id: str) -> Task | None:
        try:
            uuid = UUID(task_id)
        except ValueError:
            return None
        try:
            return self._workflow.get_task_from_id(uuid)
        except SpiffWorkflowException:
            return None

    # -- events ---------------------------------------------------------------------------

    def send_message(self, name: str, payload: dict[str, Any]) -> bool:
        """Delivers a BPMN message by name; True if a waiting catch event took it."""
        _ensure_json(payload)
        event = BpmnEvent(MessageEventDefinition(name), payload=copy.deepcopy(payload))
        try:
            with engine_clock(self._clock):
                caught = self._workflow.event_manager.catch(event, internal=False)
        except (SpiffWorkflowException, ScriptError) as exc:
            raise engine_error(exc) from exc
        return bool(caught)

    # -- state ----------------------------------------------------------------------------

    def next_timer_due(self) -> datetime | None:
        """The earliest due time (naive UTC) of the waiting BPMN timers, None if none waits."""
        now = self._clock() if self._clock is not None else utcnow()
        return next_timer_due(self._workflow, now)

    @property
    def completed(self) -> bool:
        return bool(self._workflow.is_completed())

    @property
    def data(self) -> dict[str, Any]:
        """Workflow data: final data when completed, else the latest task data."""
        wf = self._workflow
        if wf.is_completed():
            return copy.deepcopy(dict(wf.data))
        last = wf.last_task
        source = last.data if last is not None and last.id in wf.tasks else wf.data
        return copy.deepcopy(dict(source))

    @property
    def spiff_workflow(self) -> BpmnWorkflow:
        """The underlying SpiffWorkflow object (for tests and diagnostics in egov.workflow)."""
        return self._workflow

    def dump(self) -> str:
        return serialization.dump_instance(self._workflow)
