"""The login store in the database: what one web process writes (a login state, a logout),
every other process sees; entries end with their expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from egov.container import Container
from egov.identity.login_store import DatabaseLoginCache, LoginEntry


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now


def two_processes(container: Container) -> tuple[DatabaseLoginCache, DatabaseLoginCache, Clock]:
    clock = Clock()
    return DatabaseLoginCache(container.db, clock), DatabaseLoginCache(container.db, clock), clock


def test_a_login_state_set_by_one_process_is_read_and_deleted_by_another(
    container: Container,
) -> None:
    first, second, _clock = two_processes(container)
    first.set("_state_oidc_abc", '{"nonce": "n-1"}', 600)

    assert second.get("_state_oidc_abc") == '{"nonce": "n-1"}'
    second.delete("_state_oidc_abc")
    assert first.get("_state_oidc_abc") is None


def test_entries_expire_and_expired_ones_are_removed_on_the_next_write(
    container: Container,
) -> None:
    cache, _other, clock = two_processes(container)
    cache.set("a", "1", 10)
    cache.set("b", "2", 100)
    clock.now += timedelta(seconds=11)

    assert cache.get("a") is None and cache.get("b") == "2"
    cache.set("c", "3", 10)
    with container.db.reading() as session:
        assert sorted(session.scalars(select(LoginEntry.key))) == ["b", "c"]


def test_setting_a_key_again_replaces_its_value_and_expiry(container: Container) -> None:
    cache, _other, clock = two_processes(container)
    cache.set("k", "old", 10)
    cache.set("k", "new", 100)
    clock.now += timedelta(seconds=50)

    assert cache.get("k") == "new"


def test_a_logout_in_one_process_revokes_the_session_in_every_process_for_its_lifetime(
    container: Container,
) -> None:
    first, second, clock = two_processes(container)
    first.revoke("sid-1", 100)

    assert second.is_revoked("sid-1") and not second.is_revoked("sid-2")
    clock.now += timedelta(seconds=101)
    assert not second.is_revoked("sid-1")
