"""The Celery configuration, checked without a broker: every task has a queue that
`egov worker` consumes, and the loss-free settings are in place."""

from __future__ import annotations

from egov.cli import worker
from egov.container import build
from egov.runtime.celery_app import TASK_TIME_LIMIT, VISIBILITY_TIMEOUT, make_celery
from egov.runtime.dispatch import QUEUES, ROUTES
from egov.settings import Settings

SETTINGS = Settings(broker_url="redis://127.0.0.1:1/0")


def test_every_task_is_routed_to_a_queue_that_a_worker_consumes() -> None:
    app = make_celery(SETTINGS, build)
    names = {name for name in app.tasks if not name.startswith("celery.")}
    consumed = next(p.default for p in worker.params if p.name == "queues").split(",")
    assert names == set(ROUTES)
    for name in names:
        assert app.amqp.router.route({}, name)["queue"].name in consumed
    assert set(consumed) == set(QUEUES)


def test_a_task_is_acknowledged_only_after_it_ran_and_requeued_when_its_worker_dies() -> None:
    conf = make_celery(SETTINGS, build).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == VISIBILITY_TIMEOUT


def test_the_visibility_timeout_is_longer_than_any_task_may_run() -> None:
    conf = make_celery(SETTINGS, build).conf
    assert conf.task_soft_time_limit < conf.task_time_limit == TASK_TIME_LIMIT
    assert TASK_TIME_LIMIT < VISIBILITY_TIMEOUT


def test_the_embedded_mode_builds_no_broker_sender() -> None:
    from egov.runtime.dispatch import sender_for

    assert sender_for(Settings()) is None
    assert sender_for(SETTINGS) is not None
