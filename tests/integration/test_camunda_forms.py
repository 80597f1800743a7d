"""A Camunda Form (form-js `.form`, as Camunda Modeler 5 saves it) on a user task of a Camunda
model: deployed from the Modeler with the diagram, it is the task's form as JSON Schema,
the original stays downloadable byte for byte, a submission is checked against it; a form
with components egov cannot check as form-js does is refused naming file and component."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Api
from tests.integration.test_camunda_modeler_deploy import modeler_deploy
from tests.integration.test_camunda_models import (  # noqa: F401 (its fixture)
    CAMUNDA,
    PROCESS,
    aktenablage,
    bundle,
    deploy,
    outbox_kinds,
)
from tests.integration.test_timers_support import actions, file_case, open_task_names

FORM = (CAMUNDA / "pruefung.form").read_text("utf-8")
FORM_KEY = 'camunda:formKey="camunda-forms:deployment:forms/pruefung.schema.json"'


def with_form(reference: str, form: str = FORM) -> dict[str, str]:
    """The Förderantrag model whose review task names the Camunda Form by `reference`."""
    files = bundle()
    del files["forms/pruefung.schema.json"]
    files["foerderantrag.bpmn"] = files["foerderantrag.bpmn"].replace(FORM_KEY, reference)
    return {**files, "pruefung.form": form}


BY_REF = 'camunda:formRef="Form_Pruefung" camunda:formRefBinding="deployment"'


def review_task(api: Api) -> tuple[str, str]:
    """A new case's open task: (case id, task id)."""
    case_id = file_case(api, PROCESS)
    [task] = api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"]
    return case_id, str(task["id"])


def test_a_camunda_form_named_by_form_ref_is_the_tasks_form_and_checks_the_submission(
    api: Api,
) -> None:
    deployed = modeler_deploy(api, with_form(BY_REF))
    assert deployed.status_code == 200, deployed.get_json()
    [definition_id] = deployed.get_json()["deployedProcessDefinitions"]
    original = api.get(f"/process-definitions/{definition_id}/files/pruefung.form", "admin")
    assert original.data == FORM.encode("utf-8")

    case_id, task_id = review_task(api)
    form: dict[str, Any] = api.get(f"/tasks/{task_id}", "anna").get_json()["form"]
    assert form["properties"]["betrag"] == {
        "title": "Betrag in Euro",
        "description": "Der bewilligte Betrag, höchstens 10.000 €",
        "type": "number",
        "minimum": 1,
        "maximum": 10000,
        "x-egov-decimals": {"decimalDigits": 2},
    }
    assert form["properties"]["kategorie"]["enum"] == ["spielplatz", "gruen", None]
    assert form["required"] == ["betrag", "geprueft"]
    assert form["additionalProperties"] is False

    bad = api.post(
        f"/tasks/{task_id}/complete",
        "anna",
        json={"data": {"betrag": 20000.505, "geprueft": False, "rueckfrage": {"email": "x"}}},
    )
    assert bad.status_code == 422
    assert bad.get_json()["code"] == "form-invalid"
    assert {p["name"]: p["reason"] for p in bad.get_json()["invalid_params"]} == {
        "betrag": "darf höchstens 2 Nachkommastellen haben",
        "geprueft": "muss „true“ sein",
        "rueckfrage/email": "hat nicht das erwartete Format",
    }

    untouched = {"kategorie": None, "begruendung": "", "rueckfrage": {"email": ""}}
    good = {"betrag": 250.5, "geprueft": True, **untouched}  # as form-js submits it
    done = api.post(f"/tasks/{task_id}/complete", "anna", json={"data": good})
    assert done.status_code == 200, done.get_json()
    assert open_task_names(api, case_id) == []
    assert "aktenablage" in outbox_kinds(api)  # betrag > 100 and geprueft: the form's data


def test_a_camunda_form_named_by_form_key_in_a_bundle_deploys_the_same(api: Api) -> None:
    files = with_form('camunda:formKey="camunda-forms:deployment:forms/pruefung.form"')
    files["forms/pruefung.form"] = files.pop("pruefung.form")

    assert deploy(api, files).status_code == 201
    case_id, task_id = review_task(api)

    form = api.get(f"/tasks/{task_id}", "anna").get_json()["form"]
    assert form["properties"]["geprueft"] == {"title": "Geprüft", "type": "boolean", "const": True}
    done = api.post(
        f"/tasks/{task_id}/complete", "anna", json={"data": {"betrag": 50, "geprueft": True}}
    )
    assert done.status_code == 200, done.get_json()
    assert "task.completed" in actions(api, case_id)


def test_a_form_with_components_egov_cannot_check_is_refused_naming_each(api: Api) -> None:
    form = json.loads(FORM)
    form["components"] += [
        {"type": "dynamiclist", "id": "Field_liste", "path": "posten", "components": []},
        {
            "type": "textfield",
            "id": "Field_grund",
            "key": "grund",
            "conditional": {"hide": "=betrag < 100"},
        },
        {"type": "select", "id": "Field_amt", "key": "amt", "valuesKey": "aemter"},
    ]

    response = deploy(api, with_form(BY_REF, json.dumps(form)))

    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "bpmn-invalid"
    reasons = {p["name"]: p["reason"] for p in problem["invalid_params"]}
    assert set(reasons) == {
        "pruefung.form#Field_liste",
        "pruefung.form#Field_grund",
        "pruefung.form#Field_amt",
    }
    assert "dynamische Listen" in reasons["pruefung.form#Field_liste"]
    assert "conditional.hide" in reasons["pruefung.form#Field_grund"]
    assert "valuesKey" in reasons["pruefung.form#Field_amt"]
    listed = api.get("/process-definitions", "admin").get_json()["items"]
    assert PROCESS not in [d["process_id"] for d in listed]


def test_a_form_ref_to_no_form_of_the_bundle_or_bound_by_version_is_refused(api: Api) -> None:
    missing = deploy(api, with_form('camunda:formRef="Form_Unbekannt"'))
    assert missing.status_code == 422
    [param] = missing.get_json()["invalid_params"]
    assert param["name"] == "foerderantrag.bpmn#Task_Pruefen"
    assert "Form_Unbekannt" in param["reason"]

    versioned = 'camunda:formRef="Form_Pruefung" camunda:formRefBinding="version"'
    refused = deploy(api, with_form(versioned))
    assert refused.status_code == 422
    assert refused.get_json()["invalid_params"][0]["name"] == "foerderantrag.bpmn#Task_Pruefen"
