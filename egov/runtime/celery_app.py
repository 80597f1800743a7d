"""The Celery app of production mode, built from settings; nothing happens at import time.

Loss-free configuration (see docs/production.md):

- `task_acks_late`: a message is acknowledged after its task ran, not when it arrives, so a
  worker that dies mid-task leaves it in Redis.
- `task_reject_on_worker_lost`: when a pool process dies (kill -9, OOM, os._exit) the message
  goes back to the queue at once instead of being acknowledged as failed.
- `worker_prefetch_multiplier = 1`: a worker holds one message per process, so a crash strands
  no extra messages and a slow task does not sit on work others could do.
- `visibility_timeout` (Redis): a message unacknowledged this long is handed out again. It
  must be longer than any task (`task_time_limit`), or a running task is duplicated.
- No ETAs or countdowns: timers and retry backoff live in the database and the sweep picks
  them up; Redis only ever holds work that is due now.
- A delivery cap: every task counts its deliveries in Redis (`egov:deliveries:<task id>`);
  one that a dying worker handed back more than `task_max_deliveries` times ends as an
  incident instead of a crash loop (outbox rows are counted in their `attempts` column).
- A broker that cannot be reached when a task is sent (Redis restarting) is logged, not
  raised: the message was only a nudge, committed work is found by the sweep in the database.
  So an intake whose commit succeeded answers with its receipt, not with a 500.
- A task sent during a request carries the request's correlation id in its message headers
  (`egov_correlation_id`); the task logs with it (`egov.runtime.tasks.guarded`).
- `RedisTransport`: kombu's Redis transport with one fix, so that a worker survives a Redis
  restart while it runs tasks (see `UnackedQoS`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from celery import Celery, signals
from kombu.exceptions import OperationalError as BrokerError
from kombu.transport import redis as kombu_redis
from redis import Redis
from redis.exceptions import RedisError

from egov import correlation
from egov.runtime import logs
from egov.runtime.dispatch import QUEUES, ROUTES
from egov.runtime.worker import Parts
from egov.settings import Settings

log = logging.getLogger(__name__)
BROKER_DOWN = (BrokerError, RedisError, OSError)  # what a send meets while Redis is away
VISIBILITY_TIMEOUT = 3600  # seconds; longer than TASK_TIME_LIMIT
TASK_TIME_LIMIT = 600  # a task running longer is killed (and counted as a crash)
COUNTER_TTL = 24 * 3600  # a delivery counter is forgotten a day after its last use
CORRELATION_HEADER = "egov_correlation_id"  # message header: the request behind a task
# (not `correlation_id`: Celery puts the task id in that message property)


def celery_config(settings: Settings) -> dict[str, Any]:
    """The Celery settings of every egov process that sends or runs tasks."""
    return {
        "broker_url": settings.broker_url,
        "broker_transport": f"{__name__}:RedisTransport",
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT},
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,  # our tasks turn failures into incidents
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_concurrency": settings.worker_concurrency,
        "task_time_limit": TASK_TIME_LIMIT,
        "task_soft_time_limit": TASK_TIME_LIMIT - 30,
        "task_routes": {name: {"queue": queue} for name, queue in ROUTES.items()},
        "task_default_queue": QUEUES[0],
        "task_create_missing_queues": True,
        "task_ignore_result": True,
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_send_task_events": False,
        "enable_utc": True,
    }


class UnackedQoS(kombu_redis.QoS):
    """kombu 5.7 / Celery 5.7: when the broker connection breaks while tasks run (acks_late:
    their messages are unacknowledged), the consumer first collects the connection, which
    detaches the transport from it, then closes it; the close restores the unacknowledged
    messages through a client it can no longer build (AttributeError on `client.hostname`).
    Celery takes that for an unrecoverable error and the whole worker exits (seen in
    tests/production/test_restarts.py). Here the restore is skipped instead: the messages stay
    in Redis' unacked index, which the visibility timeout hands out again, and the sweep finds
    the work in the database anyway; the consumer reconnects as it does for any broker loss."""

    def restore_unacked(self, client: Any = None) -> Any:
        if client is None and self.channel.connection.client is None:
            log.warning(
                "broker_lost unacked=%s (left to the visibility timeout)", len(self._delivered)
            )
            self._delivered.clear()
            return None
        return super().restore_unacked(client)  # type: ignore[no-untyped-call]


class RedisChannel(kombu_redis.Channel):
    QoS = UnackedQoS


class RedisTransport(kombu_redis.Transport):
    """The `broker_transport` of every egov process (redis:// URLs)."""

    Channel = RedisChannel


Build = Callable[[Settings], Parts]  # `egov.container.build`, given by the caller


def make_celery(settings: Settings, build: Build) -> Celery:
    """A configured app with the egov tasks registered (they build their container with
    `build` lazily, once per worker process, so a sender never builds a second one)."""
    from egov.runtime import tasks

    app = Celery("egov", set_as_current=False)
    app.conf.update(celery_config(settings))
    tasks.register(app, WorkerRuntime(settings, build))
    return app


def run_worker(settings: Settings, build: Build, concurrency: int | None, queues: str) -> None:
    """`egov worker`: a Celery worker (prefork) consuming the egov queues. Its log lines are
    egov's (`egov.runtime.logs`): connecting `setup_logging` keeps Celery's own set-up away."""
    signals.setup_logging.connect(lambda **_: logs.configure(settings), weak=False)
    app = make_celery(settings, build)
    # print() stays print(): a redirected stderr would feed egov's handler back into logging
    app.conf.worker_redirect_stdouts = False
    app.worker_main(
        [
            "worker",
            f"--loglevel={settings.log_level}",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--queues={queues}",
            f"--hostname=egov-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@dataclass
class WorkerRuntime:
    """What tasks need, built on first use in each process (after the prefork fork)."""

    settings: Settings
    build: Build | None = None  # None: a sender's runtime, which never runs tasks
    _container: Parts | None = None
    _redis: Redis | None = None
    _sender: CelerySender | None = None
    _pid: int = field(default=0)

    def container(self) -> Parts:
        self._after_fork()
        if self._container is None:
            assert self.build is not None, "a sender's runtime runs no tasks"
            self._container = self.build(self.settings)
        return self._container

    def redis(self) -> Redis:
        self._after_fork()
        if self._redis is None:
            self._redis = Redis.from_url(self.settings.broker_url)
        return self._redis

    def sender(self) -> CelerySender:
        self._after_fork()
        if self._sender is None:
            self._sender = CelerySender.from_settings(self.settings)
        return self._sender

    def count_delivery(self, task_id: str) -> int:
        """How often this task's message has been handed to a worker (this time included)."""
        key = f"egov:deliveries:{task_id}"
        pipe = self.redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, COUNTER_TTL)
        count, _ = pipe.execute()
        return int(count)

    def forget(self, task_id: str) -> None:
        self.redis().delete(f"egov:deliveries:{task_id}")

    def _after_fork(self) -> None:
        if self._pid != os.getpid():  # never share connections with the parent process
            self._container, self._redis, self._sender = None, None, None
            self._pid = os.getpid()


@dataclass
class CelerySender:
    """Sends named tasks with one id each; what the web processes and the scheduler use."""

    app: Celery
    runtime: WorkerRuntime

    @classmethod
    def from_settings(cls, settings: Settings) -> CelerySender:
        app = Celery("egov-sender", set_as_current=False)
        app.conf.update(celery_config(settings))
        return cls(app, WorkerRuntime(settings))

    def send(self, name: str, subject_id: str, expires: float | None = None) -> None:
        """Send the task; if the broker is down, log it and go on (the sweep finds the work:
        lost starts and advances after EGOV_STRANDED_AFTER_SECONDS, due outbox rows at once,
        the next sweep one interval later)."""
        correlation_id = correlation.current_correlation_id()  # the task logs with the request's id
        headers = {CORRELATION_HEADER: correlation_id} if correlation_id else None
        try:
            self.app.send_task(
                name, args=[subject_id], queue=ROUTES[name], expires=expires, headers=headers
            )
        except BROKER_DOWN as exc:
            _broker_unavailable(name, subject_id, exc)

    def send_once(self, name: str, subject_id: str, seconds: float) -> None:
        key = f"egov:sent:{name}:{subject_id}"
        try:
            first = self.runtime.redis().set(key, "1", nx=True, ex=max(1, int(seconds)))
        except RedisError as exc:
            _broker_unavailable(name, subject_id, exc)
            return
        if first:
            self.send(name, subject_id)


def _broker_unavailable(name: str, subject_id: str, exc: Exception) -> None:
    log.warning("broker_unavailable task=%s id=%s error=%s", name, subject_id, type(exc).__name__)
