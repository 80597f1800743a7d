"""Yesterday's serialized cases must still load and advance with today's runtime."""

from __future__ import annotations

import json

import pytest

from egov.workflow.engine import Engine, compile_bundle

from .make_golden import LIMIT, STATES_DIR, load_golden_bundle, services


@pytest.fixture(scope="module")
def definition():  # type: ignore[no-untyped-def]
    return compile_bundle(load_golden_bundle())


def _load(definition, name: str) -> Engine:  # type: ignore[no-untyped-def]
    return Engine.load(definition, (STATES_DIR / f"{name}.json").read_text().strip())


def test_the_golden_bundle_is_unchanged(definition) -> None:  # type: ignore[no-untyped-def]
    meta = json.loads((STATES_DIR / "meta.json").read_text())
    assert definition.content_hash == meta["content_hash"]


@pytest.mark.parametrize(("name", "done"), [("waiting_at_user_task", 0), ("mid_loop", 2)])
def test_a_golden_running_case_loads_and_runs_to_completion(
    definition,
    name: str,
    done: int,  # type: ignore[no-untyped-def]
) -> None:
    instance = _load(definition, name)
    assert instance.data["counter"] == done
    for _ in range(LIMIT - done):
        [task] = instance.ready_user_tasks()
        assert task.spec_name == "review"
        instance.complete_user_task(task.task_id, {"note": "nach dem Laden"})
        instance.advance(services)
    assert instance.completed
    assert instance.data["counter"] == LIMIT


def test_a_golden_completed_case_loads_as_completed(definition) -> None:  # type: ignore[no-untyped-def]
    instance = _load(definition, "completed")
    instance.advance(services)
    assert instance.completed
    assert instance.data["counter"] == LIMIT
    assert instance.ready_user_tasks() == []
