"""The deploy-time check: every script and expression SpiffWorkflow will evaluate is checked
with the runtime's rules, and a refusal names file, element, line and reason."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from egov.workflow.deploy import read_bundle
from egov.workflow.engine import WorkflowError, compile_bundle
from tests.builders import DMN_FILE, as_bytes, expression_bundle

ROOT = Path(__file__).resolve().parents[3]


def refusals(bundle: dict[str, str]) -> list[dict[str, Any]]:
    with pytest.raises(WorkflowError) as info:
        compile_bundle(as_bytes(bundle))
    assert info.value.code == "script-invalid"
    return info.value.invalid_params


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


PLACES = [
    # (builder argument, hostile code, file, element id, the text that marks the line)
    ("script", "x = 1\ny = 2\nimport os", "p.bpmn", "script", "import os"),
    ("condition", "vars() == {}", "p.bpmn", "flow_condition", "<bpmn:conditionExpression>"),
    ("parameter", "'{}'.format_map({})", "p.bpmn", "service", "<spiffworkflow:parameter "),
    ("timer", "type('x', (), {})", "p.bpmn", "timer", "<bpmn:timeDuration>"),
    ("dmn_input", "amount.__class__", DMN_FILE, "input_amount", "<text>amount.__class__"),
    ("dmn_entry", "> getattr(1, 'real')", DMN_FILE, "entry_big", "<text>&gt; getattr"),
    ("dmn_output", "().__class__", DMN_FILE, "output_big", "<text>().__class__"),
]


@pytest.mark.parametrize(
    ("place", "code", "file", "element", "marker"), PLACES, ids=[p[0] for p in PLACES]
)
def test_a_hostile_expression_is_refused_naming_file_element_and_line(
    place: str, code: str, file: str, element: str, marker: str
) -> None:
    bundle = expression_bundle("p", **{place: code})
    [param] = refusals(bundle)
    assert param["name"] == f"{file}#{element}"
    assert param["line"] == line_of(bundle[file], marker)
    assert param["reason"].startswith(("Nicht erlaubt", "Parameter 'status': Nicht erlaubt"))


def test_every_refusal_of_a_bundle_is_reported_at_once() -> None:
    bundle = expression_bundle(
        "p", script="import os", condition="__x", dmn_output="eval('1')", parameter="open('/')"
    )
    names = sorted(p["name"] for p in refusals(bundle))
    assert names == [
        f"{DMN_FILE}#output_big",
        "p.bpmn#flow_condition",
        "p.bpmn#script",
        "p.bpmn#service",
    ]


@pytest.mark.parametrize(
    "entry",
    [
        "> 100",
        "<= 100",
        "100",
        '"gross"',
        "-",
        "? > 100",
        "100 < ? < 200",
        'not ? in ("a", "b")',
        '"a", "b"',
        "in (100, 200)",  # SpiffWorkflow glues it to the input; valid Python, not refused
    ],
)
def test_a_dmn_unary_test_is_checked_as_spiffworkflow_rewrites_it_and_passes(entry: str) -> None:
    compile_bundle(as_bytes(expression_bundle("p", dmn_entry=entry)))


def test_a_dmn_entry_with_a_refused_name_after_the_rewrite_is_refused() -> None:
    [param] = refusals(expression_bundle("p", dmn_entry="> dir()"))
    assert param["name"] == f"{DMN_FILE}#entry_big"
    assert param["reason"] == "Nicht erlaubter Name: dir"


def test_a_dmn_entry_that_is_no_python_even_after_the_rewrite_is_a_syntax_refusal() -> None:
    [param] = refusals(expression_bundle("p", dmn_entry="> > 1"))
    assert param["reason"].startswith("Syntaxfehler")


def test_a_long_dmn_entry_is_refused_before_spiffworkflows_quadratic_rewrite_runs() -> None:
    started = time.monotonic()
    [param] = refusals(expression_bundle("p", dmn_entry="?" * 50_000))
    assert time.monotonic() - started < 2
    assert "länger als" in param["reason"]


def test_a_refused_dmn_input_is_reported_once_not_for_every_entry() -> None:
    assert [p["name"] for p in refusals(expression_bundle("p", dmn_input="__x"))] == [
        f"{DMN_FILE}#input_amount"
    ]


SPIFF_PLACES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://egov.example/bpmn">
  <bpmn:process id="places" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="pre_post">
      <bpmn:extensionElements>
        <spiffworkflow:preScript>{pre}</spiffworkflow:preScript>
        <spiffworkflow:postScript>{post}</spiffworkflow:postScript>
      </bpmn:extensionElements>
      <bpmn:script>x = 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="looped">
      <bpmn:standardLoopCharacteristics>
        <bpmn:loopCondition>{loop}</bpmn:loopCondition>
      </bpmn:standardLoopCharacteristics>
      <bpmn:script>x = 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="multi">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>
        <bpmn:completionCondition>{completion}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>x = 3</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pre_post"/>
    <bpmn:sequenceFlow id="f2" sourceRef="pre_post" targetRef="looped"/>
    <bpmn:sequenceFlow id="f3" sourceRef="looped" targetRef="multi"/>
    <bpmn:sequenceFlow id="f4" sourceRef="multi" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
HARMLESS = {
    "pre": "a = 1",
    "post": "b = 2",
    "loop": "x > 2",
    "cardinality": "2",
    "completion": "False",
}


def test_pre_and_post_scripts_loop_and_multi_instance_expressions_are_checked_too() -> None:
    compile_bundle({"places.bpmn": SPIFF_PLACES.format(**HARMLESS).encode()})
    hostile = {key: "__import__('os')" for key in HARMLESS}
    with pytest.raises(WorkflowError) as info:
        compile_bundle({"places.bpmn": SPIFF_PLACES.format(**hostile).encode()})
    names = [p["name"] for p in info.value.invalid_params]
    assert names == [
        "places.bpmn#pre_post",
        "places.bpmn#pre_post",
        "places.bpmn#looped",
        "places.bpmn#multi",
        "places.bpmn#multi",
    ]


def _bundle_folders() -> list[Path]:
    roots = [ROOT / "bpmn", ROOT / "tests" / "golden"]
    return sorted(p for root in roots for p in root.iterdir() if any(p.glob("*.bpmn")))


@pytest.mark.parametrize("folder", _bundle_folders(), ids=lambda p: p.name)
def test_every_shipped_bundle_passes_the_check(folder: Path) -> None:
    compile_bundle(read_bundle(folder))


TEST_MODELS = sorted((ROOT / "tests" / "unit" / "workflow" / "bpmn").glob("*.bpmn"))
TEST_MODELS += sorted((ROOT / "tests" / "integration" / "bpmn").glob("*.bpmn"))


@pytest.mark.parametrize("model", TEST_MODELS, ids=lambda p: p.name)
def test_every_test_model_but_the_hostile_one_passes_the_check(model: Path) -> None:
    files = {model.name: model.read_bytes()}
    for form in (model.parent / "forms").glob("*.json"):
        files[f"forms/{form.name}"] = form.read_bytes()
    for decision in model.parent.glob(f"{model.stem}*.dmn"):
        files[decision.name] = decision.read_bytes()
    if model.name == "hostile.bpmn":
        with pytest.raises(WorkflowError, match="script-invalid"):
            compile_bundle(files)
    elif model.name.startswith("refused_"):  # a construct egov refuses (constructs.py)
        with pytest.raises(WorkflowError, match="bpmn-unsupported"):
            compile_bundle(files)
    else:
        compile_bundle(files)


def test_a_malformed_dmn_file_that_no_task_uses_is_bpmn_invalid_not_a_crash() -> None:
    bundle = expression_bundle("p")
    bundle["other.dmn"] = (
        bundle[DMN_FILE]
        .replace('id="decision"', 'id="other"')
        .replace(
            "</decision>", '</decision><decision id="third"><decisionTable id="t3"/></decision>'
        )
    )
    with pytest.raises(WorkflowError) as info:
        compile_bundle(as_bytes(bundle))
    assert info.value.code == "bpmn-invalid"
    assert "other.dmn" in info.value.message
