"""SQLite's writers in one process take their turns first come, first served (issue 18):
the queue hands the turn to the longest waiting writer, never to a newcomer; a writer that
waits too long gets an outage error and leaves the queue."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from egov.db import Database, WriterQueue


def test_the_turn_passes_to_the_writers_in_the_order_they_came() -> None:
    queue = WriterQueue(timeout=5)
    queue.acquire()
    order: list[int] = []
    waiting = []
    for number in range(5):
        thread = threading.Thread(target=lambda n=number: (queue.acquire(), order.append(n)))
        thread.start()
        waiting.append(thread)
        time.sleep(0.05)  # each is queued before the next arrives

    for _ in range(5):
        queue.release()
        time.sleep(0.05)
    for thread in waiting:
        thread.join(timeout=5)
    assert order == [0, 1, 2, 3, 4]


def test_a_writer_that_waits_too_long_gets_an_outage_and_leaves_the_queue() -> None:
    queue = WriterQueue(timeout=0.1)
    queue.acquire()
    with pytest.raises(OperationalError, match="database is locked"):
        queue.acquire()
    queue.release()
    queue.acquire()  # the turn is free again: the one that gave up holds no place


def test_concurrent_write_transactions_all_commit_and_none_waits_for_sqlite(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with db.transaction() as session:
        session.execute(text("CREATE TABLE counter (n INTEGER)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))

    def bump() -> None:
        for _ in range(20):
            with db.transaction() as session:
                session.execute(text("UPDATE counter SET n = n + 1"))

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with db.reading() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 160
    failed = db.sessions()
    with pytest.raises(OperationalError), failed.begin():
        failed.execute(text("UPDATE counter SET nope = 1"))
    failed.close()
    with db.transaction() as session:  # the failed writer gave its turn back
        session.execute(text("UPDATE counter SET n = 0"))
    db.dispose()
