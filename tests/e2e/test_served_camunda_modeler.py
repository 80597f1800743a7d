"""Camunda Modeler's Deploy against a served egov over real HTTP on loopback, the requests as
Modeler 5's CamundaAPI sends them: the connection check, the version, then the changed diagram
alone as `multipart/form-data` with a Bearer token from `egov dev-token admin`; the new
version keeps the active one's other files."""

from __future__ import annotations

import subprocess
from typing import Any

import requests

from tests.e2e.served_app import EGOV, ROOT, Served, served

__all__ = ["served"]
ENGINE = "/api/v1/camunda/engine-rest"
DIAGRAM = ROOT / "bpmn" / "buergerbudget" / "buergerbudget.bpmn"


def admin_token(served: Served) -> str:
    result = subprocess.run(
        [EGOV, "dev-token", "admin", "--url", served.url],
        env=served.fresh_shell(),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def test_the_modeler_deploys_a_changed_diagram_as_a_new_version(served: Served) -> None:
    headers = {"accept": "application/json", "authorization": f"Bearer {admin_token(served)}"}
    check = requests.get(f"{served.url}{ENGINE}/deployment?maxResults=0", headers=headers)
    assert (check.status_code, check.json()) == (200, [])
    assert requests.get(f"{served.url}{ENGINE}/version", headers=headers).status_code == 200
    diagram = DIAGRAM.read_bytes() + b"\n<!-- im Modeler geaendert -->\n"

    answer = requests.post(
        f"{served.url}{ENGINE}/deployment/create",
        headers=headers,
        data={
            "deployment-name": "buergerbudget",
            "deployment-source": "Camunda Modeler",
            "enable-duplicate-filtering": "true",
        },
        files=[("buergerbudget.bpmn", ("buergerbudget.bpmn", diagram, "text/xml"))],
        timeout=60,
    )

    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    [definition] = body["deployedProcessDefinitions"].values()
    assert (definition["key"], definition["version"], body["created"]) == (
        "buergerbudget",
        2,
        True,
    )
    stored = requests.get(
        f"{served.url}/api/v1/process-definitions/{definition['id']}", headers=headers
    ).json()
    assert {"procedure.json", "letters/rejection.txt", "formal_check.dmn"} <= set(stored["files"])


CAMUNDA = ROOT / "tests" / "integration" / "camunda"
BOUNDARY = "----WebKitFormBoundaryq1Zr8wVb5sTn2LkE"  # how Chromium (Electron) names its boundary


def chromium_form_data(fields: list[tuple[str, str]], files: list[tuple[str, bytes, str]]) -> bytes:
    """The body Chromium's fetch writes for a FormData: the fields in append order, then each
    Blob as a file part (`name` and `filename` the file's name; a Blob without type is sent
    as application/octet-stream), CRLF line ends."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    parts += [
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
        f'name="{name}"; filename="{name}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
        + content
        + b"\r\n"
        for name, content, kind in files
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_the_modelers_deploy_request_replayed_byte_for_byte_deploys_a_camunda_form(
    served: Served,
) -> None:
    """Camunda Modeler 5.50.1 (client/src/plugins/camunda-plugin: DeploymentTool.deployTab,
    CamundaAPI, RestAPI): GET /version, then POST /deployment/create with the fields
    deployment-name (the file name without extension), deployment-source, enable-duplicate-
    filtering, the diagram as text/xml, then each attachment as a Blob without type; every
    request with `accept: application/json` and `authorization: Bearer ...`, from the
    window's origin file://; after success it asks the host's well-known web apps, without
    credentials, and falls back when that fails."""
    headers = {
        "accept": "application/json",
        "authorization": f"Bearer {admin_token(served)}",
        "Origin": "file://",
    }
    version = requests.get(f"{served.url}{ENGINE}/version", headers=headers, timeout=10)
    assert version.status_code == 200 and version.json()["version"].startswith("7.")
    diagram = (CAMUNDA / "foerderantrag.bpmn").read_bytes()
    diagram = diagram.replace(
        b'camunda:formKey="camunda-forms:deployment:forms/pruefung.schema.json"',
        b'camunda:formRef="Form_Pruefung" camunda:formRefBinding="deployment"',
    ).replace(b'camunda:topic="aktenablage"', b'camunda:topic="dms.store"')
    form = (CAMUNDA / "pruefung.form").read_bytes()
    procedure = (
        b'{"key": "camunda_foerderantrag", "leika_key": "urn:de:fim:leika:leistung:99000000000412",'
        b' "name": "F\xc3\xb6rderantrag", "org_unit": "buero-buergerbudget",'
        b' "required_vertrauensniveau": "low", "processing_days": 10,'
        b' "fachdaten_namespace": "urn:egov-oss:fachdaten:buergerbudget:1.0"}'
    )
    body = chromium_form_data(
        [
            ("deployment-name", "foerderantrag"),
            ("deployment-source", "Camunda Modeler"),
            ("enable-duplicate-filtering", "true"),
        ],
        [
            ("foerderantrag.bpmn", diagram, "text/xml"),
            ("pruefung.form", form, "application/octet-stream"),
            ("procedure.json", procedure, "application/octet-stream"),
        ],
    )

    answer = requests.post(
        f"{served.url}{ENGINE}/deployment/create",
        headers={**headers, "content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        data=body,
        timeout=60,
    )

    assert answer.status_code == 200, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == "file://"
    created: dict[str, Any] = answer.json()
    [definition] = created["deployedProcessDefinitions"].values()
    assert (created["name"], definition["key"]) == ("foerderantrag", "camunda_foerderantrag")
    files = f"{served.url}/api/v1/process-definitions/{definition['id']}/files"
    assert requests.get(f"{files}/pruefung.form", headers=headers, timeout=10).content == form
    assert requests.get(f"{files}/foerderantrag.bpmn", headers=headers, timeout=10).content == (
        diagram
    )
    webapps = requests.get(
        f"{served.url}/.well-known/camunda-automation-platform/webapps",
        headers={"accept": "application/json"},
        timeout=10,
    )
    assert webapps.status_code == 404  # the Modeler then links its default Cockpit URL
