"""Deploy-time checks of egov.workflow.validation through compile_bundle: every problem at
once, SpiffWorkflow's refusals in German with the element's line."""

from __future__ import annotations

import pytest
from lxml import etree

from egov.workflow.engine import WorkflowError, compile_bundle
from egov.workflow.validation import org_unit_refs

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
"""
TAIL = """  </bpmn:process>
</bpmn:definitions>
"""


def refusal(body: str) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        compile_bundle({"p.bpmn": (HEAD + body + TAIL).encode()})
    return caught.value


def test_a_gateway_flow_without_condition_is_named_in_german_with_its_line() -> None:
    error = refusal(
        """    <bpmn:exclusiveGateway id="gw"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="e1"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e2"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="e1"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="e2"/>
"""
    )
    [param] = error.invalid_params
    assert param["name"].startswith("p.bpmn#")
    assert "Standardfluss" in param["reason"]
    assert isinstance(param["line"], int)


def test_service_tasks_without_operator_and_an_unknown_message_are_refused_together() -> None:
    error = refusal(
        """    <bpmn:serviceTask id="s1"/><bpmn:serviceTask id="s2"/>
    <bpmn:intermediateCatchEvent id="m">
      <bpmn:messageEventDefinition messageRef="fehlt"/></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="e"/>
"""
    )
    assert error.code == "bpmn-unsupported"
    assert [(p["name"], p["line"]) for p in error.invalid_params] == [
        ("p.bpmn#s1", 6),
        ("p.bpmn#s2", 6),
        ("p.bpmn#m", 7),
    ]


def test_an_unknown_operator_is_refused_naming_the_known_ones() -> None:
    body = """    <bpmn:serviceTask id="s"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="fax.send"
        xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"/>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="e"/>
"""
    with pytest.raises(WorkflowError) as caught:
        compile_bundle({"p.bpmn": (HEAD + body + TAIL).encode()}, operators={"outbox.send"})
    [param] = caught.value.invalid_params
    assert "fax.send" in param["reason"] and "outbox.send" in param["reason"]


LANES = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="p">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="bauamt">
      <bpmn:flowNodeRef>t1</bpmn:flowNodeRef><bpmn:flowNodeRef>t2</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:userTask id="t1"/>
    <bpmn:userTask id="t2"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="orgUnit" value="kaemmerei"/>
    </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_org_unit_of_a_user_task_is_its_property_else_its_lane() -> None:
    refs = org_unit_refs({"p.bpmn": etree.fromstring(LANES.encode())})
    assert sorted((r.key, r.element_id, r.line) for r in refs) == [
        ("bauamt", "l", 4),
        ("kaemmerei", "t2", 8),
    ]


def test_a_refused_script_is_reported_with_the_other_problems_of_the_model() -> None:
    error = refusal(
        """    <bpmn:serviceTask id="s1"/>
    <bpmn:scriptTask id="skript"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"/>
"""
    )
    assert [p["name"] for p in error.invalid_params] == ["p.bpmn#s1", "p.bpmn#skript"]
