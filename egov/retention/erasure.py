"""Erasing a case whose retention ended: its personal data goes, a tombstone stays.

Erased: the applicant's name, e-mail, login and Postfach on the case, its title and data; the
submissions with their original bytes; the documents with their files (a file shared by content
key with another case's document stays); the Postfach letters; the payloads of its outbox rows
(the stored e-mails); its ended process instance with its tasks (the engine's state and the
form data); what other features hold about it (`related.py`: triage, inbound messages and their
bytes, held messages, participation statements); the payloads of its audit events
(`erase_payloads`, the chain stays verifiable). Kept, as the tombstone: the case row with
reference, procedure, dates, status, the retention rule, who erased it and when, and the last
audit event `retention.erased` saying so (its payload holds no personal data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from egov.audit.store import erase_payloads
from egov.cases.service import record
from egov.cases.store import Case
from egov.documents.store import Document
from egov.intake.store import Submission
from egov.integrations.dms import ERASE_KIND as DMS_ERASE
from egov.outbox.service import enqueue
from egov.outbox.store import OutboxMessage
from egov.postfach.store import PostfachMessage
from egov.retention.related import erase_related, inbound_uses
from egov.workflow.migration_store import MigrationItem
from egov.workflow.store import InstanceStatus, Task, WorkflowInstance

ENDED = (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED)

ERASED_TITLE = "(gelöscht nach Ablauf der Aufbewahrungsfrist)"
REASON = "Aufbewahrungsfrist abgelaufen"


def erase_case(
    session: Session,
    case: Case,
    *,
    actor: str,
    now: datetime,
    reason: str = REASON,
    title: str = ERASED_TITLE,
) -> list[str]:
    """Erase the case's personal data in this transaction; returns the storage keys no row
    refers to any more (the caller deletes those files after commit). `reason` and `title`:
    why (the retention ended, or the citizen's erasure request)."""
    keys = _storage_keys(session, case.id) | erase_related(session, case)
    session.execute(delete(PostfachMessage).where(PostfachMessage.case_id == case.id))
    session.execute(delete(Document).where(Document.case_id == case.id))
    session.execute(delete(Submission).where(Submission.case_id == case.id))
    session.execute(
        update(OutboxMessage).where(OutboxMessage.case_id == case.id).values(payload={})
    )
    enqueue(  # the DMS copy: after commit, through the outbox (retried, else an incident)
        session,
        case_id=case.id,
        kind=DMS_ERASE,
        payload={"case_reference": case.reference},
        now=now,
        idempotency_key=f"dms.erase:{case.id}",
        actor=actor,
    )
    _erase_instance(session, case.id)
    # first: its event marks the case audited before the changes below are flushed
    erase_payloads(session, case.id, actor=actor, reason=reason, now=now)
    case.applicant_name, case.applicant_email = "", None
    case.owner_subject, case.owner_postfach = None, None
    case.title, case.data = title, {}
    case.erased_at, case.erased_by = now, actor
    case.updated_at = now
    record(session, case, actor=actor, action="retention.erased", now=now, details=_tombstone(case))
    return [key for key in keys if not _still_referenced(session, key)]


def _erase_instance(session: Session, case_id: str) -> None:
    ended = select(WorkflowInstance.id).where(
        WorkflowInstance.case_id == case_id, WorkflowInstance.status.in_(ENDED)
    )
    instance_ids = list(session.scalars(ended))
    session.execute(delete(MigrationItem).where(MigrationItem.instance_id.in_(instance_ids)))
    session.execute(delete(Task).where(Task.instance_id.in_(instance_ids)))
    session.execute(delete(WorkflowInstance).where(WorkflowInstance.id.in_(instance_ids)))


def _storage_keys(session: Session, case_id: str) -> set[str]:
    documents = select(Document.storage_key).where(Document.case_id == case_id)
    submissions = select(Submission.storage_key).where(Submission.case_id == case_id)
    return set(session.scalars(documents)) | set(session.scalars(submissions))


def _still_referenced(session: Session, key: str) -> bool:
    session.flush()
    by_document = select(Document.id).where(Document.storage_key == key).limit(1)
    by_submission = select(Submission.id).where(Submission.storage_key == key).limit(1)
    return (
        session.scalars(by_document).first() is not None
        or session.scalars(by_submission).first() is not None
        or inbound_uses(session, key)
    )


def _tombstone(case: Case) -> dict[str, Any]:
    until = case.retention_until
    return {
        "reference": case.reference,
        "procedure": case.procedure_key,
        "created_at": case.created_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "retention_until": until.date().isoformat() if until else None,
        "rule": case.retention_rule,
    }
