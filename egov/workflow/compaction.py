"""Task-tree compaction so that long-lived cases do not degrade.

SpiffWorkflow 3.2 keeps every finished task: a loop grows the tree by one level per task and
pass, the serialized state grows linearly, every step gets slower, and at a depth of ~1,000
the ``TaskIterator`` (``max_depth=1000``) silently stops finding ready tasks.

:func:`compact_workflow` keeps a small set of tasks per (sub)workflow and drops all others.
Kept tasks are re-parented to their nearest kept ancestor, so ancestor/descendant relations
among kept tasks (``find_ancestor``, ``is_descendant_of``) are preserved and depth stays bounded.

What is kept, and why (from reading SpiffWorkflow 3.2.0):

* the root task and every unfinished task (predicted, FUTURE, WAITING, READY, STARTED);
* the parent of every unfinished task: tasks inherit data from it when they become ready, and
  the joins (``ParallelGateway``, ``InclusiveGateway``, ``_EndJoin``) decide on
  ``task.parent.state`` / ``task.parent.task_spec`` of their instances;
* finished children of unfinished tasks (multi-instance / loop iterations, checked via
  ``my_task.children`` and ``internal_data['merged']``);
* for structured joins (``BoundaryEventJoin``, ``StartEventJoin``): the split ancestor named by
  ``split_task`` and all of its children (main task + boundary events are inspected);
* for unstructured joins (parallel / inclusive gateways): the finished instances that arrived
  after the latest firing of that gateway, plus their parents. ``UnstructuredJoin`` cancels
  earlier WAITING instances when a new branch arrives, so the cancelled instance and its
  completed parent are the only evidence that the branch arrived, and ``_run_hook`` merges
  their parents' data. Instances from before the latest firing are stale and dropped;
* ``workflow.last_task``.

Completed subprocesses (embedded or call activity) whose task is dropped are deleted, and
dropped tasks are removed from the event manager.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

FINISHED = TaskState.FINISHED_MASK


def compact_workflow(top: BpmnWorkflow) -> int:
    """Compacts the top workflow and all its subprocesses; returns the number of tasks dropped."""
    dropped = 0
    for workflow in [top, *list(top.subprocesses.values())]:
        if workflow is top or _still_attached(top, workflow):
            dropped += _compact_one(top, workflow)
    return dropped


def _still_attached(top: BpmnWorkflow, workflow: Workflow) -> bool:
    parent_id = getattr(workflow, "parent_task_id", None)
    return parent_id in top.subprocesses and parent_id is not None


def _walk(root: Task) -> Iterator[Task]:
    """Depth-first pre-order walk without recursion (trees may be deep before compaction)."""
    stack = [root]
    while stack:
        task = stack.pop()
        yield task
        stack.extend(reversed(task.children))


def _is_live(task: Task) -> bool:
    return not task.has_state(FINISHED)


def _join_evidence(tasks: Iterable[Task]) -> set[Task]:
    """Finished instances of unstructured joins that arrived after the join last fired."""
    by_spec: dict[str, list[Task]] = {}
    for task in tasks:
        if isinstance(task.task_spec, UnstructuredJoin):
            by_spec.setdefault(task.task_spec.name, []).append(task)
    keep: set[Task] = set()
    for instances in by_spec.values():
        fired = [t.last_state_change for t in instances if t.has_state(TaskState.COMPLETED)]
        last_fired = max(fired, default=float("-inf"))
        if not any(_is_live(t) for t in instances):
            continue
        for task in instances:
            if task.has_state(FINISHED) and task.last_state_change > last_fired:
                keep.add(task)
                if task.parent is not None:
                    keep.add(task.parent)
    return keep


def _structured_join_context(task: Task) -> set[Task]:
    spec = task.task_spec
    if not isinstance(spec, Join) or isinstance(spec, UnstructuredJoin) or not spec.split_task:
        return set()
    split = task.find_ancestor(spec.split_task)
    if split is None:
        return set()
    return {split, *split.children}


def _keep_set(workflow: Workflow, tasks: list[Task]) -> set[Task]:
    keep: set[Task] = {workflow.task_tree}
    for task in tasks:
        if not _is_live(task):
            continue
        keep.add(task)
        if task.parent is not None:
            keep.add(task.parent)
        if task.has_state(TaskState.DEFINITE_MASK):
            keep.update(task.children)
        keep.update(_structured_join_context(task))
    keep.update(_join_evidence(tasks))
    if workflow.last_task is not None and workflow.last_task.id in workflow.tasks:
        keep.add(workflow.last_task)
    return keep


def _rebuild(workflow: Workflow, keep: set[Task]) -> None:
    """Re-links kept tasks to their nearest kept ancestor, preserving pre-order sibling order."""
    root = workflow.task_tree
    new_children: dict[Task, list[Task]] = {task: [] for task in keep}
    stack: list[tuple[Task, Task]] = [(root, root)]
    while stack:
        task, kept_anchor = stack.pop()
        anchor = kept_anchor
        if task in keep and task is not root:
            new_children[kept_anchor].append(task)
            task._parent = kept_anchor.id
            anchor = task
        stack.extend((child, anchor) for child in reversed(task.children))
    for task, children in new_children.items():
        task._children = [child.id for child in children]


def _compact_one(top: BpmnWorkflow, workflow: Workflow) -> int:
    tasks = list(_walk(workflow.task_tree))
    keep = _keep_set(workflow, tasks)
    if len(keep) == len(workflow.tasks):
        return 0
    _rebuild(workflow, keep)
    dropped = [task for task in workflow.tasks.values() if task not in keep]
    for task in dropped:
        del workflow.tasks[task.id]
        top.event_manager.remove_task(task)
    _drop_subprocesses(top, {task.id for task in dropped})
    return len(dropped)


def _drop_subprocesses(top: BpmnWorkflow, dropped_ids: set[UUID]) -> None:
    """Deletes subprocesses whose task was dropped, and subprocesses nested in those."""
    pending = set(dropped_ids)
    while pending:
        doomed = [sp_id for sp_id in top.subprocesses if sp_id in pending]
        pending = set()
        for sp_id in doomed:
            subprocess = top.subprocesses.pop(sp_id)
            for task in subprocess.tasks.values():
                top.event_manager.remove_task(task)
            pending.update(subprocess.tasks)
