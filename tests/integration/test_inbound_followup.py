"""Follow-ups and citizen replies reach the case that waits for them: a follow-up submission
(XFall `bezugVorgang`) attaches its documents to the referenced case and correlates
`nachreichung`; a Postfach reply correlates `citizen_reply`. Nothing is ever dropped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from egov.cases.store import get_procedure
from egov.intake.jsonform import build_xfall_message
from egov.intake.model import Applicant
from tests.builders import proposal
from tests.conftest import Api
from tests.integration.test_inbound import actions, deploy_and_file, open_tasks

ERIKA = Applicant("Erika", "Mustermann", "erika@example.org", "oidc", "substantial")


def leika_of(api: Api, procedure: str) -> str:
    definitions = api.get("/process-definitions", "admin").get_json()["items"]
    assert any(d["process_id"] == procedure for d in definitions)
    with api.container.db.reading() as session:
        found = get_procedure(session, procedure)
        assert found is not None
        return found.leika_key


def follow_up(api: Api, procedure: str, reference: str, *, message_id: str | None = None) -> bytes:
    return build_xfall_message(
        message_id=message_id or str(uuid.uuid4()),
        leika_key=leika_of(api, procedure),
        authority_ars="160530000000",
        applicant=ERIKA,
        reply_postfach="postfach:erika",
        fachdaten_namespace="urn:egov-oss:fachdaten:buergerbudget:1.0",
        data=proposal()["data"],
        attachments=[("lageplan.txt", "text/plain", b"Lageplan, nachgereicht")],
        created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        follow_up_case_reference=reference,
    )


def submit(api: Api, user: str, body: bytes) -> Any:
    return api.post("/submissions", user, data=body, content_type="application/xml")


def documents(api: Api, case_id: str) -> list[str]:
    items = api.get(f"/cases/{case_id}/documents", "admin").get_json()["items"]
    return [d["filename"] for d in items]


def test_a_follow_up_attaches_to_the_existing_case_and_correlates_nachreichung(
    api: Api,
) -> None:
    case = deploy_and_file(api, "nachtest", "nachreichung")

    response = submit(api, "erika", follow_up(api, "nachtest", case["case_reference"]))

    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()
    assert (receipt["case_id"], receipt["case_reference"]) == (
        case["case_id"],
        case["case_reference"],
    )
    assert "lageplan.txt" in documents(api, case["case_id"])
    assert open_tasks(api, case["case_id"]) == ["Prüfen"]
    assert "message.correlated" in actions(api, case["case_id"])
    my_cases = api.get("/me/cases", "erika").get_json()["items"]
    assert len(my_cases) == 1  # no second case was opened


def test_a_resent_follow_up_is_answered_with_the_first_receipt_and_correlated_once(
    api: Api,
) -> None:
    case = deploy_and_file(api, "nachtest", "nachreichung")
    body = follow_up(api, "nachtest", case["case_reference"])

    first, second = submit(api, "erika", body), submit(api, "erika", body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json()
    assert actions(api, case["case_id"]).count("message.correlated") == 1


def test_a_follow_up_to_someone_elses_case_is_not_found(api: Api) -> None:
    case = deploy_and_file(api, "nachtest", "nachreichung")
    response = submit(api, "max", follow_up(api, "nachtest", case["case_reference"]))
    assert (response.status_code, response.get_json()["code"]) == (404, "case-not-found")
    assert "lageplan.txt" not in documents(api, case["case_id"])


def test_a_follow_up_nobody_waits_for_is_kept_with_a_correlation_incident(api: Api) -> None:
    case = deploy_and_file(api, "nachtest", "nachreichung")
    assert (
        submit(api, "erika", follow_up(api, "nachtest", case["case_reference"])).status_code == 201
    )

    late = submit(api, "erika", follow_up(api, "nachtest", case["case_reference"]))

    assert late.status_code == 201
    assert documents(api, case["case_id"]).count("lageplan.txt") == 2
    incidents = api.get(f"/cases/{case['case_id']}", "admin").get_json()["incidents"]
    assert [(i["kind"], i["code"]) for i in incidents] == [
        ("correlation", "correlation-nothing-waiting")
    ]


def test_a_citizen_reply_correlates_to_a_waiting_citizen_reply_event(api: Api) -> None:
    case = deploy_and_file(api, "antworttest", "citizen_reply")
    path = f"/me/cases/{case['case_id']}/messages"

    first = api.post(path, "erika", json={"subject": "Unterlagen", "body": "Anbei."})
    second = api.post(path, "erika", json={"subject": "Noch etwas", "body": "Danke."})

    assert (first.status_code, first.get_json()["correlated"]) == (201, True)
    assert (second.status_code, second.get_json()["correlated"]) == (201, False)
    assert open_tasks(api, case["case_id"]) == ["Prüfen"]
    assert api.get(f"/cases/{case['case_id']}", "admin").get_json()["incidents"] == []
    assert len(api.get("/me/messages", "erika").get_json()["items"]) >= 2
