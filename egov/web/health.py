"""Liveness, readiness and Prometheus metrics at the root."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import func, select, text

from egov.cases.store import Case
from egov.integrations.store import Incident
from egov.web.auth import public
from egov.web.context import container
from egov.workflow.store import Task

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
    try:
        with container().db.reading() as session:
            session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    except Exception:
        response = jsonify({"status": "unavailable"})
        response.status_code = 503
        return response
    return jsonify({"status": "ready"})


@bp.get("/metrics")
@public
def metrics() -> Response:
    """Prometheus text format: cases by status, open tasks, open incidents."""
    lines = []
    with container().db.reading() as session:
        lines.append("# TYPE egov_cases gauge")
        for status, count in session.execute(
            select(Case.status, func.count()).group_by(Case.status)
        ):
            lines.append(f'egov_cases{{status="{status}"}} {count}')
        open_tasks = session.scalar(
            select(func.count()).select_from(Task).where(Task.status.in_(("open", "claimed")))
        )
        incidents = session.scalar(
            select(func.count()).select_from(Incident).where(Incident.status == "open")
        )
    lines += [
        "# TYPE egov_open_tasks gauge",
        f"egov_open_tasks {open_tasks}",
        "# TYPE egov_open_incidents gauge",
        f"egov_open_incidents {incidents}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
