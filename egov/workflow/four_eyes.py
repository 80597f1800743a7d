"""Four eyes on an admin's command, where the procedure demands it.

A bundle's `procedure.json` may list commands in `four_eyes` (only `"cancel"` is supported).
Then the first admin's cancel only records `workflow.cancel_requested` (with the reason) in the
case's trail and changes nothing; the cancel of **another** admin within `WINDOW` of that
request carries it out. The trail is the record of both halves, so no table is needed.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.audit.store import AuditEvent
from egov.workflow.store import ProcessDefinition

WINDOW = timedelta(hours=24)
REQUESTED = "workflow.cancel_requested"
PROCEDURE_FILE = "procedure.json"


def demanded(definition: ProcessDefinition, command: str) -> bool:
    try:
        spec = json.loads(definition.files.get(PROCEDURE_FILE, "{}"))
    except ValueError:
        return False
    listed = spec.get("four_eyes") if isinstance(spec, dict) else None
    return isinstance(listed, list) and command in listed


def pending_request(
    session: Session, case_id: str, instance_id: str, now: datetime
) -> AuditEvent | None:
    """The latest cancel request of the instance within the window, if any."""
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.case_id == case_id,
            AuditEvent.action == REQUESTED,
            AuditEvent.occurred_at >= now - WINDOW,
        )
        .order_by(AuditEvent.seq.desc())
    )
    for event in session.scalars(query):
        if (event.after or {}).get("instance_id") == instance_id:
            return event
    return None


__all__ = ["REQUESTED", "WINDOW", "demanded", "pending_request"]
