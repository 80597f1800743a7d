"""Conditional events alone, on the engine: an intermediate catch and boundary events
(interrupting or not) fire when their condition becomes true after a step; the condition is
a sandbox expression checked at deploy, Camunda's JUEL translated or refused naming the event."""

from __future__ import annotations

import pytest

from egov.workflow.engine import WorkflowError, compile_bundle
from tests.unit.workflow.test_constructs import model, refusal
from tests.unit.workflow.test_event_subprocesses import Running


def condition(text: str) -> str:
    return (
        f"<bpmn:conditionalEventDefinition><bpmn:condition>{text}</bpmn:condition>"
        "</bpmn:conditionalEventDefinition>"
    )


def parallel(waiting: str, flows: str) -> str:
    """`decide` (a user task) runs alongside `waiting`, whose condition reads `late`."""
    return f"""
    <bpmn:startEvent id="start"/>
    <bpmn:parallelGateway id="fork"/>
    <bpmn:userTask id="decide"/>
    <bpmn:endEvent id="decided"/>{waiting}
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="decide"/>
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="decided"/>{flows}"""


CATCH = parallel(
    f"""
    <bpmn:intermediateCatchEvent id="until_late">{condition("late == True")}
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="remind"/>
    <bpmn:endEvent id="reminded"/>""",
    """
    <bpmn:sequenceFlow id="c1" sourceRef="fork" targetRef="until_late"/>
    <bpmn:sequenceFlow id="c2" sourceRef="until_late" targetRef="remind"/>
    <bpmn:sequenceFlow id="c3" sourceRef="remind" targetRef="reminded"/>""",
)


def boundary(interrupting: bool) -> str:
    return parallel(
        f"""
    <bpmn:userTask id="review"/>
    <bpmn:boundaryEvent id="when_late" attachedToRef="review"
      cancelActivity="{str(interrupting).lower()}">{condition("late == True")}
    </bpmn:boundaryEvent>
    <bpmn:userTask id="remind"/>
    <bpmn:endEvent id="reviewed"/>
    <bpmn:endEvent id="reminded"/>""",
        """
    <bpmn:sequenceFlow id="b1" sourceRef="fork" targetRef="review"/>
    <bpmn:sequenceFlow id="b2" sourceRef="review" targetRef="reviewed"/>
    <bpmn:sequenceFlow id="b3" sourceRef="when_late" targetRef="remind"/>
    <bpmn:sequenceFlow id="b4" sourceRef="remind" targetRef="reminded"/>""",
    )


def test_an_intermediate_conditional_event_waits_until_a_step_makes_it_true() -> None:
    instance = Running(model(CATCH))
    assert instance.ready() == ["decide"]
    instance.complete("decide", {"late": False})
    assert instance.ready() == []
    assert not instance.completed


def test_an_intermediate_conditional_event_fires_when_another_branch_makes_it_true() -> None:
    instance = Running(model(CATCH))
    instance.complete("decide", {"late": True})
    assert instance.ready() == ["remind"]
    instance.complete("remind")
    assert instance.completed


def test_an_interrupting_conditional_boundary_event_cancels_its_activity() -> None:
    instance = Running(model(boundary(interrupting=True)))
    assert instance.ready() == ["decide", "review"]
    instance.complete("decide", {"late": True})
    assert instance.ready() == ["remind"]
    instance.complete("remind")
    assert instance.completed


def test_a_non_interrupting_conditional_boundary_event_leaves_its_activity_running() -> None:
    instance = Running(model(boundary(interrupting=False)))
    instance.complete("decide", {"late": True})
    assert instance.ready() == ["remind", "review"]
    instance.complete("review")
    instance.complete("remind")
    assert instance.completed


def test_a_condition_that_stays_true_fires_a_non_interrupting_event_once() -> None:
    instance = Running(model(boundary(interrupting=False)))
    instance.complete("decide", {"late": True})
    instance.complete("remind")
    assert instance.ready() == ["review"]


def test_a_condition_the_sandbox_refuses_is_refused_at_deploy_naming_the_event() -> None:
    with pytest.raises(WorkflowError) as info:
        compile_bundle(model(CATCH.replace("late == True", "__import__('os')")))
    assert info.value.code == "script-invalid"
    assert [p["name"] for p in info.value.invalid_params] == ["p.bpmn#until_late"]


def test_a_camunda_juel_condition_of_an_event_becomes_a_sandbox_expression() -> None:
    instance = Running(model(CATCH.replace("late == True", "${late == true}")))
    instance.complete("decide", {"late": True})
    assert instance.ready() == ["remind"]


def test_a_juel_condition_that_cannot_be_translated_is_refused_naming_the_event() -> None:
    [param] = refusal(model(CATCH.replace("late == True", "${order.isLate()}")))
    assert param["name"] == "p.bpmn#until_late"
    assert "JUEL" in param["reason"]


def test_a_conditional_boundary_event_of_a_subprocess_sees_the_data_inside_it() -> None:
    body = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:subProcess id="inner">
      <bpmn:startEvent id="inner_start"/>
      <bpmn:userTask id="check"/>
      <bpmn:userTask id="decide"/>
      <bpmn:endEvent id="inner_end"/>
      <bpmn:sequenceFlow id="i1" sourceRef="inner_start" targetRef="check"/>
      <bpmn:sequenceFlow id="i2" sourceRef="check" targetRef="decide"/>
      <bpmn:sequenceFlow id="i3" sourceRef="decide" targetRef="inner_end"/>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="when_late" attachedToRef="inner" cancelActivity="false">
      {condition("late == True")}
    </bpmn:boundaryEvent>
    <bpmn:userTask id="remind"/>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="reminded"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inner"/>
    <bpmn:sequenceFlow id="f2" sourceRef="inner" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="when_late" targetRef="remind"/>
    <bpmn:sequenceFlow id="f4" sourceRef="remind" targetRef="reminded"/>"""
    instance = Running(model(body))
    instance.complete("check", {"late": True})
    assert instance.ready() == ["decide", "remind"]


def test_a_conditional_event_after_an_event_based_gateway_is_refused_naming_it() -> None:
    body = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:eventBasedGateway id="gateway"/>
    <bpmn:intermediateCatchEvent id="until_late">{condition("late == True")}
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="reply"><bpmn:messageEventDefinition messageRef="m"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="late_end"/>
    <bpmn:endEvent id="reply_end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gateway"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gateway" targetRef="until_late"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gateway" targetRef="reply"/>
    <bpmn:sequenceFlow id="f4" sourceRef="until_late" targetRef="late_end"/>
    <bpmn:sequenceFlow id="f5" sourceRef="reply" targetRef="reply_end"/>"""
    [param] = refusal(model(body, '<bpmn:message id="m" name="antwort"/>'))
    assert param["name"] == "p.bpmn#until_late"
    assert "ereignisbasierten Gateway" in param["reason"]
