"""The operators' list commands: process definitions, procedures, org units and incidents
(list, retry, resolve), as a readable table or with `--json`; through the services, so a
retry or a resolution is audited like one through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from egov.cli import common, main
from egov.container import Container
from tests.builders import proposal
from tests.conftest import Api


@pytest.fixture
def run(container: Container, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run an `egov` command against the test's database; its stdout, exit 0 asserted."""
    monkeypatch.setattr(common, "settings", lambda: container.settings)

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 0, result.output
        return str(result.stdout)

    return invoke


def table(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def test_process_definitions_list_as_a_table_and_as_json(run: Any) -> None:
    lines = table(run("process-definitions", "list"))
    assert lines[0][:2] == ["Prozess", "Version"]
    assert ["bauantrag", "1"] in [line[:2] for line in lines[1:]]
    assert ["buergerbudget", "1"] in [line[:2] for line in lines[1:]]
    rows = json.loads(run("process-definitions", "list", "--json"))
    assert {(r["process_id"], r["version"]) for r in rows} >= {("buergerbudget", 1)}


def test_procedures_list_names_the_unit_the_level_and_the_deadline(run: Any) -> None:
    rows = {r["key"]: r for r in json.loads(run("procedures", "list", "--json"))}
    assert rows["buergerbudget"]["org_unit"] == "buero-buergerbudget"
    assert rows["buergerbudget"]["vertrauensniveau"] == "substantial"
    assert rows["buergerbudget"]["processing_days"] == 42
    assert "Vorschlag zum Bürgerbudget" in run("procedures", "list")


def test_org_units_list_shows_what_org_unit_add_added(run: Any) -> None:
    run("org-unit", "add", "standesamt", "Standesamt")
    rows = json.loads(run("org-units", "list", "--json"))
    assert {"key": "standesamt", "name": "Standesamt"} in rows
    assert ["standesamt", "Standesamt"] in table(run("org-units", "list"))


def failed_start(api: Api, monkeypatch: pytest.MonkeyPatch) -> str:
    """A case whose process could not start: one open incident."""
    with monkeypatch.context() as patch:
        patch.setattr("egov.workflow.service.active_definition", lambda *_: None)
        response = api.post("/applications", "erika", json=proposal())
    assert response.status_code == 201
    return str(response.get_json()["case_id"])


def test_incidents_list_retry_and_the_audit_trail(
    run: Any, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("incidents", "list") == "(keine Einträge)\n"
    case_id = failed_start(api, monkeypatch)
    [incident] = json.loads(run("incidents", "list", "--json"))
    assert incident["case_id"] == case_id and incident["status"] == "open"
    assert incident["id"] in run("incidents", "list")

    assert (
        run("incidents", "retry", incident["id"]) == f"Störung {incident['id']} behoben (retried)\n"
    )
    assert json.loads(run("incidents", "list", "--json")) == []
    assert [i["resolution"] for i in json.loads(run("incidents", "list", "--all", "--json"))] == [
        "retried"
    ]
    trail = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    retried = [e for e in trail if e["action"] == "incident.retried"]
    assert len(retried) == 1 and retried[0]["actor"] == "cli"


def test_incidents_resolve_needs_a_note_and_is_audited(
    run: Any, api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = failed_start(api, monkeypatch)
    [incident] = json.loads(run("incidents", "list", "--json"))
    monkeypatch.setattr(common, "settings", lambda: container.settings)
    refused = CliRunner().invoke(main, ["incidents", "resolve", incident["id"], "--note", " "])
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Fehler [resolution-note-missing]: ")

    done = json.loads(run("incidents", "resolve", incident["id"], "--note", "per Hand", "--json"))
    assert (done["status"], done["resolution"], done["resolved_by"]) == (
        "resolved",
        "by-hand",
        "cli",
    )
    trail = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    assert "incident.resolved" in [e["action"] for e in trail]


def test_retrying_an_unknown_incident_is_one_line_with_its_code(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "settings", lambda: container.settings)
    result = CliRunner().invoke(main, ["incidents", "retry", "gibt-es-nicht"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Fehler [incident-not-found]: ")


def test_a_list_shows_every_page_of_the_service(run: Any, container: Container) -> None:
    before = len(json.loads(run("org-units", "list", "--json")))
    container.directory.ensure_org_units([(f"amt-{n:03d}", f"Amt {n}") for n in range(205)])
    rows = json.loads(run("org-units", "list", "--json"))
    assert len(rows) == before + 205
    assert len({r["key"] for r in rows}) == len(rows)
