"""`egov process`: the versions as a table or JSON, one version with its trail, its files
written byte for byte, and making an earlier version active again with a reason; the old
group name `process-definitions` still lists."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from egov.cli import common, main
from egov.container import Container
from egov.workflow.deploy import read_bundle
from tests.builders import ROOT
from tests.conftest import Api


@pytest.fixture
def run(container: Container, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(common, "settings", lambda: container.settings)

    def invoke(*args: str, exit_code: int = 0) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == exit_code, result.output
        return str(result.output)

    return invoke


def versions(run: Any) -> list[dict[str, Any]]:
    rows = json.loads(run("process", "list", "--json"))
    return [r for r in rows if r["process_id"] == "buergerbudget"]


def deploy_changed(api: Api) -> str:
    files = {k: v.decode() for k, v in read_bundle(ROOT / "bpmn" / "buergerbudget").items()}
    files["buergerbudget.bpmn"] += "\n<!-- v2 -->\n"
    response = api.post("/process-definitions", "admin", json={"files": files})
    assert response.status_code == 201
    return str(response.get_json()["id"])


def test_process_list_shows_which_version_is_active(run: Any, api: Api) -> None:
    second = deploy_changed(api)

    rows = versions(run)

    assert [(r["version"], r["active"]) for r in rows] == [(1, False), (2, True)]
    assert rows[1]["id"] == second
    lines = [line.split() for line in run("process", "list").splitlines()]
    assert lines[0][:3] == ["Prozess", "Version", "aktiv"]
    assert ["buergerbudget", "2", "ja"] in [line[:3] for line in lines]
    assert "buergerbudget" in run("process-definitions", "list")


def test_process_activate_rolls_back_with_the_reason_in_the_trail(run: Any, api: Api) -> None:
    deploy_changed(api)
    first = versions(run)[0]["id"]

    out = run("process", "activate", first, "--reason", "Fehler in Version 2")

    assert out == "buergerbudget v1 ist aktiv\n"
    assert [r["active"] for r in versions(run)] == [True, False]
    detail = json.loads(run("process", "show", first, "--json"))
    assert (detail["activations"][-1]["activated_by"], detail["activations"][-1]["reason"]) == (
        "cli",
        "Fehler in Version 2",
    )
    assert "Fehler in Version 2" in run("process", "show", first)


def test_process_activate_without_a_reason_or_for_an_unknown_id_fails_in_one_line(
    run: Any,
) -> None:
    first = versions(run)[0]["id"]

    blank = run("process", "activate", first, "--reason", " ", exit_code=1)
    unknown = run("process", "activate", "nope", "--reason", "x", exit_code=1)

    assert blank.startswith("Fehler [activation-reason-missing]:")
    assert unknown.startswith("Fehler [definition-not-found]:")


def test_process_download_writes_every_file_byte_for_byte(run: Any, tmp_path: Path) -> None:
    first = versions(run)[0]["id"]

    out = run("process", "download", first, "--out", str(tmp_path / "b"))

    assert "Dateien in" in out
    assert read_bundle(tmp_path / "b") == read_bundle(ROOT / "bpmn" / "buergerbudget")


def test_egov_deploy_of_a_reverted_edit_makes_the_earlier_version_live_again(
    run: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "buergerbudget"
    shutil.copytree(ROOT / "bpmn" / "buergerbudget", folder)
    original = (folder / "buergerbudget.bpmn").read_bytes()
    (folder / "buergerbudget.bpmn").write_bytes(original + b"\n<!-- edit -->\n")
    assert "v2 deployed, activated" in run("deploy", str(folder))

    (folder / "buergerbudget.bpmn").write_bytes(original)
    out = run("deploy", str(folder))

    assert "buergerbudget v1 unchanged, activated" in out
    assert [r["active"] for r in versions(run)] == [True, False]
