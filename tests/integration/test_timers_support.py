"""Shared helpers of the timer and deadline tests: a settable clock, an app on it, bundles.

No tests here; the module name only keeps it with the files it serves.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from egov.app import create_app
from egov.container import Container
from egov.workflow.store import get_instance_by_case
from tests.builders import proposal
from tests.conftest import Api, make_settings

BPMN = Path(__file__).parent / "bpmn"


class FakeClock:
    """Naive UTC, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def clocked_app(database_url: str, var: Path, clock: FakeClock) -> Flask:
    return create_app(make_settings(var, database_url), clock=clock)


def api_of(app: Flask) -> Api:
    return Api(app.test_client(), app.extensions["egov"])


def bundle(process_id: str, leika_digits: str, processing_days: int = 10) -> dict[str, str]:
    procedure = {
        "key": process_id,
        "leika_key": f"urn:de:fim:leika:leistung:{leika_digits}",
        "name": f"Testverfahren {process_id}",
        "org_unit": "buero-buergerbudget",
        "required_vertrauensniveau": "low",
        "processing_days": processing_days,
        "fachdaten_namespace": "urn:egov-oss:fachdaten:buergerbudget:1.0",
    }
    bpmn = (BPMN / f"{process_id}.bpmn").read_text(encoding="utf-8")
    return {f"{process_id}.bpmn": bpmn, "procedure.json": json.dumps(procedure)}


def deploy(api: Api, files: dict[str, str]) -> None:
    response = api.post("/process-definitions", "admin", json={"files": files})
    assert response.status_code in (200, 201), response.get_json()


def file_case(api: Api, procedure: str) -> str:
    response = api.post("/applications", "erika", json={**proposal(), "procedure": procedure})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def actions(api: Api, case_id: str) -> list[str]:
    events = api.get(f"/cases/{case_id}/events", "admin").get_json()
    assert events["verification"]["valid"]
    return [e["action"] for e in events["items"]]


def open_task_names(api: Api, case_id: str) -> list[str]:
    case: dict[str, Any] = api.get(f"/cases/{case_id}", "anna").get_json()
    return [t["name"] for t in case["open_tasks"]]


def next_timer_at(container: Container, case_id: str) -> datetime | None:
    with container.db.reading() as session:
        instance = get_instance_by_case(session, case_id)
        assert instance is not None
        return instance.next_timer_at
