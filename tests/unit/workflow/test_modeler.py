"""Where the bare file names Camunda Modeler sends land in the bundle (egov.workflow.modeler)."""

from __future__ import annotations

import pytest

from egov.errors import Invalid
from egov.workflow.modeler import bundle_files, process_ids
from egov.workflow.store import ProcessDefinition

BPMN = (
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d">'
    b'<bpmn:process id="antrag" isExecutable="true"><bpmn:userTask id="t" '
    b'camunda:formKey="camunda-forms:deployment:forms/pruefung.json"/></bpmn:process>'
    b'<bpmn:process id="skizze" isExecutable="false"/></bpmn:definitions>'
)


def active(files: dict[str, str]) -> ProcessDefinition:
    return ProcessDefinition(process_id="antrag", version=1, files=files)


def test_the_executable_processes_of_the_diagram_are_found() -> None:
    assert process_ids({"antrag.bpmn": BPMN, "procedure.json": b"{}"}) == ["antrag"]
    assert process_ids({"kaputt.bpmn": b"<nicht"}) == []


def test_a_first_deploy_places_forms_where_the_model_names_them_and_letters_in_letters() -> None:
    sent = {
        "antrag.bpmn": BPMN,
        "pruefung.json": b"{}",
        "andere.json": b"{}",
        "bescheid.txt": b"$case_reference",
        "regeln.dmn": b"<definitions/>",
        "procedure.json": b"{}",
    }

    assert set(bundle_files(sent, None)) == {
        "antrag.bpmn",
        "forms/pruefung.json",
        "forms/andere.json",
        "letters/bescheid.txt",
        "regeln.dmn",
        "procedure.json",
    }


def test_a_new_version_keeps_the_active_files_and_replaces_those_sent() -> None:
    previous = active(
        {
            "antrag.bpmn": "<alt/>",
            "procedure.json": "{}",
            "letters/bescheid.txt": "alt",
            "forms/pruefung.json": "{}",
        }
    )

    files = bundle_files({"antrag.bpmn": BPMN, "bescheid.txt": b"neu"}, previous)

    assert files == {
        "antrag.bpmn": BPMN,
        "procedure.json": b"{}",
        "letters/bescheid.txt": b"neu",
        "forms/pruefung.json": b"{}",
    }


def test_a_new_process_without_procedure_json_is_refused_naming_it() -> None:
    with pytest.raises(Invalid) as refused:
        bundle_files({"antrag.bpmn": BPMN}, None)

    assert refused.value.code == "modeler-procedure-missing"
    assert "antrag" in refused.value.message


def test_a_form_path_out_of_the_bundle_in_the_model_puts_the_form_in_forms() -> None:
    bpmn = BPMN.replace(b"forms/pruefung.json", b"../../pruefung.json")

    files = bundle_files(
        {"antrag.bpmn": bpmn, "pruefung.json": b"{}", "procedure.json": b"{}"}, None
    )

    assert "forms/pruefung.json" in files
