"""Several outgoing flows of an activity run as BPMN says: all of them (parallel split), or
those whose condition holds (inclusive split, the default if none holds)."""

from __future__ import annotations

from typing import Any

import pytest

from egov.workflow.engine import Engine, WorkflowError, compile_bundle

HEAD = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="d" targetNamespace="x"><bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="work"/>
  <bpmn:scriptTask id="work"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
  <bpmn:scriptTask id="a"><bpmn:script>a = True</bpmn:script></bpmn:scriptTask>
  <bpmn:scriptTask id="b"><bpmn:script>b = True</bpmn:script></bpmn:scriptTask>
  <bpmn:endEvent id="ea"/><bpmn:endEvent id="eb"/>
  <bpmn:sequenceFlow id="fa2" sourceRef="a" targetRef="ea"/>
  <bpmn:sequenceFlow id="fb2" sourceRef="b" targetRef="eb"/>
"""
TAIL = "</bpmn:process></bpmn:definitions>"


def run(flows: str, data: dict[str, Any]) -> dict[str, Any]:
    bpmn = HEAD + flows + TAIL
    instance = Engine.start(compile_bundle({"p.bpmn": bpmn.encode()}), data)
    instance.advance(lambda operator, params, task_data: None)
    assert instance.completed
    return instance.data


def condition(text: str) -> str:
    return f"<bpmn:conditionExpression>{text}</bpmn:conditionExpression>"


def test_unconditional_flows_out_of_a_task_all_run() -> None:
    data = run(
        '<bpmn:sequenceFlow id="fa" sourceRef="work" targetRef="a"/>'
        '<bpmn:sequenceFlow id="fb" sourceRef="work" targetRef="b"/>',
        {},
    )
    assert data["a"] and data["b"]


@pytest.mark.parametrize(("amount", "taken"), [(500, {"a", "b"}), (50, {"b"})])
def test_conditional_flows_out_of_a_task_run_where_their_condition_holds(
    amount: int, taken: set[str]
) -> None:
    data = run(
        f'<bpmn:sequenceFlow id="fa" sourceRef="work" targetRef="a">{condition("amount &gt; 100")}'
        "</bpmn:sequenceFlow>"
        f'<bpmn:sequenceFlow id="fb" sourceRef="work" targetRef="b">{condition("amount &gt; 10")}'
        "</bpmn:sequenceFlow>",
        {"amount": amount},
    )
    assert {name for name in ("a", "b") if data.get(name)} == taken


def test_the_default_flow_of_a_task_runs_when_no_condition_holds() -> None:
    flows = (
        f'<bpmn:sequenceFlow id="fa" sourceRef="work" targetRef="a">{condition("amount &gt; 100")}'
        '</bpmn:sequenceFlow><bpmn:sequenceFlow id="fb" sourceRef="work" targetRef="b"/>'
    )
    head = HEAD.replace('<bpmn:scriptTask id="work">', '<bpmn:scriptTask id="work" default="fb">')
    instance = Engine.start(
        compile_bundle({"p.bpmn": (head + flows + TAIL).encode()}), {"amount": 5}
    )
    instance.advance(lambda operator, params, task_data: None)
    assert instance.completed
    assert instance.data.get("b") and not instance.data.get("a")


def test_a_mix_of_conditional_and_plain_flows_is_refused_naming_the_task() -> None:
    flows = (
        f'<bpmn:sequenceFlow id="fa" sourceRef="work" targetRef="a">{condition("amount &gt; 1")}'
        '</bpmn:sequenceFlow><bpmn:sequenceFlow id="fb" sourceRef="work" targetRef="b"/>'
    )
    with pytest.raises(WorkflowError) as caught:
        compile_bundle({"p.bpmn": (HEAD + flows + TAIL).encode()})
    assert [p["name"] for p in caught.value.invalid_params] == ["p.bpmn#work"]
