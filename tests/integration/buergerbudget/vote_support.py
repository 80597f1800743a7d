"""Shared by the vote tests: an app on a settable clock with the round 2030 and proposals
admitted to its vote through their real process (formal check, feasibility)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.builders import proposal
from tests.conftest import Api
from tests.integration.test_timers_support import FakeClock

ROUND_2030: dict[str, Any] = {
    "year": 2030,
    "total_budget_eur": 40000,
    "cap_per_proposal_eur": 8000,
    "submissions_open": "2030-03-01",
    "submission_deadline": "2030-05-31",
    "vote_opens": "2030-07-01",
    "vote_closes": "2030-07-31",
    "votes_per_citizen": 2,
    "vertrauensniveau": "substantial",
    "categories": ["verkehr", "spielplatz"],
}
BALLOT = "/buergerbudget/rounds/2030/ballot"


def at(clock: FakeClock, moment: str) -> None:
    clock.now = datetime.fromisoformat(moment)


def complete(api: Api, user: str, case_id: str, data: dict[str, Any]) -> None:
    items = api.get("/tasks", user).get_json()["items"]
    task = next(t for t in items if t["case_id"] == case_id)
    assert api.post(f"/tasks/{task['id']}/claim", user).status_code == 200
    done = api.post(f"/tasks/{task['id']}/complete", user, json={"data": data})
    assert done.status_code == 200, done.get_json()


def admitted_proposal(api: Api, title: str) -> str:
    """A proposal of 2030 filed by max, found admissible and feasible: admitted to the vote."""
    response = api.post("/applications", "erika", json=proposal(title=title))
    assert response.status_code == 201, response.get_json()
    case_id = str(response.get_json()["case_id"])
    complete(api, "anna", case_id, {"formal_decision": "admissible"})
    complete(api, "ben", case_id, {"feasible": True, "cost_estimate_eur": 3000})
    return case_id


def round_with_proposals(api: Api, clock: FakeClock, count: int = 3) -> list[str]:
    at(clock, "2030-02-01T10:00:00")
    api.container.rounds.create(ROUND_2030, actor="tests")
    at(clock, "2030-04-01T10:00:00")
    return [admitted_proposal(api, f"Vorschlag {n}") for n in range(count)]
