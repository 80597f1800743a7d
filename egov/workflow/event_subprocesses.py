"""Event subprocesses become boundary events of their scope's content (ADR 0025).

SpiffWorkflow 3.2.0 runs event subprocesses wrong: a message, signal, error, escalation or
conditional start is wired into the spec at run time (egov reloads the spec as deployed, so
the next step failed), nothing cancels the scope when an interrupting one starts, a timer
start keeps the process from ending, and event subprocesses of an embedded subprocess are
never triggered. The construct BPMN 2.0 defines is equivalent to one SpiffWorkflow runs
correctly: the scope's content as an embedded subprocess with one boundary event per event
subprocess, of the same trigger; interrupting (``cancelActivity="true"``) or not, followed by
the event subprocess's activities and an end event. So, before the parser reads a file:

* the scope (process, subprocess or transaction) keeps its start event; everything else but
  its lanes, data objects and event subprocesses moves into the subprocess
  ``egov_scope_<scope id>``, which starts with a new none start event;
* each event subprocess's start event becomes a boundary event of that subprocess, with the
  start event's id, trigger and ``isInterrupting`` (as ``cancelActivity``); the event
  subprocess itself becomes an embedded subprocess (its start a none start event) after it;
* with interrupting and non-interrupting event subprocesses in one scope, the content and the
  non-interrupting ones (with their boundary events) are wrapped once more
  (``egov_scope_<scope id>_all``) and the interrupting ones attached to that: they end the
  running non-interrupting ones too, and are caught while those still run.

What follows (:mod:`egov.workflow.spiff_fixes`): a boundary event of the scope gives its
event subprocess the scope's current data; a non-interrupting one waits again after it fired
(a second message starts the event subprocess again); a conditional one fires when its
condition becomes true after any step. The scope stays active while a non-interrupting
instance runs, and what the instance changed is written into the scope
(:mod:`egov.workflow.event_scopes`). Refused, with the element named: an event subprocess
without exactly one start event with one trigger of these kinds, a non-interrupting error
start, an interrupting cycle timer, a scope with other than one start event or with a
terminate end event (it would end only the content, not the scope), an event subprocess in an
ad-hoc subprocess.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
Problem = tuple[Any, str]  # the element refused and why (German)

SCOPE_PREFIX = "egov_scope_"


def tag(name: str) -> str:
    return f"{{{BPMN}}}{name}"


def local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


TRIGGERS = {
    "messageEventDefinition",
    "timerEventDefinition",
    "signalEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "conditionalEventDefinition",
}
STAYS = {
    "laneSet",
    "ioSpecification",
    "dataObject",
    "property",
    "documentation",
    "extensionElements",
    "incoming",
    "outgoing",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
    "completionCondition",
}


def is_event_subprocess(element: Any) -> bool:
    return local(element) == "subProcess" and element.get("triggeredByEvent") == "true"


def rewrite_event_subprocesses(root: Any) -> list[Problem]:
    """Rewrites every scope with event subprocesses of the tree (see the module); the
    elements refused, with their reasons, where a scope is left as it is."""
    kinds = {tag(k) for k in ("process", "subProcess", "transaction")}
    scopes = [e for e in root.iter() if isinstance(e.tag, str) and e.tag in kinds]
    problems: list[Problem] = []
    for scope in scopes:
        handlers = [child for child in scope if is_event_subprocess(child)]
        if not handlers:
            continue
        found = _scope_problems(scope) + [p for h in handlers for p in _handler_problems(h)]
        if found:
            problems += found
        else:
            _wrap(scope, handlers)
    for handler in root.iter(tag("subProcess")):
        if is_event_subprocess(handler) and handler.getparent().tag not in kinds:
            reason = "Ein Ereignis-Teilprozess ist nur in einem Prozess oder Teilprozess möglich."
            problems.append((handler, reason))
    return problems


def _scope_problems(scope: Any) -> list[Problem]:
    starts = scope.findall(tag("startEvent"))
    problems = []
    if len(starts) != 1 or any(local(c).endswith("EventDefinition") for c in starts[0]):
        reason = (
            "Ein Prozess oder Teilprozess mit Ereignis-Teilprozess braucht genau ein "
            "Startereignis ohne Auslöser."
        )
        problems.append((scope, reason))
    for end in scope.findall(tag("endEvent")):
        if end.find(tag("terminateEventDefinition")) is not None:
            reason = (
                "Ein Terminierungs-Endereignis neben einem Ereignis-Teilprozess wird nicht "
                "unterstützt (es beendete nur den Ablauf, nicht den Ereignis-Teilprozess)."
            )
            problems.append((end, reason))
    return problems


def _handler_problems(handler: Any) -> list[Problem]:
    starts = handler.findall(tag("startEvent"))
    triggers = [c for c in starts[0] if local(c).endswith("EventDefinition")] if starts else []
    if len(starts) != 1 or len(triggers) != 1 or local(triggers[0]) not in TRIGGERS:
        reason = (
            "Ein Ereignis-Teilprozess braucht genau ein Startereignis mit einem Auslöser "
            "(Nachricht, Timer, Signal, Fehler, Eskalation oder Bedingung)."
        )
        return [(handler, reason)]
    start, trigger = starts[0], triggers[0]
    interrupting = start.get("isInterrupting") != "false"
    if local(trigger) == "errorEventDefinition" and not interrupting:
        reason = (
            'Ein Fehler-Startereignis unterbricht immer (isInterrupting="false" ist unzulässig).'
        )
        return [(start, reason)]
    if trigger.find(tag("timeCycle")) is not None and interrupting:
        reason = "Ein Zyklus-Timer startet nur einen nicht unterbrechenden Ereignis-Teilprozess."
        return [(start, reason)]
    return []


def _element(parent: Any, kind: str, **attributes: str) -> Any:
    return etree.SubElement(parent, tag(kind), attrib=attributes)


def _flow(scope: Any, flow_id: str, source: str, target: str) -> None:
    _element(scope, "sequenceFlow", id=flow_id, sourceRef=source, targetRef=target)


def _interrupts(handler: Any) -> bool:
    start = handler.find(tag("startEvent"))
    return start is None or start.get("isInterrupting") != "false"


def _wrap(scope: Any, handlers: list[Any]) -> None:
    """Content, boundary events and handlers; with both kinds of handlers the content and
    the non-interrupting ones are wrapped once more, so that an interrupting one ends both."""
    [start] = scope.findall(tag("startEvent"))
    content = _content(scope, start, handlers)
    alongside = [h for h in handlers if not _interrupts(h)]
    interrupting = [h for h in handlers if _interrupts(h)]
    outer = content
    if alongside and interrupting:
        outer = etree.Element(tag("subProcess"), id=f"{content.get('id')}_all")
        outer_start = _element(outer, "startEvent", id=f"{outer.get('id')}_start")
        _chain(outer, str(outer_start.get("id")), content)
        for handler in alongside:
            outer.append(handler)
            _attach(outer, str(content.get("id")), handler)
        handlers = interrupting
    _chain(scope, str(start.get("id")), outer)
    for handler in handlers:
        _attach(scope, str(outer.get("id")), handler)


def _content(scope: Any, start: Any, handlers: list[Any]) -> Any:
    """The subprocess holding what the scope holds but its start, lanes, data objects and
    handlers (not yet placed); it starts with a none start event."""
    content_id = f"{SCOPE_PREFIX}{scope.get('id')}"
    content = etree.Element(tag("subProcess"), id=content_id)
    inner_start = _element(content, "startEvent", id=f"{content_id}_start")
    for child in list(scope):
        if not isinstance(child.tag, str) or child.tag.split("}")[0] != f"{{{BPMN}":
            continue
        if child is start or child in handlers or local(child) in STAYS:
            continue
        content.append(child)
    for flow in content.findall(tag("sequenceFlow")):
        if flow.get("sourceRef") == start.get("id"):
            flow.set("sourceRef", str(inner_start.get("id")))
    for old in start.findall(tag("outgoing")):
        start.remove(old)
    return content


def _chain(parent: Any, source_id: str, activity: Any) -> None:
    """`activity` placed in `parent` after `source_id`, followed by a new end event."""
    activity_id = str(activity.get("id"))
    parent.append(activity)
    end_id = f"{activity_id}_end"
    _element(parent, "endEvent", id=end_id)
    _flow(parent, f"{activity_id}_in", source_id, activity_id)
    _flow(parent, f"{activity_id}_out", activity_id, end_id)


def _attach(scope: Any, content_id: str, handler: Any) -> None:
    """The handler's start event becomes a boundary event of the content, the handler an
    embedded subprocess after it; an end event follows an interrupting one (the scope ends
    with it), none a non-interrupting one (its data reaches the scope through
    :mod:`egov.workflow.event_scopes`, not along its path)."""
    handler_id = str(handler.get("id"))
    start = handler.find(tag("startEvent"))
    start_id = str(start.get("id"))
    interrupting = start.get("isInterrupting") != "false"
    boundary = _element(
        scope,
        "boundaryEvent",
        id=start_id,
        attachedToRef=content_id,
        cancelActivity="true" if interrupting else "false",
    )
    if start.get("name"):
        boundary.set("name", str(start.get("name")))
    for child in list(start):
        if local(child) not in ("incoming", "outgoing"):
            boundary.append(child)
    inner_id = f"{start_id}_{SCOPE_PREFIX}start"
    start.set("id", inner_id)
    start.attrib.pop("isInterrupting", None)
    for flow in handler.findall(tag("sequenceFlow")):
        if flow.get("sourceRef") == start_id:
            flow.set("sourceRef", inner_id)
    del handler.attrib["triggeredByEvent"]
    _flow(scope, f"{handler_id}_{SCOPE_PREFIX}in", start_id, handler_id)
    if interrupting:  # the scope goes on after it; a non-interrupting one's data is shared
        end_id = f"{handler_id}_{SCOPE_PREFIX}end"
        _element(scope, "endEvent", id=end_id)
        _flow(scope, f"{handler_id}_{SCOPE_PREFIX}out", handler_id, end_id)


__all__ = ["SCOPE_PREFIX", "is_event_subprocess", "rewrite_event_subprocesses"]
