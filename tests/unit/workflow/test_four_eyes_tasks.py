"""Which user tasks of a deployed version demand four eyes (egov.workflow.task_four_eyes):
marked in the BPMN, listed in procedure.json, with the names the admin pages show."""

from __future__ import annotations

import json

from egov.workflow.task_four_eyes import four_eyes_tasks

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="urn:test">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:userTask id="pruefen" name="Prüfen">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="fourEyes" value="true"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="entscheiden" name="Entscheiden"/>
    <bpmn:userTask id="ablegen" name="Ablegen"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_marked_and_listed_tasks_demand_four_eyes_by_name() -> None:
    files = {"p.bpmn": MODEL, "procedure.json": json.dumps({"four_eyes_tasks": ["entscheiden"]})}

    assert four_eyes_tasks(files) == {"entscheiden": "Entscheiden", "pruefen": "Prüfen"}


def test_a_version_without_marks_or_list_has_none() -> None:
    unmarked = MODEL.replace('value="true"', 'value="false"')

    assert four_eyes_tasks({"p.bpmn": unmarked}) == {}
    assert four_eyes_tasks({"p.bpmn": unmarked, "procedure.json": "kein JSON"}) == {}
