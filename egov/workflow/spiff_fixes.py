"""Fixes of SpiffWorkflow 3.2.0 defects that egov's models would otherwise run into.

* **Ad-hoc subprocesses**: whenever one of its activities completes while others are still
  active, ``AdHocSubprocessSpec.path_complete`` removes the key ``data_objects`` from the task
  data it merged from the subprocess's data; a subprocess without data objects has no such key
  and the step failed with ``KeyError`` (500 on every task completion). The fix gives the
  subprocess's data the empty key for the duration of the call.

:func:`install` runs once, when :mod:`egov.workflow.engine` is imported.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec

DATA_OBJECTS = "data_objects"
_original_path_complete = AdHocSubprocessSpec.path_complete


def _path_complete(self: AdHocSubprocessSpec, workflow: Any, task: Any) -> None:
    added = DATA_OBJECTS not in workflow.data
    if added:
        workflow.data[DATA_OBJECTS] = {}
    try:
        _original_path_complete(self, workflow, task)
    finally:
        if added:
            workflow.data.pop(DATA_OBJECTS, None)


def install() -> None:
    """Patches SpiffWorkflow's classes (idempotent)."""
    AdHocSubprocessSpec.path_complete = _path_complete


install()
