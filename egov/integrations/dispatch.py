"""The seam between "committed" and "run": who starts a case and delivers outbox rows.

Embedded mode (no EGOV_BROKER_URL): in this process, right after the commit
(`Workflows.start`, `Outbox.deliver`), plus `sweep` every second from a background thread.

Production mode: each after-commit hook sends one named Celery task carrying only an id
(`egov.start-case`, `egov.deliver-outbox`); `egov scheduler` sends `egov.sweep` every
second. The broker only makes work fast: the database is the source of truth, and `sweep`
finds whatever a lost message or a killed worker left behind (due outbox rows, crashed
deliveries, cases without a process instance, instances whose input was applied but whose
engine was not run on).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import exists, select

from egov.cases.store import Case
from egov.db import Database
from egov.integrations.outbox import Outbox
from egov.integrations.store import Incident
from egov.integrations.worker import BackgroundWorker, run_due
from egov.settings import Settings
from egov.workflow.store import WorkflowInstance

if TYPE_CHECKING:
    from egov.container import Container
    from egov.workflow.service import Workflows

log = logging.getLogger(__name__)

START_CASE = "egov.start-case"
ADVANCE_CASE = "egov.advance-case"
DELIVER_OUTBOX = "egov.deliver-outbox"
SWEEP = "egov.sweep"
WORKFLOW_QUEUE = "egov.workflow"
OUTBOX_QUEUE = "egov.outbox"
SWEEP_QUEUE = "egov.sweep"
ROUTES = {
    START_CASE: WORKFLOW_QUEUE,
    ADVANCE_CASE: WORKFLOW_QUEUE,
    DELIVER_OUTBOX: OUTBOX_QUEUE,
    SWEEP: SWEEP_QUEUE,
}
QUEUES = (WORKFLOW_QUEUE, OUTBOX_QUEUE, SWEEP_QUEUE)  # what `egov worker` consumes


class Sender(Protocol):
    """Sends one named task with one id (production: Celery over Redis)."""

    def send(self, name: str, subject_id: str) -> None: ...

    def send_once(self, name: str, subject_id: str, seconds: float) -> None:
        """Send unless the same name and id were sent by `send_once` in the last `seconds`."""


def sender_for(settings: Settings) -> Sender | None:
    """The broker sender of production mode, or None in the embedded mode."""
    if not settings.broker_url:
        return None
    from egov.integrations.celery_app import CelerySender

    return CelerySender.from_settings(settings)


def after_commit(sender: Sender | None, workflows: Workflows) -> Callable[[str], None]:
    """`Intake.after_commit`: start the case's process here, or send `egov.start-case`."""
    if sender is None:
        return workflows.start
    return lambda case_id: sender.send(START_CASE, case_id)


def on_outbox(sender: Sender | None, outbox: Outbox) -> Callable[[list[str]], None]:
    """`Workflows.on_outbox`: deliver new rows here, or send `egov.deliver-outbox` per id."""

    def send(ids: Iterable[str]) -> None:
        for outbox_id in ids:
            if sender is None:
                outbox.deliver(outbox_id)
            else:
                sender.send(DELIVER_OUTBOX, outbox_id)

    return send


def load_plugins(container: Container) -> None:
    """Call `register(container)` of every module named in EGOV_PLUGINS."""
    for name in filter(None, (n.strip() for n in container.settings.plugins.split(","))):
        module: Any = importlib.import_module(name)
        module.register(container)
        log.info("plugin_loaded module=%s", name)


@dataclass
class Sweeper:
    """One sweep: deliver due rows, crashed ones included (and timers: whatever `run_due`
    does), re-start cases that have no process instance and no incident, advance instances
    left with engine work, delete upload spool files that a killed process left behind."""

    container: Container
    sender: Sender | None

    def __call__(self) -> dict[str, int]:
        counts = run_due(self.container)  # timers, escalations, due and crashed deliveries
        counts["restarted"] = self.restart_stranded()
        counts["stalled"] = self.advance_stalled()
        counts["temp_removed"] = self.container.files.remove_stale_temp_files()
        return {key: value for key, value in counts.items() if value}

    @property
    def stranded_after(self) -> float:
        return self.container.settings.stranded_after_seconds

    def _cutoff(self) -> datetime:
        return self.container.clock() - timedelta(seconds=self.stranded_after)

    def restart_stranded(self) -> int:
        """Start the cases left without a process instance."""
        found = stranded_cases(self.container.db, self._cutoff())
        for case_id in found:
            log.warning("case_stranded case_id=%s (no process instance, no incident)", case_id)
            if self.sender is None:
                self.container.workflows.start(case_id)
            else:
                self.sender.send_once(START_CASE, case_id, self.stranded_after)
        return len(found)

    def advance_stalled(self) -> int:
        """Advance the instances left with engine work after an input."""
        found = stalled_instances(self.container.db, self._cutoff())
        for case_id in found:
            log.warning("instance_stalled case_id=%s (input applied, engine not run on)", case_id)
            if self.sender is None:
                self.container.workflows.advance(case_id)
            else:
                self.sender.send_once(ADVANCE_CASE, case_id, self.stranded_after)
        return len(found)


def stranded_cases(db: Database, created_before: datetime, limit: int = 100) -> list[str]:
    """Open cases older than `created_before` with no process instance and no open incident:
    their start was lost (process died after the intake commit, broker message lost). A case
    whose failed start a person resolved by hand is left to that person."""
    has_instance = exists().where(WorkflowInstance.case_id == Case.id)
    has_incident = exists().where(
        Incident.case_id == Case.id,
        (Incident.status == "open") | (Incident.resolution == "by-hand"),
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
        Incident.case_id == WorkflowInstance.case_id, Incident.status == "open"
    )
    query = (
        select(WorkflowInstance.case_id)
        .where(WorkflowInstance.status == "running")
        .where(WorkflowInstance.advance_due_at < input_before, ~has_incident)
        .order_by(WorkflowInstance.advance_due_at)
        .limit(limit)
    )
    with db.reading() as session:
        return list(session.scalars(query))


def embedded_worker(container: Container) -> BackgroundWorker | None:
    """The sweeping thread of `egov serve` in embedded mode (production: `egov scheduler`)."""
    if container.settings.broker_url:
        return None
    return BackgroundWorker(Sweeper(container, None), container.settings.sweep_interval_seconds)


def scheduler_tick(container: Container) -> Callable[[], object]:
    """One beat of `egov scheduler`: send `egov.sweep` (it expires unrun after a few
    intervals, so a busy cluster is not flooded), or sweep here in embedded mode."""
    settings = container.settings
    if not settings.broker_url:
        return Sweeper(container, None)
    from egov.integrations.celery_app import CelerySender

    sender = CelerySender.from_settings(settings)
    expires = max(5.0, 5 * settings.sweep_interval_seconds)
    return lambda: sender.send(SWEEP, "scheduler", expires=expires)
