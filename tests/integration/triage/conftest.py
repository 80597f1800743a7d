"""Apps whose triage chain is the test plugin `test-keywords` (tests/triage_plugins.py),
and the steps of the triage tests: file an Anliegen, find its task, decide."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov.app import create_app
from egov.triage.plugins import FACTORIES
from tests.conftest import Api, make_settings
from tests.triage_plugins import RELEASE, SEEN, keywords

POTHOLE = "Auf der Fahrbahn vor der Schule ist ein tiefes Schlagloch."
PARKING = "Jeden Morgen steht ein Falschparker auf dem Gehweg."


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setitem(FACTORIES, "test-keywords", keywords)
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        triage_plugins="test-keywords",
        triage_timeout_seconds=0.5,
    )
    application = create_app(settings)
    SEEN.clear()
    yield application
    RELEASE.set()
    application.extensions["egov"].db.dispose()
    RELEASE.clear()


def file_request(api: Api, text: str, **extra: Any) -> str:
    body = {"procedure": "anliegen", "data": {"text": text, **extra}}
    response = api.post("/applications", "erika", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def open_tasks(api: Api, user: str) -> list[dict[str, Any]]:
    return list(api.get("/tasks", user).get_json()["items"])


def task_of(api: Api, user: str, case_id: str) -> dict[str, Any]:
    [task] = [t for t in open_tasks(api, user) if t["case_id"] == case_id]
    return task


def events(api: Api, case_id: str, action: str) -> list[dict[str, Any]]:
    trail = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    return [e for e in trail if e["action"] == action]


def decide(api: Api, user: str, task_id: str, **body: Any) -> Any:
    return api.post(f"/tasks/{task_id}/triage", user, json=body)
