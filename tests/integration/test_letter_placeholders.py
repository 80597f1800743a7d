"""Letter templates are checked at deploy against the variables the process can have: the
shipped bundles pass, a placeholder no form, script, DMN output, Fachdaten field or case
variable provides is refused naming the letter file, the placeholder and its line."""

from __future__ import annotations

import pytest

from egov.workflow.deploy import read_bundle
from tests.builders import ROOT
from tests.conftest import Api


def shipped(process: str) -> dict[str, str]:
    files = {k: v.decode() for k, v in read_bundle(ROOT / "bpmn" / process).items()}
    files[f"{process}.bpmn"] += "\n<!-- new content -->\n"
    return files


@pytest.mark.parametrize("process", ["buergerbudget", "bauantrag", "anliegen"])
def test_every_letter_of_a_shipped_bundle_names_variables_of_its_process(
    api: Api, process: str
) -> None:
    response = api.post("/process-definitions", "admin", json={"files": shipped(process)})

    assert response.status_code == 201, response.get_json()


def test_a_placeholder_that_is_no_variable_of_the_process_is_refused_with_its_line(
    api: Api,
) -> None:
    files = shipped("buergerbudget")
    files["letters/rejection.txt"] += "Ihr Zeichen: $ihr_zeichen, Kosten: $${title}\n"
    line = files["letters/rejection.txt"].count("\n")

    response = api.post("/process-definitions", "admin", json={"files": files})

    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "letter-placeholder-unknown"
    [param] = problem["invalid_params"]
    assert (param["name"], param["line"]) == ("letters/rejection.txt", line)
    assert param["reason"].startswith("Unbekannter Platzhalter $ihr_zeichen")


def test_the_cancellation_letter_knows_only_the_reason_and_the_applicant(api: Api) -> None:
    files = shipped("buergerbudget")
    files["letters/eingestellt.txt"] += "Betreff: $title\n"

    response = api.post("/process-definitions", "admin", json={"files": files})

    assert response.status_code == 422
    [param] = response.get_json()["invalid_params"]
    assert param["name"] == "letters/eingestellt.txt"
    assert "$title" in param["reason"]
