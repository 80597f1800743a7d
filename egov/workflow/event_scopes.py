"""The scope of event subprocesses while they run, as BPMN 2.0 says (ADR 0025).

:mod:`egov.workflow.event_subprocesses` makes a scope's content the subprocess
``egov_scope_<id>`` with one boundary event per event subprocess. SpiffWorkflow 3.2.0's
``BoundaryEventJoin`` then ends the scope as soon as the content has ended, and an event
subprocess's data stays on its own path. BPMN 2.0 (§10.3.5) and Camunda differ; here:

* **The scope stays active while a non-interrupting event subprocess instance runs.** The
  join of a scope's content does not fire while an instance started by one of its
  non-interrupting boundary events is unfinished; so those stay armed: a further message
  starts another instance, a cycle timer keeps firing. The scope ends when its content and
  every instance have completed (or an interrupting one fired); the join then cancels the
  boundary events still waiting: they are disarmed. (SpiffWorkflow updates the waiting tasks
  of a workflow whenever one of its tasks completes, so the join is asked again when an
  instance has completed; the scope's end, ``<process>.EndJoin``, waits for the join.)
* **The scope's variables are shared.** When a non-interrupting instance completes, what it
  changed compared with the data it started with (values set, variables removed) is written
  into the scope: while the content runs, into each unfinished task of the content (at any
  depth) and the task it inherits its data from; once the content has ended, into the
  content's task and the tasks after it (its join, its end event, the scope's end). Tasks
  of the scope that become ready afterwards read them; of two writes of one variable the one
  completed last wins (a task completed afterwards overwrites what an instance wrote, an
  instance completing later the task's). A running instance keeps the data it started with.
  The rewrite gives a non-interrupting event subprocess no end event after it, so its own
  data reaches no join of the scope (a join would merge stale values and lists into it).
"""

from __future__ import annotations

import copy
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from egov.workflow.event_subprocesses import SCOPE_PREFIX

_original_threshold = BoundaryEventJoin._check_threshold_structured
_original_subworkflow_completed = SubWorkflowTask._on_subworkflow_completed
Changes = tuple[dict[str, Any], list[str]]  # variables set, variables removed


def _main(split: Any) -> Any:
    """The activity among the children of a boundary event split (the others are events)."""
    children = split.children if split is not None else []
    return next((t for t in children if not isinstance(t.task_spec, BoundaryEvent)), None)


def attached(task: Any) -> Any:
    """The activity a boundary event's task is attached to (its sibling), or None."""
    return _main(task.parent)


def is_scope(task: Any) -> bool:
    """The task runs the content of a scope with event subprocesses."""
    return task is not None and str(task.task_spec.name).startswith(SCOPE_PREFIX)


def _alongside(event: Any) -> bool:
    spec = event.task_spec
    return isinstance(spec, BoundaryEvent) and not spec.cancel_activity


def _running(split: Any) -> bool:
    """An instance started by a non-interrupting boundary event of the split is unfinished
    (a waiting boundary event's children in FUTURE are predictions, not instances)."""
    return any(
        child.has_state(TaskState.READY | TaskState.STARTED)
        for event in split.children
        if _alongside(event)
        for child in event.children
        if not isinstance(child.task_spec, BoundaryEventJoin)
    )


def _check_threshold(self: BoundaryEventJoin, my_task: Any) -> tuple[bool, list[Any]]:
    finished, cancel = _original_threshold(self, my_task)
    split = my_task.find_ancestor(self.split_task)
    main = _main(split)
    if finished and main not in cancel and is_scope(main) and _running(split):
        return False, []  # the scope is active until its instances have completed
    return finished, cancel


def _scope_of_instance(task: Any) -> Any:
    """The content's task of the scope whose non-interrupting event subprocess `task` runs."""
    event = task.parent
    if event is None or not _alongside(event):
        return None
    content = attached(event)
    return content if is_scope(content) else None


def _on_subworkflow_completed(self: SubWorkflowTask, subworkflow: Any, my_task: Any) -> None:
    content = _scope_of_instance(my_task)
    before = copy.deepcopy(my_task.data) if content is not None else {}
    _original_subworkflow_completed(self, subworkflow, my_task)
    if content is not None and not content.has_state(TaskState.CANCELLED):
        share(my_task.workflow.top_workflow, content, written(before, my_task.data))


def written(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """What an instance set and removed, against the data it started with."""
    changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
    return changed, [k for k in before if k not in after]


def share(top: Any, content: Any, changes: Changes) -> None:
    """Writes an instance's changes into the scope whose content `content` runs."""
    changed, removed = changes
    for task in _holders(top, content):
        task.data.update(copy.deepcopy(changed))
        for name in removed:
            task.data.pop(name, None)


def _holders(top: Any, content: Any) -> list[Any]:
    """The tasks holding the scope's data now: the unfinished ones of the running content
    and those they inherit from; of an ended content its task and the tasks after it."""
    live = TaskState.DEFINITE_MASK
    if not content.has_state(live):
        after, pending = [], [content]
        while pending:
            task = pending.pop()
            after.append(task)
            pending += [t for t in task.children if not t.has_state(TaskState.CANCELLED)]
        return after
    holders: dict[Any, Any] = {}
    pending = [top.subprocesses.get(content.id)]
    while pending:
        part = pending.pop()
        if part is None:
            continue
        for task in list(part.tasks.values()):
            if task.has_state(live):
                holders[task.id] = task
                if task.parent is not None:
                    holders[task.parent.id] = task.parent
                pending.append(top.subprocesses.get(task.id))
    return list(holders.values())


def install() -> None:
    """Patches SpiffWorkflow's classes (idempotent)."""
    BoundaryEventJoin._check_threshold_structured = _check_threshold
    SubWorkflowTask._on_subworkflow_completed = _on_subworkflow_completed


install()

__all__ = ["attached", "install", "is_scope", "share", "written"]
