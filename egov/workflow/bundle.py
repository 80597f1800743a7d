"""Parsing of process bundles (BPMN + DMN + forms) into SpiffWorkflow specs."""

from __future__ import annotations

import hashlib
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from egov.jsoninput import JsonRefused, loads
from egov.workflow.constructs import Refusal, prepare
from egov.workflow.feel import python_entry
from egov.workflow.forms import context_problems

FORM_PROPERTY = "formJsonSchemaFilename"
FORM_DEPTH = 64  # nesting of a form's JSON Schema


class WorkflowError(Exception):
    """Engine-level error with a kebab-case ``code``, German ``message`` and log ``details``;
    ``invalid_params`` name the refused parts of a bundle (RFC 9457 style)."""

    def __init__(
        self,
        code: str,
        message: str,
        details: str = "",
        invalid_params: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details
        self.invalid_params = invalid_params or []


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 over all bundle files, sorted by name (name and content both count)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def _invalid(message: str, details: str = "") -> WorkflowError:
    return WorkflowError("bpmn-invalid", message, details or message)


def _add_file(parser: SpiffBpmnParser, name: str, content: bytes) -> list[Refusal]:
    """Adds one file to the parser; the constructs egov refuses in it are returned."""
    try:
        xml = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise _invalid(f"Datei {name} ist kein gültiges XML: {exc}") from exc
    refusals: list[Refusal] = []
    try:
        if name.endswith(".dmn"):
            _feel_entries(xml)
            parser.add_dmn_xml(xml, filename=name)
        else:
            refusals = prepare(name, xml)
            parser.add_bpmn_xml(xml, filename=name)
    except (ValidationException, SpiffWorkflowException) as exc:
        raise _invalid(f"Datei {name} ist ungültig: {exc}", repr(exc)) from exc
    return refusals


def _feel_entries(root: Any) -> None:
    """FEEL simple unary tests of the input entries become Python (:mod:`egov.workflow.feel`)."""
    for entry in root.iter("{*}inputEntry"):
        for text in entry.iter("{*}text"):
            if text.text:
                text.text = python_entry(text.text)


def unsupported(refusals: list[Refusal]) -> WorkflowError:
    """The refusal of a bundle with constructs egov does not run (``bpmn-unsupported``)."""
    return WorkflowError(
        "bpmn-unsupported",
        "Das Prozessmodell enthält BPMN-Elemente, die egov nicht ausführt.",
        "; ".join(f"{r.file}#{r.element_id}: {r.reason}" for r in refusals),
        [r.as_param() for r in refusals],
    )


def _called_processes(parser: SpiffBpmnParser) -> set[str]:
    called: set[str] = set()
    for deps in parser.get_process_dependencies():
        called.add(deps)
    return called


def _choose_process(parser: SpiffBpmnParser, process_id: str | None) -> str:
    executable = parser.get_process_ids()
    if process_id is not None:
        if process_id not in parser.process_parsers:
            raise _invalid(f"Prozess '{process_id}' ist im Bundle nicht enthalten.")
        return process_id
    candidates = [p for p in executable if p not in _called_processes(parser)]
    if len(candidates) != 1:
        raise _invalid(
            "Das Bundle muss genau einen ausführbaren Hauptprozess enthalten "
            f"(gefunden: {', '.join(sorted(candidates)) or 'keinen'})."
        )
    return str(candidates[0])


def compile_specs(files: dict[str, bytes], process_id: str | None) -> tuple[SpiffBpmnParser, str]:
    """Feeds all ``*.bpmn`` and ``*.dmn`` files to a parser and picks the main process."""
    parser = SpiffBpmnParser()
    models = sorted(n for n in files if n.endswith((".bpmn", ".dmn")))
    if not any(n.endswith(".bpmn") for n in models):
        raise _invalid("Das Bundle enthält keine BPMN-Datei.")
    refusals: list[Refusal] = []
    for name in sorted(models, key=lambda n: not n.endswith(".dmn")):
        refusals += _add_file(parser, name, files[name])
    if refusals:
        raise unsupported(refusals)
    return parser, _choose_process(parser, process_id)


def _load_form(files: dict[str, bytes], path: str, task_name: str) -> dict[str, Any]:
    if path not in files:
        raise _invalid(f"Formular '{path}' der Aufgabe '{task_name}' fehlt im Bundle.")
    try:
        schema = loads(files[path], max_depth=FORM_DEPTH, name=path)
    except JsonRefused as exc:
        raise _invalid(f"Formular '{path}': {exc.message}") from exc
    except ValueError as exc:
        raise _invalid(f"Formular '{path}' ist kein gültiges JSON: {exc}") from exc
    if not isinstance(schema, dict):
        raise _invalid(f"Formular '{path}' ist kein JSON-Schema-Objekt.")
    problems = context_problems(schema)
    if problems:
        raise _invalid(f"Formular '{path}': {'; '.join(problems)}")
    return schema


def load_forms(files: dict[str, bytes], specs: list[BpmnProcessSpec]) -> dict[str, dict[str, Any]]:
    """Task spec name -> JSON Schema for every task with a ``formJsonSchemaFilename``."""
    forms: dict[str, dict[str, Any]] = {}
    for spec in specs:
        for name, task_spec in spec.task_specs.items():
            extensions = getattr(task_spec, "extensions", None) or {}
            path = (extensions.get("properties") or {}).get(FORM_PROPERTY)
            if path:
                forms[name] = _load_form(files, path, name)
    return forms
