"""`egov instance` and `egov migration`: operators list, read and stop process instances and
migrate them from the command line, as the admin `cli`, audited like the API's commands; a
table or `--json`; a refusal is one line `Fehler [code]: …`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from egov.cli import common, main
from egov.container import Container
from tests.conftest import Api
from tests.integration.test_instance_migration import changed_buergerbudget, deploy, instance_of
from tests.integration.test_process_instances import actions, new_case, trail


@pytest.fixture
def run(container: Container, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(common, "settings", lambda: container.settings)

    def invoke(*args: str, exit_code: int = 0) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == exit_code, result.output
        return str(result.output)

    return invoke


def test_instance_list_filters_like_the_api_and_show_names_the_position(run: Any, api: Api) -> None:
    case_a, first = new_case(api)
    _, second = new_case(api)
    assert run("instance", "suspend", second, "--reason", "Rückfrage") == f"{second}: suspended\n"

    rows = json.loads(run("instance", "list", "--json"))
    assert [(r["id"], r["state"]) for r in rows] == [(first, "running"), (second, "suspended")]
    running = json.loads(run("instance", "list", "--state", "running", "--json"))
    assert [r["id"] for r in running] == [first]
    at = json.loads(run("instance", "list", "--element", "review_formal_check", "--json"))
    assert len(at) == 2
    assert json.loads(run("instance", "list", "--procedure", "bauantrag", "--json")) == []
    assert json.loads(run("instance", "list", "--incident", "--json")) == []
    table = run("instance", "list").splitlines()
    assert table[0].split()[:3] == ["Instanz", "Vorgang", "Verfahren"]

    detail = json.loads(run("instance", "show", first, "--json"))
    assert (detail["case_id"], detail["position"]) == (case_a, ["review_formal_check"])
    assert "wartet an: review_formal_check" in run("instance", "show", first)


def test_instance_commands_are_audited_as_cli_and_refusals_are_one_line(run: Any, api: Api) -> None:
    case_id, instance_id = new_case(api)

    assert run("instance", "suspend", instance_id) == f"{instance_id}: suspended\n"
    again = run("instance", "suspend", instance_id, exit_code=1)
    assert again.startswith("Fehler [instance-state-conflict]:")
    assert json.loads(run("instance", "resume", instance_id, "--json"))["state"] == "running"
    not_failed = run("instance", "restart", instance_id, exit_code=1)
    assert not_failed.startswith("Fehler [instance-not-failed]:")
    no_reason = run("instance", "cancel", instance_id, exit_code=2)  # --reason is required
    assert "--reason" in no_reason
    out = run("instance", "cancel", instance_id, "--reason", "Zurückgezogen.")
    assert out == f"{instance_id}: cancelled\n"

    events = [(e["action"], e["actor"]) for e in trail(api, case_id)]
    assert {("workflow.suspended", "cli"), ("workflow.resumed", "cli")} <= set(events)
    assert ("workflow.cancelled", "cli") in events
    unknown = run("instance", "show", "nope", exit_code=1)
    assert unknown.startswith("Fehler [instance-not-found]:")


def test_migration_plan_check_run_status_and_reverse(
    run: Any, api: Api, container: Container
) -> None:
    case_id, instance_id = new_case(api)
    source = instance_of(container, case_id).definition_id
    target = deploy(api, changed_buergerbudget())["id"]

    plan = json.loads(run("migration", "plan", source, target, "--json"))
    assert {"source": "review_formal_check", "target": "review_formal_check"} in plan[
        "instructions"
    ]
    (verdict,) = json.loads(
        run("migration", "check", source, target, "--instance", instance_id, "--json")
    )
    assert (verdict["instance_id"], verdict["migratable"]) == (instance_id, True)

    (batch,) = json.loads(run("migration", "run", source, target, "--json"))
    assert (batch["status"], batch["migrated"], batch["created_by"]) == ("done", 1, "cli")
    assert instance_of(container, case_id).definition_id == target
    (status,) = json.loads(run("migration", "status", batch["id"], "--json"))
    assert status["migrated"] == 1
    assert "workflow.migrated" in actions(api, case_id)

    (back,) = json.loads(run("migration", "reverse", batch["id"], "--json"))
    assert (back["status"], back["reversed"]) == ("reversed", 1)
    assert instance_of(container, case_id).definition_id == source
    refused = run("migration", "confirm", batch["id"], exit_code=1)
    assert refused.startswith("Fehler [migration-not-held]:")
    table = run("migration", "status", batch["id"]).splitlines()
    assert table[0].split()[:2] == ["Lauf", "Status"]
