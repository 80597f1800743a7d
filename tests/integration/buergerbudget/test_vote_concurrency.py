"""One ballot per voter and round, also when the voter's requests race: threads against a
real server on 127.0.0.1 (SQLite and PostgreSQL). Every request is answered, one ballot row
stays, each accepted version is in the round's chain and the verification holds."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError

from egov.buergerbudget.ballots_store import Ballot
from tests.conftest import Api
from tests.integration.buergerbudget.vote_support import at, round_with_proposals
from tests.integration.test_cli_server import serve
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app

THREADS = 8


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2030-02-01T10:00:00"))


@pytest.fixture
def app(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Flask]:
    application = clocked_app(database_url, tmp_path / "var", clock)
    yield application
    application.extensions["egov"].db.dispose()


def put(url: str, token: str, proposals: list[str]) -> int:
    request = urllib.request.Request(
        f"{url}/api/v1/buergerbudget/rounds/2030/ballot",
        data=json.dumps({"proposals": proposals}).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_racing_ballots_of_one_voter_leave_one_ballot_and_a_valid_chain(
    app: Flask, clock: FakeClock
) -> None:
    api: Api = api_of(app)
    proposals = round_with_proposals(api, clock)
    at(clock, "2030-07-02T10:00:00")
    token = api.token("erika")
    statuses: list[int] = []
    start = threading.Barrier(THREADS)

    def vote(url: str, n: int) -> None:
        start.wait()
        statuses.append(put(url, token, [proposals[n % len(proposals)]]))

    for url in serve(app):  # the server runs while the loop body does
        threads = [threading.Thread(target=vote, args=(url, n)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert statuses == [200] * THREADS
    with api.container.db.reading() as session:
        [ballot] = session.query(Ballot).all()
    checked = api.container.tallies.verify(2030)
    assert checked.valid, checked.problems
    assert 1 <= ballot.version == checked.chain_length - 1 <= THREADS  # after round.created


def test_the_database_refuses_a_second_ballot_of_one_voter_in_a_round(
    app: Flask, clock: FakeClock
) -> None:
    api: Api = api_of(app)
    proposals = round_with_proposals(api, clock, count=1)
    at(clock, "2030-07-02T10:00:00")
    assert (
        api.call(
            "PUT", "/buergerbudget/rounds/2030/ballot", "erika", json={"proposals": proposals}
        ).status_code
        == 200
    )
    with api.container.db.reading() as session:
        [first] = session.query(Ballot).all()
        copy = {
            c: getattr(first, c)
            for c in ("round_year", "voter", "choices", "salt", "commitment", "cast_at")
        }
    with pytest.raises(IntegrityError), api.container.db.transaction() as session:
        session.add(Ballot(**copy, version=1))
