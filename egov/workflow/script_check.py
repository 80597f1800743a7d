"""The sandbox's static check over a whole bundle, run when a bundle is compiled (deployed).

Every piece of Python that SpiffWorkflow will hand to the script engine is checked with the
same rules the runtime applies (:func:`egov.workflow.script_rules.check_source`), in the mode
it will run in:

* BPMN (found in the XML, with file, element id and line): script task scripts and
  ``spiffworkflow:preScript``/``postScript`` (exec); sequence-flow conditions, service-task
  parameters (``spiffworkflow:parameter/@value``), timer expressions, conditional events,
  loop and multi-instance conditions and cardinalities, message payloads and correlation
  expressions (eval).
* DMN (from SpiffWorkflow's own parsed decision tables): input expressions, output entries,
  and input entries as SpiffWorkflow's ``DMNEngine`` rewrites them. A unary test such as
  ``> 100`` or ``"a", "b"`` is not Python on its own; the engine turns it into
  ``input > 100`` or ``(input) == ("a", "b")``, and only that is checked. The rewrite is
  SpiffWorkflow's code, run with a recording stand-in for the script engine.

The result is a list of :class:`Refusal`; an empty list means the bundle passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from egov.workflow.bundle_errors import WorkflowError
from egov.workflow.constructs import TIMER_TEXTS, Refusal, timer_expression
from egov.workflow.encoding import parse_model
from egov.workflow.script_rules import ScriptError, check_source, validate_source

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"

# element (namespace, local name) -> the mode SpiffWorkflow runs its text in
TEXT_EXPRESSIONS: dict[tuple[str, str], str] = {
    (BPMN, "script"): "exec",
    (SPIFF, "preScript"): "exec",
    (SPIFF, "postScript"): "exec",
    (BPMN, "conditionExpression"): "eval",
    (BPMN, "timeDate"): "eval",
    (BPMN, "timeDuration"): "eval",
    (BPMN, "timeCycle"): "eval",
    (BPMN, "condition"): "eval",  # conditionalEventDefinition
    (BPMN, "loopCardinality"): "eval",
    (BPMN, "completionCondition"): "eval",
    (BPMN, "loopCondition"): "eval",
    (SPIFF, "messagePayload"): "eval",
}
_TIMERS = {(BPMN, kind) for kind in TIMER_TEXTS}
CORRELATION_EXPRESSIONS = {(BPMN, "formalExpression"), (BPMN, "messagePath")}
CORRELATION_PARENT = (BPMN, "correlationPropertyRetrievalExpression")
PROCESS_CORRELATION = (SPIFF, "expression")  # spiffworkflow:processVariableCorrelation
# elements that carry an id but are part of their owner, not an element of the model
NOT_OWNERS = ("EventDefinition", "LoopCharacteristics", "Expression", "Condition")
# SpiffWorkflow rewrites `?` in an input entry with a regular expression whose time grows with
# the square of the entry's length; longer entries are refused before it runs
MAX_DMN_ENTRY_CHARS = 2_000


def check_bundle(
    files: dict[str, bytes], parser: SpiffBpmnParser, trees: dict[str, Any] | None = None
) -> list[Refusal]:
    """Every finding of the bundle's BPMN files and of the DMN decisions the parser holds.

    `trees`: the BPMN trees as SpiffWorkflow parsed them (Camunda's JUEL conditions already
    translated, :mod:`egov.workflow.camunda`); without them the files are parsed here."""
    findings: list[Refusal] = []
    for name in sorted(n for n in files if n.endswith(".bpmn")):
        tree = trees.get(name) if trees is not None else None
        findings += _check_bpmn(name, tree if tree is not None else parse_model(name, files[name]))
    for decision_id in sorted(parser.dmn_parsers):
        dmn_parser = parser.dmn_parsers[decision_id]
        name = str(dmn_parser.filename)
        findings += _check_dmn(name, parse_model(name, files[name]), dmn_parser)
    return findings


def _qname(element: Any) -> tuple[str, str] | None:
    if not isinstance(element.tag, str):
        return None  # a comment or processing instruction
    name = etree.QName(element)
    return (name.namespace or "", name.localname)


def _owner(element: Any) -> Any:
    """The model element an expression belongs to: the nearest BPMN ancestor with an id."""
    current = element.getparent()
    while current is not None:
        qname = _qname(current) or ("", "")
        if qname[0] == BPMN and current.get("id") and not qname[1].endswith(NOT_OWNERS):
            return current
        current = current.getparent()
    return element


def _mode_of(element: Any) -> str | None:
    qname = _qname(element)
    if qname is None:
        return None
    if qname in TEXT_EXPRESSIONS:
        return TEXT_EXPRESSIONS[qname]
    parent = element.getparent()
    parent_name = _qname(parent) if parent is not None else None
    if qname in CORRELATION_EXPRESSIONS and parent_name == CORRELATION_PARENT:
        return "eval"
    if qname == PROCESS_CORRELATION:
        return "eval"
    return None


def _expressions(root: Any) -> Iterator[tuple[Any, str, str, str]]:
    """(owner element, source, mode, label) of every BPMN expression; label names a part."""
    for element in root.iter():
        mode = _mode_of(element)
        if mode is not None and (element.text or "").strip():
            source = element.text
            if _qname(element) in _TIMERS:  # an ISO 8601 literal is a string, not Python
                source = timer_expression(etree.QName(element).localname, source)
            yield _owner(element), source, mode, ""
        elif _qname(element) == (SPIFF, "parameter") and element.get("value") is not None:
            label = f"Parameter '{element.get('id')}': "
            yield _owner(element), element.get("value"), "eval", label


def bpmn_findings(trees: dict[str, Any]) -> list[Refusal]:
    """The findings of the BPMN trees alone (no DMN: that needs the parser), reported with
    the other problems of a bundle that does not parse (egov.workflow.bundle)."""
    return [
        f
        for name in sorted(trees)
        if name.endswith(".bpmn")
        for f in _check_bpmn(name, trees[name])
    ]


def _check_bpmn(name: str, root: Any) -> list[Refusal]:
    findings = []
    for owner, source, mode, label in _expressions(root):
        reason = _reason(source.strip() if mode == "eval" else source, mode)
        if reason is not None:
            line = _line(owner, source, reason if mode == "exec" else None)
            element_id = owner.get("id") or "?"
            findings.append(Refusal(name, element_id, line, label + reason.message))
    return findings


def _reason(source: str, mode: str) -> ScriptError | None:
    try:
        check_source(source, mode)
    except ScriptError as exc:
        return exc
    return None


def _line(owner: Any, source: str, error: ScriptError | None) -> int | None:
    """The XML line of the refused code: the line of the element whose text (or attribute)
    holds it, plus the line within a script (``error`` given for scripts only)."""
    holder = _holder(owner, source)
    start: int | None = holder.sourceline if holder is not None else owner.sourceline
    within = error.lineno if error is not None else None
    if start is not None and within and holder is not None and holder.text == source:
        return start + within - 1
    return start


def _holder(owner: Any, source: str) -> Any:
    for element in owner.iter():
        if element.text == source or element.get("value") == source:
            return element
    return None


# -- DMN ------------------------------------------------------------------------------------


class _Recorder:
    """Stands in for the script engine while SpiffWorkflow's DMNEngine builds the expressions
    it would evaluate; ``validate`` is the runtime's, so the rewrite is the runtime's too."""

    def __init__(self) -> None:
        self.expressions: list[str] = []

    def validate(self, text: str) -> None:
        validate_source(text)

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> bool:
        self.expressions.append(expression)
        return True


def _evaluated(table: Any, input_expr: str, lhs: str) -> list[str]:
    """The expressions the DMN engine evaluates for one input entry."""
    recorder = _Recorder()
    task = SimpleNamespace(workflow=SimpleNamespace(script_engine=recorder), data={})
    DMNEngine(table).evaluate(input_expr, lhs, task)
    return recorder.expressions


def _dmn_reasons(table: Any) -> Iterator[tuple[str, ScriptError]]:
    """(element id, error) of every refused DMN expression of a decision table."""
    refused_inputs = set()
    for item in table.inputs:
        if item.expression and (error := _reason(item.expression.strip(), "eval")) is not None:
            refused_inputs.add(item.id)
            yield item.id, error
    for rule in table.rules:
        for entry in rule.inputEntries:
            if entry.input.id not in refused_inputs:  # reported once, at the input
                yield from _input_entry_reasons(table, entry)
        for entry in rule.outputEntries:
            text = entry.text
            if text and (error := _reason(text.strip(), "eval")) is not None:
                yield entry.id, error


def _input_entry_reasons(table: Any, entry: Any) -> Iterator[tuple[str, ScriptError]]:
    input_expr = entry.input.expression or "None"  # without one SpiffWorkflow uses a repr
    for lhs in entry.lhs:
        if lhs is None:
            continue
        if len(lhs) > MAX_DMN_ENTRY_CHARS:
            too_long = f"Eingabeeintrag ist länger als {MAX_DMN_ENTRY_CHARS} Zeichen"
            yield entry.id, ScriptError(too_long)
            continue
        try:
            expressions = _evaluated(table, input_expr, lhs)
        except ScriptError as exc:
            yield entry.id, exc
            continue
        for expression in expressions:
            if (error := _reason(expression.strip(), "eval")) is not None:
                yield entry.id, error
                break


def _parse_decision(name: str, dmn_parser: Any) -> None:
    """Parses a DMN file, also one no task refers to (SpiffWorkflow parses those lazily)."""
    try:
        dmn_parser.parse()
    except Exception as exc:  # its parser fails with any exception on some malformed files
        message = f"Datei {name} ist ungültig: {exc}"
        raise WorkflowError("bpmn-invalid", message, repr(exc)) from exc


def _check_dmn(name: str, root: Any, dmn_parser: Any) -> list[Refusal]:
    _parse_decision(name, dmn_parser)
    by_id = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    findings = []
    for table in dmn_parser.decision.decisionTables:
        for element_id, error in _dmn_reasons(table):
            element = by_id.get(element_id)
            text = element.find(".//{*}text") if element is not None else None
            holder = text if text is not None else element
            line = holder.sourceline if holder is not None else None
            findings.append(Refusal(name, element_id, line, error.message))
    return findings
