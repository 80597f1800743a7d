"""A receipt is only ever sent after a durable commit: clients log every receipt the moment it
arrives, the web process and the database are killed with -9 at random points of the load,
and afterwards every logged receipt is in the database with its case.

Production mode (gunicorn, PostgreSQL with synchronous_commit=on) and the embedded mode
(`egov serve`, SQLite with synchronous=FULL). The crash points come from a seeded random
generator; the seed is printed and named in every failure, and EGOV_CRASH_SEED=<seed>
replays the same schedule.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import prepare
from tests.production.crashes import CRASH_ENV, Servers, dedicated_servers, settle, summary
from tests.production.load import Load, ReceiptLog
from tests.production.stack import Stack

ROUNDS = 3  # kills of each kind (production mode)
RECEIPTS_BETWEEN = 3  # receipts that must arrive after each restart before the next kill


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with dedicated_servers(tmp_path_factory.mktemp("durable")) as found:
        yield found


@pytest.fixture
def seed() -> int:
    chosen = int(os.environ.get("EGOV_CRASH_SEED") or random.randrange(1_000_000))
    print(f"crash schedule seed: EGOV_CRASH_SEED={chosen}")
    return chosen


def setting(stack: Stack, statement: str) -> str:
    """A setting as the app's own Database (engine, connect hooks) sees it."""
    with stack.container().db.engine.connect() as conn:
        return str(conn.execute(text(statement)).scalar_one())


def file_through_kills(
    stack: Stack, seed: int, rng: random.Random, kills: dict[str, Callable[[], None]], rounds: int
) -> None:
    """Four clients file applications while `rounds` kills of each kind strike in a shuffled
    order, each at a random moment (after each, the restart included, receipts must flow
    again). Then every receipt a client logged is in the database with its case and the
    invariants hold; a failure names the seed that replays the schedule."""
    try:
        log = ReceiptLog(stack.root / "receipts.jsonl")
        load = Load(stack, log, clients=4, seed=seed).start()
        load.wait_for_receipts(RECEIPTS_BETWEEN)
        schedule = [name for name in kills for _ in range(rounds)]
        rng.shuffle(schedule)
        for name in schedule:
            time.sleep(rng.uniform(0.1, 1.5))
            print(f"kill -9 {name}")
            kills[name]()
            load.wait_for_receipts(RECEIPTS_BETWEEN)
        load.stop()

        assert not load.unanswered and not load.unexpected, load.summary()
        settle(stack, log)
        print(f"{load.summary()}\n{summary(stack)}")
    except AssertionError as exc:
        raise AssertionError(f"EGOV_CRASH_SEED={seed}\n{exc}") from exc


@pytest.mark.postgres
def test_every_receipt_survives_kill_9_of_gunicorn_and_postgres_at_random_points(
    servers: Servers, seed: int
) -> None:
    """Pins down: PostgreSQL commits synchronously (synchronous_commit=on, fsync=on, read
    through the app's URL), and no receipt is answered before its commit: after three
    kill -9 of gunicorn's process group and three kill -9 of the postmaster with all
    backends, in a seeded random order at random moments of the load, every receipt a
    client logged is in the database with its case; then the invariants hold."""
    stack = servers.stack("egov_durable")
    rng = random.Random(seed)

    def kill_postgres() -> None:
        servers.postgres.restart(kill=True, downtime=rng.uniform(0, 1.5))

    try:
        assert setting(stack, "SHOW synchronous_commit") == "on"
        assert setting(stack, "SHOW fsync") == "on"
        stack.start_web(workers=2)
        stack.start_worker("worker", concurrency=2)
        stack.start_scheduler()
        kills = {"gunicorn": stack.restart_web, "postgres": kill_postgres}
        file_through_kills(stack, seed, rng, kills, ROUNDS)
    finally:
        stack.close()


def test_every_receipt_survives_kill_9_of_egov_serve_on_sqlite(tmp_path: Path, seed: int) -> None:
    """Pins down: the embedded mode's SQLite commits with synchronous=FULL in WAL mode (read
    through the app's Database class), and no receipt is answered before its commit: after
    four kill -9 of `egov serve` at seeded random moments of the load (mid-request, mid-
    commit, mid-engine step), every logged receipt is in the database with its case, the
    sweep of the restarted process starts what the killed one left, the invariants hold."""
    (tmp_path / "var").mkdir()
    database = tmp_path / "var" / "egov.sqlite3"
    prepare(f"sqlite:///{database}", tmp_path / "var")
    stack = Stack(tmp_path, f"sqlite:///{database}", "", extra_env=CRASH_ENV)
    try:
        assert setting(stack, "PRAGMA synchronous") == "2"  # FULL
        assert setting(stack, "PRAGMA journal_mode") == "wal"
        stack.start_serve()
        kills = {"egov serve": stack.restart_web}
        file_through_kills(stack, seed, random.Random(seed), kills, rounds=4)
    finally:
        stack.close()
