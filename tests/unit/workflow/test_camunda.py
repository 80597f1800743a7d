"""Camunda 7 attributes rewritten into SpiffWorkflow's extensions (egov.workflow.camunda)."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from egov.workflow.camunda import SPIFF, juel_to_python, translate

HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">'
    '<bpmn:process id="p" isExecutable="true">'
)
TAIL = "</bpmn:process></bpmn:definitions>"


def tree(body: str) -> Any:
    return etree.fromstring((HEAD + body + TAIL).encode())


def properties(root: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in root.iter(f"{{{SPIFF}}}property")}


@pytest.mark.parametrize(
    ("juel", "python"),
    [
        ("${amount > 100}", "amount > 100"),
        ("${a && !b}", "a and not b"),
        ('${x eq "ja" || y == null}', 'x == "ja" or y == None'),
        ("${(a ge 1) and ok == true}", "( a >= 1 ) and ok == True"),
    ],
)
def test_a_simple_juel_condition_becomes_python(juel: str, python: str) -> None:
    assert juel_to_python(juel) == python


@pytest.mark.parametrize(
    "juel",
    ['${execution.getVariable("a")}', "${empty list}", "#{a}", "${a ? b : c}", "${a.b > 1}"],
)
def test_juel_beyond_comparisons_is_not_translated(juel: str) -> None:
    assert juel_to_python(juel) is None


def test_candidate_group_form_key_and_due_date_become_task_properties() -> None:
    root = tree(
        '<bpmn:userTask id="t" camunda:candidateGroups="bauamt" camunda:assignee="anna" '
        'camunda:formKey="camunda-forms:deployment:forms/a.json" camunda:dueDate="P3D"/>'
    )
    assert translate("p.bpmn", root) == []
    assert properties(root) == {
        "orgUnit": "bauamt",
        "formJsonSchemaFilename": "forms/a.json",
        "assignee": "anna",
        "dueDate": "P3D",
    }


def test_several_candidate_groups_and_an_unreadable_due_date_are_refused() -> None:
    root = tree(
        '<bpmn:userTask id="t" camunda:candidateGroups="a, b"/>'
        '<bpmn:userTask id="u" camunda:dueDate="next monday"/>'
    )
    assert [(r.element_id, r.line) for r in translate("p.bpmn", root)] == [("t", 1), ("u", 1)]


def test_an_external_task_calls_the_operator_its_topic_names_else_the_outbox() -> None:
    root = tree(
        '<bpmn:serviceTask id="s" camunda:type="external" camunda:topic="case.set_status"/>'
        '<bpmn:serviceTask id="o" camunda:type="external" camunda:topic="aktenablage"/>'
    )
    assert translate("p.bpmn", root, operators={"case.set_status"}) == []
    operators = {
        task.get("id"): task.find(f".//{{{SPIFF}}}serviceTaskOperator").get("id")
        for task in root.iter("{*}serviceTask")
    }
    assert operators == {"s": "case.set_status", "o": "outbox.send"}
    [kind] = root.iter(f"{{{SPIFF}}}parameter")
    assert (kind.get("id"), kind.get("value")) == ("kind", "'aktenablage'")


def test_a_topic_that_is_no_operator_nor_registered_kind_is_refused() -> None:
    root = tree('<bpmn:serviceTask id="o" camunda:type="external" camunda:topic="ablage"/>')

    [refusal] = translate("p.bpmn", root, operators={"case.set_status"}, kinds={"dms.store"})

    assert (refusal.element_id, refusal.line) == ("o", 1)
    assert refusal.reason.startswith("Unbekanntes Thema 'ablage'")
    assert "case.set_status, dms.store" in refusal.reason
    assert root.find(f".//{{{SPIFF}}}serviceTaskOperator") is None


def test_a_spiffworkflow_property_of_the_model_wins_over_the_camunda_attribute() -> None:
    root = tree(
        '<bpmn:userTask id="t" camunda:candidateGroups="bauamt"><bpmn:extensionElements>'
        f'<spiffworkflow:properties xmlns:spiffworkflow="{SPIFF}">'
        '<spiffworkflow:property name="orgUnit" value="kaemmerei"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
    )
    translate("p.bpmn", root)
    assert properties(root) == {"orgUnit": "kaemmerei"}


def test_a_decision_ref_names_the_dmn_decision_and_a_result_variable_is_refused() -> None:
    root = tree(
        '<bpmn:businessRuleTask id="b" camunda:decisionRef="gebuehr"/>'
        '<bpmn:businessRuleTask id="r" camunda:decisionRef="g" camunda:resultVariable="x"/>'
    )
    assert [r.element_id for r in translate("p.bpmn", root)] == ["r"]
    [called] = root.iter(f"{{{SPIFF}}}calledDecisionId")
    assert called.text == "gebuehr"


def test_listeners_and_io_mappings_are_refused_and_properties_kept() -> None:
    root = tree(
        '<bpmn:userTask id="t"><bpmn:extensionElements><camunda:taskListener event="create" '
        'class="x.Y"/><camunda:properties><camunda:property name="orgUnit" value="bauamt"/>'
        "</camunda:properties></bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:task id="io"><bpmn:extensionElements><camunda:inputOutput/>'
        "</bpmn:extensionElements></bpmn:task>"
    )
    reasons = {r.element_id: r.reason for r in translate("p.bpmn", root)}
    assert set(reasons) == {"t", "io"}
    assert "taskListener" in reasons["t"]
    assert properties(root) == {"orgUnit": "bauamt"}


CAMUNDA_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn" name="Gebühr"
  namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="gebuehr" name="Gebühr">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in" label="Betrag"><inputExpression id="ie" typeRef="number">
        <text>betrag</text></inputExpression></input>
      <output id="out" name="gebuehr" typeRef="number" />
      <rule id="r1"><inputEntry id="e1"><text>&gt; 100</text></inputEntry>
        <outputEntry id="o1"><text>20</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="e2"><text>-</text></inputEntry>
        <outputEntry id="o2"><text>5</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


@pytest.mark.parametrize(("betrag", "gebuehr"), [(250, 20), (50, 5)])
def test_a_camunda_decision_ref_runs_a_camunda_modeler_dmn(betrag: int, gebuehr: int) -> None:
    from egov.workflow.engine import Engine, compile_bundle

    bpmn = (
        HEAD + '<bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:businessRuleTask id="b" camunda:decisionRef="gebuehr">'
        "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>"
        "</bpmn:businessRuleTask>"
        '<bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="b"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="b" targetRef="e"/>' + TAIL
    )
    compiled = compile_bundle({"p.bpmn": bpmn.encode(), "gebuehr.dmn": CAMUNDA_DMN.encode()})
    instance = Engine.start(compiled, {"betrag": betrag})
    instance.advance(lambda operator, params, data: None)
    assert instance.completed
    assert instance.data["gebuehr"] == gebuehr


def test_a_timer_naming_a_variable_in_juel_reads_the_variable() -> None:
    root = tree(
        '<bpmn:intermediateCatchEvent id="warten"><bpmn:timerEventDefinition id="td">'
        "<bpmn:timeDuration>${frist}</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )
    assert translate("p.bpmn", root) == []
    [duration] = root.iter("{*}timeDuration")
    assert duration.text == "frist"


def test_a_condition_in_another_language_is_refused_naming_its_flow() -> None:
    root = tree(
        '<bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b"><bpmn:conditionExpression '
        'language="javascript">amount &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>'
    )
    [refusal] = translate("p.bpmn", root)
    assert refusal.element_id == "f" and "javascript" in refusal.reason


def test_candidate_users_are_refused_naming_the_task() -> None:
    root = tree('<bpmn:userTask id="t" camunda:candidateUsers="dev:anna,dev:ben"/>')

    [refusal] = translate("p.bpmn", root)

    assert refusal.element_id == "t"
    assert "camunda:candidateUsers" in refusal.reason and "camunda:assignee" in refusal.reason
