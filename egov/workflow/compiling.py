"""Compiling a bundle: parse, refuse what egov does not run, serialize the spec once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from egov.workflow import serialization
from egov.workflow.bundle import (
    WorkflowError,
    compile_specs,
    content_hash,
    load_forms,
    unsupported,
)
from egov.workflow.script_check import check_bundle
from egov.workflow.validation import OrgUnitRef, org_unit_refs, spiff_refusal
from egov.workflow.variables import model_variables

__all__ = ["CompiledDefinition", "compile_bundle"]


@dataclass(frozen=True)
class CompiledDefinition:
    process_id: str
    spec_json: str
    content_hash: str
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    org_units: list[OrgUnitRef] = field(default_factory=list)  # named by the models
    variables: frozenset[str] = frozenset()  # what the models and forms can set


def compile_bundle(
    files: dict[str, bytes],
    process_id: str | None = None,
    *,
    check_scripts: bool = True,
    operators: Collection[str] | None = None,
    kinds: Collection[str] | None = None,
) -> CompiledDefinition:
    """Parses a bundle and returns the serialized spec, its content hash and the forms.

    Every script and expression is checked by the sandbox's rules first (``script-invalid``);
    ``check_scripts=False`` compiles without the check, as definitions deployed before it
    were (tests of the runtime's own defences only). `operators`, `kinds`: the service-task
    operators and outbox delivery kinds egov knows (None: not checked).
    """
    parser, chosen, trees = compile_specs(files, process_id, operators, kinds)
    try:
        spec = parser.get_spec(chosen)
        subprocess_specs = parser.get_subprocess_specs(chosen)
    except ValidationException as exc:
        raise unsupported([spiff_refusal(exc, trees, chosen)]) from exc
    except SpiffWorkflowException as exc:
        reason = "der Prozess lässt sich nicht in einen ausführbaren Ablauf übersetzen"
        raise WorkflowError(
            "bpmn-invalid",
            f"Prozess {chosen}: {reason}.",
            repr(exc),
            [{"name": chosen, "reason": reason}],
        ) from exc
    if check_scripts:
        _refuse_scripts(files, parser, trees)
    forms = load_forms(files, [spec, *subprocess_specs.values()], trees)
    return CompiledDefinition(
        process_id=chosen,
        spec_json=serialization.dump_specs(spec, subprocess_specs),
        content_hash=content_hash(files),
        forms=forms,
        org_units=org_unit_refs(trees),
        variables=model_variables(trees, forms.values()),
    )


def _refuse_scripts(files: dict[str, bytes], parser: Any, trees: dict[str, Any]) -> None:
    findings = check_bundle(files, parser, trees)
    if findings:
        raise WorkflowError(
            "script-invalid",
            "Das Prozessmodell enthält Skripte oder Ausdrücke, die die Sandbox nicht erlaubt.",
            "; ".join(f"{f.file}#{f.element_id}: {f.reason}" for f in findings),
            [f.as_param() for f in findings],
        )
