"""Explicit versions of a process definition: new content is a new, active version; one
version per process is active and new cases start on it; an admin can make an earlier one
active again (rollback) with a reason, in the definition's trail; running cases stay on their
version; content equal to a deployed version answers that version without activating it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from egov.container import Container
from egov.workflow.deploy import read_bundle
from egov.workflow.store import ProcessDefinition, WorkflowInstance
from tests.builders import ROOT, proposal
from tests.conftest import Api

REASON = "Version 2 rechnet die Kostengrenze falsch"


def shipped() -> dict[str, str]:
    return {k: v.decode() for k, v in read_bundle(ROOT / "bpmn" / "buergerbudget").items()}


def changed() -> dict[str, str]:
    files = shipped()
    files["buergerbudget.bpmn"] += "\n<!-- Version 2 -->\n"
    return files


def deploy(api: Api, files: dict[str, str], query: str = "") -> Any:
    return api.post(f"/process-definitions{query}", "admin", json={"files": files})


def active_ids(api: Api) -> set[str]:
    items = api.get("/process-definitions", "admin").get_json()["items"]
    return {d["id"] for d in items if d["process_id"] == "buergerbudget" and d["active"]}


def file_case(api: Api) -> str:
    response = api.post("/applications", "erika", json=proposal())
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def version_of(container: Container, case_id: str) -> str:
    with container.db.reading() as session:
        query = select(WorkflowInstance.definition_id).where(WorkflowInstance.case_id == case_id)
        return str(session.scalar(query))


def test_new_content_is_a_new_active_version_and_new_cases_start_on_it(
    api: Api, container: Container
) -> None:
    (first,) = active_ids(api)

    response = deploy(api, changed())

    assert response.status_code == 201
    second = response.get_json()
    assert (second["version"], second["active"]) == (2, True)
    assert active_ids(api) == {second["id"]} != {first}
    assert version_of(container, file_case(api)) == second["id"]


def test_rollback_makes_new_cases_start_on_the_old_version_and_running_ones_stay(
    api: Api, container: Container
) -> None:
    (first,) = active_ids(api)
    second = deploy(api, changed()).get_json()["id"]
    running = file_case(api)

    response = api.post(f"/process-definitions/{first}/activate", "admin", json={"reason": REASON})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is True
    assert active_ids(api) == {first}
    assert version_of(container, file_case(api)) == first
    assert version_of(container, running) == second


def test_equal_content_answers_the_existing_version_without_activating_it(api: Api) -> None:
    (first,) = active_ids(api)
    deploy(api, changed())

    again = deploy(api, shipped())

    assert again.status_code == 200
    assert (again.get_json()["id"], again.get_json()["active"]) == (first, False)
    assert first not in active_ids(api)
    asked = deploy(api, shipped(), "?activate=true")
    assert (asked.status_code, asked.get_json()["active"]) == (200, True)
    assert active_ids(api) == {first}


def test_a_new_version_can_be_deployed_without_activating_it(api: Api) -> None:
    (first,) = active_ids(api)

    response = deploy(api, changed(), "?activate=false")

    assert (response.status_code, response.get_json()["active"]) == (201, False)
    assert active_ids(api) == {first}


def test_the_trail_names_who_activated_which_version_and_why(api: Api) -> None:
    (first,) = active_ids(api)
    second = deploy(api, changed()).get_json()["id"]
    api.post(f"/process-definitions/{first}/activate", "admin", json={"reason": REASON})

    detail = api.get(f"/process-definitions/{second}", "admin").get_json()

    assert detail["active"] is False
    last = detail["activations"][-1]
    assert (last["definition_id"], last["previous_id"]) == (first, second)
    assert (last["activated_by"], last["reason"]) == ("dev:admin", REASON)
    deployed = detail["activations"][-2]
    assert (deployed["definition_id"], deployed["activated_by"]) == (second, "dev:admin")


def test_activating_needs_an_admin_a_reason_and_a_known_version(api: Api) -> None:
    (first,) = active_ids(api)
    second = deploy(api, changed()).get_json()["id"]
    path = f"/process-definitions/{first}/activate"

    clerk = api.post(path, "anna", json={"reason": REASON})
    no_reason = api.post(path, "admin", json={"reason": "  "})
    unknown = api.post("/process-definitions/unknown/activate", "admin", json={"reason": REASON})

    assert clerk.status_code == 403
    assert (no_reason.status_code, no_reason.get_json()["code"]) == (
        422,
        "activation-reason-missing",
    )
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "definition-not-found")
    assert active_ids(api) == {second}


def test_a_version_shows_its_files_and_who_deployed_it_when(api: Api) -> None:
    created = deploy(api, changed()).get_json()

    detail = api.get(f"/process-definitions/{created['id']}", "admin")

    assert detail.status_code == 200
    body = detail.get_json()
    assert "buergerbudget.bpmn" in body["files"] and "letters/rejection.txt" in body["files"]
    assert (body["deployed_by"], body["active"]) == ("dev:admin", True)
    assert body["deployed_at"]


def test_the_database_refuses_a_second_active_version_of_a_process(
    api: Api, container: Container
) -> None:
    deploy(api, changed(), "?activate=false")

    with pytest.raises(IntegrityError), container.db.transaction() as session:
        for definition in session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.process_id == "buergerbudget")
        ):
            definition.active = True
