"""What operations watch: whether this process can serve (readiness) and the gauges that
`/metrics` exports. Each call opens its own read-only session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Base, Database
from egov.outbox.store import Incident, IncidentStatus, OutboxMessage
from egov.workflow.store import LIVE_TASK, Task, WorkflowInstance

Samples = list[tuple[str, int]]  # (labels in Prometheus syntax, value)


@dataclass
class Monitor:
    db: Database
    clock: Clock
    stranded_after_seconds: float

    def ready(self) -> bool:
        """The database answers and the schema is migrated."""
        try:
            with self.db.reading() as session:
                session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        except Exception:
            return False
        return True

    def gauges(self) -> dict[str, Samples]:
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
                "egov_cases": [(f'status="{status}"', n) for status, n in cases.all()],
                "egov_open_tasks": [("", _count(session, Task, Task.status.in_(LIVE_TASK)))],
                "egov_open_incidents": [
                    ("", _count(session, Incident, Incident.status == IncidentStatus.OPEN))
                ],
                "egov_outbox_rows": [(f'status="{status}"', n) for status, n in outbox.all()],
                "egov_instances_awaiting_advance": [
                    (
                        "",
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
