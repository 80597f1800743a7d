"""The progress of a migration batch: runs counted per item, and the batch's end.

Runs are counted so that an instance whose migration kills its
worker (a crash no `except` sees) does not get the batch re-sent by the sweep for ever:
after EGOV_MIGRATION_MAX_ATTEMPTS runs the item fails with `migration-attempts-exhausted` and
an incident of kind `migration`, and the batch goes on and ends `done-with-failures`."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from egov.outbox.incidents import open_incident
from egov.outbox.store import IncidentKind
from egov.workflow.migration import Reason
from egov.workflow.migration_store import (
    BatchStatus,
    ItemStatus,
    MigrationBatch,
    MigrationItem,
    items_of,
)

log = logging.getLogger(__name__)
EXHAUSTED = Reason(
    "migration-attempts-exhausted",
    "Jeder Versuch, diese Instanz zu migrieren, brach den Lauf ab; sie bleibt unverändert.",
)


def begin_attempt(session: Session, item_id: str, max_attempts: int, now: datetime) -> bool:
    """Count a run on the pending item before it starts (committed: a run that dies with its
    worker counts too). False if the item is settled, or fails now because `max_attempts`
    runs started on it before (item failed, incident opened)."""
    item = session.get(MigrationItem, item_id)
    assert item is not None
    if item.status != ItemStatus.PENDING:  # a second runner settled it
        return False
    if item.attempts < max_attempts:
        item.attempts += 1
        item.updated_at = now
        return True
    item.status, item.updated_at = ItemStatus.FAILED, now
    item.reasons = [EXHAUSTED.as_dict()]
    log.error(
        "migration_item_exhausted batch_id=%s instance_id=%s attempts=%s",
        item.batch_id,
        item.instance_id,
        item.attempts,
    )
    open_incident(
        session,
        kind=IncidentKind.MIGRATION,
        code=EXHAUSTED.code,
        message=f"Migration {item.batch_id}: jeder der {item.attempts} Läufe auf der Instanz "
        f"{item.instance_id} brach ab; sie wurde nicht migriert.",
        now=now,
        actor="system:migration",
        case_id=item.case_id,
        attempts=item.attempts,
        details={"migration_id": item.batch_id, "instance_id": item.instance_id},
    )
    return False


def finish_batch(session: Session, batch_id: str, now: datetime) -> None:
    """End the pending batch once none of its items is pending: `awaiting` while items wait
    for a second admin, else `done`, or `done-with-failures` if an item failed or was
    refused."""
    batch = session.get(MigrationBatch, batch_id)
    assert batch is not None
    if batch.status != BatchStatus.PENDING:
        return
    left = {item.status for item in items_of(session, batch_id)}
    if ItemStatus.PENDING in left:  # another runner is still at work
        return
    if ItemStatus.HELD in left:
        batch.status = BatchStatus.AWAITING
        return
    failed = ItemStatus.FAILED in left
    batch.status = BatchStatus.DONE_WITH_FAILURES if failed else BatchStatus.DONE
    batch.finished_at = now
