"""Compaction keeps every BPMN construct behaving exactly as without compaction."""

from __future__ import annotations

import pytest

from egov.workflow import engine
from egov.workflow.engine import Engine

from .helpers import compile_file, counting_services, drive

PASSES = 100
CONSTRUCTS = [
    "parallel_loop.bpmn",
    "inclusive_loop.bpmn",
    "boundary_loop.bpmn",
    "subprocess_loop.bpmn",
    "callactivity_loop.bpmn",
]


def _run(name: str, passes: int, roundtrip: bool) -> tuple[list[str], dict, int]:
    definition = compile_file(name)
    instance = Engine.start(definition, {"counter": 0, "limit": passes, "path": []})
    instance.advance(counting_services)
    visited: list[str] = []
    max_tasks = 0
    while not instance.completed:
        visited.extend(drive_one(instance))
        max_tasks = max(max_tasks, len(instance.spiff_workflow.tasks))
        if roundtrip:
            instance = Engine.load(definition, instance.dump())
        assert len(visited) < passes * 5, "runaway"
    return visited, instance.data, max_tasks


def drive_one(instance: Engine) -> list[str]:
    from .helpers import complete_first

    return [complete_first(instance, {"step": 1})]


@pytest.mark.slow
@pytest.mark.parametrize("name", CONSTRUCTS)
def test_a_compacted_loop_takes_the_same_path_with_the_same_data_as_an_uncompacted_one(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compacted = _run(name, PASSES, roundtrip=False)
    monkeypatch.setattr(engine, "compact_workflow", lambda workflow: 0)
    plain = _run(name, PASSES, roundtrip=False)
    assert compacted[0] == plain[0]
    assert compacted[1] == plain[1]
    assert compacted[1]["counter"] == PASSES
    assert len(compacted[1]["path"]) == PASSES


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_a_compacted_loop_keeps_the_task_tree_small_and_survives_dump_and_load(name: str) -> None:
    visited, data, max_tasks = _run(name, PASSES, roundtrip=True)
    assert data["counter"] == PASSES
    assert max_tasks < 40
    assert len(visited) >= PASSES


def test_a_boundary_message_still_interrupts_the_user_task_after_many_passes() -> None:
    definition = compile_file("boundary_loop.bpmn")
    instance = Engine.start(definition, {"counter": 0, "limit": 10_000, "path": []})
    instance.advance(counting_services)
    drive_steps = 150
    for _ in range(drive_steps):
        task = instance.ready_user_tasks()[0]
        instance.complete_user_task(task.task_id, {})
        instance.advance(counting_services)
        instance = Engine.load(definition, instance.dump())
    assert instance.send_message("antrag_zurueckgezogen", {"grund": "zurückgezogen"})
    instance.advance(counting_services)
    assert instance.completed
    assert instance.data["counter"] == drive_steps
    assert not instance.send_message("antrag_zurueckgezogen", {})


def test_an_uncompacted_drive_helper_is_not_needed_for_plain_completion() -> None:
    definition = compile_file("parallel_loop.bpmn")
    instance = Engine.start(definition, {"counter": 0, "limit": 3, "path": []})
    instance.advance(counting_services)
    assert drive(instance, 20) == ["work", "branch_a"] * 3
