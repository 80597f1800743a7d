"""The script sandbox over the API, on SQLite and PostgreSQL, for every known escape of the
corpus (tests/sandbox_corpus.py):

(a) deploying a bundle that contains it is a 422 `script-invalid` naming the element and line,
    where the static check can see it; otherwise the deploy is accepted;
(b) forced past the deploy (stored unchecked, as an old deployment would be) or accepted,
    it ends as an incident with its stable code, and the server goes on serving: a normal
    Bürgerbudget application filed afterwards gets its first task.
"""

from __future__ import annotations

import dataclasses
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from egov.app import create_app
from egov.cli import main
from egov.container import Container
from egov.wiring import script_limits
from tests.builders import linear_bundle, proposal
from tests.conftest import Api, make_settings
from tests.sandbox_corpus import CORPUS, Escape
from tests.support.unchecked import store_unchecked

TIME_LIMIT = 0.5


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The shared app, with a shorter wall-clock limit so the corpus runs quickly."""
    settings = make_settings(tmp_path / "var", database_url)
    application = create_app(dataclasses.replace(settings, script_time_limit_seconds=TIME_LIMIT))
    yield application
    application.extensions["egov"].db.dispose()


def deploy(api: Api, bundle: dict[str, str]) -> Any:
    return api.post("/process-definitions", "admin", json={"files": bundle})


def file_case(api: Api, procedure: str) -> str:
    response = api.post("/applications", "erika", json={**proposal(), "procedure": procedure})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def assert_refused_naming_the_script(response: Any, bundle: dict[str, str], script: str) -> None:
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "script-invalid"
    [param] = body["invalid_params"]
    assert param["name"] == "sandbox.bpmn#script"
    first = line_of(bundle["sandbox.bpmn"], "<bpmn:script>")
    assert first <= param["line"] <= first + script.count("\n")
    assert param["reason"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("escape", CORPUS, ids=[e.name for e in CORPUS])
def test_an_escape_is_refused_at_deploy_or_ends_as_an_incident_and_the_server_serves_on(
    api: Api, container: Container, escape: Escape
) -> None:
    bundle = linear_bundle("sandbox", script=escape.script)
    response = deploy(api, bundle)
    if escape.static:
        assert_refused_naming_the_script(response, bundle, escape.script)
        store_unchecked(container, bundle)
    else:
        assert response.status_code == 201, response.get_json()
    rss_before, started = peak_rss_mb(), time.monotonic()

    case_id = file_case(api, "sandbox")

    assert time.monotonic() - started < TIME_LIMIT + 5
    assert peak_rss_mb() - rss_before < 100  # nothing was allocated in the web process
    case = api.get(f"/cases/{case_id}", "anna").get_json()
    assert case["open_tasks"] == []
    [code] = [i["code"] for i in case["incidents"]]
    assert code in escape.codes
    [incident] = api.get("/incidents", "admin").get_json()["items"]
    assert (incident["case_id"], incident["code"]) == (case_id, code)

    other = file_case(api, "buergerbudget")  # the second request: scripts and DMN run again
    tasks = api.get(f"/cases/{other}", "anna").get_json()["open_tasks"]
    assert [t["name"] for t in tasks] == ["review_formal_check"]
    assert len(api.get("/incidents", "admin").get_json()["items"]) == 1


def test_egov_deploy_names_every_refused_script_and_exits_1(
    container: Container, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "boese"
    folder.mkdir()
    for name, text in linear_bundle("boese", script="x = 1\nimport os").items():
        (folder / name).write_text(text)
    monkeypatch.setenv("EGOV_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("EGOV_DATABASE_URL", container.settings.effective_database_url)

    result = CliRunner().invoke(main, ["deploy", str(folder)])

    assert result.exit_code == 1
    assert result.stderr.startswith("Fehler [script-invalid]: boese: ")
    assert len(result.stderr.splitlines()) == 1
    assert "boese.bpmn#script (Zeile " in result.output
    assert "Nicht erlaubte Anweisung: import" in result.output
    assert "Traceback" not in result.output


def test_the_container_gives_the_workflows_the_configured_limits(container: Container) -> None:
    assert container.workflows.script_limits == script_limits(container.settings)
    assert container.workflows.script_limits.time_seconds == TIME_LIMIT
