"""Shared helpers for the workflow engine tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from egov.workflow.engine import CompiledDefinition, Engine, compile_bundle

BPMN_DIR = Path(__file__).parent / "bpmn"


def load_bundle(*names: str) -> dict[str, bytes]:
    files = {name: (BPMN_DIR / name).read_bytes() for name in names}
    for form in (BPMN_DIR / "forms").glob("*.json"):
        files[f"forms/{form.name}"] = form.read_bytes()
    return files


def compile_file(name: str, process_id: str | None = None) -> CompiledDefinition:
    return compile_bundle(load_bundle(name), process_id)


def counting_services(operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    if operator == "increment":
        return params["value"] + 1
    return None


def complete_first(instance: Engine, data: dict[str, Any] | None = None) -> str:
    """Completes the first ready user task, advances, and returns its spec name."""
    tasks = instance.ready_user_tasks()
    assert tasks, "no ready user task"
    chosen = sorted(tasks, key=lambda t: t.spec_name)[0]
    instance.complete_user_task(chosen.task_id, data or {})
    instance.advance(counting_services)
    return chosen.spec_name


def drive(instance: Engine, max_steps: int) -> list[str]:
    """Completes user tasks until the instance completes; returns the visited task names."""
    visited: list[str] = []
    for _ in range(max_steps):
        if instance.completed:
            return visited
        visited.append(complete_first(instance, {"step": len(visited)}))
    raise AssertionError(f"instance did not complete within {max_steps} user tasks")
