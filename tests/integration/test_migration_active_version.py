"""Migration 0013 on a database that already holds versions: the highest version of
each process, the one new cases started on until then, becomes the active one; downgrading
and upgrading again gives the same."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from egov.runtime.schema import MIGRATIONS
from tests.conftest import BACKENDS, _admin, _with_db

ROWS = [("a1", "antrag", 1), ("a2", "antrag", 2), ("a3", "antrag", 3), ("b1", "bescheid", 1)]


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'egov.sqlite3'}"
        return
    server = request.getfixturevalue("postgres_server_url")
    name = f"egov_migration_{os.getpid()}"
    _admin(server, f"DROP DATABASE IF EXISTS {name}")
    _admin(server, f"CREATE DATABASE {name}")
    yield _with_db(server, name)
    _admin(server, f"DROP DATABASE {name}")


def migrate(url: str, target: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    (command.downgrade if down else command.upgrade)(config, target)


def active(url: str) -> list[tuple[str, bool]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, active FROM process_definitions ORDER BY id"))
        found = [(row[0], bool(row[1])) for row in rows]
    engine.dispose()
    return found


def test_the_highest_version_of_each_process_becomes_the_active_one(empty_url: str) -> None:
    migrate(empty_url, "0011")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        for id_, process_id, version in ROWS:
            conn.execute(
                text(
                    "INSERT INTO process_definitions (id, process_id, version, content_hash,"
                    " files, spec_json, forms, deployed_at, deployed_by) VALUES (:id, :p, :v,"
                    " :h, '{}', '{}', '{}', :at, 'tests')"
                ),
                {"id": id_, "p": process_id, "v": version, "h": id_, "at": datetime(2026, 1, 1)},
            )
    engine.dispose()

    migrate(empty_url, "head")

    expected = [("a1", False), ("a2", False), ("a3", True), ("b1", True)]
    assert active(empty_url) == expected
    migrate(empty_url, "0011", down=True)
    migrate(empty_url, "head")
    assert active(empty_url) == expected
