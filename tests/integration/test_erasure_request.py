"""The citizen's erasure request (GDPR Art. 17, issue 16): recorded; a case no retention duty
keeps is erased with the retention's erasure (an open one's process withdrawn first); a case
a duty keeps stays, and the answer names the rule, its legal basis and the date."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from egov.rights.store import ErasureRequest
from tests.builders import linear_bundle
from tests.conftest import Api
from tests.integration.test_retention import rejected_case
from tests.integration.test_timers_support import deploy, file_case
from tests.integration.test_walkthrough import file_proposal

ERASE = "/me/erasure-requests"


def request_erasure(api: Api, user: str = "erika") -> dict[str, Any]:
    response = api.post(ERASE, user)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def by_case(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["case_id"]: entry for entry in answer["cases"]}


def test_an_open_case_of_a_procedure_without_retention_rules_is_erased(api: Api) -> None:
    deploy(api, linear_bundle("ohnefrist", leika_digits="99000000000141"))
    case_id = file_case(api, "ohnefrist")

    answer = by_case(request_erasure(api))

    assert answer[case_id]["erased"] is True
    case = api.get(f"/cases/{case_id}", "admin").get_json()
    assert case["status"] == "withdrawn" and case["applicant_name"] == ""
    events = api.get(f"/cases/{case_id}/events", "admin").get_json()
    assert events["verification"]["valid"]
    assert events["items"][-1]["action"] == "retention.erased"
    assert api.get(f"/me/cases/{case_id}", "erika").status_code == 404  # no owner any more


def test_a_decided_case_kept_by_its_rule_names_the_rule_its_basis_and_date(
    api: Api,
) -> None:
    case_id = rejected_case(api)
    until = api.get(f"/cases/{case_id}", "anna").get_json()["retention"]

    kept = by_case(request_erasure(api))[case_id]

    assert (kept["erased"], kept["reason"]) == (False, "Aufbewahrungspflicht")
    assert kept["legal_basis"] == until["rule"]["legal_basis"] and kept["until"] == until["until"]
    assert api.get(f"/me/cases/{case_id}", "erika").status_code == 200


def test_an_open_case_whose_procedure_keeps_its_records_is_kept(api: Api) -> None:
    case_id = str(file_proposal(api)["case_id"])

    kept = by_case(request_erasure(api))[case_id]

    assert kept["erased"] is False and kept["legal_basis"]
    assert api.get(f"/cases/{case_id}", "anna").get_json()["status"] != "withdrawn"


def test_the_request_is_recorded_and_touches_nobody_else(api: Api) -> None:
    erikas = str(file_proposal(api)["case_id"])

    answer = request_erasure(api, "max")

    assert answer["cases"] == []
    with api.container.db.reading() as session:
        (row,) = session.scalars(select(ErasureRequest)).all()
        assert (row.subject, row.outcome) == ("dev:max", [])
    assert api.get(f"/me/cases/{erikas}", "erika").status_code == 200


def test_erasure_requests_are_limited_per_citizen(api: Api) -> None:
    for _ in range(3):  # EGOV_RATE_LIMIT_ERASURE: 3/day
        request_erasure(api)

    refused = api.post(ERASE, "erika")

    assert (refused.status_code, refused.get_json()["code"]) == (429, "rate-limited")
    assert int(refused.headers["Retry-After"]) > 0
    request_erasure(api, "max")  # another citizen is not affected


def test_my_drafts_go_with_the_request_and_nobody_elses(api: Api) -> None:
    drafts = api.container.drafts
    drafts.save("dev:erika", "buergerbudget", {"title": "Bank für Zacharias Quenzelmeier"})
    drafts.attach("dev:erika", "buergerbudget", "skizze.pdf", "application/pdf", b"%PDF-1.4")
    drafts.save("dev:max", "buergerbudget", {"title": "Radweg am Fluss"})

    request_erasure(api)

    assert drafts.get("dev:erika", "buergerbudget").values == {}
    assert drafts.get("dev:erika", "buergerbudget").files == ()
    assert drafts.get("dev:max", "buergerbudget").values == {"title": "Radweg am Fluss"}
