"""The result of a round under four eyes (ADR 0031 amended): proposed after the vote by one
person of the Büro Bürgerbudget, it takes effect only when a second person confirms it; never the
proposer, nor a deputy of theirs, nor someone they deputize for; a rejection discards it; a
tally that changed in between is refused; the proposals' processes wait for it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from egov.identity.model import Principal, Role, Vertrauensniveau
from egov.workflow.timers import fire_due_timers
from tests.conftest import Api
from tests.integration.buergerbudget.vote_support import at, round_with_proposals
from tests.integration.test_timers_support import FakeClock, actions, api_of, clocked_app

RESULT = "/buergerbudget/rounds/2030/result"
PERIOD = {"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2030-02-01T10:00:00"))


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    app = clocked_app(database_url, tmp_path / "var", clock)
    yield api_of(app)
    app.extensions["egov"].db.dispose()


@pytest.fixture
def closed(api: Api, clock: FakeClock) -> list[str]:
    """Two admitted proposals of 2030, one vote for the first; the vote has closed and the
    processes have found it closed. Ben works in the Büro Bürgerbudget too."""
    proposals = round_with_proposals(api, clock, count=2)
    added = api.post("/org-units/buero-buergerbudget/members", "admin", json={"subject": "dev:ben"})
    assert added.status_code == 201, added.get_json()
    at(clock, "2030-07-02T10:00:00")
    citizen = Principal(
        subject="waehlerin-1",
        name="Wählerin 1",
        roles=frozenset({Role.CITIZEN}),
        vertrauensniveau=Vertrauensniveau.SUBSTANTIAL,
    )
    api.container.vote.cast(citizen, 2030, proposals[:1])
    at(clock, "2030-08-01T10:00:00")
    fire_due_timers(api.container.workflows)
    return proposals


def code(answer: Any, status: int) -> str:
    assert answer.status_code == status, answer.get_json()
    return str(answer.get_json()["code"])


def statuses(api: Api, proposals: list[str]) -> list[str]:
    return [api.get(f"/cases/{p}", "admin").get_json()["status"] for p in proposals]


def later(api: Api, clock: FakeClock, hour: int) -> None:
    """At `hour` o'clock the waiting processes have asked again."""
    at(clock, f"2030-08-01T{hour}:00:00")
    fire_due_timers(api.container.workflows)


def test_the_result_takes_effect_only_when_a_second_person_confirms_it(
    api: Api, clock: FakeClock, closed: list[str]
) -> None:
    assert api.get(RESULT, "anna").get_json()["state"] == "open"
    proposed = api.post(RESULT, "anna")

    assert proposed.status_code == 200, proposed.get_json()
    shown = proposed.get_json()
    assert (shown["state"], shown["proposed_by"]) == ("proposed", "dev:anna")
    assert [(o["case_id"], o["votes"], o["rank"]) for o in shown["outcomes"]] == [
        (closed[0], 1, 1),
        (closed[1], 0, 2),
    ]
    later(api, clock, 11)
    assert statuses(api, closed) == ["admitted_to_vote"] * 2  # nothing recorded, no letters
    assert "buergerbudget.allocated" not in actions(api, closed[0])

    confirmed = api.post(f"{RESULT}/confirm", "ben")

    assert confirmed.status_code == 200, confirmed.get_json()
    assert (confirmed.get_json()["state"], confirmed.get_json()["confirmed_by"]) == (
        "confirmed",
        "dev:ben",
    )
    later(api, clock, 12)
    assert set(statuses(api, closed)) <= {"in_implementation", "not_funded"}
    assert "admitted_to_vote" not in statuses(api, closed)
    trail = actions(api, closed[0])
    assert trail.index("buergerbudget.result_proposed") < trail.index("buergerbudget.allocated")
    case = api.get(f"/cases/{closed[0]}", "admin").get_json()
    assert case["data"]["allocation_approvals"] == {
        "proposed_by": "dev:anna",
        "confirmed_by": "dev:ben",
    }
    assert code(api.post(f"{RESULT}/confirm", "admin"), 409) == "result-confirmed"
    assert code(api.post(RESULT, "admin"), 409) == "result-confirmed"


def test_the_proposer_never_confirms_the_result_nor_rejects_it(api: Api, closed: list[str]) -> None:
    api.post(RESULT, "anna")

    assert code(api.post(f"{RESULT}/confirm", "anna"), 409) == "task-decision-own"
    refused = api.post(f"{RESULT}/reject", "anna", json={"reason": "selbst"})
    assert code(refused, 409) == "task-decision-own"
    assert api.get(RESULT, "anna").get_json()["state"] == "proposed"


@pytest.mark.parametrize(("deputy", "absent"), [("dev:ben", "dev:anna"), ("dev:anna", "dev:ben")])
def test_a_deputy_arrangement_either_way_is_no_second_person(
    api: Api, closed: list[str], deputy: str, absent: str
) -> None:
    arrangement = {**PERIOD, "deputy_subject": deputy, "absent_subject": absent}
    assert api.post("/deputies", "admin", json=arrangement).status_code == 201
    api.post(RESULT, "anna")

    assert code(api.post(f"{RESULT}/confirm", "ben"), 409) == "task-decision-own"


def test_a_rejection_discards_the_proposal_with_its_reason(api: Api, closed: list[str]) -> None:
    api.post(RESULT, "anna")

    rejected = api.post(f"{RESULT}/reject", "ben", json={"reason": "Offline-Stimmen fehlen"})

    assert rejected.status_code == 200, rejected.get_json()
    assert rejected.get_json()["state"] == "open"
    events = api.get(f"/cases/{closed[0]}/events", "admin").get_json()["items"]
    [event] = [e for e in events if e["action"] == "buergerbudget.result_rejected"]
    assert event["after"]["reason"] == "Offline-Stimmen fehlen"
    assert code(api.post(f"{RESULT}/confirm", "admin"), 409) == "result-not-proposed"


def test_a_tally_that_changed_since_the_proposal_is_not_confirmed(
    api: Api, closed: list[str]
) -> None:
    api.post(RESULT, "anna")
    entered = api.call(
        "PUT", "/buergerbudget/rounds/2030/offline-votes", "anna", json={"votes": {closed[1]: 5}}
    )
    assert entered.status_code == 200, entered.get_json()
    assert (
        api.post(f"/buergerbudget/rounds/2030/offline-votes/{closed[1]}/confirm", "ben").status_code
        == 200
    )

    assert code(api.post(f"{RESULT}/confirm", "ben"), 409) == "result-tally-changed"
    again = api.post(RESULT, "ben").get_json()
    assert next(o["case_id"] for o in again["outcomes"]) == closed[1]  # 5 offline votes first


def test_no_result_before_the_vote_closed_and_none_for_other_clerks(
    api: Api, clock: FakeClock
) -> None:
    round_with_proposals(api, clock, count=1)
    at(clock, "2030-07-02T10:00:00")
    assert code(api.post(RESULT, "anna"), 409) == "vote-not-closed"
    assert code(api.post(RESULT, "ben"), 403) == "forbidden"  # not of the Büro Bürgerbudget
    assert code(api.post(RESULT, "erika"), 403) == "forbidden"
