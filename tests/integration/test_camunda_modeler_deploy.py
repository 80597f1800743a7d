"""Camunda Modeler's "Deploy to Camunda 7" against egov's compatibility endpoint: the request
as the Modeler 5 sends it (CamundaAPI.deployDiagram: `deployment-name`, `deployment-source`,
`enable-duplicate-filtering`, the diagram and each attachment under its bare file name, Bearer
token), answered in Camunda 7 REST's shape; a refusal is 400 with Camunda's `message` and our
invalid_params."""

from __future__ import annotations

import io
from typing import Any

from tests.conftest import Api
from tests.integration.test_camunda_models import (  # noqa: F401 (its fixture)
    CAMUNDA,
    PROCESS,
    aktenablage,
    bundle,
    outbox_kinds,
)
from tests.integration.test_timers_support import file_case

ENGINE = "/camunda/engine-rest"


def modeler_deploy(
    api: Api, files: dict[str, str], user: str = "admin", origin: str | None = None
) -> Any:
    """As the Modeler posts it: attachments carry their bare file names, no folders."""
    data: dict[str, Any] = {
        "deployment-name": "foerderantrag",
        "deployment-source": "Camunda Modeler",
        "enable-duplicate-filtering": "true",
    }
    for name, content in files.items():
        base = name.rsplit("/", 1)[-1]
        data[base] = (io.BytesIO(content.encode()), base)
    headers = {"Origin": origin} if origin else {}
    return api.post(
        f"{ENGINE}/deployment/create",
        user,
        data=data,
        content_type="multipart/form-data",
        headers=headers,
    )


def test_the_modeler_connection_check_and_version_answer_with_a_bearer_token(api: Api) -> None:
    check = api.get(f"{ENGINE}/deployment?maxResults=0", "admin")
    assert (check.status_code, check.get_json()) == (200, [])
    assert api.get(f"{ENGINE}/version", "admin").get_json()["version"].startswith("7.")
    assert api.get(f"{ENGINE}/deployment?maxResults=0").status_code == 401
    basic = {"Authorization": "Basic YWRtaW46YWRtaW4="}  # the Modeler's other choice: refused
    assert api.client.get(f"/api/v1{ENGINE}/version", headers=basic).status_code == 401
    assert api.get(f"{ENGINE}/deployment?maxResults=0", "anna").status_code == 403


def test_a_first_deploy_with_attached_files_answers_as_camunda_and_runs(api: Api) -> None:

    response = modeler_deploy(api, bundle())

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    [(definition_id, definition)] = body["deployedProcessDefinitions"].items()
    assert (definition["key"], definition["version"]) == (PROCESS, 1)
    assert definition["id"] == definition_id == body["id"] == definition["deploymentId"]
    assert body["name"] == "foerderantrag"
    assert body["deploymentTime"].endswith("+0000")
    stored = api.get(f"/process-definitions/{definition_id}", "admin").get_json()
    assert set(stored["files"]) == {
        "foerderantrag.bpmn",
        "forms/pruefung.schema.json",  # placed where camunda:formKey names it
        "procedure.json",
    }
    assert stored["active"] is True
    listed = api.get(f"{ENGINE}/deployment", "admin").get_json()
    assert definition_id in [d["id"] for d in listed]
    assert file_case(api, PROCESS)


def test_a_new_version_from_the_modeler_takes_the_other_files_from_the_active_one(
    api: Api,
) -> None:
    first = modeler_deploy(api, bundle()).get_json()
    changed = bundle()["foerderantrag.bpmn"].replace('name="Erledigt"', 'name="Fertig"')

    again = modeler_deploy(api, {"foerderantrag.bpmn": changed})

    assert again.status_code == 200, again.get_json()
    [definition] = again.get_json()["deployedProcessDefinitions"].values()
    assert definition["version"] == 2
    assert again.get_json()["created"] is True
    stored = api.get(f"/process-definitions/{definition['id']}", "admin").get_json()
    assert "procedure.json" in stored["files"] and "forms/pruefung.schema.json" in stored["files"]
    same = modeler_deploy(api, {"foerderantrag.bpmn": changed}).get_json()
    assert (same["id"], same["created"]) == (definition["id"], False)
    assert first["id"] != definition["id"]


def test_a_new_process_without_procedure_json_is_refused_saying_what_to_attach(
    api: Api,
) -> None:
    files = bundle()
    del files["procedure.json"]

    response = modeler_deploy(api, files)

    assert response.status_code == 400
    problem = response.get_json()
    assert problem["code"] == "modeler-procedure-missing"
    assert "procedure.json" in problem["message"]
    assert "Include additional files" in problem["invalid_params"][0]["reason"]


def test_a_refused_model_answers_400_with_camunda_message_naming_element_and_line(
    api: Api,
) -> None:
    bpmn = (
        (CAMUNDA / "foerderantrag.bpmn")
        .read_text("utf-8")
        .replace(
            'camunda:type="external" camunda:topic="aktenablage"',
            'camunda:class="de.example.Ablage"',
        )
    )

    response = modeler_deploy(api, {**bundle(), "foerderantrag.bpmn": bpmn})

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "bpmn-unsupported"
    [param] = problem["invalid_params"]
    assert param["name"] == "foerderantrag.bpmn#Task_Ablegen"
    assert isinstance(param["line"], int)
    assert f"foerderantrag.bpmn#Task_Ablegen (Zeile {param['line']})" in problem["message"]
    assert outbox_kinds(api) == []


def test_only_an_admin_deploys_from_the_modeler(api: Api) -> None:
    before = api.get("/process-definitions", "admin").get_json()["items"]

    assert modeler_deploy(api, bundle(), user="anna").status_code == 403
    assert api.get("/process-definitions", "admin").get_json()["items"] == before


def test_the_modeler_window_may_ask_and_read_without_cookies_other_origins_not(api: Api) -> None:
    asked = api.client.options(
        f"/api/v1{ENGINE}/deployment/create",
        headers={
            "Origin": "file://",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert asked.status_code == 204
    assert asked.headers["Access-Control-Allow-Origin"] == "file://"
    assert "Authorization" in asked.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in asked.headers

    refused = modeler_deploy(api, {"foerderantrag.bpmn": "<kaputt"}, origin="file://")
    assert refused.status_code == 400
    assert refused.headers["Access-Control-Allow-Origin"] == "file://"

    other = api.get(f"{ENGINE}/version", "admin", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
