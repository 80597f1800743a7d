"""The public vote: a citizen's whole ballot, changeable until the vote closes, read back
only by them; the tally after the close, verified against the round's chain; offline votes
that count after a second clerk confirmed them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from egov.buergerbudget.ballots_store import Ballot
from egov.workflow.timers import fire_due_timers
from tests.conftest import Api
from tests.integration.buergerbudget.vote_support import BALLOT, at, round_with_proposals
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2030-02-01T10:00:00"))


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    app = clocked_app(database_url, tmp_path / "var", clock)
    yield api_of(app)
    app.extensions["egov"].db.dispose()


@pytest.fixture
def proposals(api: Api, clock: FakeClock) -> list[str]:
    return round_with_proposals(api, clock)


def test_feasible_proposals_are_admitted_to_the_vote_and_their_cases_wait(
    api: Api, proposals: list[str]
) -> None:
    for case_id in proposals:
        case = api.get(f"/cases/{case_id}", "anna").get_json()
        assert (case["status"], case["closed_at"]) == ("admitted_to_vote", None)


def test_a_ballot_is_cast_changed_until_the_close_and_read_back_by_its_voter(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    first, second, third = proposals
    assert api.call("PUT", BALLOT, "erika", json={"proposals": [first]}).status_code == 409
    at(clock, "2030-07-02T10:00:00")

    cast = api.call("PUT", BALLOT, "erika", json={"proposals": [second, first]})
    assert cast.status_code == 200, cast.get_json()
    assert (cast.get_json()["proposals"], cast.get_json()["version"]) == (
        sorted([first, second]),
        1,
    )
    again = api.call("PUT", BALLOT, "erika", json={"proposals": [first, second]}).get_json()
    assert again == cast.get_json()  # idempotent: the same ballot is no new version

    changed = api.call("PUT", BALLOT, "erika", json={"proposals": [third]}).get_json()
    assert (changed["proposals"], changed["version"]) == ([third], 2)
    assert api.get(BALLOT, "erika").get_json() == changed

    at(clock, "2030-08-01T10:00:00")
    closed = api.call("PUT", BALLOT, "erika", json={"proposals": [first]})
    assert closed.get_json()["code"] == "vote-not-open"


def test_a_ballot_has_at_most_n_admitted_proposals_each_once(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-02T10:00:00")
    for wrong in ([proposals[0]] * 2, proposals, ["not-a-proposal"]):
        refused = api.call("PUT", BALLOT, "erika", json={"proposals": wrong})
        assert (refused.status_code, refused.get_json()["code"]) == (422, "ballot-invalid")
    assert api.get(BALLOT, "erika").get_json()["code"] == "ballot-not-found"


def test_a_citizen_below_the_rounds_vertrauensniveau_does_not_vote(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-02T10:00:00")
    refused = api.call("PUT", BALLOT, "max", json={"proposals": [proposals[0]]})
    assert (refused.status_code, refused.get_json()["code"]) == (422, "assurance-level-too-low")


def test_the_tally_comes_after_the_close_and_is_verified_against_the_chain(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-02T10:00:00")
    api.call("PUT", BALLOT, "erika", json={"proposals": [proposals[0]]})
    api.call("PUT", BALLOT, "erika", json={"proposals": [proposals[0], proposals[1]]})
    assert api.get("/buergerbudget/rounds/2030/tally", "anna").get_json()["code"] == (
        "vote-not-closed"
    )
    at(clock, "2030-08-01T10:00:00")

    assert api.get("/buergerbudget/rounds/2030/tally", "ben").status_code == 403  # other unit
    tally = api.get("/buergerbudget/rounds/2030/tally", "anna").get_json()
    totals = {c["proposal"]: c["total"] for c in tally["counts"]}
    assert totals == {proposals[0]: 1, proposals[1]: 1, proposals[2]: 0}
    checked = api.container.tallies.verify(2030)
    assert checked.valid and checked.ballots_checked == 1
    assert checked.chain_length == 3  # the round's creation, two ballot versions


def test_a_changed_ballot_row_fails_the_verification(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-02T10:00:00")
    api.call("PUT", BALLOT, "erika", json={"proposals": [proposals[0]]})
    with api.container.db.transaction() as session:
        [row] = session.query(Ballot).all()
        row.choices = [proposals[2]]  # someone moves the vote in the database
    checked = api.container.tallies.verify(2030)
    assert not checked.valid and checked.problems


def test_offline_votes_count_only_after_a_second_clerk_confirmed_them(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    api.container.directory.add_member("tests", "buero-buergerbudget", "dev:clara")
    at(clock, "2030-07-31T18:00:00")  # the closing event
    path = "/buergerbudget/rounds/2030/offline-votes"
    entered = api.call("PUT", path, "anna", json={"votes": {proposals[1]: 12}})
    assert entered.status_code == 200, entered.get_json()
    assert entered.get_json()["items"][0]["offline"] is True
    own = api.post(f"{path}/{proposals[1]}/confirm", "anna")
    assert own.get_json()["code"] == "offline-votes-own-entry"
    at(clock, "2030-08-01T10:00:00")
    unconfirmed = api.get("/buergerbudget/rounds/2030/tally", "anna").get_json()
    assert {c["proposal"]: c["offline"] for c in unconfirmed["counts"]}[proposals[1]] == 0

    assert api.post(f"{path}/{proposals[1]}/confirm", "clara").status_code == 200
    tally = api.get("/buergerbudget/rounds/2030/tally", "anna").get_json()
    assert {c["proposal"]: c["total"] for c in tally["counts"]}[proposals[1]] == 12
    assert api.container.tallies.verify(2030).valid


def test_who_voted_for_what_is_in_no_table_column_and_no_answer(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    columns = {
        c["name"] for c in inspect(api.container.db.engine).get_columns("buergerbudget_ballots")
    }
    assert not columns & {"subject", "voter_subject", "name", "email", "postfach"}
    at(clock, "2030-07-02T10:00:00")
    api.call("PUT", BALLOT, "erika", json={"proposals": [proposals[0]]})
    with api.container.db.reading() as session:
        [row] = session.query(Ballot).all()
        secrets = {row.id, row.voter, row.salt}
    at(clock, "2030-08-01T10:00:00")
    counting = [
        api.get("/buergerbudget/rounds/2030/tally", "anna"),
        api.get("/buergerbudget/rounds/2030/tally", "admin"),
        api.get("/admin/buergerbudget/rounds/2030", "admin"),
    ]
    case_file = [  # erika filed these proposals: her name is there, her vote is not
        api.get(f"/cases/{proposals[0]}", "anna"),
        api.get(f"/cases/{proposals[0]}/events", "admin"),
    ]
    for answer in counting + case_file:
        text = json.dumps(answer.get_json())
        assert not any(secret in text for secret in secrets)
    assert not any("erika" in json.dumps(answer.get_json()) for answer in counting)


def test_after_the_close_the_timer_ends_each_admitted_proposals_wait(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-31T20:00:00")  # 22:00 in Jena, the last day of the vote
    assert fire_due_timers(api.container.workflows) == {}
    at(clock, "2030-07-31T22:00:01")  # past midnight in Jena: the vote has closed
    fired = fire_due_timers(api.container.workflows)
    assert fired == {"timer.advanced": len(proposals)}
    for case_id in proposals:  # they wait for the result, confirmed under four eyes
        assert api.get(f"/cases/{case_id}", "anna").get_json()["status"] == "admitted_to_vote"
    assert api.post("/buergerbudget/rounds/2030/result", "anna").status_code == 200
    assert api.post("/buergerbudget/rounds/2030/result/confirm", "admin").status_code == 200
    at(clock, "2030-08-01T00:00:00")
    assert fire_due_timers(api.container.workflows) == {"timer.advanced": len(proposals)}
    for case_id in proposals:  # the allocation ran: all three fit into the budget
        assert api.get(f"/cases/{case_id}", "anna").get_json()["status"] == "in_implementation"
