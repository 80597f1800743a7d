"""Four eyes wherever the procedure demands them (`procedure.json` `four_eyes`): the first
admin's command is a request (202, `<command>_requested` in the trail), another admin's within
the window carries it out, the same admin again is refused (409 `four-eyes-own-request`).
Cancel, suspend, resume, restart, a migration batch and the activation of an earlier version;
an unknown command in `four_eyes` is refused at deploy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from egov.container import Container
from egov.workflow.operators import OperatorError
from tests.conftest import Api
from tests.integration.test_instance_migration import (
    changed_buergerbudget,
    instance_of,
    plan_body,
)
from tests.integration.test_process_instances import ADMISSIBLE, actions, new_case, task_of, trail


def demanding(*commands: str, files: dict[str, str] | None = None) -> dict[str, str]:
    """The Bürgerbudget bundle (or `files`) whose procedure.json demands four eyes."""
    files = dict(files or changed_buergerbudget())
    procedure = json.loads(files["procedure.json"])
    files["procedure.json"] = json.dumps({**procedure, "four_eyes": list(commands)})
    return files


def deploy(api: Api, files: dict[str, str]) -> dict[str, Any]:
    deployed = api.post("/process-definitions", "admin", json={"files": files})
    assert deployed.status_code in (200, 201), deployed.get_json()
    return dict(deployed.get_json())


@pytest.fixture
def admin2(container: Container) -> str:
    assert container.dev_idp is not None
    container.dev_idp.users["admin2"] = {
        "sub": "admin2",
        "name": "Zweite Admin",
        "roles": ["admin"],
    }
    return "admin2"


def test_a_cancel_needs_a_second_admin_and_the_same_admin_is_refused(api: Api, admin2: str) -> None:
    deploy(api, demanding("cancel"))
    case_id, instance_id = new_case(api)
    reason = {"reason": "Doppelt eingereicht."}

    asked = api.post(f"/process-instances/{instance_id}/cancel", "admin", json=reason)
    assert asked.status_code == 202, asked.get_json()
    assert asked.get_json()["state"] == "running"
    assert asked.get_json()["pending"]["command"] == "cancel"
    assert asked.get_json()["pending"]["requested_by"] == "dev:admin"
    alone = api.post(f"/process-instances/{instance_id}/cancel", "admin", json=reason)
    assert alone.status_code == 409 and alone.get_json()["code"] == "four-eyes-own-request"
    assert api.get(f"/cases/{case_id}", "admin").get_json()["status"] != "cancelled"

    confirmed = api.post(f"/process-instances/{instance_id}/cancel", admin2, json=reason)
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "cancelled"
    events = trail(api, case_id)
    requests = [e["actor"] for e in events if e["action"] == "workflow.cancel_requested"]
    assert requests == ["dev:admin"]
    (done,) = [e for e in events if e["action"] == "workflow.cancelled"]
    assert done["actor"] == "dev:admin2" and done["after"]["requested_by"] == "dev:admin"


def test_suspend_and_resume_each_need_a_second_admin_and_a_request_is_used_once(
    api: Api, admin2: str
) -> None:
    deploy(api, demanding("suspend", "resume"))
    case_id, instance_id = new_case(api)
    url = f"/process-instances/{instance_id}"

    assert api.post(f"{url}/suspend", "admin", json={"reason": "Rückfrage"}).status_code == 202
    assert api.get(url, "admin").get_json()["state"] == "running"
    assert api.post(f"{url}/suspend", admin2, json={}).status_code == 200
    assert api.get(url, "admin").get_json()["state"] == "suspended"
    assert api.post(f"{url}/resume", admin2, json={}).status_code == 202
    assert api.post(f"{url}/resume", "admin", json={}).status_code == 200
    assert api.get(url, "admin").get_json()["state"] == "running"

    again = api.post(f"{url}/suspend", admin2, json={})  # the first request was used up
    assert again.status_code == 202, again.get_json()
    assert actions(api, case_id).count("workflow.suspend_requested") == 2


def test_a_restart_needs_a_second_admin(
    api: Api, container: Container, admin2: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(api, demanding("restart"))
    case_id, instance_id = new_case(api)
    operators = container.workflows.operators.operators
    working = operators["case.set_status"]

    def broken(*_args: Any) -> Any:
        raise OperatorError("Statusdienst nicht erreichbar.", code="operator-failed")

    monkeypatch.setitem(operators, "case.set_status", broken)
    task_id = task_of(api, case_id)
    assert api.post(f"/tasks/{task_id}/complete", "anna", json=ADMISSIBLE).status_code == 200
    monkeypatch.setitem(operators, "case.set_status", working)
    url = f"/process-instances/{instance_id}/restart"

    asked = api.post(url, "admin")
    assert asked.status_code == 202 and asked.get_json()["state"] == "failed"
    assert api.post(url, "admin").get_json()["code"] == "four-eyes-own-request"
    done = api.post(url, admin2)
    assert done.status_code == 200 and done.get_json()["state"] == "running"
    assert {"workflow.restart_requested", "workflow.restart_confirmed", "incident.retried"} <= set(
        actions(api, case_id)
    )


def test_a_migration_holds_the_instances_whose_procedure_demands_it_until_a_second_admin(
    api: Api, container: Container, admin2: str
) -> None:
    source = deploy(api, demanding("migrate", files=changed_buergerbudget()))
    case_id, instance_id = new_case(api)
    target = deploy(api, changed_buergerbudget(rename="assess_feasibility_neu"))
    body = {"plan": plan_body(source["id"], target["id"]), "instance_ids": [instance_id]}
    body["plan"]["instructions"] = [
        {"source": "assess_feasibility", "target": "assess_feasibility_neu"}
    ]

    created = api.post("/migrations", "admin", json=body)
    assert created.status_code == 202, created.get_json()
    batch = api.get(f"/migrations/{created.get_json()['id']}", "admin").get_json()
    assert (batch["status"], batch["held"], batch["done"]) == ("awaiting", 1, 0)
    assert instance_of(container, case_id).definition_id == source["id"]
    assert "workflow.migrate_requested" in actions(api, case_id)
    own = api.post(f"/migrations/{batch['id']}/confirm", "admin")
    assert own.status_code == 409 and own.get_json()["code"] == "four-eyes-own-request"

    confirmed = api.post(f"/migrations/{batch['id']}/confirm", admin2)
    assert confirmed.status_code == 202, confirmed.get_json()
    batch = api.get(f"/migrations/{batch['id']}", "admin").get_json()
    assert (batch["status"], batch["held"], batch["done"]) == ("done", 0, 1)
    assert batch["confirmed_by"] == "dev:admin2"
    assert instance_of(container, case_id).definition_id == target["id"]
    (migrated,) = [e for e in trail(api, case_id) if e["action"] == "workflow.migrated"]
    assert migrated["actor"] == "dev:admin2"
    nothing = api.post(f"/migrations/{batch['id']}/confirm", admin2)
    assert nothing.status_code == 409 and nothing.get_json()["code"] == "migration-not-held"


def test_activating_an_earlier_version_needs_a_second_admin(api: Api, admin2: str) -> None:
    first = deploy(api, demanding("activate"))
    second = deploy(api, demanding("activate", files=changed_buergerbudget(rename="x_neu")))
    assert second["active"] is True
    url = f"/process-definitions/{first['id']}/activate"
    reason = {"reason": "Rücknahme nach Fehler in Version 2"}

    asked = api.post(url, "admin", json=reason)
    assert asked.status_code == 202, asked.get_json()
    assert asked.get_json()["active"] is False
    assert asked.get_json()["pending"]["command"] == "activate"
    assert api.post(url, "admin", json=reason).get_json()["code"] == "four-eyes-own-request"
    done = api.post(url, admin2, json=reason)
    assert done.status_code == 200 and done.get_json()["active"] is True
    activations = api.get(f"/process-definitions/{first['id']}", "admin").get_json()
    kinds = [(a["kind"], a["activated_by"]) for a in activations["activations"]][-2:]
    assert kinds == [("requested", "dev:admin"), ("activated", "dev:admin2")]


def test_an_unknown_command_in_four_eyes_is_refused_at_deploy(api: Api) -> None:
    refused = api.post(
        "/process-definitions", "admin", json={"files": demanding("cancel", "delete")}
    )
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["code"] == "procedure-invalid"
    (param,) = problem["invalid_params"]
    assert param["name"] == "procedure.json/four_eyes" and "delete" in param["reason"]
