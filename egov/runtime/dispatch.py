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

from collections.abc import Callable, Iterable
from typing import Protocol

from egov.outbox.service import Outbox
from egov.settings import Settings
from egov.workflow.service import Workflows

START_CASE = "egov.start-case"
ADVANCE_CASE = "egov.advance-case"
DELIVER_OUTBOX = "egov.deliver-outbox"
RUN_MIGRATION = "egov.run-migration"  # a batch of instance migrations (issue 12)
SWEEP = "egov.sweep"
WORKFLOW_QUEUE = "egov.workflow"
OUTBOX_QUEUE = "egov.outbox"
SWEEP_QUEUE = "egov.sweep"
ROUTES = {
    START_CASE: WORKFLOW_QUEUE,
    ADVANCE_CASE: WORKFLOW_QUEUE,
    RUN_MIGRATION: WORKFLOW_QUEUE,
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
    from egov.runtime.celery_app import CelerySender

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


def on_migration(sender: Sender | None, run: Callable[[str], None]) -> Callable[[str], None]:
    """`Migrations.after_commit`: run the batch here, or send `egov.run-migration`."""
    if sender is None:
        return run
    return lambda batch_id: sender.send(RUN_MIGRATION, batch_id)
