"""Fixes of SpiffWorkflow 3.2.0 defects that egov's models would otherwise run into.

* **Ad-hoc subprocesses**: whenever one of its activities completes while others are still
  active, ``AdHocSubprocessSpec.path_complete`` removes the key ``data_objects`` from the task
  data it merged from the subprocess's data; a subprocess without data objects has no such key
  and the step failed with ``KeyError`` (500 on every task completion). The fix gives the
  subprocess's data the empty key for the duration of the call.
* **Non-interrupting boundary events** fired once: BPMN 2.0 lets them fire again while their
  activity runs. When one fires, a new waiting one takes its place (a timer duration or date
  fires once; a cycle repeats on its own).
* **Boundary events of an event subprocess's scope** (:mod:`egov.workflow.event_subprocesses`)
  give the event subprocess the scope's current data (SpiffWorkflow copied the data the scope
  was entered with).
* **Conditional events** evaluated their condition only when reached. :func:`refresh_conditions`
  evaluates the waiting ones again (the engine calls it after every step), on the current data
  of their scope; an event fires when its condition becomes true (on arrival: when it is true).
* **The scope of event subprocesses** stays active while a non-interrupting one runs, and
  shares its variables: :mod:`egov.workflow.event_scopes`.

:func:`install` runs once, when :mod:`egov.workflow.engine` is imported.
"""

from __future__ import annotations

import copy
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from egov.workflow.event_scopes import attached, is_scope
from egov.workflow.event_scopes import install as install_scopes

DATA_OBJECTS = "data_objects"
WAS_TRUE = "egov_condition_was_true"  # internal data of a conditional event's task
_original_path_complete = AdHocSubprocessSpec.path_complete
_original_on_ready_hook = CatchingEvent._on_ready_hook


def _path_complete(self: AdHocSubprocessSpec, workflow: Any, task: Any) -> None:
    added = DATA_OBJECTS not in workflow.data
    if added:
        workflow.data[DATA_OBJECTS] = {}
    try:
        _original_path_complete(self, workflow, task)
    finally:
        if added:
            workflow.data.pop(DATA_OBJECTS, None)


def _scope_data(task: Any) -> dict[str, Any]:
    """The current data where the event waits: of the task completed last (at any depth) in
    the subprocess a boundary event is attached to (once it has ended: of its task), else of
    the event's process level, over the task's own."""
    data = dict(task.data)
    source = None
    if isinstance(task.task_spec, BoundaryEvent):
        activity = attached(task)
        if activity is not None and activity.has_state(TaskState.COMPLETED):
            return dict(activity.data)  # what the scope's instances wrote included
        sub = task.workflow.top_workflow.subprocesses.get(activity.id) if activity else None
        done = sub.get_tasks(state=TaskState.COMPLETED) if sub is not None else []
        source = max(done, key=lambda t: t.last_state_change, default=None)
    if source is None:
        source = task.workflow.last_task
    if source is not None and source is not task:
        data.update(source.data)
    return data


def _on_ready_hook(self: CatchingEvent, my_task: Any) -> None:
    _original_on_ready_hook(self, my_task)
    if not isinstance(self, BoundaryEvent):
        return
    activity = attached(my_task)
    if is_scope(activity):
        my_task.data = copy.deepcopy(_scope_data(my_task))
    if not self.cancel_activity and not isinstance(self.event_definition, TimerEventDefinition):
        _wait_again(my_task)


def _wait_again(fired: Any) -> None:
    if fired.parent is None or fired.parent.has_state(TaskState.PREDICTED_MASK):
        return
    again = fired.parent._add_child(fired.task_spec, TaskState.FUTURE)
    again.triggered = True
    if isinstance(fired.task_spec.event_definition, ConditionalEventDefinition):
        again._set_internal_data(**{WAS_TRUE: True})  # fires when it becomes true again
    again.task_spec._predict(again, mask=TaskState.NOT_FINISHED_MASK)
    again.task_spec._update(again)


def _has_fired(self: ConditionalEventDefinition, my_task: Any) -> bool:
    engine = my_task.workflow.script_engine
    external = my_task.workflow.data_objects
    value = bool(engine.environment.evaluate(self.expression, _scope_data(my_task), external))
    was_true = my_task._get_internal_data(WAS_TRUE, False)
    fired = value and not was_true
    my_task._set_internal_data(has_fired=fired, **{WAS_TRUE: value})
    return fired


def refresh_conditions(workflow: Any) -> None:
    """Evaluates the conditions of the waiting conditional events again (fired: ready)."""
    for task in list(workflow.event_manager.tasks.values()):
        spec = task.task_spec
        if task.has_state(TaskState.WAITING) and isinstance(
            getattr(spec, "event_definition", None), ConditionalEventDefinition
        ):
            spec._update(task)


def install() -> None:
    """Patches SpiffWorkflow's classes (idempotent)."""
    AdHocSubprocessSpec.path_complete = _path_complete
    CatchingEvent._on_ready_hook = _on_ready_hook
    ConditionalEventDefinition.has_fired = _has_fired
    install_scopes()


install()
