"""Parsing of process bundles (BPMN + DMN + forms: JSON Schema or Camunda Forms) into
SpiffWorkflow specs."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from egov.jsoninput import JsonRefused, loads
from egov.workflow.bundle_errors import WorkflowError as WorkflowError  # re-exported
from egov.workflow.camunda import FORM_REF_PROPERTY, translate
from egov.workflow.camunda_forms import FORM_SUFFIX, convert
from egov.workflow.camunda_forms import form_id as camunda_form_id
from egov.workflow.constructs import Refusal, prepare
from egov.workflow.encoding import parse_model
from egov.workflow.feel import python_entry
from egov.workflow.forms import context_problems
from egov.workflow.script_check import bpmn_findings
from egov.workflow.validation import (
    decision_ids,
    letter_problems,
    model_problems,
    no_executable,
    spiff_refusal,
)

FORM_PROPERTY = "formJsonSchemaFilename"
PROCEDURE_FILE = "procedure.json"  # the procedure a bundle registers (egov.workflow.deploy)
FORM_DEPTH = 64  # nesting of a form's JSON Schema
BUNDLE_SUFFIXES = {".bpmn", ".dmn", ".json", ".txt", ".form"}


def read_bundle(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in BUNDLE_SUFFIXES and not path.name.startswith("test_"):
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 over all bundle files, sorted by name (name and content both count)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def _invalid(message: str, details: str = "") -> WorkflowError:
    return WorkflowError("bpmn-invalid", message, details or message)


def _add_file(parser: SpiffBpmnParser, name: str, xml: Any, context: _Context) -> list[Refusal]:
    """Adds one parsed file to the parser; the problems egov finds in it are returned."""
    try:
        if name.endswith(".dmn"):
            _feel_entries(xml)
            parser.add_dmn_xml(xml, filename=name)
            return []
        refusals = translate(name, xml, context.operators or (), context.kinds)
        refusals += model_problems(name, xml, context.decisions, context.operators, context.kinds)
        refusals += letter_problems(name, xml, context.files, context.text)
        refusals += prepare(name, xml)
        if not refusals:
            parser.add_bpmn_xml(xml, filename=name)
        return refusals
    except ValidationException as exc:
        return [spiff_refusal(exc, context.trees, name)]
    except SpiffWorkflowException as exc:
        reason = "vom Prozessparser nicht lesbar (kein BPMN 2.0 / DMN, wie egov es ausführt)"
        raise WorkflowError(
            "bpmn-invalid",
            f"Datei {name}: {reason}.",
            repr(exc),
            [{"name": name, "reason": reason}],
        ) from exc


@dataclass(frozen=True)
class _Context:
    trees: dict[str, Any]
    decisions: set[str]
    operators: Collection[str] | None
    files: dict[str, bytes]
    kinds: Collection[str] | None = None  # outbox delivery kinds (None: not checked)

    def text(self, path: str) -> str:
        return self.files[path].decode("utf-8", errors="replace")


def _feel_entries(root: Any) -> None:
    """FEEL simple unary tests of the input entries become Python (:mod:`egov.workflow.feel`)."""
    for entry in root.iter("{*}inputEntry"):
        for text in entry.iter("{*}text"):
            if text.text:
                text.text = python_entry(text.text)


def unsupported(refusals: Sequence[Refusal]) -> WorkflowError:
    """The refusal of a bundle with elements egov does not run as modelled
    (``bpmn-unsupported``), every problem in ``invalid_params``."""
    return WorkflowError(
        "bpmn-unsupported",
        "Das Prozessmodell enthält Elemente, die egov so nicht ausführt "
        f"({len(refusals)} Fundstellen, siehe invalid_params).",
        "; ".join(f"{r.file}#{r.element_id}: {r.reason}" for r in refusals),
        [r.as_param() for r in refusals],
    )


def _called_processes(parser: SpiffBpmnParser) -> set[str]:
    called: set[str] = set()
    for deps in parser.get_process_dependencies():
        called.add(deps)
    return called


def _choose_process(parser: SpiffBpmnParser, process_id: str | None, trees: dict[str, Any]) -> str:
    executable = parser.get_process_ids()
    if process_id is not None:
        if process_id not in parser.process_parsers:
            raise _invalid(f"Prozess '{process_id}' ist im Bundle nicht enthalten.")
        return process_id
    candidates = [p for p in executable if p not in _called_processes(parser)]
    if not executable:
        refusals = no_executable({n: t for n, t in trees.items() if n.endswith(".bpmn")})
        names = ", ".join(r.element_id for r in refusals) or "keiner"
        raise WorkflowError(
            "bpmn-invalid",
            f"Kein Prozess des Bündels ist ausführbar (Prozesse: {names}); "
            'isExecutable="true" fehlt.',
            names,
            [r.as_param() for r in refusals] or [{"name": "bundle", "reason": "kein Prozess"}],
        )
    if len(candidates) != 1:
        found = ", ".join(sorted(candidates)) or "keinen"
        reason = "einer von mehreren Hauptprozessen: nur einer darf ausführbar sein"
        raise WorkflowError(
            "bpmn-invalid",
            f"Das Bundle muss genau einen ausführbaren Hauptprozess enthalten (gefunden: {found}).",
            found,
            [_process_param(trees, p, reason) for p in sorted(candidates)]
            or [{"name": "bundle", "reason": "kein Hauptprozess (jeder wird aufgerufen)"}],
        )
    return str(candidates[0])


def _process_param(trees: dict[str, Any], process_id: str, reason: str) -> dict[str, Any]:
    for name, root in sorted(trees.items()):
        for process in root.iter("{*}process"):
            if process.get("id") == process_id:
                return {
                    "name": f"{name}#{process_id}",
                    "reason": reason,
                    "line": process.sourceline,
                }
    return {"name": process_id, "reason": reason}


def compile_specs(
    files: dict[str, bytes],
    process_id: str | None,
    operators: Collection[str] | None = None,
    kinds: Collection[str] | None = None,
) -> tuple[SpiffBpmnParser, str, dict[str, Any]]:
    """Feeds all ``*.bpmn`` and ``*.dmn`` files to a parser and picks the main process;
    also answers the parsed (rewritten) trees by file name."""
    parser = SpiffBpmnParser()
    models = sorted(n for n in files if n.endswith((".bpmn", ".dmn")))
    if not any(n.endswith(".bpmn") for n in models):
        raise _invalid("Das Bundle enthält keine BPMN-Datei.")
    trees = {name: parse_model(name, files[name]) for name in models}
    decisions = decision_ids([t for n, t in trees.items() if n.endswith(".dmn")])
    context = _Context(trees, decisions, operators, files, kinds)
    refusals: list[Refusal] = []
    for name in sorted(models, key=lambda n: not n.endswith(".dmn")):
        refusals += _add_file(parser, name, trees[name], context)
    if refusals:  # the scripts of the other elements refused too, all in one answer
        named = {(r.file, r.element_id) for r in refusals}
        findings = [f for f in bpmn_findings(trees) if (f.file, f.element_id) not in named]
        raise unsupported([*refusals, *findings])
    return parser, _choose_process(parser, process_id, trees), trees


def _load_form(files: dict[str, bytes], path: str) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON Schema of a form, or the German reason why it is none."""
    if path not in files:
        return None, f"Das Formular {path} fehlt im Bündel."
    schema, reason = _read_json(files, path)
    if reason is not None:
        return None, reason
    if not isinstance(schema, dict):
        return None, f"Das Formular {path} ist kein JSON-Schema-Objekt."
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        return None, f"Das Formular {path} ist kein gültiges JSON Schema (an {exc.json_path})."
    problems = context_problems(schema)
    if problems:
        return None, f"Formular {path}: {'; '.join(problems)}"
    return schema, None


def _read_json(files: dict[str, bytes], path: str) -> tuple[Any, str | None]:
    try:
        return loads(files[path], max_depth=FORM_DEPTH, name=path), None
    except JsonRefused as exc:
        return None, f"Formular {path}: {exc.message}"
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        return None, f"Das Formular {path} ist kein gültiges JSON (Zeile {line or '?'})."


def _camunda_form(files: dict[str, bytes], path: str) -> tuple[Any, list[dict[str, Any]]]:
    """The JSON Schema of a Camunda Form (egov.workflow.camunda_forms), or the problems of
    its components, each named `file#component`."""
    form, reason = _read_json(files, path)
    if reason is not None:
        return None, [{"name": path, "reason": reason}]
    schema, refused = convert(form, path)
    params = [{"name": f"{path}#{r.component}", "reason": r.reason} for r in refused]
    return (None if params else schema), params


def _form_by_id(files: dict[str, bytes], form_id: str) -> tuple[str | None, str]:
    """The Camunda Form of the bundle that `camunda:formRef` names."""
    found = [
        path
        for path in sorted(files)
        if path.endswith(FORM_SUFFIX) and camunda_form_id(_read_json(files, path)[0]) == form_id
    ]
    if len(found) == 1:
        return found[0], ""
    if found:
        return None, f"Mehrere Camunda-Formulare mit der id {form_id!r}: {', '.join(found)}."
    return None, f"Kein Camunda-Formular (.form) mit der id {form_id!r} im Bündel."


def load_forms(
    files: dict[str, bytes], specs: list[BpmnProcessSpec], trees: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Task spec name -> JSON Schema for every task with a ``formJsonSchemaFilename`` (a
    `.form` file: a Camunda Form, converted) or a ``camundaFormRef``; every form that is
    missing, no valid JSON Schema or a Camunda Form with components egov does not run is
    named at once (``bpmn-invalid``)."""
    forms: dict[str, dict[str, Any]] = {}
    problems: list[dict[str, Any]] = []
    for spec in specs:
        for name, task_spec in spec.task_specs.items():
            extensions = getattr(task_spec, "extensions", None) or {}
            properties = extensions.get("properties") or {}
            path, ref = properties.get(FORM_PROPERTY), properties.get(FORM_REF_PROPERTY)
            reason: str | None = None
            if ref and not path:
                path, reason = _form_by_id(files, ref)
            if path and path.endswith(FORM_SUFFIX) and path in files:
                schema, found = _camunda_form(files, path)
                problems += [p for p in found if p not in problems]
            elif path:
                schema, reason = _load_form(files, path)
            else:
                schema = None
            if schema is not None:
                forms[name] = schema
            elif reason:
                problems.append(_task_param(trees or {}, str(spec.file or ""), name, reason))
    if problems:
        raise WorkflowError(
            "bpmn-invalid",
            "Formulare des Prozessmodells fehlen oder sind kein gültiges JSON Schema: "
            + ", ".join(p["name"] for p in problems),
            "; ".join(str(p["reason"]) for p in problems),
            problems,
        )
    return forms


def _task_param(trees: dict[str, Any], file: str, task: str, reason: Any) -> dict[str, Any]:
    root = trees.get(file)
    found = root.xpath("//*[@id=$id]", id=task) if root is not None else []
    line = found[0].sourceline if found else None
    return {"name": f"{file}#{task}", "reason": str(reason), "line": line}
