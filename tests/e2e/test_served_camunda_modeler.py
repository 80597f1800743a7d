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
