"""The engine runs every kind of BPMN/DMN expression through the sandbox subprocesses."""

from __future__ import annotations

from typing import Any

import pytest

from egov.workflow.engine import Engine, WorkflowError, compile_bundle
from egov.workflow.scripting import ScriptLimits
from tests.builders import as_bytes, expression_bundle

FAST = ScriptLimits(time_seconds=0.5)


def no_services(operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    return None


@pytest.mark.parametrize(
    ("entry", "amount", "size"),
    [
        ("> 100", 150, "gross"),
        ("> 100", 50, "klein"),
        ("? > 100", 150, "gross"),
        ("150", 150, "gross"),
    ],
)
def test_a_dmn_unary_test_without_a_question_mark_is_rewritten_by_spiffworkflow_and_runs(
    entry: str, amount: int, size: str
) -> None:
    definition = compile_bundle(as_bytes(expression_bundle("unary", dmn_entry=entry)))
    instance = Engine.start(definition, {"amount": amount}, FAST)
    instance.advance(no_services)
    assert instance.data["size"] == size
    assert [t.spec_name for t in instance.ready_user_tasks()] == ["check"]


BOMB = "sum([[0] * 10] * 10**5, [])"


@pytest.mark.parametrize(
    "place",
    [
        {"script": f"x = {BOMB}"},
        {"condition": f"{BOMB} == []"},
        {"dmn_input": BOMB},
        {"dmn_entry": f"? == {BOMB}"},
        {"dmn_output": BOMB},
        {"parameter": BOMB},
        {"timer": BOMB},
    ],
    ids=lambda place: next(iter(place)),
)
def test_every_kind_of_expression_is_stopped_by_the_time_limit_inside_a_builtin(
    place: dict[str, str],
) -> None:
    definition = compile_bundle(as_bytes(expression_bundle("bomb", **place)))
    instance = Engine.start(definition, {"amount": 150}, FAST)
    with pytest.raises(WorkflowError) as info:
        instance.advance(no_services)
    assert info.value.code == "script-time-limit"
    if "timer" not in place:  # the timer is evaluated once its user task is ready
        assert not instance.ready_user_tasks()
