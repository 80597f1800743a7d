"""Triage in the case flow, through the API: an Anliegen is filed, triage suggests, the review
task lands in the suggested unit (or Allgemein), a clerk confirms or overrides, the case is
routed on; suggestion and decision are audited, the metrics count overrides."""

from __future__ import annotations

import pytest

from egov.container import Container
from egov.triage.runner import FALLBACK_THRESHOLD
from egov.triage.store import TriageSuggestion
from tests.conftest import Api
from tests.integration.triage.conftest import (
    PARKING,
    POTHOLE,
    decide,
    events,
    file_request,
    open_tasks,
    task_of,
)


def test_a_confident_suggestion_puts_the_review_task_into_the_suggested_units_inbox(
    api: Api,
) -> None:
    case_id = file_request(api, POTHOLE, location="Löbdergraben 1")
    task = task_of(api, "otto", case_id)
    assert (task["name"], task["org_unit"]) == ("route_request", "strassen-verkehr")
    assert task["triage"] == "suggested"  # marked in the inbox as a suggestion to confirm
    assert [t for t in open_tasks(api, "clara") if t["case_id"] == case_id] == []
    [suggested] = events(api, case_id, "triage.suggested")
    after = suggested["after"]
    assert (after["mode"], after["org_unit"], after["abstained"], after["threshold"]) == (
        "intake",
        "strassen-verkehr",
        False,
        FALLBACK_THRESHOLD,  # the procedure names none, the test plugin tuned none
    )
    assert after["suggestions"][0]["plugin"] == "test-keywords"
    assert after["suggestions"][0]["model_version"] == "kw-1"


def test_the_clerk_sees_the_suggestion_with_its_confidence_and_explanation(api: Api) -> None:
    case_id = file_request(api, POTHOLE)
    shown = api.get(f"/tasks/{task_of(api, 'otto', case_id)['id']}", "otto").get_json()
    triage = shown["triage"]
    assert (triage["org_unit"], triage["abstained"], triage["decision"]) == (
        "strassen-verkehr",
        False,
        None,
    )
    assert triage["suggested"]["confidence"] == 0.95
    assert triage["suggested"]["explanation"] == "Wort mit dem meisten Gewicht: Schlagloch"
    assert triage["suggested"]["model_version"] == "kw-1"


def test_below_the_threshold_triage_abstains_and_the_review_task_goes_to_allgemein(
    api: Api,
) -> None:
    case_id = file_request(api, PARKING)
    task = task_of(api, "clara", case_id)
    assert (task["org_unit"], task["triage"]) == ("allgemein", "abstained")
    triage = api.get(f"/tasks/{task['id']}", "clara").get_json()["triage"]
    assert triage["abstained"] is True
    assert triage["suggested"]["value"] == "Ordnungsamt"  # shown, not followed


def test_confirming_routes_the_case_on_and_records_who_and_how_long(api: Api) -> None:
    case_id = file_request(api, POTHOLE)
    task_id = task_of(api, "otto", case_id)["id"]
    assert api.post(f"/tasks/{task_id}/claim", "otto").status_code == 200
    done = decide(api, "otto", task_id, decision="confirm")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed"
    next_task = task_of(api, "otto", case_id)
    assert (next_task["name"], next_task["org_unit"]) == ("handle_request", "strassen-verkehr")
    assert next_task["triage"] is None
    [confirmed] = events(api, case_id, "triage.confirmed")
    assert confirmed["actor"] == "dev:otto"
    assert confirmed["after"]["org_unit"] == "strassen-verkehr"
    assert confirmed["after"]["seconds"] >= 0


def test_overriding_sends_the_case_to_the_unit_the_clerk_chose(api: Api) -> None:
    case_id = file_request(api, PARKING)
    task_id = task_of(api, "clara", case_id)["id"]
    done = decide(
        api, "clara", task_id, decision="override", org_unit="ordnungsamt", reason="Falschparker"
    )
    assert done.status_code == 200, done.get_json()
    assert task_of(api, "otto", case_id)["org_unit"] == "ordnungsamt"
    [overridden] = events(api, case_id, "triage.overridden")
    assert overridden["after"]["suggested_org_unit"] == "allgemein"
    assert overridden["after"]["reason"] == "Falschparker"


def test_an_override_needs_a_known_unit_and_a_reason(api: Api) -> None:
    case_id = file_request(api, PARKING)
    task_id = task_of(api, "clara", case_id)["id"]
    no_reason = decide(api, "clara", task_id, decision="override", org_unit="ordnungsamt")
    unknown = decide(api, "clara", task_id, decision="override", org_unit="mond", reason="x")
    wrong = decide(api, "clara", task_id, decision="vielleicht")
    for answer, field in ((no_reason, "reason"), (unknown, "org_unit"), (wrong, "decision")):
        assert answer.status_code == 422
        assert answer.get_json()["code"] == "triage-decision-invalid"
        assert answer.get_json()["invalid_params"][0]["name"] == field
    assert task_of(api, "clara", case_id)["status"] == "open"


def test_a_review_task_is_not_completed_through_its_form(api: Api) -> None:
    case_id = file_request(api, POTHOLE)
    task_id = task_of(api, "otto", case_id)["id"]
    data = {"routed_org_unit": "buergeramt", "triage_decision": "confirm"}
    answer = api.post(f"/tasks/{task_id}/complete", "otto", json={"data": data})
    assert answer.status_code == 409
    assert answer.get_json()["code"] == "triage-decision-required"


def test_a_suggestion_is_decided_once(api: Api) -> None:
    case_id = file_request(api, POTHOLE)
    task_id = task_of(api, "otto", case_id)["id"]
    assert decide(api, "otto", task_id, decision="confirm").status_code == 200
    again = decide(api, "otto", task_id, decision="confirm")
    assert again.status_code == 409


def test_a_task_without_suggestion_is_no_review_task(api: Api) -> None:
    case_id = file_request(api, POTHOLE)
    task_id = task_of(api, "otto", case_id)["id"]
    decide(api, "otto", task_id, decision="confirm")
    handle_id = task_of(api, "otto", case_id)["id"]
    assert api.get(f"/tasks/{handle_id}", "otto").get_json()["triage"] is None
    answer = decide(api, "otto", handle_id, decision="confirm")
    assert (answer.status_code, answer.get_json()["code"]) == (409, "triage-not-review-task")


def test_a_clerk_of_another_unit_cannot_decide(api: Api) -> None:
    case_id = file_request(api, POTHOLE)
    task_id = task_of(api, "otto", case_id)["id"]
    assert decide(api, "clara", task_id, decision="confirm").status_code == 404


@pytest.mark.parametrize("text", ["Die Ampel ist kaputt.", "Bitte langsam lesen."])
def test_a_failing_or_slow_plugin_never_fails_the_filing_and_the_case_goes_to_allgemein(
    api: Api, text: str
) -> None:
    case_id = file_request(api, text)
    assert task_of(api, "clara", case_id)["org_unit"] == "allgemein"
    [suggested] = events(api, case_id, "triage.suggested")
    assert suggested["after"]["abstained"] is True
    assert suggested["after"]["failures"][0]["plugin"] == "test-keywords"


def test_the_metrics_show_the_override_rate_and_the_time_to_decide(api: Api) -> None:
    confirm_id = file_request(api, POTHOLE)
    override_id = file_request(api, PARKING)
    decide(api, "otto", task_of(api, "otto", confirm_id)["id"], decision="confirm")
    decide(
        api,
        "clara",
        task_of(api, "clara", override_id)["id"],
        decision="override",
        org_unit="ordnungsamt",
        reason="Parken",
    )
    answer = api.get("/triage/metrics", "admin")
    assert answer.status_code == 200
    figures = answer.get_json()
    assert figures["overall"]["decisions"] == 2
    assert figures["overall"]["override_rate"] == 0.5
    assert figures["by_clerk"]["dev:clara"]["overrides"] == 1
    assert figures["by_clerk"]["dev:otto"]["fast_confirms"] == 1  # within seconds: it shows
    assert figures["by_org_unit"]["allgemein"]["override_rate"] == 1.0
    assert figures["by_procedure"]["anliegen"]["decisions"] == 2
    later = api.get("/triage/metrics?since=2999-01-01T00:00:00Z", "admin").get_json()
    assert later["overall"]["decisions"] == 0


def test_decided_cases_become_training_rows_labelled_with_the_decided_unit(
    api: Api, container: Container
) -> None:
    case_id = file_request(api, PARKING)
    task_id = task_of(api, "clara", case_id)["id"]
    decide(api, "clara", task_id, decision="override", org_unit="ordnungsamt", reason="Parken")
    assert list(container.triage.training_rows()) == [(PARKING, "Ordnungsamt")]


def test_a_retried_start_reuses_the_suggestion(api: Api, container: Container) -> None:
    case_id = file_request(api, POTHOLE)
    assert container.triage.start_variables(case_id) == {"triage_org_unit": "strassen-verkehr"}
    with container.db.reading() as session:
        assert session.query(TriageSuggestion).filter_by(case_id=case_id).count() == 1
