"""A whole Bürgerbudget round through the shipped process: eight proposals filed, checked and
admitted, citizens vote, the vote closes by its timer, the result is proposed and confirmed by a
second person (four eyes) and is then on every case, each
proposer gets one letter for their proposal, funded ones go on to implementation, the others
end; one implementation is closed and its process ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from egov.app import create_app
from egov.buergerbudget.result_confirmation import RESULT_POLL
from egov.container import Container
from egov.identity.model import Principal, Role, Vertrauensniveau
from egov.workflow.timers import fire_due_timers
from tests.builders import proposal
from tests.conftest import Api, make_settings

FILED = datetime(2026, 12, 7, 9, 0)  # the 2026 round's submissions run until 31 December
VOTE_RUNS = datetime(2027, 1, 20, 12, 0)
VOTE_CLOSED = datetime(2027, 2, 1, 9, 0)  # the day after the vote's last day
# title, department's cost, votes; the budget is 25.000 EUR
ROUND = [
    ("Trinkbrunnen am Markt", 5000, 13),
    ("Bänke im Paradiespark", 4000, 13),  # the same votes, cheaper: first
    ("Insektenhotel Lobeda", 4800, 10),
    ("Bücherschrank Winzerla", 4500, 9),
    ("Boule-Bahn Nord", 4000, 6),  # dearer than the table: after it, then 3.700 left: skipped
    ("Tischtennisplatte Ost", 3000, 6),
    ("Kräuterbeet Zwätzen", 2500, 1),  # fits after the Boule-Bahn was skipped
    ("Fahrradreparatursäule", 1200, 0),  # no votes, fits exactly
]
VOTERS = 20


@pytest.fixture
def moment() -> list[datetime]:
    return [FILED]


@pytest.fixture
def world(database_url: str, tmp_path: Path, moment: list[datetime]) -> Iterator[Flask]:
    app = create_app(make_settings(tmp_path / "var", database_url), clock=lambda: moment[0])
    yield app
    app.extensions["egov"].db.dispose()


def open_task(api: Api, case_id: str) -> str:
    [task] = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    return str(task["id"])


def admitted_proposal(api: Api, title: str, cost: int) -> str:
    filed = api.post(
        "/applications", "erika", json=proposal(title=title, estimated_cost_eur=cost - 500)
    )
    assert filed.status_code == 201, filed.get_json()
    case_id = str(filed.get_json()["case_id"])
    formal = {"data": {"formal_decision": "admissible"}}
    assert (
        api.post(f"/tasks/{open_task(api, case_id)}/complete", "anna", json=formal).status_code
        == 200
    )
    feasible = {"feasible": True, "cost_estimate_eur": cost, "feasibility_note": "Geprüft."}
    done = api.post(f"/tasks/{open_task(api, case_id)}/complete", "ben", json={"data": feasible})
    assert done.status_code == 200, done.get_json()
    return case_id


def ballots(ids: dict[str, str]) -> list[list[str]]:
    """Each proposal's votes spread over distinct voters, at most three choices each."""
    tokens = [ids[title] for title, _cost, votes in ROUND for _ in range(votes)]
    voters: list[list[str]] = [[] for _ in range(VOTERS)]
    for position, case_id in enumerate(tokens):
        voters[position % VOTERS].append(case_id)
    return voters


def voter(n: int) -> Principal:
    return Principal(
        subject=f"waehlerin-{n}",
        name=f"Wählerin {n}",
        roles=frozenset({Role.CITIZEN}),
        vertrauensniveau=Vertrauensniveau.SUBSTANTIAL,
    )


def letters(api: Api, case_id: str) -> list[str]:
    items = api.get(f"/cases/{case_id}/documents", "admin").get_json()["items"]
    # each letter's plain text (a Bescheid is a PDF/A document besides)
    return [
        d["filename"] for d in items if d["kind"] == "letter" and d["filename"].endswith(".txt")
    ]


def test_a_whole_round_from_filing_to_an_implementation(
    world: Flask, moment: list[datetime]
) -> None:
    container: Container = world.extensions["egov"]
    api = Api(world.test_client(), container)
    ids = {title: admitted_proposal(api, title, cost) for title, cost, _votes in ROUND}
    assert {api.get(f"/cases/{i}", "admin").get_json()["status"] for i in ids.values()} == {
        "admitted_to_vote"
    }
    moment[0] = VOTE_RUNS
    for n, choices in enumerate(ballots(ids)):
        container.vote.cast(voter(n), 2026, choices)
    hidden = api.get("/public/buergerbudget/rounds/2026").get_json()
    assert {p["votes"] for p in hidden["proposals"]} == {None}

    moment[0] = VOTE_CLOSED
    fire_due_timers(container.workflows)
    waiting = {api.get(f"/cases/{i}", "admin").get_json()["status"] for i in ids.values()}
    assert waiting == {"admitted_to_vote"}  # no result before a second person confirmed it
    result = "/buergerbudget/rounds/2026/result"
    proposed = api.post(result, "anna")
    assert proposed.status_code == 200 and proposed.get_json()["state"] == "proposed"
    own = api.post(f"{result}/confirm", "anna")
    assert (own.status_code, own.get_json()["code"]) == (409, "task-decision-own")
    confirmed = api.post(f"{result}/confirm", "admin")
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "confirmed"
    moment[0] = VOTE_CLOSED + RESULT_POLL + timedelta(minutes=1)  # the processes ask again
    fire_due_timers(container.workflows)

    status = {t: api.get(f"/cases/{i}", "admin").get_json()["status"] for t, i in ids.items()}
    assert status == {
        t: "not_funded" if t == "Boule-Bahn Nord" else "in_implementation" for t in ids
    }
    for title, case_id in ids.items():
        sent = letters(api, case_id)
        assert len(sent) == 2, (title, sent)  # the admission, then the result: once
    events = api.get(f"/cases/{ids['Boule-Bahn Nord']}/events", "admin").get_json()["items"]
    assert [e["action"] for e in events].count("buergerbudget.allocated") == 1

    page = api.get("/public/buergerbudget/rounds/2026").get_json()
    assert page["result"] == {"funded": 7, "spent_eur": 25000.0, "remaining_eur": 0.0}
    ranked = [(p["title"], p["votes"], p["result"]["funded"]) for p in page["proposals"]]
    assert ranked == [
        ("Bänke im Paradiespark", 13, True),
        ("Trinkbrunnen am Markt", 13, True),
        ("Insektenhotel Lobeda", 10, True),
        ("Bücherschrank Winzerla", 9, True),
        ("Tischtennisplatte Ost", 6, True),
        ("Boule-Bahn Nord", 6, False),
        ("Kräuterbeet Zwätzen", 1, True),
        ("Fahrradreparatursäule", 0, True),
    ]
    assert "(Rest: 3.700,00 EUR)" in page["proposals"][5]["result"]["reason"]

    bench = ids["Bänke im Paradiespark"]
    base = f"/buergerbudget/implementations/{bench}"
    cost = api.call("PUT", f"{base}/cost", "ben", json={"actual_cost_eur": 3890.0})
    assert cost.status_code == 200, cost.get_json()
    assert api.post(f"{base}/complete", "ben").status_code == 200
    case = api.get(f"/cases/{bench}", "admin").get_json()
    assert case["status"] == "implemented" and case["closed_at"] is not None
    year = int(case["closed_at"][:4])
    assert case["retention"]["until"] == f"{year + 10}-12-31"  # funded: ten years
    boule = api.get(f"/cases/{ids['Boule-Bahn Nord']}", "admin").get_json()
    assert boule["status"] == "not_funded"
    assert boule["retention"]["rule"]["result"] == "not_funded"
    assert boule["retention"]["until"] == f"{int(boule['closed_at'][:4]) + 3}-12-31"
