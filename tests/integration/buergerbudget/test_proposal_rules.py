"""A proposal is judged by the figures of its round: the deadline and the cap of the round
open for submissions when it was filed, as the formal check (DMN) reads them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.builders import proposal
from tests.conftest import Api
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app

ROUND_2030 = {
    "year": 2030,
    "total_budget_eur": 40000,
    "cap_per_proposal_eur": 8000,
    "submissions_open": "2030-03-01",
    "submission_deadline": "2030-05-31",
    "vote_opens": "2030-07-01",
    "vote_closes": "2030-07-31",
    "votes_per_citizen": 5,
    "vertrauensniveau": "substantial",
    "categories": ["verkehr"],
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2026-12-07T10:00:00"))


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    app = clocked_app(database_url, tmp_path / "var", clock)
    yield api_of(app)
    app.extensions["egov"].db.dispose()


def findings(api: Api, **data: Any) -> list[str]:
    response = api.post("/applications", "erika", json=proposal(**data))
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["case_id"]
    items = api.get("/tasks", "anna").get_json()["items"]
    task = next(t for t in items if t["case_id"] == case_id)
    context = api.get(f"/tasks/{task['id']}", "anna").get_json()["context"]
    return [finding["rule"] for finding in context["formal_findings"]]


def test_a_proposal_filed_today_in_the_demo_round_is_not_late(api: Api) -> None:
    assert findings(api) == []


def test_a_proposal_filed_after_the_rounds_deadline_is_late(api: Api, clock: FakeClock) -> None:
    clock.now = datetime.fromisoformat("2027-01-04T10:00:00")
    assert findings(api) == ["einreichungsfrist"]


def test_the_formal_check_uses_the_cap_of_the_round(api: Api, clock: FakeClock) -> None:
    clock.now = datetime.fromisoformat("2030-04-01T10:00:00")
    api.container.rounds.create(ROUND_2030, actor="tests")
    assert findings(api, estimated_cost_eur=6500.0, follow_up_cost_eur=1000.0) == []
    over = findings(api, estimated_cost_eur=7500.0, follow_up_cost_eur=1000.0)
    assert over == ["max_kosten"]
