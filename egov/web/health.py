"""Liveness, readiness and Prometheus metrics at the root."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, jsonify
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from egov.cases.store import Case
from egov.db import Base
from egov.integrations.store import Incident, OutboxMessage
from egov.web.auth import public
from egov.web.context import container
from egov.workflow.store import Task, WorkflowInstance

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
    """Prometheus text format: cases by status, open tasks, open incidents, outbox rows by
    status, and instances waiting for an advance longer than EGOV_STRANDED_AFTER_SECONDS
    (above zero while a database or broker outage holds work back)."""
    c = container()
    stalled_since = c.clock() - timedelta(seconds=c.settings.stranded_after_seconds)
    with c.db.reading() as session:
        cases = session.execute(select(Case.status, func.count()).group_by(Case.status)).all()
        outbox = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
        open_tasks = _count(session, Task, Task.status.in_(("open", "claimed")))
        incidents = _count(session, Incident, Incident.status == "open")
        awaiting = _count(
            session, WorkflowInstance, WorkflowInstance.advance_due_at < stalled_since
        )
        gauges = {
            "egov_cases": [(f'status="{status}"', n) for status, n in cases],
            "egov_open_tasks": [("", open_tasks)],
            "egov_open_incidents": [("", incidents)],
            "egov_outbox_rows": [(f'status="{status}"', n) for status, n in outbox],
            "egov_instances_awaiting_advance": [("", awaiting)],
        }
    lines = []
    for name, samples in gauges.items():
        lines.append(f"# TYPE {name} gauge")
        lines += [f"{name}{{{labels}}} {n}" if labels else f"{name} {n}" for labels, n in samples]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")


def _count(session: Session, model: type[Base], condition: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(condition)) or 0)
