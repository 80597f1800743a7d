"""The engine computes without the database's write lock (ADR 0018): while one case's long
script runs, another writer gets the lock at once, and the step still saves afterwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from egov.app import create_app
from egov.cases.store import Case
from egov.workflow.store import WorkflowInstance
from tests.builders import linear_bundle, proposal
from tests.conftest import Api, make_settings

# seconds of the engine's own work (the sandbox allows no range over 10**6 items): about one
# on an idle machine, more under load; long enough that the other writer comes while it runs
BUSY = "total = 0\nfor j in range(60):\n    for i in range(500000):\n        total = total + i"


@pytest.fixture
def slow_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    settings = replace(
        make_settings(tmp_path / "var", database_url),
        script_time_limit_seconds=60.0,
        script_cpu_limit_seconds=60,
    )
    application = create_app(settings)
    yield application
    application.extensions["egov"].db.dispose()


def test_another_writer_is_not_kept_waiting_while_a_script_computes(slow_app: Flask) -> None:
    container = slow_app.extensions["egov"]
    api = Api(slow_app.test_client(), container)
    bundle = linear_bundle("busy", script=BUSY, procedure_key="busy")
    response = api.post("/process-definitions", "admin", json={"files": bundle})
    assert response.status_code == 201, response.get_json()

    filed: dict[str, int] = {}

    def file_case() -> None:
        citizen = Api(slow_app.test_client(), container)
        answer = citizen.post("/applications", "erika", json={**proposal(), "procedure": "busy"})
        filed["status"] = answer.status_code

    filing = threading.Thread(target=file_case)
    filing.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the instance exists: the engine now computes
        with container.db.reading() as session:
            if session.scalar(select(WorkflowInstance.id)) is not None:
                break
        time.sleep(0.02)
    time.sleep(0.3)

    began = time.monotonic()
    with container.db.transaction() as session:
        session.execute(text("UPDATE workflow_instances SET updated_at = updated_at"))
    waited = time.monotonic() - began
    still_computing = filing.is_alive()
    filing.join(60)

    assert still_computing, "the engine finished before the other writer could try"
    assert waited < 1.0
    assert filed["status"] == 201
    with container.db.reading() as session:
        case = session.scalars(select(Case)).one()
        instance = session.scalars(select(WorkflowInstance)).one()
        assert '"total":' in instance.state
        assert case.id == instance.case_id
    tasks = api.get(f"/cases/{case.id}", "anna").get_json()["open_tasks"]
    assert [t["name"] for t in tasks] == ["check"]


POST_SCRIPT_BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://egov.example/bpmn">
  <bpmn:process id="busy_post" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="buero-buergerbudget"/></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="check" name="Prüfen"><bpmn:extensionElements>
      <spiffworkflow:postScript>{BUSY}</spiffworkflow:postScript>
    </bpmn:extensionElements></bpmn:userTask>
    <bpmn:userTask id="confirm" name="Bestätigen"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="confirm"/>
    <bpmn:sequenceFlow id="f3" sourceRef="confirm" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_clerks_completion_computes_its_post_script_without_the_write_lock(
    slow_app: Flask,
) -> None:
    container = slow_app.extensions["egov"]
    api = Api(slow_app.test_client(), container)
    bundle = linear_bundle("busy_post", procedure_key="busy_post")
    bundle = {**{k: v for k, v in bundle.items() if not k.endswith(".bpmn")}}
    bundle["busy_post.bpmn"] = POST_SCRIPT_BPMN
    assert api.post("/process-definitions", "admin", json={"files": bundle}).status_code == 201
    answer = api.post("/applications", "erika", json={**proposal(), "procedure": "busy_post"})
    case_id = answer.get_json()["case_id"]
    [task] = api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"]
    assert api.post(f"/tasks/{task['id']}/claim", "anna").status_code == 200

    completed: dict[str, int] = {}

    def complete() -> None:
        clerk = Api(slow_app.test_client(), container)
        completed["status"] = clerk.post(
            f"/tasks/{task['id']}/complete", "anna", json={}
        ).status_code

    completing = threading.Thread(target=complete)
    completing.start()
    time.sleep(0.3)  # the post script runs for seconds
    began = time.monotonic()
    with container.db.transaction() as session:
        session.execute(text("UPDATE workflow_instances SET updated_at = updated_at"))
    waited = time.monotonic() - began
    still_computing = completing.is_alive()
    completing.join(60)

    assert still_computing, "the completion finished before the other writer could try"
    assert waited < 1.0
    assert completed["status"] == 200
    names = [t["name"] for t in api.get(f"/cases/{case_id}", "anna").get_json()["open_tasks"]]
    assert names == ["confirm"]
