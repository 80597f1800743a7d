"""/metrics shows operators what is stuck: outbox rows by status and instances whose advance
is overdue (work an outage held back), next to cases, open tasks and incidents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from egov.clock import utcnow
from egov.container import Container
from egov.outbox.service import enqueue
from tests.builders import proposal
from tests.conftest import Api


def gauges(api: Api) -> dict[str, float]:
    response = api.client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    return {
        name: float(value)
        for name, value in (line.rsplit(" ", 1) for line in lines if not line.startswith("#"))
    }


def test_metrics_count_pending_rows_and_instances_awaiting_an_advance(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.post("/applications", "erika", json=proposal())  # runs to its first user task
    with monkeypatch.context() as patch:
        patch.setattr(container.workflows, "advance", lambda _case_id: True)  # advance lost
        case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    with container.db.transaction() as session:  # not dispatched: stays pending
        enqueue(session, case_id=case_id, kind="test.held", payload={}, now=container.clock())

    before = gauges(api)
    assert before['egov_cases{status="received"}'] == 2
    assert before["egov_open_tasks"] == 1
    assert before['egov_outbox_rows{status="pending"}'] == 1
    assert before["egov_instances_awaiting_advance"] == 0  # too young to count as held back

    container.monitor.clock = lambda: utcnow() + timedelta(seconds=61)
    assert gauges(api)["egov_instances_awaiting_advance"] == 1
