"""What the restart and kill tests share: dedicated PostgreSQL and Redis servers that a test
may kill (never the session's shared server, which other tests use), a fresh database and
stack per test, and the checks that must hold once the system has settled after the crashes.

After the crashes, `settle` waits (bounded) until all of these hold, and fails with the
evidence otherwise:

- the invariants of tests/production/invariants.py;
- every receipt in the clients' log is in the database: its submission, for its message, with
  its case and the case's reference (no receipt for work that was not durably committed);
- one case per message UUID: every receipt of a message names the same submission and case;
- every case's workflow instance has advanced (a live user task, or completed) or is
  retryable (an open incident); a case without instance has an open incident;
- every outbox row is delivered or failed with an open incident (none left pending), and the
  receiver holds the effect of every delivered `test.http` row exactly once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from egov.audit.store import list_events
from egov.cases.store import Case
from egov.intake.store import Submission
from egov.outbox.store import Incident, OutboxMessage
from egov.workflow.store import Task, WorkflowInstance
from tests.conftest import _admin, _with_db, prepare
from tests.production.invariants import check
from tests.production.load import ReceiptLog
from tests.production.receiver import Receiver
from tests.production.stack import Stack
from tests.support.postgres import PostgresServer, postgres_or_skip
from tests.support.redis import RedisServer, redis_server_or_skip

TEMPLATE = "egov_crash_template"
CRASH_ENV = {
    "EGOV_SWEEP_INTERVAL_SECONDS": "0.5",
    "EGOV_STRANDED_AFTER_SECONDS": "3",  # a lost start or advance is swept up after 3 s
    "EGOV_OUTBOX_LEASE_SECONDS": "3",  # a delivery cut off by a crash is retried after 3 s
}
SETTLE_SECONDS = 60


@dataclass
class Servers:
    """A PostgreSQL server (with a migrated template database) and a Redis server of one
    test module, on loopback."""

    root: Path
    postgres: PostgresServer
    redis: RedisServer

    def stack(self, name: str, extra_env: dict[str, str] | None = None) -> Stack:
        """A stack on a new database `name` and an emptied Redis (no messages of others)."""
        _admin(self.postgres.url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        Redis.from_url(self.redis.url).flushall()
        root = self.root / name
        root.mkdir()
        url = _with_db(self.postgres.url, name)
        return Stack(root, url, self.redis.url, extra_env={**CRASH_ENV, **(extra_env or {})})


@contextmanager
def dedicated_servers(root: Path) -> Iterator[Servers]:
    with postgres_or_skip() as postgres, redis_server_or_skip() as redis:
        _admin(postgres.url, f"CREATE DATABASE {TEMPLATE}")
        prepare(_with_db(postgres.url, TEMPLATE), root / "template")
        yield Servers(root, postgres, redis)


def settle(
    stack: Stack,
    log: ReceiptLog,
    receiver: Receiver | None = None,
    seconds: float = SETTLE_SECONDS,
) -> None:
    """Wait until every check holds; fail with the violations, the evidence on the cases
    concerned and the log tails of the processes."""
    deadline = time.monotonic() + seconds
    while problems := unsettled(stack, log, receiver):
        stack.fail_if_dead()  # e.g. a worker that did not survive the broker's restart
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not settled after {seconds} s: {len(problems)} problems\n"
                + "\n".join(problems[:20])
                + f"\n--- evidence\n{evidence(stack, problems)}\n{stack.tails()}"
            )
        time.sleep(0.5)


def summary(stack: Stack) -> str:
    """What the database holds after the crashes (printed by the tests, for the record)."""
    with stack.container().db.reading() as session:
        cases = session.scalar(select(func.count()).select_from(Case))
        incidents = Counter(
            f"{kind}/{code}"
            for kind, code in session.execute(
                select(Incident.kind, Incident.code).where(Incident.status == "open")
            )
        )
        rows = Counter(session.scalars(select(OutboxMessage.status)))
    return f"cases {cases}, open incidents {dict(incidents)}, outbox rows {dict(rows)}"


def unsettled(stack: Stack, log: ReceiptLog, receiver: Receiver | None = None) -> list[str]:
    with stack.container().db.reading() as session:
        return [
            *check(stack),
            *receipts_in_database(session, log),
            *one_case_per_message(log),
            *advanced_or_retryable(session),
            *outbox_delivered_or_incident(session, receiver),
        ]


def receipts_in_database(session: Session, log: ReceiptLog) -> list[str]:
    stored = {
        submission_id: (message_id, case_id, reference)
        for submission_id, message_id, case_id, reference in session.execute(
            select(Submission.id, Submission.message_id, Submission.case_id, Case.reference).join(
                Case, Case.id == Submission.case_id
            )
        )
    }
    problems = []
    for receipt in log.receipts:
        expected = (receipt.message_uuid, receipt.case_id, receipt.case_reference)
        found = stored.get(receipt.submission_id)
        if found != expected:
            problems.append(f"receipt {receipt} lost: the database holds {found}")
    return problems


def one_case_per_message(log: ReceiptLog) -> list[str]:
    return [
        f"message {message_uuid} got different receipts {sorted(set(answers))}"
        for message_uuid, receipts in log.by_message().items()
        if len(answers := {(r.submission_id, r.case_id) for r in receipts}) > 1
    ]


def advanced_or_retryable(session: Session) -> list[str]:
    instances = {i.case_id: i for i in session.scalars(select(WorkflowInstance))}
    live = set(session.scalars(select(Task.case_id).where(Task.status.in_(("open", "claimed")))))
    incident = set(session.scalars(select(Incident.case_id).where(Incident.status == "open")))
    problems = []
    for case_id in session.scalars(select(Case.id)):
        instance = instances.get(case_id)
        if case_id in incident or case_id in live:
            continue
        if instance is None:
            problems.append(f"case {case_id} has no process instance and no open incident")
        elif instance.status != "completed":
            problems.append(
                f"case {case_id}: instance {instance.status} without a user task or incident"
            )
    return problems


def outbox_delivered_or_incident(session: Session, receiver: Receiver | None) -> list[str]:
    incident = set(session.scalars(select(Incident.outbox_id).where(Incident.status == "open")))
    problems = []
    for row in session.scalars(select(OutboxMessage)):
        if row.status == "failed" and row.id in incident:
            continue
        if row.status != "delivered":
            problems.append(
                f"outbox row {row.id} {row.kind} is {row.status} (attempts {row.attempts})"
            )
        elif row.kind == "test.http" and receiver is not None:
            applied = receiver.applied.count(row.idempotency_key)
            if applied != 1:
                problems.append(f"outbox row {row.id}: effect applied {applied} times")
    return problems


def evidence(stack: Stack, problems: list[str], most: int = 5) -> str:
    """The instance and the audit trail of the first cases named in `problems`."""
    words = [word.strip(":,()") for problem in problems for word in problem.split()]
    case_ids = list(dict.fromkeys(word for word in words if _is_id(word)))[:most]
    lines = []
    with stack.container().db.reading() as session:
        for case_id in case_ids:
            instance = session.scalars(
                select(WorkflowInstance).where(WorkflowInstance.case_id == case_id)
            ).first()
            lines.append(f"case {case_id}: instance {_instance(instance)}")
            lines += [
                f"  {e.seq} {e.occurred_at} {e.actor} {e.action} {e.after}"
                for e in list_events(session, case_id)
            ]
    return "\n".join(lines)


def _instance(instance: WorkflowInstance | None) -> dict[str, Any] | None:
    if instance is None:
        return None
    names = ("status", "version", "created_at", "updated_at", "advance_due_at", "next_timer_at")
    return {name: getattr(instance, name, None) for name in names}


def _is_id(word: str) -> bool:
    return len(word) == 36 and word.count("-") == 4
