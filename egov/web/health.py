"""Liveness, readiness and Prometheus metrics, at the root of the site (not under /api/v1).
All three are public (no token): keep `/metrics` to the internal network at the reverse
proxy (docs/production.md); it names counts and routes, never a case or a person."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from egov.web import metrics as prometheus
from egov.web.auth import public
from egov.web.context import container

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    """The process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@public
def readyz() -> Response:
    """Ready when the database answers, its schema is at the head of the shipped migrations
    and (production mode) the broker answers; the body names each check and its outcome:
    `{"status": "unavailable", "checks": {"database": "ok", "schema": "behind"}}`."""
    checks = container().monitor.readiness()
    ready = all(outcome == "ok" for outcome in checks.values())
    failed = sorted(name for name, outcome in checks.items() if outcome != "ok")
    response = jsonify(
        {"status": "ready" if ready else "unavailable", "checks": checks, "failed": failed}
    )
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
@public
def metrics() -> Response:
    """Prometheus text format (egov.web.metrics): requests and latency per route and status,
    process metrics, and the domain gauges: cases by status, open tasks, open incidents,
    outbox rows by status, and instances waiting for an advance longer than
    EGOV_STRANDED_AFTER_SECONDS (above zero while a database or broker outage holds work
    back)."""
    return prometheus.exposition(container().monitor)
