"""The reference models of the OMG BPMN Model Interchange Working Group (MIWG test suite,
github.com/bpmn-miwg/bpmn-miwg-test-suite, `Reference/*.bpmn`, CC BY 3.0, see
`miwg/LICENSE.txt`) deployed through the API: each is deployed (201) or refused with a 422
that names the elements egov does not run, by id and line; never a 500. A deployed model keeps
its diagram (BPMN DI) byte for byte."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from egov.workflow.store import ProcessDefinition
from tests.conftest import Api

MIWG = Path(__file__).parent / "miwg"
MODELS = sorted(MIWG.glob("*.bpmn"))


def deploy(api: Api, name: str, text: str) -> Any:
    return api.post("/process-definitions", "admin", json={"files": {name: text}})


def stored_files(api: Api, process_id: str) -> dict[str, str]:
    with api.container.db.reading() as session:
        definition = session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
        ).one()
        return dict(definition.files)


def test_the_suite_holds_the_reference_models_with_its_license() -> None:
    assert len(MODELS) >= 21
    assert "Creative Commons" in (MIWG / "LICENSE.txt").read_text(encoding="utf-8")


def test_every_reference_model_deploys_or_is_refused_naming_its_elements(api: Api) -> None:
    api.container.outbox.register("emailService", lambda delivery: None)  # C.9.1's topic
    outcomes: dict[str, int] = {}
    for path in MODELS:
        text = path.read_text(encoding="utf-8")
        response = deploy(api, path.name, text)
        outcomes[path.name] = response.status_code
        assert response.status_code in (201, 422), (path.name, response.get_data(as_text=True))
        if response.status_code == 201:
            process_id = response.get_json()["process_id"]
            assert stored_files(api, process_id) == {path.name: text}
            continue
        problem = response.get_json()
        assert problem["code"] in ("bpmn-unsupported", "bpmn-invalid", "org-unit-unknown")
        assert problem["invalid_params"], path.name
        ids = set(re.findall(r'\bid="([^"]+)"', text))
        for param in problem["invalid_params"]:
            file, _, element_id = param["name"].partition("#")
            assert file == path.name
            assert element_id in ids, (path.name, param)
            assert param["reason"] and param["reason"] != "ungültig"
            assert isinstance(param["line"], int), (path.name, param)
    assert 201 in outcomes.values(), outcomes


def test_a_model_without_an_executable_process_names_its_processes(api: Api) -> None:
    response = deploy(api, "A.4.0.bpmn", (MIWG / "A.4.0.bpmn").read_text(encoding="utf-8"))
    assert response.status_code == 422
    problem = response.get_json()
    assert 'isExecutable="true"' in problem["title"] + problem.get("detail", ""), problem
    assert [p["name"] for p in problem["invalid_params"]] == [
        "A.4.0.bpmn#WFP-6-1",
        "A.4.0.bpmn#WFP-6-2",
    ]


def test_a_data_store_is_refused_naming_it_and_every_other_problem_at_once(api: Api) -> None:
    response = deploy(api, "B.2.0.bpmn", (MIWG / "B.2.0.bpmn").read_text(encoding="utf-8"))
    assert response.status_code == 422
    params = response.get_json()["invalid_params"]
    reasons = {p["name"]: p["reason"] for p in params}
    assert "Datenspeicher" in reasons["B.2.0.bpmn#DS1373638079677"]
    assert len(params) >= 5
