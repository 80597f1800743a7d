"""The core acceptance path, through the HTTP API on both databases.

erika files a Bürgerbudget proposal, anna (Büro Bürgerbudget) confirms the formal check,
ben (Fachdienst Stadtplanung) confirms feasibility, erika reads the Bescheid in her
Postfach, and the case's audit chain verifies. A proposal over the cost limit ends in a
rejection letter that names the rule it broke.
"""

from __future__ import annotations

from typing import Any

from tests.builders import proposal
from tests.conftest import Api
from tests.support.pdfa import text_of


def file_proposal(api: Api, **overrides: Any) -> dict[str, Any]:
    response = api.post("/applications", "erika", json=proposal(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def only_task(api: Api, user: str, case_id: str) -> dict[str, Any]:
    tasks = [t for t in api.get("/tasks", user).get_json()["items"] if t["case_id"] == case_id]
    assert len(tasks) == 1, tasks
    return tasks[0]


def claim_and_complete(api: Api, user: str, case_id: str, data: dict[str, Any]) -> None:
    task = only_task(api, user, case_id)
    assert api.post(f"/tasks/{task['id']}/claim", user).status_code == 200
    done = api.post(f"/tasks/{task['id']}/complete", user, json={"data": data})
    assert done.status_code == 200, done.get_json()


def test_a_proposal_goes_from_erika_through_anna_and_ben_to_a_bescheid(api: Api) -> None:
    receipt = file_proposal(api)
    case_id = receipt["case_id"]
    assert receipt["case_reference"].startswith("JENA-")

    claim_and_complete(api, "anna", case_id, {"formal_decision": "admissible"})
    claim_and_complete(
        api,
        "ben",
        case_id,
        {"feasible": True, "cost_estimate_eur": 3600, "feasibility_note": "Standort geeignet."},
    )

    case = api.get(f"/cases/{case_id}", "anna").get_json()
    assert case["status"] == "admitted_to_vote"
    assert case["closed_at"] is None  # it waits for the end of its round's vote
    messages = api.get("/me/messages", "erika").get_json()["items"]
    bescheid = [m for m in messages if m["case_id"] == case_id]
    assert len(bescheid) == 1 and "Abstimmung" in bescheid[0]["body"]
    letter = api.get(f"/documents/{bescheid[0]['document_id']}/content", "erika")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"  # the Bescheid
    assert receipt["case_reference"] in text_of(letter.data)
    trail = api.get(f"/cases/{case_id}/events", "anna").get_json()
    assert trail["verification"]["valid"] is True
    actions = [e["action"] for e in trail["items"]]
    assert actions[0] == "case.opened" and "letter.sent" in actions
    assert actions[-1] == "buergerbudget.admitted"  # admitted to the vote of its round


def test_a_proposal_over_the_cost_limit_ends_in_a_rejection_naming_the_rule(api: Api) -> None:
    case_id = file_proposal(api, estimated_cost_eur=4800.0, follow_up_cost_eur=900.0)["case_id"]
    task = only_task(api, "anna", case_id)
    form_view = api.get(f"/tasks/{task['id']}", "anna").get_json()
    assert form_view["form"]["type"] == "object"

    claim_and_complete(api, "anna", case_id, {"formal_decision": "rejected"})

    case = api.get(f"/cases/{case_id}", "anna").get_json()
    assert case["status"] == "rejected"
    letters = [
        m for m in api.get("/me/messages", "erika").get_json()["items"] if m["case_id"] == case_id
    ]
    assert len(letters) == 1
    assert "5.000 EUR" in letters[0]["body"]
    assert api.get(f"/cases/{case_id}/events", "admin").get_json()["verification"]["valid"]


def test_ben_does_not_see_the_case_before_his_department_has_a_task(api: Api) -> None:
    case_id = file_proposal(api)["case_id"]
    assert api.get(f"/cases/{case_id}", "ben").status_code == 404
    claim_and_complete(api, "anna", case_id, {"formal_decision": "admissible"})
    assert api.get(f"/cases/{case_id}", "ben").status_code == 200
