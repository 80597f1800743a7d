"""`egov buergerbudget round …`: the rounds from the command line, and `verify` of a vote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from egov.cli import main
from egov.container import Container


@pytest.fixture
def run(container: Container, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("EGOV_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("EGOV_DATABASE_URL", container.settings.effective_database_url)
    return CliRunner()


def test_the_shipped_rounds_are_listed_and_shown(run: CliRunner) -> None:
    listed = run.invoke(main, ["buergerbudget", "round", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [r["year"] for r in json.loads(listed.output)] == [2020, 2026]
    shown = run.invoke(main, ["buergerbudget", "round", "show", "2020"])
    assert json.loads(shown.output)["total_budget_eur"] == 25000


def test_a_round_is_created_and_edited_and_a_refused_change_is_one_line(
    run: CliRunner, tmp_path: Path
) -> None:
    raw = json.loads((Path("bpmn/buergerbudget/rounds/2026.json")).read_text())
    raw.update(year=2031, submissions_open="2031-03-01", submission_deadline="2031-05-31")
    raw.update(vote_opens="2031-07-01", vote_closes="2031-07-31")
    (tmp_path / "2031.json").write_text(json.dumps(raw))
    created = run.invoke(main, ["buergerbudget", "round", "create", str(tmp_path / "2031.json")])
    assert created.exit_code == 0, created.output
    edited = run.invoke(main, ["buergerbudget", "round", "edit", "2031", "votes_per_citizen=5"])
    assert json.loads(edited.output)["votes_per_citizen"] == 5
    refused = run.invoke(main, ["buergerbudget", "round", "edit", "2020", "cap_per_proposal_eur=1"])
    assert refused.exit_code == 1
    assert refused.output.startswith("Fehler [round-opened]:")


def test_verify_of_a_round_without_votes_is_valid(run: CliRunner) -> None:
    checked = run.invoke(main, ["buergerbudget", "round", "verify", "2026"])
    assert checked.exit_code == 0, checked.output
    assert "Kette: gültig, 1 Einträge" in checked.output  # the round's creation
