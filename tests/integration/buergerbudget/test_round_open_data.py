"""A round's result in open data and on the public round page (ADR 0033): nothing of the vote
before it closed, not even a result recorded early; after the close votes, rank, funding and
the reason, small vote counts not suppressed; the round's figures as a dataset of their own;
the ballots' final commitments published for the voters to find theirs; no person anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from egov.buergerbudget.results import record_round
from egov.identity.model import Principal, Role, Vertrauensniveau
from egov.opendata.sources import public_id
from egov.workflow.timers import fire_due_timers
from tests.builders import proposal
from tests.conftest import Api
from tests.integration.buergerbudget.vote_support import at, round_with_proposals
from tests.integration.test_open_data import answers, leaks
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app

PROPOSALS = "/open-data/datasets/buergerbudget-vorschlaege"
ROUNDS = "/open-data/datasets/buergerbudget-runden"
COMMITMENTS = "/public/buergerbudget/rounds/2030/commitments"
RESULT_COLUMNS = ("stimmen", "rang", "gefoerdert", "begruendung")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2030-02-01T10:00:00"))


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    app = clocked_app(database_url, tmp_path / "var", clock)
    yield api_of(app)
    app.extensions["egov"].db.dispose()


def voter(n: int) -> Principal:
    return Principal(
        subject=f"waehler-{n}",
        name=f"Wähler {n}",
        roles=frozenset({Role.CITIZEN}),
        vertrauensniveau=Vertrauensniveau.SUBSTANTIAL,
    )


@pytest.fixture
def voted(api: Api, clock: FakeClock) -> list[str]:
    """Three admitted proposals of 2030; three voters give them 3, 1 and 0 votes."""
    proposals = round_with_proposals(api, clock)
    at(clock, "2030-07-02T10:00:00")
    for n, choices in enumerate([proposals[:2], proposals[:1], proposals[:1]]):
        api.container.vote.cast(voter(n), 2030, choices)
    return proposals


def rows(api: Api, path: str, key: str) -> dict[Any, dict[str, Any]]:
    answer = api.get(f"{path}.json")
    assert answer.status_code == 200
    return {row[key]: row for row in answer.get_json()["zeilen"]}


def proposal_rows(api: Api, proposals: list[str]) -> list[dict[str, Any]]:
    found = rows(api, PROPOSALS, "id")
    return [found[public_id(case_id)] for case_id in proposals]


def test_before_the_close_open_data_has_the_round_but_nothing_of_the_vote(
    api: Api, clock: FakeClock, voted: list[str]
) -> None:
    with api.container.db.transaction() as session:  # recorded early (no votes)
        record_round(session, 2030, "tests", api.container.clock(), {})
    for row in proposal_rows(api, voted):
        assert row["runde"] == 2030 and row["titel"] is not None
        assert [row[c] for c in RESULT_COLUMNS] == [None] * 4
    round_row = rows(api, ROUNDS, "runde")[2030]
    assert (round_row["abstimmung_beendet"], round_row["zugelassene_vorschlaege"]) == (False, 3)
    assert (round_row["gefoerderte_vorschlaege"], round_row["vergeben_eur"]) == (None, None)
    page = api.get("/public/buergerbudget/rounds/2030").get_json()
    assert {(p["status"], p["status_label"], p["votes"]) for p in page["proposals"]} == {
        ("admitted_to_vote", "Zur Abstimmung zugelassen", None)
    }
    refused = api.get(COMMITMENTS)
    assert (refused.status_code, refused.get_json()["code"]) == (409, "vote-not-closed")


def test_after_the_close_open_data_has_votes_rank_funding_and_the_reason(
    api: Api, clock: FakeClock, voted: list[str]
) -> None:
    at(clock, "2030-07-31T22:00:01")  # past midnight in Jena: the vote has closed
    fire_due_timers(api.container.workflows)
    assert api.post("/buergerbudget/rounds/2030/result", "anna").status_code == 200
    assert api.post("/buergerbudget/rounds/2030/result/confirm", "admin").status_code == 200
    at(clock, "2030-08-01T00:00:00")  # the processes ask again for the confirmed result
    fire_due_timers(api.container.workflows)

    results = [tuple(row[c] for c in RESULT_COLUMNS) for row in proposal_rows(api, voted)]
    assert results == [
        (3, 1, True, "gefördert: Rang 1 mit 3 Stimmen"),
        (1, 2, True, "gefördert: Rang 2 mit 1 Stimme"),
        (0, 3, True, "gefördert: Rang 3 mit 0 Stimmen"),
    ]
    assert not any("geheimgehalten" in row for row in proposal_rows(api, voted))
    csv = api.get(f"{PROPOSALS}.csv").get_data(as_text=True)
    assert ",." not in csv  # a vote count of 1 is a published result, not suppressed
    round_row = rows(api, ROUNDS, "runde")[2030]
    assert round_row["abstimmung_beendet"] is True
    assert (round_row["gefoerderte_vorschlaege"], round_row["vergeben_eur"]) == (3, 9000.0)
    page = api.get("/public/buergerbudget/rounds/2030").get_json()
    assert {p["status_label"] for p in page["proposals"]} == {"In Umsetzung"}


def test_a_proposal_filed_after_the_deadline_is_in_the_round_it_came_too_late_for(
    api: Api, clock: FakeClock, voted: list[str]
) -> None:
    at(clock, "2031-01-15T10:00:00")  # no round 2031: the year of receipt would say 2031
    late = api.post("/applications", "erika", json=proposal(title="Zu spät"))
    assert late.status_code == 201, late.get_json()
    [row] = proposal_rows(api, [late.get_json()["case_id"]])
    assert (row["runde"], row["titel"], row["stimmen"]) == (2030, None, None)


def test_after_the_close_every_voter_finds_their_ballots_commitment(
    api: Api, clock: FakeClock, voted: list[str]
) -> None:
    api.container.vote.cast(voter(0), 2030, voted[2:])  # a changed ballot: its last version
    mine = {api.container.vote.ballot(voter(n), 2030).commitment for n in range(3)}
    at(clock, "2030-08-01T10:00:00")

    answer = api.get(COMMITMENTS)
    assert answer.status_code == 200
    assert answer.get_json() == {"year": 2030, "commitments": sorted(mine)}
    again = api.get(COMMITMENTS, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    assert api.get("/public/buergerbudget/rounds/2099/commitments").status_code == 404


def test_no_open_data_answer_of_a_closed_round_names_a_person(
    api: Api, clock: FakeClock, voted: list[str]
) -> None:
    at(clock, "2030-07-31T22:00:01")
    fire_due_timers(api.container.workflows)
    found = answers(api)
    found[COMMITMENTS] = api.get(COMMITMENTS).get_data()
    found["/public/buergerbudget/rounds/2030"] = api.get(
        "/public/buergerbudget/rounds/2030"
    ).get_data()

    assert leaks(found) == []
    secrets = [*voted, "waehler-", "Wähler"]
    assert [(p, s) for p, body in found.items() for s in secrets if s in body.decode()] == []
    assert json.loads(found[f"{ROUNDS}.json"])["zeilen"][-1]["runde"] == 2030
