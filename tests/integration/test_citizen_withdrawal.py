"""A citizen withdraws an application while it is not decided (issue 16): the process ends
cleanly, the case is `withdrawn`, its unit sees it in the audit trail, the citizen gets a
confirmation in the Postfach; a decided case is 409,
another citizen's case 404."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.test_retention import actions, rejected_case
from tests.integration.test_walkthrough import file_proposal


def withdraw(api: Api, case_id: str, user: str = "erika", **body: str) -> object:
    return api.post(f"/me/cases/{case_id}/withdraw", user, json=body)


def test_an_open_application_is_withdrawn_with_a_reason_and_its_tasks_go(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])

    response = withdraw(api, case_id, reason="Hat sich erledigt, danke.")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "withdrawn"
    case = api.get(f"/cases/{case_id}", "anna").get_json()
    assert case["status"] == "withdrawn" and case["closed_at"] is not None
    assert case["open_tasks"] == []
    trail = api.get(f"/cases/{case_id}/events", "anna").get_json()["items"]
    withdrawn = [e for e in trail if e["action"] == "case.withdrawn"]
    assert len(withdrawn) == 1 and withdrawn[0]["actor"] == "dev:erika"
    assert withdrawn[0]["after"]["reason"] == "Hat sich erledigt, danke."
    instance = api.get(f"/process-instances?case_id={case_id}", "admin").get_json()["items"]
    assert [i["state"] for i in instance] == ["cancelled"]


def test_the_citizen_gets_a_confirmation_of_the_withdrawal_in_the_postfach(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])
    reference = api.get(f"/cases/{case_id}", "anna").get_json()["reference"]

    withdraw(api, case_id, reason="Umgezogen.")

    messages = api.get("/me/messages", "erika").get_json()["items"]
    [letter] = [m for m in messages if m["subject"].startswith("Bestätigung der Rücknahme")]
    assert reference in letter["subject"] and reference in letter["body"]
    assert "zurückgenommen" in letter["body"] and "Umgezogen." in letter["body"]
    assert "letter.sent" in actions(api, case_id)
    assert not any(
        "Rücknahme" in m["subject"] for m in api.get("/me/messages", "max").get_json()["items"]
    )


def test_a_withdrawal_needs_no_reason(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])

    assert withdraw(api, case_id).status_code == 200
    assert "case.withdrawn" in actions(api, case_id)


def test_a_decided_application_cannot_be_withdrawn(api: Api) -> None:
    case_id = rejected_case(api)

    response = withdraw(api, case_id)

    assert (response.status_code, response.get_json()["code"]) == (409, "case-already-decided")
    assert "case.withdrawn" not in actions(api, case_id)


def test_a_withdrawn_application_cannot_be_withdrawn_again(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])
    withdraw(api, case_id)

    assert withdraw(api, case_id).get_json()["code"] == "case-already-decided"


def test_another_citizens_application_is_not_found(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])

    response = withdraw(api, case_id, user="max")

    assert (response.status_code, response.get_json()["code"]) == (404, "case-not-found")
    assert api.get(f"/cases/{case_id}", "anna").get_json()["status"] != "withdrawn"
