"""The variables a process can have, and the letter templates checked against them at deploy.

A letter (`letters/<name>.txt`, rendered by :mod:`egov.postfach.letters` with
:class:`string.Template`: ``$name`` or ``${name}``, ``$$`` for a dollar sign) may name only
variables the process can have:

* what egov sets when an instance starts (:data:`CASE_VARIABLES`, ``egov.workflow.steps``),
  the Fachdaten of the procedure's applications (their names come from the format registry)
  and, for a procedure with triage, what triage sets (:data:`TRIAGE_VARIABLES`);
* the fields of the bundle's forms (JSON Schema ``properties``, nested ones too);
* the names scripts assign (script tasks, pre- and post-scripts: the targets in their AST);
* the outputs of the bundle's DMN decisions;
* a service task's ``resultVariable``, a message event's ``messageVariable``, data objects
  and the items of multi-instance activities.

The letter of a cancelled case (:data:`CANCEL_LETTER`, written by egov.workflow.commands, not
by the process) knows only :data:`CANCEL_VARIABLES`. A placeholder outside these is refused
with the letter file, the placeholder and its line.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterable, Iterator
from string import Template
from typing import Any

from egov import grammar
from egov.workflow import bescheide, triage_config
from egov.workflow.bundle_errors import WorkflowError
from egov.workflow.camunda import SPIFF
from egov.workflow.constructs import BPMN
from egov.workflow.script_rules import ScriptError, parse_script

CASE_VARIABLES = frozenset({"case_reference", "applicant_name", "submitted_at"})
# set by egov.triage when the procedure has a triage: at the start, and by the review task
TRIAGE_VARIABLES = frozenset({"triage_org_unit", "routed_org_unit", "triage_decision"})
LETTER_FOLDER = "letters/"
CANCEL_LETTER = "eingestellt"  # letters/eingestellt.txt: the citizen is told of a cancellation
CANCEL_VARIABLES = frozenset({"reason", "applicant_name", "case_reference"})
_CANCEL_PATH = f"{LETTER_FOLDER}{CANCEL_LETTER}.txt"
SCRIPTS = {(BPMN, "script"), (SPIFF, "preScript"), (SPIFF, "postScript")}
NAMED_TEXTS = {(SPIFF, "messageVariable")}
NAMED_ELEMENTS = {  # (namespace, element) -> the attribute that names a variable
    (BPMN, "dataObject"): "id",
    (BPMN, "dataInput"): "name",
    (BPMN, "dataOutput"): "name",
    (BPMN, "inputDataItem"): "name",
    (BPMN, "outputDataItem"): "name",
    (SPIFF, "serviceTaskOperator"): "resultVariable",
}


def model_variables(trees: dict[str, Any], forms: Iterable[dict[str, Any]]) -> frozenset[str]:
    """The variables the bundle's models and forms can set (see the module)."""
    names: set[str] = set()
    for name, root in trees.items():
        if name.endswith(".dmn"):
            names |= {str(o.get("name")) for o in root.iter("{*}output") if o.get("name")}
            continue
        for element in root.iter():
            names |= _named(element)
    for form in forms:
        names |= set(_form_fields(form))
    return frozenset(names)


def _named(element: Any) -> set[str]:
    if not isinstance(element.tag, str):
        return set()  # a comment
    key = (element.tag[1:].partition("}")[0], element.tag.partition("}")[2])
    if key in SCRIPTS:
        return _assigned(element.text or "")
    if key in NAMED_TEXTS:
        return {(element.text or "").strip()} - {""}
    attribute = NAMED_ELEMENTS.get(key)
    value = element.get(attribute) if attribute else None
    return {str(value)} if value else set()


def _assigned(source: str) -> set[str]:
    """The names a script assigns (assignment, for, with, import, walrus ...)."""
    try:
        tree = parse_script(source)
    except ScriptError:
        return set()  # script_check refuses it (or, without the check, the sandbox)
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def _form_fields(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            yield from (str(k) for k in properties)
        for value in schema.values():
            if isinstance(value, dict | list):
                yield from _form_fields(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _form_fields(item)


def known_variables(
    procedure: dict[str, Any] | None,
    models: Collection[str],
    fachdaten: Callable[[str], Collection[str]],
) -> set[str]:
    """What a process can have: the case variables, what its `models` set (see
    :func:`model_variables`) and, with a procedure, its Fachdaten and triage's variables."""
    known = {*CASE_VARIABLES, *models}
    known |= grammar.form_names(known)  # a unit name with its article (egov.grammar)
    if procedure is None:
        return known
    triage = TRIAGE_VARIABLES if triage_config.parse(procedure) is not None else frozenset()
    bescheid = bescheide.VARIABLES if bescheide.parse(procedure) is not None else frozenset()
    fields = fachdaten(procedure["fachdaten_namespace"])
    return {*known, *fields, *grammar.form_names(fields), *triage, *bescheid}


def placeholders(text: str) -> Iterator[tuple[str, int]]:
    """Each placeholder of a template with its line (escaped `$$` and a bare `$` skipped)."""
    for found in Template.pattern.finditer(text):
        name = found.group("named") or found.group("braced")
        if name:
            yield name, text.count("\n", 0, found.start()) + 1


def check_letters(texts: dict[str, str], known: Collection[str]) -> None:
    """Every placeholder of every letter template is a variable in `known`, else
    `letter-placeholder-unknown` naming letter file, placeholder and line."""
    problems = [
        {
            "name": name,
            "reason": f"Unbekannter Platzhalter ${placeholder}: keine Variable des Prozesses "
            "(Formularfeld, Skriptvariable, DMN-Ausgabe, Fachdaten oder Falldaten).",
            "line": line,
        }
        for name, text in sorted(texts.items())
        if name.startswith(LETTER_FOLDER) and name.endswith(".txt")
        for placeholder, line in placeholders(text)
        if placeholder not in (CANCEL_VARIABLES if name == _CANCEL_PATH else known)
    ]
    if problems:
        raise WorkflowError(
            "letter-placeholder-unknown",
            "Briefvorlagen nennen Platzhalter, die keine Variable des Prozesses sind: "
            + ", ".join(f"{p['name']} Zeile {p['line']}" for p in problems),
            "; ".join(str(p["reason"]) for p in problems),
            problems,
        )
