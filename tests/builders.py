"""Small builders for test input (fictional people and proposals only)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

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
            f'<bpmn:scriptTask id="script"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
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
