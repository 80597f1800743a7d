"""Liveness, readiness and Prometheus metrics, at the root of the site (not under /api/v1)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

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
    """The database answers and the schema is migrated."""
    if not container().monitor.ready():
        response = jsonify({"status": "unavailable"})
        response.status_code = 503
        return response
    return jsonify({"status": "ready"})


@bp.get("/metrics")
@public
def metrics() -> Response:
    """Prometheus text format: cases by status, open tasks, open incidents, outbox rows by
    status, and instances waiting for an advance longer than EGOV_STRANDED_AFTER_SECONDS
    (above zero while a database or broker outage holds work back)."""
    lines = []
    for name, samples in container().monitor.gauges().items():
        lines.append(f"# TYPE {name} gauge")
        lines += [f"{name}{{{labels}}} {n}" if labels else f"{name} {n}" for labels, n in samples]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
