"""What is due now: fire due BPMN timers, escalate overdue cases and deliver due outbox
rows, in this process; and the background thread of the embedded mode that does it.

`run_due` is the core of every sweep (`egov.runtime.sweep`), used by the background thread of
the embedded server, by the Celery task `egov.sweep` and by tests. Given only an `Outbox` it
delivers outbox rows; given the process's parts it also fires due timers
(`egov.workflow.timers`) and escalates overdue cases (`egov.runtime.escalation`). The
database is the source of truth: a lost broker message or a crashed worker only delays work
until the next sweep.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from egov.audit.checkpoints import Checkpoints
from egov.clock import Clock
from egov.db import OUTAGE, Database, error_name
from egov.documents.filestore import FileSystemStore
from egov.outbox.service import Outbox
from egov.retention.service import Retention
from egov.rights.exports import Exports
from egov.runtime.escalation import Notification, escalate_overdue
from egov.settings import Settings
from egov.workflow.migration_service import Migrations
from egov.workflow.service import Workflows
from egov.workflow.timers import fire_due_timers

log = logging.getLogger(__name__)


class Parts(Protocol):
    """The parts of a process (its `egov.container.Container`) that work in the background
    needs; the runtime takes them by this protocol, so it never imports the container."""

    @property
    def db(self) -> Database: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def workflows(self) -> Workflows: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def migrations(self) -> Migrations: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def files(self) -> FileSystemStore: ...
    @property
    def checkpoints(self) -> Checkpoints: ...
    @property
    def retention(self) -> Retention: ...
    @property
    def exports(self) -> Exports: ...


def run_due(target: Outbox | Parts, limit: int = 100) -> dict[str, int]:
    """Do what is due now (timers, escalations, deliveries); returns counts per outcome."""
    if isinstance(target, Outbox):
        return deliver_due(target, limit)
    counts = fire_due_timers(target.workflows, limit=limit)
    notification = Notification.from_settings(target.settings)  # supervisors by e-mail?
    _merge(counts, escalate_overdue(target.db, target.clock, limit, notification))
    _merge(counts, deliver_due(target.outbox, limit))
    return counts


def deliver_due(outbox: Outbox, limit: int = 100) -> dict[str, int]:
    """Deliver the outbox rows due now; counts per outcome."""
    counts: dict[str, int] = {}
    for outbox_id in outbox.due(limit):
        outcome = outbox.deliver(outbox_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _merge(counts: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        counts[key] = counts.get(key, 0) + value


class BackgroundWorker:
    """A daemon thread that sweeps every `interval` seconds (embedded mode only)."""

    def __init__(self, sweep: Callable[[], object], interval: float = 1.0) -> None:
        self._sweep = sweep
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="egov-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._sweep()
            except OUTAGE as exc:  # the database is away: the next sweep tries again
                log.warning("worker_sweep_deferred error=%s", error_name(exc))
            except Exception:
                log.exception("worker_sweep_failed")
