"""Small builders for test input (fictional people and proposals only)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "schemas" / "xfall" / "examples"


def example(name: str, kind: str = "valid") -> bytes:
    return (EXAMPLES / kind / name).read_bytes()


def proposal(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Fahrradbügel am Holzmarkt",
        "description": "Zehn Fahrradbügel vor der Stadtbibliothek.",
        "location": "Holzmarkt, Jena-Zentrum",
        "category": "verkehr",
        "estimated_cost_eur": 3200.0,
        "follow_up_cost_eur": 500.0,
        "public_space": True,
        "other_funding_available": False,
    }
    data.update(overrides)
    return {"procedure": "buergerbudget", "data": data}


def linear_bundle(
    process_id: str,
    *,
    script: str | None = None,
    operator: str | None = None,
    procedure_key: str | None = None,
    leika_digits: str = "99000000000001",
) -> dict[str, str]:
    """A bundle: start -> [script] -> [service operator] -> user task (lane buero-buergerbudget)
    -> end, registered as a procedure that takes Bürgerbudget Fachdaten."""
    steps = []
    if script is not None:
        steps.append(
            '<bpmn:scriptTask id="script">'
            f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>"
        )
    if operator is not None:
        steps.append(
            '<bpmn:serviceTask id="service"><bpmn:extensionElements>'
            f'<spiffworkflow:serviceTaskOperator id="{operator}" resultVariable="r">'
            "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements>"
            "</bpmn:serviceTask>"
        )
    steps.append('<bpmn:userTask id="check" name="Prüfen"/>')
    ids = ["start", *[s.split('id="')[1].split('"')[0] for s in steps], "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(itertools.pairwise(ids))
    )
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://egov.example/bpmn">
  <bpmn:collaboration id="c">
    <bpmn:participant id="p" processRef="{process_id}"/>
  </bpmn:collaboration>
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="buero-buergerbudget">
      {"".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)}
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>{"".join(steps)}<bpmn:endEvent id="end"/>{flows}
  </bpmn:process>
</bpmn:definitions>"""
    key = procedure_key or process_id
    procedure = json.dumps(
        {
            "key": key,
            "leika_key": f"urn:de:fim:leika:leistung:{leika_digits}",
            "name": f"Testverfahren {key}",
            "org_unit": "buero-buergerbudget",
            "required_vertrauensniveau": "low",
            "processing_days": 10,
            "fachdaten_namespace": "urn:egov-oss:fachdaten:buergerbudget:1.0",
        }
    )
    return {f"{process_id}.bpmn": bpmn, "procedure.json": procedure}


def _procedure(key: str, leika_digits: str) -> str:
    return json.dumps(
        {
            "key": key,
            "leika_key": f"urn:de:fim:leika:leistung:{leika_digits}",
            "name": f"Testverfahren {key}",
            "org_unit": "buero-buergerbudget",
            "required_vertrauensniveau": "low",
            "processing_days": 10,
            "fachdaten_namespace": "urn:egov-oss:fachdaten:buergerbudget:1.0",
        }
    )


DMN_FILE = "decision.dmn"


def decision_dmn(input_text: str, entry_text: str, output_text: str) -> str:
    """Decision `decision` (UNIQUE): input `input_amount`, rule `rule_big` with input entry
    `entry_big` and output entry `output_big`, then a catch-all rule `rule_other`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn_definitions"
  name="Test" namespace="http://egov.example/dmn">
  <decision id="decision" name="Testentscheidung">
    <decisionTable id="table" hitPolicy="UNIQUE">
      <input id="input_amount" label="Betrag">
        <inputExpression id="input_expression" typeRef="number">
          <text>{escape(input_text)}</text>
        </inputExpression>
      </input>
      <output id="output_size" label="Größe" name="size" typeRef="string" />
      <rule id="rule_big">
        <inputEntry id="entry_big">
          <text>{escape(entry_text)}</text>
        </inputEntry>
        <outputEntry id="output_big">
          <text>{escape(output_text)}</text>
        </outputEntry>
      </rule>
      <rule id="rule_other">
        <inputEntry id="entry_other"><text>-</text></inputEntry>
        <outputEntry id="output_other"><text>"klein"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>"""


def expression_bundle(
    process_id: str,
    *,
    script: str = "note = 'ok'",
    condition: str = "size == 'gross'",
    parameter: str | None = None,
    timer: str | None = None,
    dmn_input: str = "amount",
    dmn_entry: str = "> 100",
    dmn_output: str = '"gross"',
    leika_digits: str = "99000000000001",
) -> dict[str, str]:
    """A bundle with Python in every place SpiffWorkflow evaluates it: start -> script task
    `script` -> business rule task `decide` (decision.dmn) -> gateway `gateway` (flow
    `flow_condition` with the condition, default flow `flow_default`) -> [service task
    `service` with parameter `status`] -> user task `check` [with boundary timer `timer`]."""
    service = ""
    after_gateway = "check"
    if parameter is not None:
        service = (
            '<bpmn:serviceTask id="service"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="case.set_status" resultVariable="r">'
            "<spiffworkflow:parameters>"
            f'<spiffworkflow:parameter id="status" type="str" value={quoteattr(parameter)}/>'
            "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
            "</bpmn:extensionElements></bpmn:serviceTask>"
            '<bpmn:sequenceFlow id="flow_service" sourceRef="service" targetRef="check"/>'
        )
        after_gateway = "service"
    boundary = ""
    if timer is not None:
        boundary = (
            '<bpmn:boundaryEvent id="timer" attachedToRef="check" cancelActivity="false">'
            "<bpmn:timerEventDefinition>"
            f"<bpmn:timeDuration>{escape(timer)}</bpmn:timeDuration>"
            "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
            '<bpmn:endEvent id="timer_end"/>'
            '<bpmn:sequenceFlow id="flow_timer" sourceRef="timer" targetRef="timer_end"/>'
        )
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://egov.example/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="buero-buergerbudget"/></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="script">
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:businessRuleTask id="decide"><bpmn:extensionElements>
      <spiffworkflow:calledDecisionId>decision</spiffworkflow:calledDecisionId>
    </bpmn:extensionElements></bpmn:businessRuleTask>
    <bpmn:exclusiveGateway id="gateway" default="flow_default"/>
    <bpmn:userTask id="check" name="Prüfen"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="script"/>
    <bpmn:sequenceFlow id="flow_script" sourceRef="script" targetRef="decide"/>
    <bpmn:sequenceFlow id="flow_decided" sourceRef="decide" targetRef="gateway"/>
    <bpmn:sequenceFlow id="flow_condition" sourceRef="gateway" targetRef="{after_gateway}">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="flow_default" sourceRef="gateway" targetRef="{after_gateway}"/>
    <bpmn:sequenceFlow id="flow_end" sourceRef="check" targetRef="end"/>
    {service}{boundary}
  </bpmn:process>
</bpmn:definitions>"""
    return {
        f"{process_id}.bpmn": bpmn,
        DMN_FILE: decision_dmn(dmn_input, dmn_entry, dmn_output),
        "procedure.json": _procedure(process_id, leika_digits),
    }


def as_bytes(bundle: dict[str, str]) -> dict[str, bytes]:
    return {name: text.encode() for name, text in bundle.items()}
