"""The engine wrapper: compile, start, user tasks, services, messages, errors, dump/load."""

from __future__ import annotations

from typing import Any

import pytest

from egov.workflow.engine import Engine, WorkflowError, compile_bundle

from .helpers import compile_file, counting_services, load_bundle


class ServiceDown(Exception):
    pass


def test_a_hostile_script_fails_as_an_incident_and_does_not_run_or_crash() -> None:
    # compiled without the deploy-time check, as definitions deployed before it were
    instance = Engine.start(compile_bundle(load_bundle("hostile.bpmn"), check_scripts=False), {})
    with pytest.raises(WorkflowError) as info:
        instance.advance(counting_services)
    assert info.value.code == "script-failed"
    assert "Böses Skript" in info.value.message
    assert not instance.completed
    assert "leak" not in instance.data


def test_a_hostile_script_is_refused_when_the_bundle_is_compiled() -> None:
    with pytest.raises(WorkflowError) as info:
        compile_file("hostile.bpmn")
    assert info.value.code == "script-invalid"
    [param] = info.value.invalid_params
    assert param["name"] == "hostile.bpmn#evil"
    assert param["line"] == 6
    assert param["reason"].startswith("Nicht erlaubtes Attribut: __")


def test_a_bundle_is_compiled_with_forms_hash_and_the_single_main_process() -> None:
    definition = compile_file("loop.bpmn")
    assert definition.process_id == "loop_process"
    assert definition.forms["review"]["type"] == "object"
    assert len(definition.content_hash) == 64
    assert definition.content_hash == compile_file("loop.bpmn").content_hash
    called = compile_file("callactivity_loop.bpmn")
    assert called.process_id == "callactivity_loop"


def test_an_invalid_bundle_is_rejected_as_bpmn_invalid() -> None:
    with pytest.raises(WorkflowError) as info:
        compile_bundle({"x.bpmn": b"<not-xml"})
    assert info.value.code == "bpmn-invalid"
    files = load_bundle("loop.bpmn")
    del files["forms/review.schema.json"]
    with pytest.raises(WorkflowError, match="bpmn-invalid"):
        compile_bundle(files)


def test_a_user_task_shows_title_lane_org_unit_form_and_data() -> None:
    instance = Engine.start(compile_file("loop.bpmn"), {"counter": 0, "limit": 2})
    instance.advance(counting_services)
    [task] = instance.ready_user_tasks()
    assert (task.spec_name, task.title) == ("review", "Antrag prüfen")
    assert task.lane == task.org_unit == "buero-buergerbudget"
    assert task.form_schema is not None
    assert task.data == {"counter": 0, "limit": 2}


def test_completing_an_unknown_or_finished_task_is_task_not_ready() -> None:
    instance = Engine.start(compile_file("loop.bpmn"), {"counter": 0, "limit": 2})
    instance.advance(counting_services)
    [task] = instance.ready_user_tasks()
    instance.complete_user_task(task.task_id, {"note": "ok"})
    for task_id in (task.task_id, "not-a-uuid"):
        with pytest.raises(WorkflowError) as info:
            instance.complete_user_task(task_id, {})
        assert info.value.code == "task-not-ready"


def test_non_json_task_data_is_rejected() -> None:
    instance = Engine.start(compile_file("loop.bpmn"), {"counter": 0, "limit": 2})
    instance.advance(counting_services)
    [task] = instance.ready_user_tasks()
    with pytest.raises(WorkflowError, match="data-invalid"):
        instance.complete_user_task(task.task_id, {"x": object()})


def test_a_service_exception_propagates_unchanged_and_the_task_can_be_retried() -> None:
    definition = compile_file("loop.bpmn")
    instance = Engine.start(definition, {"counter": 0, "limit": 1})
    instance.advance(counting_services)
    [task] = instance.ready_user_tasks()
    instance.complete_user_task(task.task_id, {"note": "x"})
    calls: list[tuple[str, dict[str, Any]]] = []

    def failing(operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        calls.append((operator, params))
        raise ServiceDown("Fachverfahren nicht erreichbar")

    with pytest.raises(ServiceDown):
        instance.advance(failing)
    assert calls == [("increment", {"value": 0})]
    instance = Engine.load(definition, instance.dump())
    instance.advance(counting_services)
    assert instance.completed
    assert instance.data["counter"] == 1
    assert not any(key.startswith("spiff__") for key in instance.data)


def test_the_dump_holds_no_spec_and_round_trips() -> None:
    definition = compile_file("loop.bpmn")
    instance = Engine.start(definition, {"counter": 0, "limit": 3})
    instance.advance(counting_services)
    state = instance.dump()
    assert "task_specs" not in state
    assert "conditionExpression" not in state and "counter < limit" not in state
    again = Engine.load(definition, state)
    assert again.dump() == state
    assert [t.task_id for t in again.ready_user_tasks()] == [
        t.task_id for t in instance.ready_user_tasks()
    ]


def test_a_broken_state_is_reported_as_state_invalid() -> None:
    with pytest.raises(WorkflowError, match="state-invalid"):
        Engine.load(compile_file("loop.bpmn"), "{}")
