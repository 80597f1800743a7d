"""Triage: the clerk's decision on a suggestion, and the admin's override metrics."""

from __future__ import annotations

from flask import Response, jsonify

from egov.identity.model import Role
from egov.web import views
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.schemas.tasks import TaskPath, TaskWithForm
from egov.web.schemas.triage import MetricsQuery, TriageDecisionBody, TriageMetrics

bp = blueprint("triage", __name__, "Triage")


@bp.post("/tasks/<task_id>/triage", responses=answers((200, TaskWithForm), 404, 409, 422))
@requires(Role.CLERK)
@validated
def decide(path: TaskPath, body: TriageDecisionBody) -> Response:
    """Confirm (`confirm`) or override (`override`, with `org_unit` and `reason`) the
    suggestion of a review task; only then is the case routed on to the decided unit."""
    done = container().triage.decide(current_principal(), path.task_id, body.model_dump())
    return jsonify(views.task(done, with_form=True))


@bp.get("/triage/metrics", responses=answers((200, TriageMetrics)))
@requires(Role.ADMIN)
@validated
def triage_metrics(query: MetricsQuery) -> Response:
    """Override rate and time to decide, overall, per procedure, org unit and clerk
    (`?since=`, `?until=`): where clerks only rubber-stamp, it shows."""
    return jsonify(container().triage.metrics(query.since, query.until))
