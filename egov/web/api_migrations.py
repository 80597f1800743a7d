"""Migration of running instances to another version of their process (issue 12), admin only.

Plan (`POST /migrations/plans`), dry run per instance (`POST /migrations/dry-run`), a batch
the worker migrates instance by instance (`POST /migrations`, then `GET /migrations/{id}`),
and its reversal (`POST /migrations/{id}/reverse`). The use cases are in
`egov.workflow.migration_service`; every migrated instance is audited on its case.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from egov.clock import iso
from egov.identity.model import Role
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires, requires_recent_login
from egov.web.context import container
from egov.web.schemas.migrations import (
    DryRun,
    Migration,
    MigrationPath,
    Plan,
    PlanBody,
    Selection,
)
from egov.workflow.migration_service import BatchView, PlannedMigration, PlanRequest, Verdict
from egov.workflow.migration_store import item_counts

bp = blueprint("migrations", __name__, "Migration laufender Instanzen")


def _planned(body: PlanBody) -> PlannedMigration:
    request = PlanRequest(
        body.source_definition_id,
        body.target_definition_id,
        [(one.source, one.target) for one in body.instructions],
    )
    return container().migrations.plan(request)


def _plan(planned: PlannedMigration) -> dict[str, Any]:
    mapping = planned.plan.mapping
    return {
        "source_definition_id": planned.source.id,
        "target_definition_id": planned.target.id,
        "process_id": planned.source.process_id,
        "from_version": planned.source.version,
        "to_version": planned.target.version,
        "instructions": [{"source": s, "target": t} for s, t in sorted(mapping.items())],
        "unmapped": planned.plan.unmapped,
    }


def _verdict(verdict: Verdict) -> dict[str, Any]:
    return {
        "instance_id": verdict.instance_id,
        "case_id": verdict.case_id,
        "migratable": verdict.migratable,
        "reasons": [reason.as_dict() for reason in verdict.reasons],
    }


def _migration(view: BatchView) -> dict[str, Any]:
    batch = view.batch
    counts = item_counts(view.items)
    return {
        "id": batch.id,
        "status": batch.status,
        "source_definition_id": batch.source_definition_id,
        "target_definition_id": batch.target_definition_id,
        "created_by": batch.created_by,
        "confirmed_by": batch.confirmed_by,
        "created_at": iso(batch.created_at),
        "finished_at": iso(batch.finished_at) if batch.finished_at else None,
        "reversed_at": iso(batch.reversed_at) if batch.reversed_at else None,
        "total": len(view.items),
        "pending": counts["pending"],
        "held": counts["held"],
        "done": counts["migrated"],
        "failed": counts["failed"],
        "reversed": counts["reversed"],
        "failures": [
            {"instance_id": item.instance_id, "case_id": item.case_id, "reasons": item.reasons}
            for item in view.items
            if item.reasons
        ],
    }


@bp.post("/migrations/plans", responses=answers((200, Plan), 404, 422))
@requires(Role.ADMIN)
@validated
def plan(body: PlanBody) -> Response:
    """The plan from one version to another: same ids by default, `instructions` otherwise."""
    return jsonify(_plan(_planned(body)))


@bp.post("/migrations/dry-run", responses=answers((200, DryRun), 404, 422))
@requires(Role.ADMIN)
@validated
def dry_run(body: Selection) -> Response:
    """Per instance: can it be migrated by the plan, and if not, why. Nothing changes."""
    verdicts = container().migrations.dry_run(
        _planned(body.plan), body.instance_ids, body.filter.activity_ids
    )
    return jsonify({"instances": [_verdict(one) for one in verdicts]})


@bp.post("/migrations", responses=answers((202, Migration), 404, 422))
@requires(Role.ADMIN)
@requires_recent_login()
@validated
def create(body: Selection) -> Response:
    """A migration batch; the worker migrates each instance in its own transaction."""
    migrations = container().migrations
    actor = current_principal().subject
    batch_id = migrations.create(
        _planned(body.plan), body.instance_ids, actor, body.filter.activity_ids
    )
    response = jsonify(_migration(migrations.get(batch_id)))
    response.status_code = 202
    return response


@bp.get("/migrations/<migration_id>", responses=answers((200, Migration), 404))
@requires(Role.ADMIN)
@validated
def progress(path: MigrationPath) -> Response:
    """Progress of a batch: total, done, failed (with reasons), reversed."""
    return jsonify(_migration(container().migrations.get(path.migration_id)))


@bp.post("/migrations/<migration_id>/confirm", responses=answers((202, Migration), 404, 409))
@requires(Role.ADMIN)
@requires_recent_login()
@validated
def confirm(path: MigrationPath) -> Response:
    """Four eyes: a second admin (not the one who created the batch) releases its held
    instances, those whose procedure lists `migrate` in `four_eyes`; the worker migrates
    them. The same admin again: 409 `four-eyes-own-request`; nothing held: 409
    `migration-not-held`."""
    view = container().migrations.confirm(path.migration_id, current_principal().subject)
    response = jsonify(_migration(view))
    response.status_code = 202
    return response


@bp.post("/migrations/<migration_id>/reverse", responses=answers((200, Migration), 404, 409))
@requires(Role.ADMIN)
@requires_recent_login()
@validated
def reverse(path: MigrationPath) -> Response:
    """Put the migrated instances back to the state kept before (unless they moved on)."""
    view = container().migrations.reverse(path.migration_id, actor=current_principal().subject)
    return jsonify(_migration(view))
