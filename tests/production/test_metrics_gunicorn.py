"""/metrics under gunicorn with two workers tells the truth about all of them: a scrape that
any worker answers reports every worker's requests (prometheus_client's multiprocess mode
set up by egov/gunicorn.conf.py), one process series per live worker, and a killed worker's
requests stay counted while its process series go. gunicorn's lines are JSON with the
request's correlation id."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.production.stack import Stack

HEALTHZ = 'egov_http_requests_total{method="GET",route="/healthz",status="200"}'
WORKER_PID = re.compile(r'^egov_web_process_resident_memory_bytes\{pid="(\d+)"\}', re.M)


@pytest.fixture(scope="module")
def two_workers(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("metrics-gunicorn")
    shutil.copy(sqlite_template, root / "egov.sqlite3")
    stack = Stack(
        root,
        f"sqlite:///{root / 'egov.sqlite3'}",
        broker_url="",  # embedded mode: gunicorn alone
        extra_env={"EGOV_LOG_FORMAT": "json", "EGOV_LOG_LEVEL": "INFO"},
    )
    try:
        stack.start_web(workers=2)
        yield stack
    finally:
        stack.close()


def get(stack: Stack, path: str, correlation_id: str | None = None) -> str:
    headers = {"Connection": "close"}
    if correlation_id:
        headers["X-Correlation-ID"] = correlation_id
    request = urllib.request.Request(f"{stack.url}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.read().decode())


def healthz_count(text: str) -> float:
    for line in text.splitlines():
        if line.startswith(HEALTHZ + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_any_worker_reports_the_requests_of_all_workers(two_workers: Stack) -> None:
    sent = 0

    def both_workers_served() -> bool:
        nonlocal sent
        for _ in range(10):
            get(two_workers, "/healthz", f"probe-{sent}")
            sent += 1
        return len(set(WORKER_PID.findall(get(two_workers, "/metrics")))) == 2

    two_workers.wait_until(both_workers_served, 30, "both workers answering")
    scrapes = [get(two_workers, "/metrics") for _ in range(8)]
    assert {healthz_count(text) for text in scrapes} == {float(sent)}  # whoever answers
    assert all(
        "# HELP egov_cases " in text and "# TYPE egov_cases gauge" in text for text in scrapes
    )

    pids = sorted(set(WORKER_PID.findall(scrapes[-1])))
    os.kill(int(pids[0]), signal.SIGKILL)  # gunicorn starts a new one (child_exit runs)

    def dead_worker_gone() -> bool:
        get(two_workers, "/healthz")
        return pids[0] not in WORKER_PID.findall(get(two_workers, "/metrics"))

    two_workers.wait_until(dead_worker_gone, 30, "the killed worker's series gone")
    # the killed worker's requests are still counted; +1 per probe of dead_worker_gone
    assert healthz_count(get(two_workers, "/metrics")) >= sent + 1


def test_gunicorn_logs_json_lines_with_the_correlation_id(two_workers: Stack) -> None:
    get(two_workers, "/healthz?token=secret-in-query", "access-line-1")

    def logged() -> bool:
        return "access-line-1" in two_workers.log_tail("web", 200_000)

    two_workers.wait_until(logged, 10, "the access line")
    lines = [
        json.loads(line)
        for line in two_workers.log_tail("web", 200_000).splitlines()
        if line.startswith("{")
    ]
    access = [line for line in lines if line["correlation_id"] == "access-line-1"]
    assert access and access[0]["logger"] == "gunicorn.access"
    assert "/healthz" in access[0]["message"] and "secret-in-query" not in access[0]["message"]
    assert any(line["logger"] == "gunicorn.error" for line in lines)
