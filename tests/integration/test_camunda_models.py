"""A model as Camunda Modeler (Camunda 7) writes it runs through the API: candidate group as
org unit, form by formKey, JUEL condition, external task as an outbox message; what Camunda
would run but egov does not is refused at deploy naming the element."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from egov.outbox.store import OutboxMessage
from tests.conftest import Api
from tests.integration.test_timers_support import actions, file_case, open_task_names

CAMUNDA = Path(__file__).parent / "camunda"
PROCESS = "camunda_foerderantrag"


def bundle(bpmn: str | None = None) -> dict[str, str]:
    procedure = {
        "key": PROCESS,
        "leika_key": "urn:de:fim:leika:leistung:99000000000412",
        "name": "Förderantrag (Camunda-Modell)",
        "org_unit": "buero-buergerbudget",
        "required_vertrauensniveau": "low",
        "processing_days": 10,
        "fachdaten_namespace": "urn:egov-oss:fachdaten:buergerbudget:1.0",
    }
    return {
        "foerderantrag.bpmn": bpmn or (CAMUNDA / "foerderantrag.bpmn").read_text(encoding="utf-8"),
        "forms/pruefung.schema.json": (CAMUNDA / "pruefung.schema.json").read_text("utf-8"),
        "procedure.json": json.dumps(procedure),
    }


@pytest.fixture(autouse=True)
def aktenablage(api: Api) -> None:
    """The delivery kind the model's external task names, as a plugin would register it."""
    api.container.outbox.register("aktenablage", lambda delivery: None)


def deploy(api: Api, files: dict[str, str]) -> Any:
    return api.post("/process-definitions", "admin", json={"files": files})


def outbox_kinds(api: Api) -> list[str]:
    with api.container.db.reading() as session:
        return list(session.scalars(select(OutboxMessage.kind)))


def test_a_camunda_model_runs_from_filing_to_its_external_task(api: Api) -> None:
    assert deploy(api, bundle()).status_code == 201
    case_id = file_case(api, PROCESS)
    tasks = api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"]
    assert [t["name"] for t in tasks] == ["Task_Pruefen"]
    task = api.get(f"/tasks/{tasks[0]['id']}", "anna").get_json()
    assert task["org_unit"] == "buero-buergerbudget"
    assert task["form"]["properties"]["betrag"]["type"] == "number"
    assert api.post(f"/tasks/{tasks[0]['id']}/claim", "anna").status_code == 200
    done = api.post(
        f"/tasks/{tasks[0]['id']}/complete",
        "anna",
        json={"data": {"betrag": 250, "geprueft": True}},
    )
    assert done.status_code == 200, done.get_json()
    assert open_task_names(api, case_id) == []
    assert "aktenablage" in outbox_kinds(api)
    assert "case.closed" in actions(api, case_id)


def test_a_small_amount_takes_the_default_flow_and_sends_nothing(api: Api) -> None:
    assert deploy(api, bundle()).status_code == 201
    case_id = file_case(api, PROCESS)
    task_id = api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"][0]["id"]
    api.post(f"/tasks/{task_id}/claim", "anna")
    done = api.post(
        f"/tasks/{task_id}/complete", "anna", json={"data": {"betrag": 50, "geprueft": True}}
    )
    assert done.status_code == 200, done.get_json()
    assert "aktenablage" not in outbox_kinds(api)


def refused(api: Api, bpmn: str) -> dict[str, str]:
    response = deploy(api, bundle(bpmn))
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert all(isinstance(p["line"], int) for p in problem["invalid_params"]), problem
    return {p["name"]: p["reason"] for p in problem["invalid_params"]}


def model() -> str:
    return (CAMUNDA / "foerderantrag.bpmn").read_text(encoding="utf-8")


def test_a_javascript_script_task_and_a_java_delegate_are_refused_together(api: Api) -> None:
    bpmn = model().replace(
        'camunda:type="external" camunda:topic="aktenablage"',
        'camunda:class="de.example.Ablage"',
    )
    bpmn = bpmn.replace(
        "<bpmn:endEvent ",
        '<bpmn:scriptTask id="Task_Skript" scriptFormat="javascript">'
        "<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask><bpmn:endEvent ",
    )
    reasons = refused(api, bpmn)
    assert "javascript" in reasons["foerderantrag.bpmn#Task_Skript"]
    assert "Java-Delegates" in reasons["foerderantrag.bpmn#Task_Ablegen"]


def test_a_juel_condition_with_a_method_call_is_refused(api: Api) -> None:
    bpmn = model().replace(
        "${betrag &gt; 100 &amp;&amp; geprueft}", '${execution.getVariable("betrag") &gt; 100}'
    )
    assert "JUEL" in refused(api, bpmn)["foerderantrag.bpmn#Flow_gross"]


def test_a_candidate_group_that_is_no_org_unit_is_refused_naming_the_task(api: Api) -> None:
    bpmn = model().replace(
        'candidateGroups="buero-buergerbudget"', 'candidateGroups="sachbearbeiter"'
    )
    response = deploy(api, bundle(bpmn))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "org-unit-unknown"
    [param] = problem["invalid_params"]
    assert param["name"] == "foerderantrag.bpmn#Task_Pruefen"
    assert "sachbearbeiter" in param["reason"]
    assert param["line"] == 7


def test_a_form_key_without_its_file_is_refused(api: Api) -> None:
    files = bundle()
    del files["forms/pruefung.schema.json"]
    response = deploy(api, files)
    assert response.status_code == 422
    [param] = response.get_json()["invalid_params"]
    assert param["name"] == "foerderantrag.bpmn#Task_Pruefen"
    assert param["line"] == 7
    assert "forms/pruefung.schema.json fehlt" in param["reason"]


def test_a_form_that_is_no_json_schema_is_refused_naming_its_task(api: Api) -> None:
    files = {**bundle(), "forms/pruefung.schema.json": '{"type": "objekt"}'}
    response = deploy(api, files)
    assert response.status_code == 422
    [param] = response.get_json()["invalid_params"]
    assert param["name"] == "foerderantrag.bpmn#Task_Pruefen"
    assert "kein gültiges JSON Schema" in param["reason"]


def test_an_external_task_whose_topic_is_no_operator_nor_delivery_kind_is_refused(
    api: Api,
) -> None:
    bpmn = model().replace('camunda:topic="aktenablage"', 'camunda:topic="aktenablag"')

    reason = refused(api, bpmn)["foerderantrag.bpmn#Task_Ablegen"]

    assert reason.startswith("Unbekanntes Thema 'aktenablag'")
    assert "aktenablage" in reason and "letters.create" in reason  # what is known


def test_an_outbox_send_naming_an_unregistered_kind_is_refused(api: Api) -> None:
    bpmn = model().replace(
        'camunda:type="external" camunda:topic="aktenablage">',
        '><bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="outbox.send">'
        "<spiffworkflow:parameters>"
        '<spiffworkflow:parameter id="kind" type="str" value="\'dms.ablage\'" />'
        "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
        "</bpmn:extensionElements>",
    )
    bpmn = bpmn.replace(
        'xmlns:camunda="',
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:camunda="',
    )

    reason = refused(api, bpmn)["foerderantrag.bpmn#Task_Ablegen"]

    assert reason.startswith("Unbekannte Zustellart 'dms.ablage'")
