"""Deploy-time checks of a bundle's models, every problem at once with file, element and line.

Run on the parsed trees (after :mod:`egov.workflow.camunda` rewrote them, before SpiffWorkflow's
parser reads them), so that a model SpiffWorkflow would refuse one error at a time, or deploy
and then strand, is refused with all its problems in one 422:

* service tasks without an operator, or with an operator egov does not know; an
  ``outbox.send`` whose literal ``kind`` is no registered delivery kind;
* data stores (egov has no data store implementations);
* business rule tasks whose decision is in no DMN file of the bundle;
* message events naming a message the file does not define;
* no executable process: the processes are named and ``isExecutable="true"`` is asked for.

:func:`org_unit_refs` lists the org units the models name (lanes with user tasks, ``orgUnit``
properties, Camunda candidate groups) for :mod:`egov.workflow.deploy` to look up in the
directory. :func:`spiff_refusal` translates SpiffWorkflow's ``ValidationException`` (it carries
file, element id and an English message) into a German refusal with the element's line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from string import Template
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from egov.workflow.constructs import BPMN, Refusal

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
# SpiffWorkflow's messages (start of the text) -> the German reason
SPIFF_REASONS = {
    "A Service Task must have an operator": "Service-Task ohne Operator.",
    "Exactly one start event is required": "Ein Teilprozess braucht genau ein Startereignis.",
    "Cannot resolve dataOutputAssociation": "Die Datenzuordnung (dataOutputAssociation) "
    "verweist auf kein Datenobjekt.",
    "Cannot resolve dataInputAssociation": "Die Datenzuordnung (dataInputAssociation) "
    "verweist auf kein Datenobjekt.",
    "Data Store with name": "Datenspeicher werden nicht ausgeführt.",
    "No start event found": "Der Prozess hat kein Startereignis.",
    "Non-default exclusive outgoing sequence flow without condition": "Ein ausgehender Fluss "
    "des exklusiven Gateways hat keine Bedingung und ist nicht der Standardfluss (default).",
    "Multiple outgoing flows are not supported": "Mehrere ausgehende Flüsse an diesem Element "
    "werden nicht unterstützt: ein Gateway verwenden.",
    "Time Specification Error": "Die Zeitangabe des Timers ist weder ISO 8601 noch ein Ausdruck.",
    'No "calledElement" attribute': "Die Aufrufaktivität nennt keinen Prozess (calledElement).",
}
JAVA_DELEGATES = ("class", "delegateExpression", "expression")  # refused by egov.workflow.camunda
LETTER_OPERATOR = "letters.create"  # registered by egov.postfach.letters
OUTBOX_OPERATOR = "outbox.send"  # built in, egov.workflow.operators
TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")  # as egov.postfach.letters checks it
GENERIC_REASON = "Dieses Element ist so nicht ausführbar (Prüfung des Prozessparsers)."


@dataclass(frozen=True)
class OrgUnitRef:
    """An org unit key a model names, and where."""

    key: str
    file: str
    element_id: str
    line: int | None

    def as_param(self) -> dict[str, Any]:
        reason = f"Organisationseinheit {self.key!r} ist im Verzeichnis unbekannt."
        return {"name": f"{self.file}#{self.element_id}", "reason": reason, "line": self.line}


@dataclass(frozen=True)
class Registered:
    """What this egov knows when a bundle is deployed (None: not checked): the service-task
    operators, the outbox's delivery kinds, the Fachdaten names of a namespace."""

    operators: Collection[str] | None = None
    kinds: Collection[str] | None = None
    fachdaten: Callable[[str], Collection[str]] | None = None


def _refuse(name: str, element: Any, reason: str) -> Refusal:
    return Refusal(name, element.get("id") or "?", element.sourceline, reason)


def _q(local: str, namespace: str = BPMN) -> str:
    return f"{{{namespace}}}{local}"


def model_problems(
    name: str,
    root: Any,
    decisions: Collection[str],
    operators: Collection[str] | None,
    kinds: Collection[str] | None = None,
) -> list[Refusal]:
    """The problems of one BPMN file (see the module); `operators`, `kinds` None: not
    checked."""
    problems: list[Refusal] = []
    for kind in ("serviceTask", "sendTask"):
        for task in root.iter(_q(kind)):
            problems += _operator(name, task, operators, required=kind == "serviceTask")
            problems += _delivery_kind(name, task, kinds)
    for kind in ("dataStoreReference", "dataStore"):
        for store in root.iter(_q(kind)):
            reason = "Datenspeicher (dataStore) werden nicht ausgeführt."
            problems.append(_refuse(name, store, reason))
    for task in root.iter(_q("businessRuleTask")):
        problems += _decision(name, task, decisions)
    messages = {m.get("id") for m in root.iter(_q("message"))}
    for definition in root.iter(_q("messageEventDefinition")):
        ref = (definition.get("messageRef") or "").rpartition(":")[2]  # QName: prefix dropped
        if ref and ref not in messages:
            holder = definition.getparent()
            reason = f"Die Nachricht {ref!r} ist in der Datei nicht definiert (bpmn:message)."
            problems.append(_refuse(name, holder if holder is not None else definition, reason))
    return problems


def _operator(
    name: str, task: Any, operators: Collection[str] | None, *, required: bool
) -> list[Refusal]:
    operator = task.find(f"{_q('extensionElements')}/{_q('serviceTaskOperator', SPIFF)}")
    if operator is None:
        external = task.get(_q("type", CAMUNDA)) == "external"
        if not required or external or any(task.get(_q(d, CAMUNDA)) for d in JAVA_DELEGATES):
            return []  # refused by egov.workflow.camunda: a delegate, a topic it cannot run
        reason = (
            "Service-Task ohne Operator: spiffworkflow:serviceTaskOperator oder "
            'camunda:type="external" mit camunda:topic angeben.'
        )
        return [_refuse(name, task, reason)]
    operator_id = operator.get("id") or ""
    if operators is not None and operator_id not in operators:
        known = ", ".join(sorted(operators))
        return [_refuse(name, task, f"Operator {operator_id!r} unbekannt (bekannt: {known}).")]
    return []


def _delivery_kind(name: str, task: Any, kinds: Collection[str] | None) -> list[Refusal]:
    """An `outbox.send` with a literal `kind` names a delivery kind the outbox knows."""
    operator = task.find(f"{_q('extensionElements')}/{_q('serviceTaskOperator', SPIFF)}")
    if kinds is None or operator is None or operator.get("id") != OUTBOX_OPERATOR:
        return []
    for parameter in operator.iter(_q("parameter", SPIFF)):
        if parameter.get("id") != "kind":
            continue
        try:
            kind = ast.literal_eval(parameter.get("value") or "")
        except (ValueError, SyntaxError):
            return []  # an expression: known only when the task runs
        if isinstance(kind, str) and kind not in kinds:
            known = ", ".join(sorted(kinds)) or "keine"
            reason = f"Unbekannte Zustellart {kind!r} für outbox.send (registriert: {known})."
            return [_refuse(name, task, reason)]
    return []


def _decision(name: str, task: Any, decisions: Collection[str]) -> list[Refusal]:
    called = task.find(f"{_q('extensionElements')}/{_q('calledDecisionId', SPIFF)}")
    ref = (called.text or "").strip() if called is not None else ""
    ref = ref or (task.get(_q("decisionRef", CAMUNDA)) or "").strip()
    if not ref:
        reason = "Geschäftsregel-Task ohne Entscheidung (spiffworkflow:calledDecisionId)."
        return [_refuse(name, task, reason)]
    if ref not in decisions:
        reason = f"Die Entscheidung {ref!r} ist in keiner DMN-Datei des Bündels."
        return [_refuse(name, task, reason)]
    return []


def letter_problems(name: str, root: Any, files: Collection[str], texts: Any) -> list[Refusal]:
    """Service tasks calling `letters.create` with a literal template: the template is in
    the bundle (`letters/<name>.txt`) and its placeholders are well formed. Which variables
    it names is not checked: the Fachdaten of an application are known only when it is filed.
    `texts(path)` answers a file's text."""
    problems: list[Refusal] = []
    for operator in root.iter(_q("serviceTaskOperator", SPIFF)):
        if operator.get("id") != LETTER_OPERATOR:
            continue
        task = operator.getparent().getparent()
        for parameter in operator.iter(_q("parameter", SPIFF)):
            if parameter.get("id") != "template":
                continue
            try:
                template = ast.literal_eval(parameter.get("value") or "")
            except (ValueError, SyntaxError):
                continue  # an expression: known only when the task runs
            path = f"letters/{template}.txt"
            if not isinstance(template, str) or not TEMPLATE_NAME.match(template):
                reason = f"Ungültiger Name der Briefvorlage {template!r} (a-z, 0-9, _)."
                problems.append(_refuse(name, task, reason))
            elif path not in files:
                problems.append(_refuse(name, task, f"Die Briefvorlage {path} fehlt im Bündel."))
            elif not Template(texts(path)).is_valid():
                reason = f"Die Briefvorlage {path} hat einen ungültigen Platzhalter ($ ohne Namen)."
                problems.append(_refuse(name, task, reason))
    return problems


def decision_ids(dmn_roots: list[Any]) -> set[str]:
    return {str(d.get("id")) for root in dmn_roots for d in root.iter("{*}decision")}


def no_executable(trees: dict[str, Any]) -> list[Refusal]:
    """Every process of the bundle, none executable: each named, asking for isExecutable."""
    reason = 'Der Prozess ist nicht ausführbar: isExecutable="true" fehlt.'
    return [
        _refuse(name, process, reason)
        for name, root in sorted(trees.items())
        for process in root.iter(_q("process"))
    ]


def org_unit_refs(trees: dict[str, Any]) -> list[OrgUnitRef]:
    """The org units named by user tasks: property orgUnit (Camunda candidate group
    included), else the lane holding the task."""
    refs: list[OrgUnitRef] = []
    for name, root in sorted(trees.items()):
        lanes = {
            (ref.text or "").strip(): lane
            for lane in root.iter(_q("lane"))
            for ref in lane.findall(_q("flowNodeRef"))
        }
        for task in root.iter(_q("userTask"), _q("manualTask")):
            props = {p.get("name"): p.get("value") for p in task.iter(_q("property", SPIFF))}
            if props.get("orgUnit"):
                refs.append(
                    OrgUnitRef(str(props["orgUnit"]), name, task.get("id") or "?", task.sourceline)
                )
            elif not props.get("orgUnitVariable") and task.get("id") in lanes:
                lane = lanes[task.get("id")]
                key = (lane.get("name") or "").strip()
                refs.append(OrgUnitRef(key, name, lane.get("id") or "?", lane.sourceline))
    return refs


def spiff_refusal(exc: ValidationException, trees: dict[str, Any], fallback: str) -> Refusal:
    """SpiffWorkflow's refusal as ours: German reason, file, element id, line."""
    file = str(getattr(exc, "file_name", "") or fallback)
    element_id = str(getattr(exc, "id", "") or "")
    line = None
    root = trees.get(file)
    if root is not None and element_id:
        found = root.xpath("//*[@id=$id]", id=element_id)
        line = found[0].sourceline if found else None
    text = str(exc.args[0]) if exc.args else ""
    reason = next((r for start, r in SPIFF_REASONS.items() if text.startswith(start)), None)
    return Refusal(file, element_id or "?", line, reason or GENERIC_REASON)
