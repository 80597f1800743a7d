"""A database a migration behind the code is a misconfiguration, not an outage: the API
answers 500 `schema-outdated` (not 503 "send again"), `/readyz` names the schema, a workflow
step that meets a missing column becomes an incident, and the sweep waits for `egov migrate`
instead of meeting the missing column again every second."""

from __future__ import annotations

import logging
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from egov.app import create_app
from egov.cli import MIGRATIONS, run_migrations
from egov.container import Container
from egov.outbox.store import Incident
from egov.runtime.sweep import Sweeper
from tests.builders import proposal
from tests.conftest import Api, make_settings
from tests.support.redis import redis_or_skip


def migrate_to(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.downgrade(config, revision)


@pytest.fixture
def behind(container: Container) -> Container:
    """The test database taken back to 0007: `cases.applicant_email` is gone."""
    container.db.dispose()
    migrate_to(container.settings.effective_database_url, "0007")
    return container


def test_the_api_answers_a_missing_column_with_schema_outdated_not_with_retry(
    api: Api, behind: Container, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="egov.web.problems"):
        response = api.get("/me/cases", "erika")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "schema-outdated"
    assert "Retry-After" not in response.headers
    assert "applicant_email" not in response.get_data(as_text=True)  # driver text: log only
    assert any(
        "schema_outdated" in record.getMessage() and record.levelno == logging.ERROR
        for record in caplog.records
    )


def test_readyz_names_the_schema_that_is_behind(api: Api, behind: Container) -> None:
    response = api.client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"] == {"database": "ok", "schema": "behind"}
    assert body["failed"] == ["schema"]

    run_migrations(behind.settings.effective_database_url)
    again = api.client.get("/readyz")
    assert again.status_code == 200
    assert again.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "schema": "ok"},
        "failed": [],
    }


def test_readyz_is_unavailable_without_any_migration(api: Api, container: Container) -> None:
    with container.db.transaction() as session:
        session.execute(text("DELETE FROM alembic_version"))
    body = api.client.get("/readyz").get_json()
    assert body["checks"]["schema"] == "missing" and body["status"] == "unavailable"


def test_a_step_that_meets_a_missing_column_is_an_incident_not_a_deferral(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "advance", lambda _case_id: True)  # not run yet
        case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    with container.db.transaction() as session:  # the projection's table is behind the code
        session.execute(text("ALTER TABLE tasks DROP COLUMN completed_by"))
    container.db.dispose()

    assert container.workflows.advance(case_id) is False  # not raised for a later retry
    with container.db.reading() as session:
        incident = session.scalars(select(Incident).where(Incident.case_id == case_id)).one()
    assert incident.code == "schema-outdated"


def test_the_sweep_waits_for_the_migration_instead_of_retrying_each_second(
    behind: Container, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="egov.runtime.sweep"):
        assert Sweeper(behind, None)() == {"schema_outdated": 1}
    assert any("schema_outdated" in record.getMessage() for record in caplog.records)

    run_migrations(behind.settings.effective_database_url)
    assert "schema_outdated" not in Sweeper(behind, None)()


def broker_check(database_url: str, data_dir: Path, broker_url: str) -> dict[str, str]:
    app = create_app(replace(make_settings(data_dir, database_url), broker_url=broker_url))
    try:
        checks: dict[str, str] = app.test_client().get("/readyz").get_json()["checks"]
        return checks
    finally:
        app.extensions["egov"].db.dispose()


def test_readyz_in_production_mode_is_unavailable_without_the_broker(
    database_url: str, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    checks = broker_check(database_url, tmp_path / "var", closed)
    assert checks == {"database": "ok", "schema": "ok", "broker": "unavailable"}


def test_readyz_in_production_mode_pings_the_broker(database_url: str, tmp_path: Path) -> None:
    with redis_or_skip() as broker_url:
        checks = broker_check(database_url, tmp_path / "var", broker_url)
    assert checks == {"database": "ok", "schema": "ok", "broker": "ok"}
