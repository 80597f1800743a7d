"""A citizen withdraws an application while it is not decided (issue 16): the process ends
cleanly, the case is `withdrawn`, its unit sees it in the audit trail; a decided case is 409,
another citizen's case 404."""

from __future__ import annotations

import re

from tests.conftest import Api
from tests.integration import test_letter_notice
from tests.integration.test_retention import actions, rejected_case
from tests.integration.test_walkthrough import file_proposal
from tests.support.smtp import SmtpState

mailing = test_letter_notice.mailing  # the fixture: e-mail through a loopback SMTP server


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


def test_the_citizen_gets_a_confirmation_letter_with_reference_and_date(api: Api) -> None:
    receipt = file_proposal(api)
    case_id = str(receipt["case_id"])

    withdraw(api, case_id)

    letters = [
        m for m in api.get("/me/messages", "erika").get_json()["items"] if m["case_id"] == case_id
    ]
    (letter,) = [m for m in letters if m["subject"].startswith("Eingangsbestätigung der Rücknahme")]
    assert receipt["case_reference"] in letter["subject"]
    assert receipt["case_reference"] in letter["body"]
    assert re.search(r"am \d\d\.\d\d\.\d{4}", letter["body"])
    assert "letter.sent" in actions(api, case_id)
    others = api.get("/me/messages", "max").get_json()["items"]
    assert all(m["case_id"] != case_id for m in others)


def test_a_refused_withdrawal_sends_no_letter(api: Api) -> None:
    case_id = rejected_case(api)
    before = actions(api, case_id).count("letter.sent")

    withdraw(api, case_id)

    assert actions(api, case_id).count("letter.sent") == before


def test_the_applicant_and_the_unit_are_mailed_of_the_withdrawal(
    mailing: tuple[Api, SmtpState],
) -> None:
    api, smtp = mailing
    receipt = file_proposal(api)
    unit = api.get(f"/cases/{receipt['case_id']}", "anna").get_json()["org_unit"]
    api.container.directory.add_member("admin", unit, "dev:bernd", "clerk", "bernd@jena.example")

    withdraw(api, str(receipt["case_id"]))

    told = {m.rcpt_tos: m.message["Subject"] for m in smtp.received}
    reference = receipt["case_reference"]
    assert told[("erika.mustermann@example.org",)] == f"Neue Nachricht zu Ihrem Antrag {reference}"
    assert told[("bernd@jena.example",)] == f"Antrag zurückgenommen: Vorgang {reference}"
