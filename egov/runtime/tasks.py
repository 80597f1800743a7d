"""The named Celery tasks. Each takes one id and runs a service inside the worker process's
container; the message carries no state that the database does not already hold.

- `egov.start-case` (case id): `Workflows.start`.
- `egov.advance-case` (case id): `Workflows.advance`.
- `egov.run-migration` (batch id): `Migrations.run`.
- `egov.deliver-outbox` (outbox id): `Outbox.deliver` (which counts a crashed earlier attempt).
- `egov.sweep` (a label): `Sweeper`: due and crashed deliveries, timers, stranded cases.

A message handed out more than `task_max_deliveries` times (its workers died) is not run
again: a case task opens a workflow-step incident, a delivery fails its row with a delivery
incident, a sweep is dropped (the next one comes a second later).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from egov import correlation
from egov.outbox.service import WorkerCrashed
from egov.runtime.dispatch import ADVANCE_CASE, DELIVER_OUTBOX, RUN_MIGRATION, START_CASE, SWEEP
from egov.runtime.sweep import Sweeper
from egov.runtime.worker import Parts

if TYPE_CHECKING:
    from celery import Celery

    from egov.runtime.celery_app import WorkerRuntime

log = logging.getLogger(__name__)
Work = Callable[["WorkerRuntime", str], object]
GiveUp = Callable[[Parts, str, int], None]


def register(app: Celery, runtime: WorkerRuntime) -> None:
    """Register the tasks on `app`; they find `runtime` through `task.app.egov_runtime`."""
    app.egov_runtime = runtime
    for name, function in (
        (START_CASE, start_case),
        (ADVANCE_CASE, advance_case),
        (DELIVER_OUTBOX, deliver_outbox),
        (RUN_MIGRATION, run_migration),
        (SWEEP, sweep),
    ):
        app.task(name=name, bind=True)(function)


def start_case(task: Any, case_id: str) -> object:
    return guarded(task, case_id, _start, _case_crashed)


def advance_case(task: Any, case_id: str) -> object:
    return guarded(task, case_id, _advance, _case_crashed)


def deliver_outbox(task: Any, outbox_id: str) -> object:
    return guarded(task, outbox_id, _deliver, _delivery_crashed)


def run_migration(task: Any, batch_id: str) -> object:
    return guarded(task, batch_id, _migrate, _migration_crashed)


def sweep(task: Any, label: str = "scheduler") -> object:
    return guarded(task, label, _sweep, _sweep_crashed)


def guarded(task: Any, subject_id: str, work: Work, give_up: GiveUp) -> object:
    """Run `work` unless this message already took down too many workers; it logs with the
    correlation id of the request that sent the task (a sweep's tasks have none)."""
    given = getattr(task.request, "egov_correlation_id", None)
    with correlation.correlated(correlation.sane_correlation_id(given) if given else None):
        return _guarded(task, subject_id, work, give_up)


def _guarded(task: Any, subject_id: str, work: Work, give_up: GiveUp) -> object:
    runtime: WorkerRuntime = task.app.egov_runtime
    task_id = str(task.request.id)
    count = runtime.count_delivery(task_id)
    container = runtime.container()
    if count > container.settings.task_max_deliveries:
        log.error("task_gave_up name=%s id=%s deliveries=%s", task.name, subject_id, count)
        give_up(container, subject_id, count)
        runtime.forget(task_id)
        return "gave-up"
    result = work(runtime, subject_id)
    runtime.forget(task_id)
    return result


def _start(runtime: WorkerRuntime, case_id: str) -> object:
    runtime.container().workflows.start(case_id)
    return "started"


def _advance(runtime: WorkerRuntime, case_id: str) -> object:
    return runtime.container().workflows.advance(case_id)


def _deliver(runtime: WorkerRuntime, outbox_id: str) -> object:
    return runtime.container().outbox.deliver(outbox_id)


def _migrate(runtime: WorkerRuntime, batch_id: str) -> object:
    runtime.container().migrations.run(batch_id)
    return "migrated"


def _sweep(runtime: WorkerRuntime, _label: str) -> object:
    return Sweeper(runtime.container(), runtime.sender())()


def _case_crashed(container: Parts, case_id: str, count: int) -> None:
    # the workflow service's incident path: one open incident per case, audited
    container.workflows.open_incident(case_id, WorkerCrashed(count))


def _delivery_crashed(container: Parts, outbox_id: str, count: int) -> None:
    container.outbox.give_up(outbox_id, count)


def _sweep_crashed(_container: Parts, label: str, count: int) -> None:
    log.error("sweep_dropped label=%s deliveries=%s", label, count)


def _migration_crashed(_container: Parts, batch_id: str, count: int) -> None:
    log.error("migration_dropped batch_id=%s deliveries=%s", batch_id, count)
