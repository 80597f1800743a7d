"""A citizen's answer on a case with files (the Nachreichung of missing documents,
`POST /api/v1/me/cases/{id}/messages` with `attachments`, egov.postfach.service): each file
becomes a document of the case, visible to the applicant and to the unit, audited
`document.added`; a refused file refuses the whole answer and nothing is stored."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.conftest import Api
from tests.integration.test_retention import actions
from tests.integration.test_walkthrough import file_proposal


def attachment(
    filename: str, content: bytes, media_type: str = "application/pdf"
) -> dict[str, Any]:
    encoded = base64.b64encode(content).decode()
    return {"filename": filename, "media_type": media_type, "content_base64": encoded}


def reply(api: Api, case_id: str, *files: dict[str, Any], user: str = "erika") -> Any:
    body = {"subject": "Nachreichung", "body": "Anbei die Unterlagen.", "attachments": list(files)}
    return api.post(f"/me/cases/{case_id}/messages", user, json=body)


def filenames(api: Api, case_id: str) -> list[str]:
    items = api.get(f"/cases/{case_id}/documents", "anna").get_json()["items"]
    return [d["filename"] for d in items]


def test_each_file_of_an_answer_is_a_document_of_the_case(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])

    response = reply(
        api, case_id, attachment("lageplan.pdf", b"%PDF-1.4 Plan"), attachment("foto.pdf", b"%PDF")
    )

    assert response.status_code == 201, response.get_json()
    assert {"lageplan.pdf", "foto.pdf"} <= set(filenames(api, case_id))
    mine = api.get(f"/me/cases/{case_id}", "erika").get_json()["documents"]
    plan = next(d for d in mine if d["filename"] == "lageplan.pdf")
    assert response.get_json()["document_id"] == plan["id"]
    content = api.get(f"/documents/{plan['id']}/content", "erika")
    assert content.data == b"%PDF-1.4 Plan"
    assert actions(api, case_id).count("document.added") >= 2


def test_a_file_with_a_hidden_direction_mark_refuses_the_answer(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])
    before = filenames(api, case_id)

    response = reply(api, case_id, attachment("ok.pdf", b"%PDF"), attachment("\u202efdp.exe", b"x"))

    problem = response.get_json()
    assert (response.status_code, problem["code"]) == (400, "message-invalid")
    assert problem["invalid_params"][0]["name"] == "attachments[1].filename"
    assert filenames(api, case_id) == before
    assert api.get("/me/messages", "erika").get_json()["items"] == []


@pytest.mark.parametrize("content", ["kein base64!", "Ä𫬂"])  # also no ASCII at all
def test_content_that_is_not_base64_is_named(api: Api, content: str) -> None:
    case_id = str(file_proposal(api)["case_id"])
    bad = {"filename": "a.pdf", "media_type": "application/pdf", "content_base64": content}

    response = reply(api, case_id, bad)

    assert (response.status_code, response.get_json()["code"]) == (400, "message-invalid")
    assert response.get_json()["invalid_params"][0]["name"] == "attachments[0].content_base64"


def test_another_citizen_cannot_add_files_to_a_case(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])
    before = filenames(api, case_id)

    response = reply(api, case_id, attachment("fremd.pdf", b"%PDF"), user="max")

    assert response.status_code == 404
    assert filenames(api, case_id) == before
