"""What operations watch: whether this process can serve (readiness) and the domain gauges
that `/metrics` exports. Each call opens its own read-only session.

The gauges are counts over whole tables (cases by status, outbox rows by status, ...). They
are computed at most once every EGOV_METRICS_GAUGE_SECONDS per process and served from a
cache in between, so a scrape (or several Prometheus servers scraping every few seconds)
costs at most one round of counts per interval and process, never one per scrape. Counters
maintained on every change were the alternative; they would have to be kept right in every
transaction that changes a status, and a count that drifts tells no truth.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from redis import Redis
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Base, Database
from egov.outbox.store import Incident, IncidentStatus, OutboxMessage
from egov.runtime.schema import schema_state
from egov.workflow.store import LIVE_TASK, Task, WorkflowInstance

log = logging.getLogger(__name__)
Samples = list[tuple[dict[str, str], int]]  # (labels, value)
OK = "ok"
BROKER_TIMEOUT_SECONDS = 1.0


@dataclass
class Monitor:
    db: Database
    clock: Clock
    stranded_after_seconds: float
    broker_url: str = ""  # production mode: readiness pings it
    gauge_seconds: float = 15.0  # EGOV_METRICS_GAUGE_SECONDS
    monotonic: Callable[[], float] = time.monotonic
    _cached: tuple[float, dict[str, Samples]] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _redis: Redis | None = field(default=None, repr=False)

    def readiness(self) -> dict[str, str]:
        """Each check and its outcome ("ok" or what is wrong): the database answers, its
        schema is at the head of the shipped migrations, and (production mode) the broker
        answers a PING."""
        checks: dict[str, str] = {}
        try:
            state = schema_state(self.db)
        except Exception as exc:
            log.warning("readiness_database_unavailable error=%s", type(exc).__name__)
            checks["database"], checks["schema"] = "unavailable", "unknown"
        else:
            checks["database"] = OK
            checks["schema"] = OK if state.current else state.status
            if not state.current:
                log.error(
                    "schema_outdated status=%s revisions=%s heads=%s (run `egov migrate`)",
                    state.status,
                    ",".join(state.revisions) or "-",
                    ",".join(state.heads),
                )
        if self.broker_url:
            checks["broker"] = OK if self._broker_answers() else "unavailable"
        return checks

    def ready(self) -> bool:
        return all(outcome == OK for outcome in self.readiness().values())

    def _broker_answers(self) -> bool:
        try:
            if self._redis is None:
                self._redis = Redis.from_url(
                    self.broker_url,
                    socket_timeout=BROKER_TIMEOUT_SECONDS,
                    socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
                )
            return bool(self._redis.ping())
        except Exception as exc:
            log.warning("readiness_broker_unavailable error=%s", type(exc).__name__)
            return False

    def gauges(self) -> dict[str, Samples]:
        """The domain gauges, from the cache if they are younger than `gauge_seconds`."""
        with self._lock:
            now = self.monotonic()
            if self._cached is not None and now - self._cached[0] < self.gauge_seconds:
                return self._cached[1]
            counted = self.count()
            self._cached = (now, counted)
            return counted

    def age(self) -> float:
        """Seconds since the cached gauges were counted (0 before the first count)."""
        with self._lock:
            return 0.0 if self._cached is None else self.monotonic() - self._cached[0]

    def forget(self) -> None:
        """Drop the cache (the next `gauges` counts again)."""
        with self._lock:
            self._cached = None

    def count(self) -> dict[str, Samples]:
        """Cases by status, open tasks, open incidents, outbox rows by status, and instances
        waiting for an advance longer than EGOV_STRANDED_AFTER_SECONDS (above zero while a
        database or broker outage holds work back)."""
        stalled_since = self.clock() - timedelta(seconds=self.stranded_after_seconds)
        with self.db.reading() as session:
            cases = session.execute(select(Case.status, func.count()).group_by(Case.status))
            outbox = session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            return {
                "egov_cases": [({"status": str(status)}, n) for status, n in cases.all()],
                "egov_open_tasks": [({}, _count(session, Task, Task.status.in_(LIVE_TASK)))],
                "egov_open_incidents": [
                    ({}, _count(session, Incident, Incident.status == IncidentStatus.OPEN))
                ],
                "egov_outbox_rows": [({"status": str(status)}, n) for status, n in outbox.all()],
                "egov_instances_awaiting_advance": [
                    (
                        {},
                        _count(
                            session,
                            WorkflowInstance,
                            WorkflowInstance.advance_due_at < stalled_since,
                        ),
                    )
                ],
            }


def _count(session: Session, model: type[Base], condition: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(condition)) or 0)
