"""JSON representations of domain objects (the API's shapes, in one place)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from egov.audit.store import AuditEvent
from egov.casefile.reading import CaseParts
from egov.cases.model import status_label
from egov.cases.store import Case
from egov.catalogue.service import ProcedureInfo
from egov.clock import iso
from egov.documents.store import Document
from egov.identity.store import Deputy, OrgUnit, OrgUnitMembership
from egov.outbox.store import Incident, OutboxMessage, OutboxStatus
from egov.postfach.store import PostfachMessage
from egov.retention.service import ArchiveStatus
from egov.workflow.four_eyes import Pending
from egov.workflow.inbox import TaskDetail
from egov.workflow.store import (
    LIVE_TASK,
    DefinitionActivation,
    ProcessDefinition,
    Task,
    TaskStatus,
)


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "procedure": case.procedure_key,
        "title": case.title,
        "status": case.status,
        "status_label": status_label(case.status),
        "org_unit": case.org_unit_key,
        "created_at": iso(case.created_at),
        "due_at": iso(case.due_at),
        "closed_at": iso(case.closed_at),
    }


def case_detail(parts: CaseParts, archive: ArchiveStatus) -> dict[str, Any]:
    case = parts.case
    return {
        **case_summary(case),
        "applicant_name": case.applicant_name,
        "vertrauensniveau": case.vertrauensniveau,
        "data": case.data,
        "documents": [document(d) for d in parts.documents],
        "open_tasks": [task(t) for t in parts.tasks if t.status in LIVE_TASK],
        "incidents": [incident(i) for i in parts.incidents],
        "waiting_on": [waiting_on(row) for row in parts.waiting_on],
        "triage": None,
        "retention": retention(case, archive),
    }


def retention(case: Case, archive: ArchiveStatus) -> dict[str, Any]:
    until = case.retention_until
    hold = None
    if case.legal_hold_at is not None:
        hold = {
            "reason": case.legal_hold_reason,
            "by": case.legal_hold_by,
            "at": iso(case.legal_hold_at),
        }
    return {
        "until": until.date().isoformat() if until else None,
        "rule": case.retention_rule,
        "legal_hold": hold,
        "archive": {
            "duty": archive.duty,
            "state": archive.state,
            "label": archive.label,
            "process_id": archive.process_id,
            "offered_at": iso(archive.offered_at),
            "offer_received_at": iso(archive.offer_received_at),
            "valued_at": iso(archive.valued_at),
            "package_received_at": iso(archive.package_received_at),
        },
    }


def citizen_case(
    case: Case, documents: list[Document], messages: list[PostfachMessage]
) -> dict[str, Any]:
    return {
        **case_summary(case),
        "data": case.data,
        "documents": [document(d) for d in documents if d.visible_to_applicant],
        "messages": [message(m) for m in messages],
    }


def document(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "case_id": doc.case_id,
        "kind": doc.kind,
        "filename": doc.filename,
        "media_type": doc.media_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "sha512": doc.sha512,
        "created_at": iso(doc.created_at),
    }


def task(t: Task, *, with_form: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": t.id,
        "case_id": t.case_id,
        "name": t.spec_name,
        "title": t.title,
        "org_unit": t.org_unit_key,
        "status": t.status,
        "assignee": t.assignee,
        "created_at": iso(t.created_at),
        "due_at": iso(t.due_at),
        "completed_at": iso(t.completed_at),
    }
    if with_form:
        body["form"] = t.form_schema
        body["result"] = t.result
        if t.status == TaskStatus.PROPOSED:  # four eyes: what the second clerk approves or rejects
            body["proposed_by"], body["proposal"] = t.proposed_by, t.proposal
    return body


def task_detail(detail: TaskDetail) -> dict[str, Any]:
    """One task with its form, the case it belongs to and the process data the form declares
    (`x-egov-context`, filtered by the caller's roles)."""
    return {
        **task(detail.task, with_form=True),
        "case": case_summary(detail.case),
        "context": detail.context,
    }


def task_triage(detail: TaskDetail, suggestion: dict[str, Any] | None) -> dict[str, Any]:
    """`task_detail` with the suggestion of the triage (None: no review task)."""
    shown = (
        None if suggestion is None else {**suggestion, "created_at": iso(suggestion["created_at"])}
    )
    return {**task_detail(detail), "triage": shown}


def audit_event(e: AuditEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "actor": e.actor,
        "action": e.action,
        "before": e.before,
        "after": e.after,
        "occurred_at": iso(e.occurred_at),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "payload_hash": e.payload_hash,
        "erased_at": iso(e.erased_at) if e.erased_at else None,
    }


def message(m: PostfachMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "case_id": m.case_id,
        "direction": m.direction,
        "subject": m.subject,
        "body": m.body,
        "document_id": m.document_id,
        "created_at": iso(m.created_at),
        "read_at": iso(m.read_at),
    }


def incident(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "case_id": i.case_id,
        "kind": i.kind,
        "code": i.code,
        "message": i.message,
        "correlation_id": i.correlation_id,
        "status": i.status,
        "attempts": i.attempts,
        "created_at": iso(i.created_at),
        "resolved_at": iso(i.resolved_at),
        "resolution": i.resolution,
        "resolved_by": i.resolved_by,
        "resolution_note": i.resolution_note,
    }


def waiting_on(row: OutboxMessage) -> dict[str, Any]:
    """A side effect the case still waits for (pending) or that failed (with an incident)."""
    return {
        "outbox_id": row.id,
        "kind": row.kind,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": iso(row.next_attempt_at) if row.status == OutboxStatus.PENDING else None,
        "last_error_code": row.last_error.split(":", 1)[0] if row.last_error else None,
        "created_at": iso(row.created_at),
    }


def pending(p: Pending) -> dict[str, Any]:
    """A command waiting for a second admin (four eyes)."""
    return {
        "command": p.command,
        "requested_by": p.requested_by,
        "requested_at": iso(p.requested_at),
        "until": iso(p.until),
    }


def definition(d: ProcessDefinition) -> dict[str, Any]:
    return {
        "id": d.id,
        "process_id": d.process_id,
        "version": d.version,
        "content_hash": d.content_hash,
        "files": sorted(d.files),
        "deployed_at": iso(d.deployed_at),
        "deployed_by": d.deployed_by,
        "active": d.active,
    }


def definition_detail(d: ProcessDefinition, trail: list[DefinitionActivation]) -> dict[str, Any]:
    return {
        **definition(d),
        "activations": [
            {
                "definition_id": a.definition_id,
                "previous_id": a.previous_id,
                "activated_at": iso(a.activated_at),
                "activated_by": a.activated_by,
                "reason": a.reason,
                "kind": a.kind,
            }
            for a in trail
        ],
    }


def org_unit(u: OrgUnit) -> dict[str, Any]:
    return {"key": u.key, "name": u.name}


def membership(m: OrgUnitMembership) -> dict[str, Any]:
    return {
        "subject": m.subject,
        "org_unit": m.org_unit_key,
        "role": m.role,
        "created_at": iso(m.created_at),
        "created_by": m.created_by,
    }


def deputy(d: Deputy, now: datetime) -> dict[str, Any]:
    return {
        "id": d.id,
        "deputy_subject": d.deputy_subject,
        "absent_subject": d.absent_subject,
        "org_unit": d.org_unit_key,
        "valid_from": iso(d.valid_from),
        "valid_until": iso(d.valid_until),
        "active": d.active_at(now),
        "created_at": iso(d.created_at),
        "created_by": d.created_by,
        "ended_at": iso(d.ended_at),
        "ended_by": d.ended_by,
    }


CHANNELS = {"submissions": "/api/v1/submissions", "applications": "/api/v1/applications"}


def procedure(p: ProcedureInfo) -> dict[str, Any]:
    return {
        "key": p.key,
        "name": p.name,
        "leika_key": p.leika_key,
        "description": p.description,
        "responsible_unit": {"key": p.org_unit_key, "name": p.org_unit_name},
        "required_vertrauensniveau": p.required_vertrauensniveau,
        "processing_deadline": {"business_days": p.processing_days},
        "fachdaten_namespace": p.fachdaten_namespace,
        "formats": [
            {
                "key": f.key,
                "name": f.name,
                "media_type": f.media_type,
                "endpoint": CHANNELS[f.channel],
            }
            for f in p.formats
        ],
        "form": p.form,
    }
