"""/metrics shows operators what is stuck: outbox rows by status and instances whose advance
is overdue (work an outage held back), next to cases, open tasks and incidents; and how the
web processes answer: requests and latency per route and status, the process itself."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from egov.clock import utcnow
from egov.container import Container
from egov.outbox.service import enqueue
from tests.builders import proposal
from tests.conftest import Api

CASE_ROUTE = 'method="GET",route="/api/v1/cases/<case_id>",status="404"'


def scrape(api: Api) -> list[str]:
    response = api.client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return list(response.get_data(as_text=True).splitlines())


def gauges(api: Api) -> dict[str, float]:
    return {
        name: float(value)
        for name, value in (line.rsplit(" ", 1) for line in scrape(api) if not line.startswith("#"))
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
    assert before["egov_domain_gauges_up"] == 1

    container.monitor.clock = lambda: utcnow() + timedelta(seconds=61)
    container.monitor.forget()
    assert gauges(api)["egov_instances_awaiting_advance"] == 1


def test_the_domain_gauges_are_counted_at_most_once_per_interval(
    api: Api, container: Container
) -> None:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    now = [1000.0]
    container.monitor.monotonic = lambda: now[0]
    container.monitor.forget()
    event.listen(container.db.read_engine, "before_cursor_execute", seen)
    try:
        gauges(api)
        assert statements, "the first scrape counts"
        statements.clear()
        now[0] += container.settings.metrics_gauge_seconds - 1
        assert gauges(api)["egov_domain_gauges_age_seconds"] == (
            container.settings.metrics_gauge_seconds - 1
        )
        assert statements == []  # served from the cache: no query at all
        now[0] += 1
        gauges(api)
        assert statements  # the interval is over: counted again
    finally:
        event.remove(container.db.read_engine, "before_cursor_execute", seen)


def test_requests_are_counted_per_route_and_status_never_per_raw_path(api: Api) -> None:
    before = gauges(api).get(f"egov_http_requests_total{{{CASE_ROUTE}}}", 0)
    ids = [str(uuid.uuid4()) for _ in range(2)]
    for case_id in ids:
        assert api.get(f"/cases/{case_id}", "anna").status_code == 404
    api.client.get(f"/no-such-page/{ids[0]}")

    after = gauges(api)
    assert after[f"egov_http_requests_total{{{CASE_ROUTE}}}"] == before + 2
    assert after[f"egov_http_request_duration_seconds_count{{{CASE_ROUTE}}}"] >= 2
    assert f'egov_http_request_duration_seconds_bucket{{le="0.1",{CASE_ROUTE}}}' in after
    assert after['egov_http_requests_total{method="GET",route="unmatched",status="404"}'] >= 1
    text = "\n".join(scrape(api))
    assert not any(case_id in text for case_id in ids)


def test_every_metric_has_help_and_type_and_the_process_is_measured(api: Api) -> None:
    api.client.get("/healthz")
    lines = scrape(api)
    described = {line.split()[2] for line in lines if line.startswith("# HELP ")}
    typed = {line.split()[2] for line in lines if line.startswith("# TYPE ")}
    assert described == typed
    for line in lines:
        if line.startswith("#") or not line:
            continue
        name = line.split("{")[0].split(" ")[0]
        family = next(
            (
                name.removesuffix(suffix)
                for suffix in ("_bucket", "_count", "_sum", "_total", "_created", "")
                if name.removesuffix(suffix) in typed
            ),
            None,
        )
        assert family is not None, f"{name} has no HELP and TYPE"
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes"} <= {
        line.split(" ")[0] for line in lines if not line.startswith("#")
    }
