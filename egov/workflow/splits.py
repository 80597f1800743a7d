"""Activities with several outgoing sequence flows, as BPMN 2.0 allows them (most modelers
draw them), rewritten into the explicit gateway SpiffWorkflow needs (it refuses them).

BPMN 2.0 (10.3.1): unconditional flows out of an activity are a parallel split; conditional
flows (with or without a ``default``) an inclusive one. :func:`split_activities` inserts that
gateway after the activity in the parsed tree (part of :func:`egov.workflow.constructs.prepare`;
the stored file and its diagram stay as deployed). Flows of which only some carry a condition
(and are not the default) stay as drawn: SpiffWorkflow refuses them, naming the activity.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPLIT_PREFIX = "egov_split_"
ACTIVITIES = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "callActivity",
}


def _q(local: str) -> str:
    return f"{{{BPMN}}}{local}"


def split_activities(scope: Any) -> None:
    """Rewrites one process level (its direct children) in place, see the module."""
    nodes = {e.get("id"): e for e in scope if isinstance(e.tag, str) and e.get("id")}
    outgoing: dict[str, list[Any]] = defaultdict(list)
    for flow in scope.findall(_q("sequenceFlow")):
        outgoing[str(flow.get("sourceRef"))].append(flow)
    for source_id, flows in outgoing.items():
        source = nodes.get(source_id)
        if source is None or len(flows) < 2 or etree.QName(source).localname not in ACTIVITIES:
            continue
        default = source.get("default")
        conditional = [f for f in flows if f.find(_q("conditionExpression")) is not None]
        others = [f for f in flows if f not in conditional and f.get("id") != default]
        if conditional and others:
            continue  # mixed: refused by SpiffWorkflow, naming the activity
        kind = "inclusiveGateway" if conditional else "parallelGateway"
        _insert(scope, source, flows, kind, default)


def _insert(scope: Any, source: Any, flows: list[Any], kind: str, default: str | None) -> None:
    source_id = str(source.get("id"))
    gateway = etree.SubElement(scope, _q(kind), id=f"{SPLIT_PREFIX}{source_id}")
    link = etree.SubElement(
        scope,
        _q("sequenceFlow"),
        id=f"{SPLIT_PREFIX}flow_{source_id}",
        sourceRef=source_id,
        targetRef=str(gateway.get("id")),
    )
    if default:
        gateway.set("default", default)
        del source.attrib["default"]
    for outgoing in source.findall(_q("outgoing")):
        source.remove(outgoing)
    etree.SubElement(source, _q("outgoing")).text = link.get("id")
    etree.SubElement(gateway, _q("incoming")).text = link.get("id")
    for flow in flows:
        flow.set("sourceRef", str(gateway.get("id")))
        etree.SubElement(gateway, _q("outgoing")).text = flow.get("id")
