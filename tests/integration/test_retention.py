"""Retention rules as data in the bundle (issue 16): a closed case gets the end date of the rule
for its result, a changed rule recomputes it, a deploy with a wrong rule is refused naming the
field, and an admin's legal hold (Sperre) is set and released with a reason, all audited."""

from __future__ import annotations

import json
from typing import Any

from egov.container import Container
from egov.workflow.deploy import read_bundle
from tests.builders import ROOT
from tests.conftest import Api
from tests.integration.test_walkthrough import claim_and_complete, file_proposal

FEASIBLE = {"feasible": True, "cost_estimate_eur": 3600, "feasibility_note": "Standort geeignet."}
HOLD = {"reason": "Klage vor dem Verwaltungsgericht anhängig (Beispiel)"}


def rejected_case(api: Api, title: str = "Fahrradbügel am Holzmarkt") -> str:
    case_id = str(file_proposal(api, title=title, description=title)["case_id"])
    claim_and_complete(api, "anna", case_id, {"formal_decision": "rejected"})
    return case_id


def retention(api: Api, case_id: str) -> dict[str, Any]:
    return dict(api.get(f"/cases/{case_id}", "anna").get_json()["retention"])


def actions(api: Api, case_id: str) -> list[str]:
    return [e["action"] for e in api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]]


def bundle_with(**procedure_changes: Any) -> dict[str, str]:
    files = {k: v.decode() for k, v in read_bundle(ROOT / "bpmn" / "buergerbudget").items()}
    files["procedure.json"] = json.dumps(
        {**json.loads(files["procedure.json"]), **procedure_changes}
    )
    return files


def test_a_rejected_proposal_is_kept_three_years_after_the_year_it_closed(
    api: Api, container: Container
) -> None:
    case_id = rejected_case(api)

    kept = retention(api, case_id)
    year = container.clock().year
    assert kept["until"] == f"{year + 3}-12-31"
    assert (kept["rule"]["result"], kept["rule"]["years"]) == ("rejected", 3)
    assert "Beispiel" in kept["rule"]["legal_basis"] and kept["legal_hold"] is None
    assert actions(api, case_id)[-2:] == ["case.closed", "retention.assigned"]


def test_a_proposal_waiting_for_the_vote_is_open_so_it_has_no_retention_end(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])
    claim_and_complete(api, "anna", case_id, {"formal_decision": "admissible"})
    claim_and_complete(api, "ben", case_id, FEASIBLE)

    assert retention(api, case_id)["until"] is None  # funded or not: decided after the vote


def test_an_open_case_has_no_retention_end_yet(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])

    shown = retention(api, case_id)
    assert (shown["until"], shown["rule"], shown["legal_hold"]) == (None, None, None)
    assert shown["archive"]["duty"] is True  # Bürgerbudget: offered to the archive, once due
    assert (shown["archive"]["state"], shown["archive"]["process_id"]) == ("kept", None)


def test_a_new_active_rule_recomputes_the_end_of_closed_cases_audited(
    api: Api, container: Container
) -> None:
    case_id = rejected_case(api)
    rules = [{"result": "rejected", "years": 5, "legal_basis": "Beispiel: neue Aktenordnung"}]

    deployed = api.post(
        "/process-definitions", "admin", json={"files": bundle_with(retention=rules)}
    )

    assert deployed.status_code == 201, deployed.get_json()
    kept = retention(api, case_id)
    assert kept["until"] == f"{container.clock().year + 5}-12-31"
    assert kept["rule"]["legal_basis"] == "Beispiel: neue Aktenordnung"
    trail = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    recomputed = trail[-1]
    assert recomputed["action"] == "retention.recomputed" and recomputed["actor"] == "dev:admin"
    assert recomputed["before"]["rule"]["years"] == 3 and recomputed["after"]["rule"]["years"] == 5


def test_a_rule_without_years_is_refused_naming_the_field(api: Api) -> None:
    rules = [
        {"result": "rejected", "years": 0, "legal_basis": "Beispiel"},
        {"result": "rejected", "years": 2, "legal_basis": ""},
    ]

    refused = api.post(
        "/process-definitions",
        "admin",
        json={"files": bundle_with(retention=rules, archive_duty="nein")},
    )

    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["code"] == "procedure-invalid"
    assert {p["name"] for p in problem["invalid_params"]} == {
        "procedure.json/retention/0/years",
        "procedure.json/retention/1/result",
        "procedure.json/retention/1/legal_basis",
        "procedure.json/archive_duty",
    }


def test_an_admin_holds_and_releases_a_case_with_a_reason(api: Api) -> None:
    case_id = rejected_case(api)

    held = api.post(f"/cases/{case_id}/legal-hold", "admin", json=HOLD)
    again = api.post(f"/cases/{case_id}/legal-hold", "admin", json=HOLD)

    assert held.status_code == 200, held.get_json()
    assert held.get_json()["legal_hold"]["reason"] == HOLD["reason"]
    assert retention(api, case_id)["legal_hold"]["by"] == "dev:admin"
    assert again.status_code == 409 and again.get_json()["code"] == "legal-hold-exists"
    released = api.call(
        "DELETE", f"/cases/{case_id}/legal-hold", "admin", json={"reason": "Urteil rechtskräftig"}
    )
    assert released.status_code == 200 and released.get_json()["legal_hold"] is None
    assert actions(api, case_id)[-2:] == ["retention.hold_set", "retention.hold_released"]
    missing = api.call("DELETE", f"/cases/{case_id}/legal-hold", "admin", json=HOLD)
    assert missing.status_code == 409 and missing.get_json()["code"] == "legal-hold-missing"


def test_a_hold_without_a_reason_is_refused(api: Api) -> None:
    case_id = rejected_case(api)

    refused = api.post(f"/cases/{case_id}/legal-hold", "admin", json={"reason": "  "})

    assert refused.status_code == 422
    assert refused.get_json()["code"] == "legal-hold-reason-invalid"
    assert retention(api, case_id)["legal_hold"] is None
