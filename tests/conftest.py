"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, the app, tokens.

Each database is built once per session by the real Alembic migrations (plus the demo org
units and the shipped process definitions) and copied for every test.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from egov.app import create_app
from egov.buergerbudget.rounds import read_rounds
from egov.cli import run_migrations
from egov.container import Container, build
from egov.identity.directory import ensure_org_units
from egov.identity.users import demo_org_units
from egov.settings import Settings
from egov.workflow.deploy import deploy_bundle, read_bundle
from tests.support.openapi_check import CheckedClient
from tests.support.postgres import PostgresServer, PostgresUnavailable
from tests.support.servers import started_or_skip

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
_counter = itertools.count()
# every /api/v1 answer of every test client is checked against the OpenAPI document
Flask.test_client_class = CheckedClient


def make_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        env="test",
        data_dir=data_dir,
        database_url=database_url,
        bpmn_dir=ROOT / "bpmn",
        schemas_dir=ROOT / "schemas",
        public_url="http://127.0.0.1:8000",
        log_level="WARNING",
        # the suite sends far more from one address than a person would (tests/integration/
        # test_rate_limits.py checks the limits with their own, low values)
        rate_limit_login="100000/minute",
        rate_limit_token_failures="100000/minute",
        rate_limit_intake="100000/minute",
    )


def prepare(url: str, data_dir: Path) -> None:
    """Migrate, create the demo org units and deploy every shipped process definition."""
    run_migrations(url)
    container = build(make_settings(data_dir, url))
    with container.db.transaction() as session:
        ensure_org_units(session, list(demo_org_units()))
        for folder in sorted(p for p in (ROOT / "bpmn").iterdir() if any(p.glob("*.bpmn"))):
            deploy_bundle(session, read_bundle(folder), actor="tests", now=container.clock())
    for folder in sorted((ROOT / "bpmn").iterdir()):
        container.rounds.load(read_rounds(folder), actor="tests")  # Bürgerbudget rounds
    container.db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "egov.sqlite3"
    prepare(f"sqlite:///{path}", folder)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("EGOV_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with started_or_skip(PostgresServer(), "PostgreSQL", (PostgresUnavailable,)) as server:
        yield server.url


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    _admin(postgres_server_url, "DROP DATABASE IF EXISTS egov_template")
    _admin(postgres_server_url, "CREATE DATABASE egov_template")
    prepare(_with_db(postgres_server_url, "egov_template"), tmp_path_factory.mktemp("pg"))
    return "egov_template"


def _with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "egov.sqlite3"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    server = request.getfixturevalue("postgres_server_url")
    template_name = request.getfixturevalue("postgres_template")
    name = f"egov_test_{os.getpid()}_{next(_counter)}"
    _admin(server, f"CREATE DATABASE {name} TEMPLATE {template_name}")
    return _with_db(server, name)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(make_settings(tmp_path / "var", database_url))
    yield application
    application.extensions["egov"].db.dispose()


@pytest.fixture
def container(app: Flask) -> Container:
    found: Container = app.extensions["egov"]
    return found


class Api:
    """A test client that speaks as a demo user (token from the development IdP)."""

    def __init__(self, client: FlaskClient, container: Container) -> None:
        self.client = client
        self.container = container
        self._tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self._tokens:
            assert self.container.dev_idp is not None
            self._tokens[user] = self.container.dev_idp.token_for(user)
        return self._tokens[user]

    def call(self, method: str, path: str, user: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, user: str | None = None, **kwargs: Any) -> Any:
        return self.call("GET", path, user, **kwargs)

    def post(self, path: str, user: str | None = None, **kwargs: Any) -> Any:
        return self.call("POST", path, user, **kwargs)


@pytest.fixture
def api(app: Flask, container: Container) -> Api:
    return Api(app.test_client(), container)
