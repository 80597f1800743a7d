"""What egov does with each BPMN construct before SpiffWorkflow sees it: run, rewrite or refuse.

One place for the constructs SpiffWorkflow 3.2.0 would deploy and then run wrong
(``docs/modeling.md``, "Laufzeitverhalten der BPMN-Elemente"). :func:`prepare` works on the
parsed XML tree of one BPMN file, before it is handed to SpiffWorkflow's parser; the stored
files stay byte for byte as deployed, only the tree the parser reads changes:

* **Link events** (SpiffWorkflow does not know them: a throw ended its path silently) become a
  sequence flow from the throw event to the catch event of the same name in the same process
  or subprocess; a throw without its catch, a catch without a throw, a name caught twice or a
  throw with outgoing flows is refused.
* **ISO 8601 timers** as Camunda Modeler writes them (``PT5M``, ``2026-11-24T09:00:00``,
  ``R6/P1D``, ``R/PT1H``) become string literals; a quoted string or another expression stays
  an expression of the script engine, as before.
* **Ad-hoc subprocesses** without a completion condition complete when every activity in them
  has completed (SpiffWorkflow evaluated the missing condition and failed).
* **Activities with several outgoing flows** get the explicit parallel or inclusive gateway
  BPMN implies (:mod:`egov.workflow.splits`).
* **Event subprocesses** become boundary events of their scope's content, made an embedded
  subprocess (:mod:`egov.workflow.event_subprocesses`, ADR 0025); conditional events run as
  they are, re-evaluated after every step (:mod:`egov.workflow.spiff_fixes`).
* **Refused** (the element named, with file and line): compensation, an event-based gateway
  with more than one timer, a conditional event after an event-based gateway, a cycle timer
  that is not a boundary event or the start of a non-interrupting event subprocess (a start
  event of a case's process only delays it, `egov.workflow.timers`), event subprocesses egov
  cannot rewrite (:mod:`egov.workflow.event_subprocesses`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from egov.workflow.event_subprocesses import is_event_subprocess, rewrite_event_subprocesses
from egov.workflow.splits import split_activities

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
LINK_FLOW_PREFIX = "egov_link_"
TIMER_TEXTS = ("timeDuration", "timeDate", "timeCycle")

_DURATION = r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?"
_DATE = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
_PART = f"(?:{_DURATION}|{_DATE})"
ISO_TIMER = {
    "timeDuration": re.compile(f"{_DURATION}$"),
    "timeDate": re.compile(f"{_DATE}$"),
    "timeCycle": re.compile(f"R\\d*/{_PART}(/{_PART})?$"),
}


@dataclass(frozen=True)
class Refusal:
    """One construct egov does not run: where it is and why (German)."""

    file: str
    element_id: str
    line: int | None
    reason: str

    def as_param(self) -> dict[str, Any]:
        return {"name": f"{self.file}#{self.element_id}", "reason": self.reason, "line": self.line}


def _tag(local: str) -> str:
    return f"{{{BPMN}}}{local}"


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def timer_expression(kind: str, text: str) -> str:
    """The expression SpiffWorkflow evaluates for a timer's text: an ISO 8601 literal as
    Camunda Modeler writes it becomes a Python string literal, anything else stays."""
    stripped = text.strip()
    pattern = ISO_TIMER.get(kind)
    if pattern is not None and pattern.match(stripped.upper()):
        return repr(stripped)
    return text


def prepare(name: str, root: Any) -> list[Refusal]:
    """Rewrites the tree of one BPMN file in place (see the module) and returns the refusals."""
    refusals = _refusals(name, root)
    _quote_timers(root)
    _complete_ad_hoc(root)
    for scope in _scopes(root):
        refusals += _link(name, scope)
    refusals += [refuse(name, e, reason) for e, reason in rewrite_event_subprocesses(root)]
    for scope in _scopes(root):
        split_activities(scope)
    return refusals


def _scopes(root: Any) -> list[Any]:
    """Process levels: every process, subprocess, transaction and ad-hoc subprocess."""
    kinds = {_tag(k) for k in ("process", "subProcess", "transaction", "adHocSubProcess")}
    return [e for e in root.iter() if isinstance(e.tag, str) and e.tag in kinds]


def refuse(name: str, element: Any, reason: str) -> Refusal:
    """The refusal of `element` of file `name`, at its id and line."""
    return Refusal(name, element.get("id") or "?", element.sourceline, reason)


def _event_of(definition: Any) -> Any:
    parent = definition.getparent()
    return parent if parent is not None else definition


def _refusals(name: str, root: Any) -> list[Refusal]:
    refusals = []
    for element in root.iter():
        local = _local(element)
        if local == "compensateEventDefinition" or element.get("isForCompensation") == "true":
            holder = _event_of(element) if local == "compensateEventDefinition" else element
            refusals.append(refuse(name, holder, "Kompensation wird nicht unterstützt."))
        elif local == "eventBasedGateway":
            refusals += _gateway_timers(name, root, element)
        elif local == "timeCycle":
            refusals += _cycle_place(name, element)
    return refusals


def _gateway_timers(name: str, root: Any, gateway: Any) -> list[Refusal]:
    targets = {
        flow.get("targetRef")
        for flow in root.iter(_tag("sequenceFlow"))
        if flow.get("sourceRef") == gateway.get("id")
    }
    events = [e for e in root.iter(_tag("intermediateCatchEvent")) if e.get("id") in targets]
    refusals = []
    if len([e for e in events if e.find(_tag("timerEventDefinition")) is not None]) > 1:
        reason = "Ein ereignisbasiertes Gateway darf höchstens auf einen Timer warten."
        refusals.append(refuse(name, gateway, reason))
    for event in events:
        if event.find(_tag("conditionalEventDefinition")) is not None:
            reason = "Ein bedingtes Ereignis hinter einem ereignisbasierten Gateway wird nicht "
            reason += "unterstützt."
            refusals.append(refuse(name, event, reason))
    return refusals


def _cycle_place(name: str, cycle: Any) -> list[Refusal]:
    event = cycle.getparent().getparent() if cycle.getparent() is not None else None
    if event is None or _local(event) == "boundaryEvent":
        return []
    if _local(event) == "startEvent" and is_event_subprocess(event.getparent()):
        return []  # egov.workflow.event_subprocesses: a boundary event, if not interrupting
    reason = "Ein Zyklus-Timer (timeCycle) ist nur als Randereignis möglich."
    return [refuse(name, event, reason)]


def _quote_timers(root: Any) -> None:
    for kind in TIMER_TEXTS:
        for element in root.iter(_tag(kind)):
            if element.text:
                element.text = timer_expression(kind, element.text)


def _complete_ad_hoc(root: Any) -> None:
    """Without a completion condition the ad-hoc subprocess ends when all its activities
    did: SpiffWorkflow ends it at its end join; the condition must only never hold.
    """
    for subprocess in root.iter(_tag("adHocSubProcess")):
        if subprocess.find(_tag("completionCondition")) is None:
            condition = etree.SubElement(subprocess, _tag("completionCondition"))
            condition.text = "False"


def _link_name(event: Any) -> str | None:
    definition = event.find(_tag("linkEventDefinition"))
    if definition is None:
        return None
    return str(definition.get("name") or event.get("name") or "")


def _link(name: str, scope: Any) -> list[Refusal]:
    """Link events of one process level become sequence flows (throw -> catch)."""
    throws = [e for e in scope.findall(_tag("intermediateThrowEvent")) if _link_name(e) is not None]
    catches = [
        e for e in scope.findall(_tag("intermediateCatchEvent")) if _link_name(e) is not None
    ]
    if not throws and not catches:
        return []
    by_name: dict[str, list[Any]] = {}
    for catch in catches:
        by_name.setdefault(_link_name(catch) or "", []).append(catch)
    refusals = []
    for link, found in by_name.items():
        if len(found) > 1:
            reason = f"Der Link-Name '{link}' wird auf dieser Ebene mehrfach gefangen."
            refusals += [refuse(name, catch, reason) for catch in found]
    thrown = {_link_name(t) or "" for t in throws}
    for link, found in by_name.items():
        if link not in thrown:
            reason = f"Zum fangenden Link-Ereignis '{link}' gibt es auf dieser Ebene keinen Wurf."
            refusals += [refuse(name, catch, reason) for catch in found]
    outgoing = {f.get("sourceRef") for f in scope.findall(_tag("sequenceFlow"))}
    for throw in throws:
        link = _link_name(throw) or ""
        targets = by_name.get(link, [])
        if throw.get("id") in outgoing:
            reason = "Ein werfendes Link-Ereignis darf keinen ausgehenden Sequenzfluss haben."
            refusals.append(refuse(name, throw, reason))
        elif len(targets) != 1:
            if not targets:
                reason = f"Zum Link-Ereignis '{link}' fehlt auf dieser Ebene das fangende Ereignis."
                refusals.append(refuse(name, throw, reason))
        else:
            _connect(scope, throw, targets[0])
    for event in [*throws, *catches]:
        definition = event.find(_tag("linkEventDefinition"))
        if definition is not None:
            event.remove(definition)
    return refusals


def _connect(scope: Any, source: Any, target: Any) -> None:
    flow = etree.SubElement(scope, _tag("sequenceFlow"))
    flow.set("id", f"{LINK_FLOW_PREFIX}{source.get('id')}")
    flow.set("sourceRef", str(source.get("id")))
    flow.set("targetRef", str(target.get("id")))


__all__ = ["Refusal", "prepare", "refuse", "timer_expression"]
