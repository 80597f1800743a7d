"""Prometheus metrics of the web processes (prometheus_client): requests and their latency per
route, the process, and the domain gauges of `egov.runtime.monitoring`.

- `egov_http_requests_total` and `egov_http_request_duration_seconds` (histogram), labelled
  by route (the URL rule such as `/api/v1/cases/<case_id>`, never the raw path: a path is
  unbounded and may name a case), method and status. A request no rule matched counts as
  route `unmatched`.
- Process metrics: in one process prometheus_client's own (`process_*`, `python_gc_*`,
  `python_info`). Under gunicorn (multiprocess mode, PROMETHEUS_MULTIPROC_DIR set by
  egov/gunicorn.conf.py) the samples of all workers are added up from the folder, so a scrape
  of any worker reports all; process metrics there are `egov_web_process_*` with one `pid`
  label per live worker (refreshed at most once a second, on a request or a scrape).
- The domain gauges are counted by the scraping process at most every
  EGOV_METRICS_GAUGE_SECONDS (`Monitor.gauges`); `egov_domain_gauges_age_seconds` says how
  old the served counts are, `egov_domain_gauges_up` 0 that they could not be counted.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from egov.runtime.monitoring import Monitor

log = logging.getLogger(__name__)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the text format every Prometheus reads
LABELS = ("route", "method", "status")
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter(
    "egov_http_requests", "HTTP requests answered, by route (URL rule), method and status.", LABELS
)
LATENCY = Histogram(
    "egov_http_request_duration_seconds",
    "Seconds from the start of a request to its response, by route (URL rule), method and status.",
    LABELS,
    buckets=BUCKETS,
)
DOMAIN_HELP = {
    "egov_cases": "Cases by status.",
    "egov_open_tasks": "User tasks open or claimed.",
    "egov_open_incidents": "Open incidents (failed steps and deliveries waiting for a person).",
    "egov_outbox_rows": "Outbox rows by status.",
    "egov_instances_awaiting_advance": (
        "Process instances whose advance is due longer than EGOV_STRANDED_AFTER_SECONDS "
        "(above zero while an outage holds work back)."
    ),
}
# per live gunicorn worker (multiprocess mode only; not registered: read from the folder)
_WORKER_PROCESS = {
    name: Gauge(
        f"egov_web_process_{name}",
        f"{text} of one web worker process (label pid).",
        registry=None,
        multiprocess_mode="liveall",
    )
    for name, text in (
        ("cpu_seconds", "CPU seconds used (user and system)"),
        ("resident_memory_bytes", "Resident memory in bytes"),
        ("virtual_memory_bytes", "Virtual memory in bytes"),
        ("open_fds", "Open file descriptors"),
        ("start_time_seconds", "Start time in seconds since the epoch"),
    )
}
_process = ProcessCollector(registry=None)
_refreshed = {"at": 0.0}
_refresh_lock = threading.Lock()


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def init_app(app: Flask) -> None:
    """Time every request from its first hook (register before the other hooks)."""
    app.before_request(_start)
    app.after_request(_observe)


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    rule = request.url_rule
    labels = (
        rule.rule if rule is not None else "unmatched",
        request.method if request.method in METHODS else "other",
        str(response.status_code),
    )
    REQUESTS.labels(*labels).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(*labels).observe(time.perf_counter() - started)
    if multiprocess():
        refresh_worker_process()
    return response


def refresh_worker_process(min_interval: float = 1.0) -> None:
    """Copy this process's metrics into its `egov_web_process_*` gauges (multiprocess)."""
    with _refresh_lock:
        now = time.monotonic()
        if now - _refreshed["at"] < min_interval:
            return
        _refreshed["at"] = now
    for family in _process.collect():
        name = family.name.removeprefix("process_").removesuffix("_total")
        gauge = _WORKER_PROCESS.get(name)
        if gauge is not None and family.samples:
            gauge.set(family.samples[0].value)


class _Domain(Collector):
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("egov_domain_gauges_up", "1: the domain gauges were counted.")
        try:
            gauges, age = self.monitor.gauges(), self.monitor.age()
        except Exception as exc:
            log.warning("metrics_gauges_unavailable error=%s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "egov_domain_gauges_age_seconds",
            "Seconds since the served domain gauges were counted (EGOV_METRICS_GAUGE_SECONDS).",
            value=age,
        )
        for name, samples in gauges.items():
            keys = sorted({key for labels, _ in samples for key in labels})
            family = GaugeMetricFamily(name, DOMAIN_HELP.get(name, name), labels=keys)
            for labels, value in samples:
                family.add_metric([labels.get(key, "") for key in keys], value)
            yield family


class _Scrape(Collector):
    """What one scrape reports: this process's registry (or every worker's samples in
    multiprocess mode) and the domain gauges."""

    def __init__(self, monitor: Monitor) -> None:
        self.domain = _Domain(monitor)

    def collect(self) -> Iterable[Metric]:
        if multiprocess():
            refresh_worker_process(min_interval=0.0)
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from self.domain.collect()


def exposition(monitor: Monitor) -> Response:
    return Response(generate_latest(_Scrape(monitor)), content_type=CONTENT_TYPE)
