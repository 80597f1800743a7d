"""The sweep: whatever is due, and whatever a lost broker message or a killed process left
behind, found in the database (the source of truth) and done again.

One sweep delivers due and crashed outbox rows, fires due timers and escalates overdue cases
(`run_due`), re-starts cases that have no process instance and no incident, advances
instances left with engine work, runs again migration batches that stopped making progress,
releases messages still held for running instances (a release that died halfway),
deletes upload spool files a killed process left behind, erases a batch of cases whose
retention ended (`Retention.erase_due`), deletes the data exports whose download time is
over (`Exports.expire_due`), and signs an audit checkpoint when the latest is
older than its interval (ADR 0044), and time-stamps it again when its TSA failed (ADR
0045). While the database schema is not at the head of the
shipped migrations the sweep does nothing but log `schema_outdated` (a step would meet the
missing column every second). `egov serve` sweeps from a background thread (embedded mode);
in production `egov scheduler` sends `egov.sweep` to the Celery workers every interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select

from egov.cases.store import Case
from egov.db import Database
from egov.integrations.correlation import release_held
from egov.outbox.store import Incident, IncidentStatus, Resolution
from egov.runtime.dispatch import ADVANCE_CASE, RUN_MIGRATION, START_CASE, SWEEP, Sender
from egov.runtime.schema import schema_state
from egov.runtime.worker import BackgroundWorker, Parts, run_due
from egov.workflow.held import cases_to_release
from egov.workflow.migration_store import stalled_batches
from egov.workflow.store import InstanceStatus, WorkflowInstance

log = logging.getLogger(__name__)


@dataclass
class Sweeper:
    """One sweep: deliver due rows, crashed ones included (and timers: whatever `run_due`
    does), re-start cases that have no process instance and no incident, advance instances
    left with engine work, delete upload spool files that a killed process left behind."""

    parts: Parts
    sender: Sender | None

    def __call__(self) -> dict[str, int]:
        state = schema_state(self.parts.db)
        if not state.current:  # every step would meet the missing column again: wait
            log.error(
                "schema_outdated status=%s revisions=%s heads=%s: sweep paused until "
                "`egov migrate`",
                state.status,
                ",".join(state.revisions) or "-",
                ",".join(state.heads),
            )
            return {"schema_outdated": 1}
        counts = run_due(self.parts)  # timers, escalations, due and crashed deliveries
        counts["restarted"] = self.restart_stranded()
        counts["stalled"] = self.advance_stalled()
        counts["migrations_resumed"] = self.resume_lost_migrations()
        counts["held_released"] = self.release_held_left()
        counts["temp_removed"] = self.parts.files.remove_stale_temp_files()
        counts["audit_checkpoint"] = self.checkpoint_if_due()
        counts["audit_timestamped"] = self.parts.checkpoints.timestamp_pending()  # ADR 0045
        counts["retention_erased"] = self.erase_due()
        counts["exports_expired"] = self.parts.exports.expire_due()  # their links answer 410
        return {key: value for key, value in counts.items() if value}

    @property
    def stranded_after(self) -> float:
        return self.parts.settings.stranded_after_seconds

    def _cutoff(self) -> datetime:
        return self.parts.clock() - timedelta(seconds=self.stranded_after)

    def restart_stranded(self) -> int:
        """Start the cases left without a process instance."""
        found = stranded_cases(self.parts.db, self._cutoff())
        for case_id in found:
            log.warning("case_stranded case_id=%s (no process instance, no incident)", case_id)
            if self.sender is None:
                self.parts.workflows.start(case_id)
            else:
                self.sender.send_once(START_CASE, case_id, self.stranded_after)
        return len(found)

    def advance_stalled(self) -> int:
        """Advance the instances left with engine work after an input."""
        found = stalled_instances(self.parts.db, self._cutoff())
        for case_id in found:
            log.warning("instance_stalled case_id=%s (input applied, engine not run on)", case_id)
            if self.sender is None:
                self.parts.workflows.advance(case_id)
            else:
                self.sender.send_once(ADVANCE_CASE, case_id, self.stranded_after)
        return len(found)

    def resume_lost_migrations(self) -> int:
        """Run again the migration batches whose runner stopped (killed, message lost); each
        item is its own transaction, so the items already done are skipped."""
        stall = self.parts.settings.migration_stall_seconds
        with self.parts.db.reading() as session:
            found = stalled_batches(session, self.parts.clock() - timedelta(seconds=stall))
        for batch_id in found:
            log.warning("migration_stalled batch_id=%s (pending, no progress)", batch_id)
            if self.sender is None:
                self.parts.migrations.run(batch_id)
            else:
                self.sender.send_once(RUN_MIGRATION, batch_id, stall)
        return len(found)

    def checkpoint_if_due(self) -> int:
        """Sign the heads of all audit chains when the latest checkpoint is older than
        EGOV_AUDIT_CHECKPOINT_INTERVAL_SECONDS (ADR 0044)."""
        interval = self.parts.settings.audit_checkpoint_interval_seconds
        return int(self.parts.checkpoints.make_if_due(interval))

    def release_held_left(self) -> int:
        """Release the messages still held for running instances (the release after a
        resume died halfway); new messages queue behind them until then."""
        with self.parts.db.reading() as session:
            found = cases_to_release(session)
        for case_id in found:
            log.warning("held_messages_left case_id=%s (instance running)", case_id)
            release_held(self.parts.workflows, case_id)
        return len(found)

    def erase_due(self) -> int:
        """Erase a batch of cases whose retention ended (none on hold, none waiting for the
        archive), each in its own transaction; EGOV_RETENTION_BATCH_SIZE=0: none."""
        size = self.parts.settings.retention_batch_size
        return self.parts.retention.erase_due(size) if size > 0 else 0


def stranded_cases(db: Database, created_before: datetime, limit: int = 100) -> list[str]:
    """Open cases older than `created_before` with no process instance and no open incident:
    their start was lost (process died after the intake commit, broker message lost). A case
    whose failed start a person resolved by hand is left to that person."""
    has_instance = exists().where(WorkflowInstance.case_id == Case.id)
    has_incident = exists().where(
        Incident.case_id == Case.id,
        (Incident.status == IncidentStatus.OPEN) | (Incident.resolution == Resolution.BY_HAND),
    )
    query = (
        select(Case.id)
        .where(Case.created_at < created_before, Case.closed_at.is_(None))
        .where(~has_instance, ~has_incident)
        .order_by(Case.created_at)
        .limit(limit)
    )
    with db.reading() as session:
        return list(session.scalars(query))


def stalled_instances(db: Database, input_before: datetime, limit: int = 100) -> list[str]:
    """Case ids of running instances that got input (start, task, message) before
    `input_before` and were not advanced since, with no open incident: the process that was
    to advance them died, or the broker lost the message."""
    has_incident = exists().where(
        Incident.case_id == WorkflowInstance.case_id, Incident.status == IncidentStatus.OPEN
    )
    query = (
        select(WorkflowInstance.case_id)
        .where(WorkflowInstance.status == InstanceStatus.RUNNING)
        .where(WorkflowInstance.advance_due_at < input_before, ~has_incident)
        .order_by(WorkflowInstance.advance_due_at)
        .limit(limit)
    )
    with db.reading() as session:
        return list(session.scalars(query))


def embedded_worker(parts: Parts) -> BackgroundWorker | None:
    """The sweeping thread of `egov serve` in embedded mode (production: `egov scheduler`)."""
    if parts.settings.broker_url:
        return None
    return BackgroundWorker(Sweeper(parts, None), parts.settings.sweep_interval_seconds)


def scheduler_tick(parts: Parts) -> Callable[[], object]:
    """One beat of `egov scheduler`: send `egov.sweep` (it expires unrun after a few
    intervals, so a busy cluster is not flooded), or sweep here in embedded mode."""
    settings = parts.settings
    if not settings.broker_url:
        return Sweeper(parts, None)
    from egov.runtime.celery_app import CelerySender

    sender = CelerySender.from_settings(settings)
    expires = max(5.0, 5 * settings.sweep_interval_seconds)
    return lambda: sender.send(SWEEP, "scheduler", expires=expires)
