"""Acceptance: a case looping 1,000 times does not degrade (size, speed, liveness)."""

from __future__ import annotations

import statistics
import time

import pytest

from egov.workflow.engine import Engine

from .helpers import compile_file, counting_services

PASSES = 1_000
WINDOW = 25


def _one_pass(instance: Engine, number: int) -> float:
    task = instance.ready_user_tasks()[0]
    started = time.perf_counter()
    instance.complete_user_task(task.task_id, {"note": f"Durchlauf {number}"})
    instance.advance(counting_services)
    return time.perf_counter() - started


@pytest.mark.slow
def test_a_case_looping_a_thousand_times_still_advances_with_flat_size_and_step_time() -> None:
    definition = compile_file("loop.bpmn")
    instance = Engine.start(definition, {"counter": 0, "limit": PASSES + WINDOW + 1})
    instance.advance(counting_services)
    timings: dict[int, float] = {}
    sizes: dict[int, int] = {}
    for number in range(1, PASSES + WINDOW + 1):
        timings[number] = _one_pass(instance, number)
        sizes[number] = len(instance.dump())
    assert instance.data["counter"] == PASSES + WINDOW
    assert not instance.completed
    assert instance.ready_user_tasks(), "instance stalled"

    early = statistics.median(timings[n] for n in range(10, 10 + WINDOW))
    late = statistics.median(timings[n] for n in range(PASSES, PASSES + WINDOW))
    print(
        f"\npass 10: {sizes[10]} bytes, median step {early * 1000:.2f} ms; "
        f"pass {PASSES}: {sizes[PASSES]} bytes, median step {late * 1000:.2f} ms"
    )
    assert sizes[PASSES] <= 2 * sizes[10]
    # generous for a noisy 2-core box, still far below the uncompacted 100-290 ms
    assert late <= 2 * early + 0.002


def test_a_looping_case_survives_dump_and_load_on_every_pass() -> None:
    definition = compile_file("loop.bpmn")
    instance = Engine.start(definition, {"counter": 0, "limit": 50})
    instance.advance(counting_services)
    sizes = []
    while not instance.completed:
        _one_pass(instance, len(sizes))
        state = instance.dump()
        assert "task_specs" not in state
        sizes.append(len(state))
        instance = Engine.load(definition, state)
    assert instance.data["counter"] == 50
    assert max(sizes[:-1]) <= 2 * sizes[0]
