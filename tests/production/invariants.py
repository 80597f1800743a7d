"""What must hold in a production database whatever crashed: `check(stack)` lists every
violation (an empty list: all well).

1. Receipts answered to clients = submissions stored = cases (nothing lost, nothing twice).
2. Every case has a workflow instance, a pending outbox row or an open incident.
3. Every outbox row is delivered, pending, failed with an open incident, or cancelled by a
   person who resolved its incident by hand.
4. Every file in the document store is referenced by a document, submission or inbound row,
   and every file a row refers to is in the store (no orphaned files, no orphaned rows).
5. No step was applied twice: one start per case, no user task projected twice, and every
   case's audit hash chain is intact (a forked or doubled step would break it).
"""

from __future__ import annotations

from collections import Counter
from itertools import groupby
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from egov.audit.chain import verify_chain
from egov.audit.store import AuditEvent
from egov.cases.store import Case
from egov.documents.store import Document
from egov.intake.store import Submission
from egov.integrations.store import InboundMessage
from egov.outbox.store import Incident, OutboxMessage
from egov.workflow.store import Task, WorkflowInstance
from tests.production.stack import Stack


def check(stack: Stack) -> list[str]:
    container = stack.container()
    with container.db.reading() as session:
        return [
            *receipts_match(session, stack.receipts),
            *cases_are_accounted_for(session),
            *outbox_rows_are_settled(session),
            *no_orphaned_files(session, container.files.root),
            *no_missing_files(session, container.files.root),
            *steps_applied_once(session),
        ]


def receipts_match(session: Session, receipts: set[str]) -> list[str]:
    submissions = set(session.scalars(select(Submission.id)))
    cases = set(session.scalars(select(Case.id)))
    case_of_submission = set(session.scalars(select(Submission.case_id)))
    problems = []
    if receipts != submissions:
        problems.append(f"receipts {len(receipts)} != submissions {len(submissions)}")
    if case_of_submission != cases or len(cases) != len(submissions):
        problems.append(f"cases {len(cases)} do not match submissions {len(submissions)}")
    return problems


def cases_are_accounted_for(session: Session) -> list[str]:
    cases = set(session.scalars(select(Case.id)))
    started = set(session.scalars(select(WorkflowInstance.case_id)))
    pending = set(
        session.scalars(select(OutboxMessage.case_id).where(OutboxMessage.status == "pending"))
    )
    incident = set(session.scalars(select(Incident.case_id).where(Incident.status == "open")))
    return [
        f"case {case_id} has no process, no pending row, no incident"
        for case_id in sorted(cases - started - pending - incident)
    ]


def outbox_rows_are_settled(session: Session) -> list[str]:
    open_for = set(session.scalars(select(Incident.outbox_id).where(Incident.status == "open")))
    by_hand = set(
        session.scalars(select(Incident.outbox_id).where(Incident.resolution == "by-hand"))
    )
    problems = []
    for row_id, status in session.execute(select(OutboxMessage.id, OutboxMessage.status)):
        if status in ("delivered", "pending") or (status == "failed" and row_id in open_for):
            continue
        if status == "cancelled" and row_id in by_hand:  # a person settled it, with a note
            continue
        problems.append(f"outbox row {row_id} is {status} without an open incident")
    return problems


def no_orphaned_files(session: Session, root: Path) -> list[str]:
    referenced: set[str] = set()
    for column in (Document.storage_key, Submission.storage_key, InboundMessage.storage_key):
        referenced.update(session.scalars(select(column)))
    stored = {str(p.relative_to(root)) for p in (root / "sha256").rglob("*") if p.is_file()}
    return [f"orphaned file {key}" for key in sorted(stored - referenced)]


def no_missing_files(session: Session, root: Path) -> list[str]:
    """A row whose file is gone: lost content, e.g. a rollback's cleanup deleting a file that
    a concurrent transaction had just committed a reference to."""
    problems = []
    for column in (Document.storage_key, Submission.storage_key, InboundMessage.storage_key):
        for key in set(session.scalars(select(column))):
            if not (root / key).is_file():
                problems.append(f"{column.class_.__tablename__} refers to missing file {key}")
    return sorted(problems)


def steps_applied_once(session: Session) -> list[str]:
    problems = []
    started = Counter(
        session.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "workflow.started"))
    )
    problems += [f"case {case_id} started {n} times" for case_id, n in started.items() if n > 1]
    live = (
        select(Task.case_id, Task.spec_name, func.count())
        .where(Task.status.in_(("open", "claimed")))
        .group_by(Task.case_id, Task.spec_name)
        .having(func.count() > 1)
    )
    problems += [f"case {c} has {n} live tasks {name!r}" for c, name, n in session.execute(live)]
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.case_id, AuditEvent.seq))
    for case_id, trail in groupby(events, key=lambda event: event.case_id):
        verdict = verify_chain([event.record() for event in trail])
        if not verdict.valid:
            problems.append(f"case {case_id}: audit chain broken at {verdict.first_broken_seq}")
    return problems
