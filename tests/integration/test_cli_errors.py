"""Every failed `egov` command ends in one German line `Fehler [code]: …` on stderr and a
non-zero exit status; the traceback only with `egov --debug`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from egov.cli import common, main
from egov.container import Container
from egov.settings import Settings

EGOV = str(Path(sys.executable).parent / "egov")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(container: Container, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run an `egov` command against the test's database."""
    monkeypatch.setattr(common, "settings", lambda: container.settings)

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(main, list(args))

    return invoke


def only_line(result: Any) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return str(lines[0])


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("org-unit", "rename", "gibt-es-nicht", "Neu"), "org-unit-not-found"),
        (("member", "add", "dev:anna", "gibt-es-nicht"), "org-unit-unknown"),
        (("verify-audit", "JENA-1999-999999"), "case-not-found"),
        (("deputy", "end", "kein-vertreter"), "deputy-not-found"),
    ],
)
def test_a_refused_command_prints_its_code_in_one_line_and_exits_1(
    run: Any, args: tuple[str, ...], code: str
) -> None:
    result = run(*args)
    assert result.exit_code == 1
    assert only_line(result).startswith(f"Fehler [{code}]: ")


def test_a_refused_submission_is_one_line_with_the_intake_code(run: Any, tmp_path: Path) -> None:
    message = tmp_path / "kaputt.xml"
    message.write_bytes(b"<nachricht><ohne-ende>")
    result = run("submit", str(message))
    assert result.exit_code == 1
    line = only_line(result)
    assert line.startswith("Fehler [") and not line.startswith("Fehler [internal-error]"), line


def test_a_wrong_call_is_one_line_with_the_help_to_ask_for_and_exit_2(run: Any) -> None:
    for args in (("gibt-es-nicht",), ("org-unit", "add"), ("--gibt-es-nicht", "migrate")):
        result = run(*args)
        assert result.exit_code == 2, args
        line = only_line(result)
        assert line.startswith("Fehler [cli-usage]: ") and "--help" in line, line


def test_a_group_without_its_command_shows_its_help_not_an_error(run: Any) -> None:
    for args in ((), ("org-unit",), ("incidents",)):
        result = run(*args)
        assert result.exit_code == 0, args
        assert result.stdout.startswith("Usage: ") and result.stderr == ""


def test_an_unexpected_error_is_one_line_without_its_text_and_with_the_hint_to_debug(
    run: Any, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("geheimer Treibertext")

    monkeypatch.setattr(type(container.directory), "add_org_unit", broken)
    result = run("org-unit", "add", "amt", "Amt")
    assert result.exit_code == 1
    line = only_line(result)
    assert line.startswith("Fehler [internal-error]: ") and "--debug" in line
    assert "geheim" not in result.output


def test_with_debug_the_same_error_shows_its_traceback(
    run: Any, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("geheimer Treibertext")

    monkeypatch.setattr(type(container.directory), "add_org_unit", broken)
    result = run("--debug", "org-unit", "add", "amt", "Amt")
    assert result.exit_code == 1
    assert result.stderr.startswith("Fehler [internal-error]: ")
    assert isinstance(result.exception, RuntimeError)  # re-raised: Python prints the traceback


def test_a_worker_without_broker_says_so(run: Any) -> None:
    result = run("worker")
    assert result.exit_code == 1
    assert only_line(result).startswith("Fehler [broker-not-configured]: EGOV_BROKER_URL")


def egov(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "EGOV_DATA_DIR": str(tmp_path / "var"), **env}
    environ.pop("EGOV_DATABASE_URL", None)
    environ.pop("EGOV_URL", None)
    return subprocess.run(
        [EGOV, *args], cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=60
    )


def test_the_installed_command_prints_one_line_for_a_bad_setting(tmp_path: Path) -> None:
    result = egov(tmp_path, "demo-setup", EGOV_DEV_IDP="vielleicht")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Fehler [settings-invalid]: Einstellung ungültig: EGOV_DEV_IDP: expected a boolean, "
        "got 'vielleicht'"
    ]


def test_the_installed_command_says_when_the_database_is_not_migrated(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    result = egov(tmp_path, "org-unit", "add", "amt", "Amt")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Fehler [schema-outdated]: ") and "egov migrate" in line


def test_deploy_names_the_org_units_the_shipped_procedures_need(tmp_path: Path) -> None:
    bpmn = {"EGOV_BPMN_DIR": str(ROOT / "bpmn"), "EGOV_SCHEMAS_DIR": str(ROOT / "schemas")}
    assert egov(tmp_path, "migrate").returncode == 0
    result = egov(tmp_path, "deploy", **bpmn)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Fehler [bundle-org-unit-missing]: ")
    assert "'buero-buergerbudget'" in line and "'untere-bauaufsicht'" in line
    assert "egov org-unit add" in line
    assert egov(tmp_path, "process-definitions", "list", "--json").stdout.strip() == "[]"


def test_production_runs_without_dev_idp_unless_asked_and_refuses_it_when_asked(
    tmp_path: Path,
) -> None:
    assert Settings.from_env({"EGOV_ENV": "production"}).dev_idp is False
    assert Settings.from_env({}).dev_idp is True
    assert Settings.from_env({"EGOV_ENV": "production", "EGOV_DEV_IDP": "true"}).dev_idp
    result = egov(tmp_path, "migrate", EGOV_ENV="production", EGOV_DEV_IDP="true")
    assert result.returncode == 0  # migrate builds no container
    result = egov(tmp_path, "org-units", "list", EGOV_ENV="production", EGOV_DEV_IDP="true")
    assert result.returncode == 1
    assert result.stderr.startswith("Fehler [dev-idp-in-production]: ")


def test_a_broken_oidc_config_is_named_with_the_key_that_is_wrong(tmp_path: Path) -> None:
    config = tmp_path / "oidc.json"
    config.write_text('{"issuers": [{"name": "verwaltung"}]}')
    result = egov(tmp_path, "org-units", "list", EGOV_OIDC_CONFIG=str(config))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Fehler [oidc-config-invalid]: EGOV_OIDC_CONFIG {config}: issuers[0]")


def test_serve_on_a_taken_port_says_so_in_one_line_and_writes_no_url_file(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = egov(tmp_path, "serve", "--port", port, "--url-file", "var/egov.env")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Fehler [port-in-use]: 127.0.0.1:") and "--port" in line
    assert not (tmp_path / "var" / "egov.env").exists()
