"""Intake over HTTP: every kind of bad input is refused with its code and leaves nothing behind;
re-sends are idempotent; the original bytes can be fetched again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from egov.app import create_app
from egov.audit.store import AuditEvent
from egov.cases.store import Case
from egov.container import Container
from egov.documents.store import Document
from egov.intake.store import Submission
from tests.builders import EXAMPLES, example, proposal
from tests.conftest import Api, make_settings

INVALID = sorted((EXAMPLES / "invalid").glob("*.xml"))
EXPECTED = re.compile(rb"erwarteter Fehlercode: ([a-z0-9-]+)")
STATUS_OF = {"message-too-large": 413}


def stored_counts(container: Container) -> dict[str, int]:
    with container.db.reading() as session:
        counts = {
            t.__name__: session.scalar(select(func.count()).select_from(t))
            for t in (Case, Submission, Document, AuditEvent)
        }
    root = container.files.root
    counts["files"] = sum(1 for p in root.rglob("*") if p.is_file())
    return counts


def submit(api: Api, body: bytes, user: str = "portal", **headers: str):  # type: ignore[no-untyped-def]
    return api.post(
        "/submissions", user, data=body, content_type="application/xml", headers=headers
    )


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_an_invalid_example_is_refused_with_its_code_and_nothing_is_stored(
    api: Api, container: Container, path: Path
) -> None:
    body = path.read_bytes()
    match = EXPECTED.search(body)
    assert match, f"{path.name} must say which code it expects"
    code = match.group(1).decode()
    before = stored_counts(container)

    response = submit(api, body)

    assert response.status_code == STATUS_OF.get(code, 400), response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == code
    assert problem["correlation_id"]
    assert stored_counts(container) == before


def test_schema_errors_name_line_and_path(api: Api) -> None:
    problem = submit(api, example("leika-muster-falsch.xml", "invalid")).get_json()
    assert problem["invalid_params"]
    assert all("name" in p and "reason" in p for p in problem["invalid_params"])
    assert any(p.get("line") for p in problem["invalid_params"])


def test_a_message_over_the_size_limit_is_refused_with_413(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path / "var", database_url)
    app = create_app(settings.__class__(**{**settings.__dict__, "max_message_bytes": 2048}))
    api = Api(app.test_client(), app.extensions["egov"])
    response = submit(api, example("buergerbudget-zwei-anhaenge.xml"))
    assert response.status_code == 413
    assert response.get_json()["code"] == "message-too-large"
    assert stored_counts(app.extensions["egov"])["Case"] == 0
    app.extensions["egov"].db.dispose()


def test_a_wrong_media_type_is_refused_with_415(api: Api) -> None:
    response = api.post("/submissions", "portal", data=b"{}", content_type="application/json")
    assert response.status_code == 415
    assert response.get_json()["code"] == "unsupported-media-type"


def test_an_unknown_leistung_is_refused_with_422(api: Api, container: Container) -> None:
    body = example("buergerbudget-zwei-anhaenge.xml").replace(b"99107004000000", b"99999999999999")
    response = submit(api, body)
    assert response.status_code == 422
    assert response.get_json()["code"] == "unknown-leistung"
    assert stored_counts(container)["Case"] == 0


def test_a_citizen_with_a_low_login_is_told_to_use_a_stronger_one(api: Api) -> None:
    response = api.post("/applications", "max", json=proposal())
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "assurance-level-too-low"
    assert "Online-Ausweisfunktion" in problem["title"]


def test_a_portal_cannot_vouch_for_a_low_level_applicant(api: Api) -> None:
    body = example("buergerbudget-zwei-anhaenge.xml").replace(b"LoA/substantial", b"LoA/low")
    response = submit(api, body)
    assert response.status_code == 422
    assert response.get_json()["code"] == "assurance-level-too-low"


def test_a_re_send_returns_the_first_receipt_and_creates_nothing(
    api: Api, container: Container
) -> None:
    body = example("buergerbudget-zwei-anhaenge.xml")
    first = submit(api, body)
    assert first.status_code == 201
    after_first = stored_counts(container)
    again = submit(api, body)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert stored_counts(container) == after_first


def test_the_same_message_uuid_with_other_content_is_a_conflict(api: Api) -> None:
    body = example("buergerbudget-zwei-anhaenge.xml")
    assert submit(api, body).status_code == 201
    altered = body.replace(b"Sitzb\xc3\xa4nke im Paradiespark", b"Sitzb\xc3\xa4nke am Markt")
    assert altered != body
    response = submit(api, altered)
    assert response.status_code == 409
    assert response.get_json()["code"] == "submission-conflict"


def test_an_idempotency_key_makes_a_json_re_send_return_the_first_answer(api: Api) -> None:
    headers = {"Idempotency-Key": "antrag-42"}
    first = api.post("/applications", "erika", json=proposal(), headers=headers)
    again = api.post("/applications", "erika", json=proposal(), headers=headers)
    other = api.post("/applications", "erika", json=proposal(title="Anders"), headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.get_json() == first.get_json()


def test_the_original_bytes_can_be_fetched_unchanged(api: Api) -> None:
    body = example("buergerbudget-zwei-anhaenge.xml")
    case_id = submit(api, body).get_json()["case_id"]
    documents = api.get(f"/cases/{case_id}/documents", "anna").get_json()["items"]
    original = next(d for d in documents if d["kind"] == "original-message")
    fetched = api.get(f"/documents/{original['id']}/content", "anna")
    assert fetched.get_data() == body
    attachments = [d for d in documents if d["kind"] == "attachment"]
    assert len(attachments) == 2 and all(d["sha512"] for d in attachments)


def test_invalid_form_data_names_the_json_field(api: Api) -> None:
    response = api.post("/applications", "erika", json=proposal(estimated_cost_eur="viel"))
    assert response.status_code == 422
    names = [p["name"] for p in response.get_json()["invalid_params"]]
    assert any("estimated_cost_eur" in n for n in names)


def test_a_request_without_a_valid_token_is_refused_with_401(api: Api) -> None:
    body = example("buergerbudget-zwei-anhaenge.xml")
    assert api.post("/submissions", data=body, content_type="application/xml").status_code == 401
    garbage = {"Authorization": "Bearer not.a.token"}
    response = api.post("/submissions", data=body, content_type="application/xml", headers=garbage)
    assert response.status_code == 401
    assert response.get_json()["code"].startswith("token-")
