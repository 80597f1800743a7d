"""Models from Camunda Modeler (Camunda 7 extension attributes) rewritten to what egov runs.

Like :mod:`egov.workflow.constructs` this works on the parsed tree of one BPMN file before
SpiffWorkflow's parser reads it; the stored files stay byte for byte as deployed.

* User tasks: ``camunda:candidateGroups`` (one group) is the task's org unit (property
  ``orgUnit``), ``camunda:formKey`` names the JSON Schema file of its form in the bundle
  (property ``formJsonSchemaFilename``; ``deployment:`` / ``camunda-forms:deployment:`` /
  ``embedded:deployment:`` prefixes are dropped; a ``.form`` file is a Camunda Form,
  :mod:`egov.workflow.camunda_forms`), ``camunda:formRef`` names a Camunda Form by its id
  (bindings ``latest`` and ``deployment``: the form in the bundle; ``version`` is refused),
  ``camunda:assignee`` and ``camunda:dueDate``
  (ISO 8601 date or duration, or a ``${...}`` expression) become the properties ``assignee``
  and ``dueDate`` (used when the task becomes ready, :mod:`egov.workflow.assignment`);
  ``camunda:candidateUsers`` is refused (a task belongs to one org unit).
* Service and send tasks with ``camunda:type="external"``: ``camunda:topic`` names an operator
  (``egov.workflow.operators``) if one of that name exists, else the outbox kind of an
  ``outbox.send``; a topic that is neither an operator nor a registered delivery kind is
  refused ("Unbekanntes Thema"). Java delegates (``camunda:class``, ``delegateExpression``,
  ``expression``) are refused.
* Script tasks run Python only; another ``scriptFormat`` (javascript, groovy, juel) is refused.
* Business rule tasks: ``camunda:decisionRef`` names the DMN decision
  (``spiffworkflow:calledDecisionId``); ``camunda:resultVariable`` is refused (SpiffWorkflow
  writes a decision's outputs as process variables).
* ``camunda:properties`` become SpiffWorkflow properties; listeners, ``camunda:inputOutput``,
  connectors and ``camunda:formData`` are refused, since egov would skip them.
* Conditions in JUEL of sequence flows and conditional events (``${amount > 100}``, ``&&``,
  ``||``, ``!``, ``eq``/``ne``/``lt``/``gt``/``le``/``ge``, ``true``/``false``/``null``)
  become Python expressions; member access, method
  calls, ``empty`` and ``#{...}`` are refused. A timer's ``${...}`` (a variable holding an
  ISO 8601 text) is translated the same way; a condition in another ``language`` (javascript,
  groovy) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from lxml import etree

from egov.workflow.constructs import BPMN, ISO_TIMER, TIMER_TEXTS, Refusal, refuse

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM_REF_PROPERTY = "camundaFormRef"  # the id of a Camunda Form (egov.workflow.bundle)
FORM_PREFIXES = ("camunda-forms:deployment:", "embedded:deployment:", "deployment:")
PYTHON_FORMATS = {"", "python", "python3", "text/x-python"}
DELEGATES = ("class", "delegateExpression", "expression")
SKIPPED_EXTENSIONS = {
    "executionListener": "Camunda-Listener (camunda:executionListener) werden nicht ausgeführt.",
    "taskListener": "Camunda-Listener (camunda:taskListener) werden nicht ausgeführt.",
    "inputOutput": "Ein-/Ausgabe-Zuordnungen (camunda:inputOutput) werden nicht ausgeführt.",
    "connector": "Camunda-Connectoren (camunda:connector) werden nicht ausgeführt.",
    "formData": "camunda:formData wird nicht übernommen: das Formular als JSON Schema im "
    "Bündel ablegen und mit camunda:formKey nennen.",
}
_JUEL = re.compile(r"^\s*\$\{(.*)\}\s*$", re.DOTALL)
_WORDS = {
    "&&": " and ",
    "||": " or ",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "true": "True",
    "false": "False",
    "null": "None",
}
_TOKEN = re.compile(
    r"""("[^"]*"|'[^']*'|\d+(?:\.\d+)?|&&|\|\||==|!=|<=|>=|[<>!+\-*/%()]|[A-Za-z_]\w*|\S)"""
)


def _camunda(element: Any, name: str) -> str | None:
    value = element.get(f"{{{CAMUNDA}}}{name}")
    return None if value is None else str(value)


def translate(
    name: str, root: Any, operators: Collection[str] = (), kinds: Collection[str] | None = None
) -> list[Refusal]:
    """Rewrites the tree of one BPMN file in place (see the module) and returns the refusals.
    `kinds`: the outbox's delivery kinds an external task's topic may name (None: any)."""
    refusals: list[Refusal] = []
    for task in root.iter(f"{{{BPMN}}}userTask"):
        refusals += _user_task(name, task)
    for kind in ("serviceTask", "sendTask"):
        for task in root.iter(f"{{{BPMN}}}{kind}"):
            refusals += _service_task(name, task, operators, kinds)
    for task in root.iter(f"{{{BPMN}}}scriptTask"):
        script_format = (task.get("scriptFormat") or "").strip().lower()
        if script_format not in PYTHON_FORMATS:
            reason = (
                f"Skriptsprache {task.get('scriptFormat')!r} wird nicht ausgeführt (nur Python)."
            )
            refusals.append(refuse(name, task, reason))
    for kind in ("conditionExpression", "condition", *TIMER_TEXTS):  # condition: of an event
        for condition in root.iter(f"{{{BPMN}}}{kind}"):
            refusals += _condition(name, condition)
    for task in root.iter(f"{{{BPMN}}}businessRuleTask"):
        refusals += _business_rule_task(name, task)
    refusals += _extensions(name, root)
    return refusals


def _owner_of(element: Any) -> Any:
    """The BPMN element whose extensionElements hold `element`."""
    extensions = element.getparent()
    owner = extensions.getparent() if extensions is not None else None
    return owner if owner is not None else element


def _extensions(name: str, root: Any) -> list[Refusal]:
    """camunda:properties become SpiffWorkflow properties; Camunda extensions with behaviour
    egov would silently skip (listeners, input/output mappings, connectors, generated
    forms) are refused."""
    refusals = []
    for local, reason in SKIPPED_EXTENSIONS.items():
        for element in root.iter(f"{{{CAMUNDA}}}{local}"):
            refusals.append(refuse(name, _owner_of(element), reason))
    for properties in root.iter(f"{{{CAMUNDA}}}properties"):
        owner = _owner_of(properties)
        for prop in properties.iter(f"{{{CAMUNDA}}}property"):
            if prop.get("name"):
                _set_property(owner, str(prop.get("name")), str(prop.get("value") or ""))
    return refusals


def _business_rule_task(name: str, task: Any) -> list[Refusal]:
    ref = (_camunda(task, "decisionRef") or "").strip()
    if not ref:
        return []
    if _camunda(task, "resultVariable") or _camunda(task, "mapDecisionResult"):
        reason = (
            "camunda:resultVariable/mapDecisionResult werden nicht übernommen: egov schreibt "
            "die Ausgaben der Entscheidung als Prozessvariablen; das Attribut entfernen."
        )
        return [refuse(name, task, reason)]
    extensions = _properties(task).getparent()
    if extensions.find(f"{{{SPIFF}}}calledDecisionId") is None:
        etree.SubElement(extensions, f"{{{SPIFF}}}calledDecisionId").text = ref
    return []


def _properties(task: Any) -> Any:
    extensions = task.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        task.insert(0, extensions)
    properties = extensions.find(f"{{{SPIFF}}}properties")
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF}}}properties")
    return properties


def _set_property(task: Any, key: str, value: str) -> None:
    properties = _properties(task)
    if any(p.get("name") == key for p in properties.iter(f"{{{SPIFF}}}property")):
        return  # a SpiffWorkflow property of the model wins
    etree.SubElement(properties, f"{{{SPIFF}}}property", name=key, value=value)


def _user_task(name: str, task: Any) -> list[Refusal]:
    refusals = []
    groups = [g.strip() for g in (_camunda(task, "candidateGroups") or "").split(",") if g.strip()]
    if len(groups) > 1:
        reason = "Eine Aufgabe gehört genau einer Organisationseinheit (eine candidateGroup)."
        refusals.append(refuse(name, task, reason))
    elif groups:
        _set_property(task, "orgUnit", groups[0])
    if _camunda(task, "candidateUsers"):
        reason = (
            "camunda:candidateUsers wird nicht übernommen: eine Aufgabe gehört einer "
            "Organisationseinheit (camunda:candidateGroups); eine Person mit camunda:assignee "
            "benennen."
        )
        refusals.append(refuse(name, task, reason))
    refusals += _form_ref(name, task)
    form_key = _camunda(task, "formKey")
    if form_key:
        for prefix in FORM_PREFIXES:
            form_key = form_key.removeprefix(prefix)
        _set_property(task, "formJsonSchemaFilename", form_key)
    assignee = _camunda(task, "assignee")
    if assignee:
        _set_property(task, "assignee", assignee)
    due = _camunda(task, "dueDate")
    if due:
        stripped = due.strip()
        if _JUEL.match(stripped) or any(p.match(stripped.upper()) for p in ISO_TIMER.values()):
            _set_property(task, "dueDate", stripped)
        else:
            reason = "camunda:dueDate ist weder ein ISO-8601-Datum/-Dauer noch ein ${...}-Ausdruck."
            refusals.append(refuse(name, task, reason))
    return refusals


def _form_ref(name: str, task: Any) -> list[Refusal]:
    """camunda:formRef names a Camunda Form of the bundle by its id (property
    ``camundaFormRef``, resolved by egov.workflow.bundle); the bundle is the deployment, so
    the bindings ``deployment`` and ``latest`` both take the form deployed with the model."""
    ref = (_camunda(task, "formRef") or "").strip()
    if not ref:
        return []
    binding = (_camunda(task, "formRefBinding") or "latest").strip()
    if binding not in ("latest", "deployment"):
        reason = (
            f'camunda:formRefBinding="{binding}" wird nicht übernommen: egov nimmt das Formular '
            "aus dem Bündel des Modells („deployment“ oder „latest“)."
        )
        return [refuse(name, task, reason)]
    if _camunda(task, "formKey"):
        return [refuse(name, task, "camunda:formRef und camunda:formKey zugleich: eines wählen.")]
    _set_property(task, FORM_REF_PROPERTY, ref)
    return []


def _service_task(
    name: str, task: Any, operators: Collection[str], kinds: Collection[str] | None
) -> list[Refusal]:
    delegates = [d for d in DELEGATES if _camunda(task, d)]
    if delegates:
        reason = f"Java-Delegates (camunda:{delegates[0]}) werden nicht ausgeführt."
        return [refuse(name, task, reason)]
    if _camunda(task, "type") != "external":
        return []
    topic = (_camunda(task, "topic") or "").strip()
    if not topic:
        return [refuse(name, task, 'camunda:type="external" braucht ein camunda:topic.')]
    extensions = _properties(task).getparent()
    if extensions.find(f"{{{SPIFF}}}serviceTaskOperator") is not None:
        return []
    if topic in operators:
        etree.SubElement(extensions, f"{{{SPIFF}}}serviceTaskOperator", id=topic)
        return []
    if kinds is not None and topic not in kinds:
        known = ", ".join(sorted({*operators, *kinds})) or "keine"
        reason = (
            f"Unbekanntes Thema {topic!r}: camunda:topic nennt weder einen Operator noch eine "
            f"registrierte Zustellart (bekannt: {known})."
        )
        return [refuse(name, task, reason)]
    operator = etree.SubElement(extensions, f"{{{SPIFF}}}serviceTaskOperator", id="outbox.send")
    parameters = etree.SubElement(operator, f"{{{SPIFF}}}parameters")
    etree.SubElement(parameters, f"{{{SPIFF}}}parameter", id="kind", type="str", value=repr(topic))
    return []


def juel_to_python(text: str) -> str | None:
    """The Python expression of a simple JUEL condition ``${...}``; None if it is none."""
    found = _JUEL.match(text)
    if found is None or "${" in found.group(1) or "#{" in text:
        return None
    tokens = _TOKEN.findall(found.group(1))
    parts: list[str] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in ("empty", ".", "?", ":", "[", "]", "{", "}", ";", "="):
            return None
        if token[0].isalpha() and following == "(":
            return None  # a method or function call
        parts.append("not" if token == "!" else _WORDS.get(token, token).strip())
    return " ".join(parts)


def _condition(name: str, condition: Any) -> list[Refusal]:
    text = condition.text or ""
    owner = condition.getparent()
    if owner is not None and etree.QName(owner).localname.endswith("EventDefinition"):
        owner = owner.getparent()  # a timer: the event is named
    language = (condition.get("language") or "").strip().lower()
    if language and language not in PYTHON_FORMATS and language != "juel":
        reason = f"Ausdruckssprache {condition.get('language')!r} wird nicht ausgeführt."
        return [refuse(name, owner if owner is not None else condition, reason)]
    if not text.strip().startswith(("${", "#{")):
        return []
    python = juel_to_python(text)
    if python is None:
        reason = f"Die JUEL-Bedingung {text.strip()!r} ist nicht in einen Ausdruck übersetzbar."
        return [refuse(name, owner if owner is not None else condition, reason)]
    condition.text = python
    return []
