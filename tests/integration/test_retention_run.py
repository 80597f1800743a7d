"""`egov retention run`: the cases whose retention ended are listed (none on hold, none without
a rule); `--execute` erases those of procedures without archive duty, leaving a tombstone, no
trace of the applicant's data and an audit chain that still verifies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import MetaData, select

from egov.cases.store import Case
from egov.cli import main
from egov.container import Container
from tests.conftest import Api
from tests.integration.test_retention import bundle_with, rejected_case
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app
from tests.integration.test_walkthrough import file_proposal

LONG_AGO = datetime(2020, 9, 1, 10, 0, 0)  # in the 2020 round; rejected then: kept until 31.12.2023
DISTINCTIVE = "Sitzbank für Zacharias Quenzelmeier"
WAITING = "wartet auf Anbietung an das Archiv (kein Archiv konfiguriert)"


@pytest.fixture
def api(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    application: Flask = clocked_app(database_url, tmp_path / "var", FakeClock(LONG_AGO))
    container: Container = application.extensions["egov"]
    monkeypatch.setenv("EGOV_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("EGOV_DATABASE_URL", container.settings.effective_database_url)
    yield api_of(application)
    container.db.dispose()


def without_archive_duty(api: Api) -> None:
    deployed = api.post(
        "/process-definitions", "admin", json={"files": bundle_with(archive_duty=False)}
    )
    assert deployed.status_code == 201, deployed.get_json()


def reference(api: Api, case_id: str) -> str:
    return str(api.get(f"/cases/{case_id}", "admin").get_json()["reference"])


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["retention", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def everything_stored(container: Container) -> str:
    """Every row of every table and every stored file, as text."""
    tables = MetaData()
    tables.reflect(container.db.engine)
    with container.db.engine.connect() as conn:
        rows = [repr(tuple(r)) for t in tables.sorted_tables for r in conn.execute(t.select())]
    files = [
        p.read_bytes().decode("utf-8", "replace")
        for p in container.files.root.rglob("*")
        if p.is_file()
    ]
    return "\n".join(rows + files)


def test_the_dry_run_lists_due_cases_but_neither_held_ones_nor_erases(api: Api) -> None:
    due, held = rejected_case(api), rejected_case(api)
    assert (
        api.post(
            f"/cases/{held}/legal-hold", "admin", json={"reason": "Klage anhängig"}
        ).status_code
        == 200
    )
    open_case = str(file_proposal(api)["case_id"])

    listed = run("--dry-run")

    assert f"{reference(api, due)} buergerbudget aufbewahrt bis 2023-12-31: {WAITING}" in listed
    assert reference(api, held) not in listed and reference(api, open_case) not in listed
    assert "1 fällig, 0 gelöscht" in listed


def test_execute_waits_for_the_archive_where_the_procedure_has_archive_duty(api: Api) -> None:
    case_id = rejected_case(api, DISTINCTIVE)

    output = run("--execute")

    assert WAITING in output and "0 gelöscht" in output
    assert DISTINCTIVE in api.get(f"/cases/{case_id}", "admin").get_json()["title"]


def test_execute_erases_the_personal_data_and_keeps_a_tombstone_and_the_chain(api: Api) -> None:
    case_id = rejected_case(api, DISTINCTIVE)
    kept = rejected_case(api)
    assert (
        api.post(
            f"/cases/{kept}/legal-hold", "admin", json={"reason": "Klage anhängig"}
        ).status_code
        == 200
    )
    without_archive_duty(api)
    container: Container = api.container
    assert DISTINCTIVE in everything_stored(container)

    output = run("--execute")

    assert f"{reference(api, case_id)} buergerbudget aufbewahrt bis 2023-12-31: gelöscht" in output
    assert "1 fällig, 1 gelöscht" in output
    stored = everything_stored(container)
    assert DISTINCTIVE not in stored and "Quenzelmeier" not in stored
    with container.db.reading() as session:
        tombstone = session.scalars(select(Case).where(Case.id == case_id)).one()
        assert (tombstone.applicant_name, tombstone.applicant_email, tombstone.data) == (
            "",
            None,
            {},
        )
        assert tombstone.erased_by == "cli:retention" and tombstone.closed_at is not None
        assert tombstone.retention_rule is not None and tombstone.procedure_key == "buergerbudget"
    trail = api.get(f"/cases/{case_id}/events", "admin").get_json()
    assert trail["verification"]["valid"] is True
    assert [e["action"] for e in trail["items"][-2:]] == [
        "audit.payloads_erased",
        "retention.erased",
    ]
    assert trail["items"][-1]["after"]["reference"] == reference(api, case_id)
    assert all(e["after"] is None for e in trail["items"][:-2])
    assert api.get(f"/cases/{kept}", "admin").get_json()["data"]  # the held case keeps its data
    verified = CliRunner().invoke(main, ["verify-audit", reference(api, case_id)])
    assert verified.exit_code == 0
    assert "0 gelöscht" in run("--execute") and reference(api, case_id) not in run("--dry-run")
