"""Deploy-time checks with readable refusals: encodings, DOCTYPE, DMN references, lanes that
name no org unit, forms that are no JSON Schema; each a 422 naming file, element and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from egov.workflow.deploy import read_bundle
from egov.workflow.engine import WorkflowError, compile_bundle
from egov.workflow.store import ProcessDefinition
from tests.builders import linear_bundle
from tests.conftest import Api

LATIN1 = """<?xml version="1.0" encoding="ISO-8859-1"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="d" targetNamespace="x">
  <bpmn:process id="umlaute" name="Änderung der Größe" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="ende" name="schön"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ende"/>
  </bpmn:process>
</bpmn:definitions>
"""


def deploy(api: Api, files: dict[str, str]) -> Any:
    return api.post("/process-definitions", "admin", json={"files": files})


def test_an_iso_8859_1_model_through_the_api_keeps_its_umlauts(api: Api) -> None:
    response = deploy(api, {"umlaute.bpmn": LATIN1})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["process_id"] == "umlaute"
    with api.container.db.reading() as session:
        query = select(ProcessDefinition).where(ProcessDefinition.process_id == "umlaute")
        definition = session.scalars(query).one()
        assert json.loads(definition.spec_json)["spec"]["description"] == "Änderung der Größe"


def test_an_iso_8859_1_model_from_a_folder_is_read_in_its_declared_encoding() -> None:
    raw = LATIN1.encode("iso-8859-1")
    compiled = compile_bundle({"umlaute.bpmn": raw})
    assert json.loads(compiled.spec_json)["spec"]["description"] == "Änderung der Größe"


def test_a_doctype_is_refused_before_the_parser_sees_it(api: Api) -> None:
    bpmn = LATIN1.replace(
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x "x">]>',
    )
    response = deploy(api, {"umlaute.bpmn": bpmn})
    assert response.status_code == 422
    [param] = response.get_json()["invalid_params"]
    assert param["name"] == "umlaute.bpmn"
    assert "DOCTYPE" in param["reason"]


def test_a_decision_that_is_in_no_dmn_file_is_refused_naming_the_task() -> None:
    bpmn = LATIN1.replace(
        '<bpmn:endEvent id="ende"',
        '<bpmn:businessRuleTask id="regel"><bpmn:extensionElements>'
        '<spiffworkflow:calledDecisionId xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">'
        "gebuehr</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>"
        '<bpmn:endEvent id="ende"',
    )
    try:
        compile_bundle({"umlaute.bpmn": bpmn.encode("iso-8859-1")})
    except WorkflowError as exc:
        [param] = exc.invalid_params
        assert param["name"] == "umlaute.bpmn#regel"
        assert "gebuehr" in param["reason"]
        assert param["line"] == 6
    else:
        raise AssertionError("deployed")


def test_a_lane_naming_an_unknown_org_unit_is_refused(api: Api) -> None:
    files = linear_bundle("probe")
    name = next(n for n in files if n.endswith(".bpmn"))
    files[name] = files[name].replace('name="buero-buergerbudget"', 'name="bauamt-unbekannt"')
    response = deploy(api, files)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["code"] == "org-unit-unknown"
    assert all("bauamt-unbekannt" in p["reason"] for p in problem["invalid_params"])


def test_a_letter_template_missing_from_the_bundle_is_refused_naming_the_task(api: Api) -> None:
    folder = Path(__file__).parents[2] / "bpmn" / "buergerbudget"
    files = {name: content.decode("utf-8") for name, content in read_bundle(folder).items()}
    del files["letters/rejection.txt"]
    files["letters/bescheid_admission.txt"] += "\nGebühr: $ 5\n"
    response = deploy(api, files)
    assert response.status_code == 422, response.get_json()
    reasons = [p["reason"] for p in response.get_json()["invalid_params"]]
    assert any("letters/rejection.txt fehlt" in r for r in reasons), reasons
    assert any("ungültigen Platzhalter" in r for r in reasons), reasons


def test_an_iso_8859_1_file_deployed_from_a_folder_is_stored_as_its_text(api: Api) -> None:
    raw = LATIN1.encode("iso-8859-1")
    deployment = api.container.definitions.deploy({"umlaute.bpmn": raw}, actor="cli")
    assert deployment.definition.files["umlaute.bpmn"] == LATIN1
    assert "Größe" in deployment.definition.files["umlaute.bpmn"]
