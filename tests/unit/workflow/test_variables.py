"""The variables a process can have, the placeholders of its letters (workflow.variables)."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree

from egov.cases.store import Case
from egov.workflow.bundle_errors import WorkflowError
from egov.workflow.steps import start_data
from egov.workflow.variables import CASE_VARIABLES, check_letters, model_variables, placeholders

BPMN = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">'
    '<bpmn:process id="p" isExecutable="true">'
    '<bpmn:dataObject id="akte"/>'
    '<bpmn:scriptTask id="s"><bpmn:script>betrag = 1\nfor posten in []:\n    pass\n'
    "(summe := 2)</bpmn:script></bpmn:scriptTask>"
    '<bpmn:serviceTask id="o"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="letters.create" resultVariable="brief"/>'
    "</bpmn:extensionElements></bpmn:serviceTask>"
    '<bpmn:intermediateCatchEvent id="m"><bpmn:extensionElements>'
    "<spiffworkflow:messageVariable>antwort</spiffworkflow:messageVariable>"
    "</bpmn:extensionElements></bpmn:intermediateCatchEvent>"
    "</bpmn:process></bpmn:definitions>"
)
DMN = (
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">'
    '<decision id="d"><decisionTable><output name="zulaessig"/></decisionTable></decision>'
    "</definitions>"
)
FORM = {"properties": {"geprueft": {}, "adresse": {"properties": {"plz": {}}}}}


def test_scripts_operators_messages_data_objects_decisions_and_forms_name_variables() -> None:
    trees = {"p.bpmn": etree.fromstring(BPMN), "d.dmn": etree.fromstring(DMN)}

    names = model_variables(trees, [FORM])

    assert names == {
        "akte", "betrag", "posten", "summe", "brief", "antwort", "zulaessig",
        "geprueft", "adresse", "plz",
    }  # fmt: skip


def test_placeholders_carry_their_line_and_skip_an_escaped_dollar() -> None:
    text = "Guten Tag $applicant_name,\n\nKosten: $$5, Vorgang ${case_reference}.\n"

    assert list(placeholders(text)) == [("applicant_name", 1), ("case_reference", 3)]


def test_only_letters_are_checked_and_each_unknown_placeholder_is_named() -> None:
    texts = {"letters/a.txt": "$x\n$y", "forms/f.json": "$nicht", "letters/b.txt": "$x"}

    with pytest.raises(WorkflowError) as refused:
        check_letters(texts, {"x"})

    assert refused.value.code == "letter-placeholder-unknown"
    assert [(p["name"], p["line"]) for p in refused.value.invalid_params] == [("letters/a.txt", 2)]


def test_the_case_variables_are_what_an_instance_starts_with_beside_the_fachdaten() -> None:
    case = Case(
        reference="JENA-2026-000001",
        applicant_name="Erika Mustermann",
        created_at=datetime(2026, 1, 1),
        data={"title": "Bank"},
    )

    assert set(start_data(case)) - set(case.data) == CASE_VARIABLES
