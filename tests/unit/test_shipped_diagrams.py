"""Every shipped BPMN model with a diagram (BPMN DI) draws each of its flow elements: the
workspace shows it with bpmn-js (egov/ui/static/ui/diagram.js), which refuses a flow whose
ends were never drawn and cannot mark a step without a shape. (A model without any diagram
is shown as the list of its current steps alone.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
MODELS = sorted(p for p in (ROOT / "bpmn").glob("*/*.bpmn") if "BPMNDiagram" in p.read_text())
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
NOT_DRAWN = {"laneSet", "extensionElements", "documentation", "ioSpecification", "dataObject"}


def undrawn(path: Path) -> list[str]:
    tree = etree.parse(str(path))
    drawn = {
        element.get("bpmnElement")
        for kind in ("BPMNShape", "BPMNEdge")
        for element in tree.iter(f"{{{DI}}}{kind}")
    }
    missing = []
    for process in tree.iter(f"{{{BPMN}}}process", f"{{{BPMN}}}subProcess"):
        for element in process:
            kind = etree.QName(element).localname
            if kind in NOT_DRAWN or element.get("id") is None:
                continue
            if element.get("id") not in drawn:
                missing.append(f"{kind} {element.get('id')}")
    return missing


@pytest.mark.parametrize("path", MODELS, ids=[p.parent.name for p in MODELS])
def test_every_flow_element_of_a_shipped_model_is_drawn(path: Path) -> None:
    assert undrawn(path) == []
