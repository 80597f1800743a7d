"""Floods are answered with 429 (problem+json, Retry-After) while everyone else is served:
login attempts and refused tokens per client address, submissions per principal; pending
browser logins are bounded per address."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from egov.app import create_app
from egov.container import Container
from egov.errors import TooManyRequests
from egov.identity.login_store import LoginEntry
from egov.web.throttle import Throttle
from tests.builders import proposal
from tests.conftest import Api, make_settings
from tests.support.redis import redis_server_or_skip

OTHER_ADDRESS = {"REMOTE_ADDR": "192.0.2.7"}  # another client (TEST-NET-1)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app with low limits, as an operator would set them."""
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        rate_limit_login="5/minute",
        rate_limit_token_failures="5/minute",
        rate_limit_intake="3/minute",
        login_entries_per_address=4,
    )
    application = create_app(settings)
    yield application
    application.extensions["egov"].db.dispose()


def assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "rate-limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_a_citizen_flooding_the_intake_gets_429_and_another_is_served(api: Api) -> None:
    answers = [api.post("/applications", "erika", json=proposal()) for _ in range(4)]

    assert [a.status_code for a in answers[:3]] == [201, 201, 201]
    assert_limited(answers[3])
    assert api.post("/applications", "max", json=proposal(title="Bank")).status_code in (201, 422)
    assert api.get("/me/cases", "erika").status_code == 200  # reading is not limited


def test_refused_tokens_from_one_address_close_the_api_to_it_and_only_to_it(api: Api) -> None:
    forged = {"Authorization": "Bearer not-a-token"}
    answers = [api.get("/me/cases", headers=forged) for _ in range(6)]

    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert_limited(answers[5])
    assert_limited(api.get("/me/cases", "erika"))  # this address waits, even with a token
    elsewhere = api.get("/me/cases", "erika", environ_overrides=OTHER_ADDRESS)
    assert elsewhere.status_code == 200
    assert api.client.get("/healthz").status_code == 200  # not the API: served


def test_login_attempts_are_limited_per_address(app: Flask) -> None:
    client = app.test_client()
    answers = [client.get("/auth/login/dev?next=/") for _ in range(6)]

    assert [a.status_code for a in answers[:5]] == [302] * 5
    assert_limited(answers[5])
    other = client.get("/auth/login/dev?next=/", environ_overrides=OTHER_ADDRESS)
    assert other.status_code == 302


def test_pending_logins_are_bounded_per_address_and_the_oldest_evicted(
    app: Flask, container: Container
) -> None:
    container.login_cache.address = lambda: "198.51.100.1"
    for number in range(7):
        container.login_cache.set(f"_state_dev_{number}", "{}", 600)
    container.login_cache.address = lambda: "198.51.100.2"
    container.login_cache.set("_state_dev_other", "{}", 600)

    with container.db.reading() as session:
        kept = list(
            session.scalars(
                select(LoginEntry.key)
                .where(LoginEntry.address == "198.51.100.1")
                .order_by(LoginEntry.key)
            )
        )
        total = session.scalar(select(func.count()).select_from(LoginEntry))
    assert kept == [f"_state_dev_{n}" for n in (3, 4, 5, 6)]  # the newest four
    assert total == 5
    assert container.login_cache.get("_state_dev_other") == "{}"


def test_web_processes_share_their_counters_in_redis_and_serve_when_it_is_away() -> None:
    with redis_server_or_skip() as redis:
        settings = dataclasses.replace(
            make_settings(Path("/nonexistent"), "sqlite://"),
            rate_limit_storage_url=redis.url,
            rate_limit_intake="2/minute",
        )
        first, second = Throttle.from_settings(settings), Throttle.from_settings(settings)
        first.hit("intake", "dev:erika")
        second.hit("intake", "dev:erika")  # the second process sees the first's count
        with pytest.raises(TooManyRequests) as caught:
            first.hit("intake", "dev:erika")
        assert caught.value.retry_after >= 1
        second.hit("intake", "dev:max")  # another principal is counted on its own

        redis.kill9()
        first.hit("intake", "dev:erika")  # the store is away: served (and logged)
