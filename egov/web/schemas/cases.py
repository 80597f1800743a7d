"""Cases, their documents and audit trail (egov.web.views: case_*, document, audit_trail)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from egov.web.schemas.common import ListQuery, listed
from egov.web.schemas.tasks import Task, TaskWithForm


class CasePath(BaseModel):
    case_id: str


class DocumentPath(BaseModel):
    document_id: str


class CaseQuery(ListQuery):
    status: str | None = None
    procedure: str | None = None
    org_unit: str | None = None
    assignee: str | None = None
    due_before: str | None = Field(None, description="ISO-8601-Zeitpunkt")
    q: str | None = Field(None, description="Suche in Aktenzeichen, Titel und Antragsteller")
    overdue: str | None = Field(None, description="true|false")


class CaseSummary(BaseModel):
    id: str
    reference: str
    procedure: str
    title: str
    status: str
    status_label: str
    org_unit: str | None
    created_at: str
    due_at: str | None
    closed_at: str | None


class CasePage(BaseModel):
    model_config = listed()

    items: list[CaseSummary]
    next_cursor: str | None


class Document(BaseModel):
    id: str
    case_id: str
    kind: str
    filename: str
    media_type: str
    size: int
    sha256: str
    sha512: str | None
    created_at: str


class DocumentList(BaseModel):
    model_config = listed()

    items: list[Document]
    next_cursor: str | None


class Incident(BaseModel):
    id: str
    case_id: str | None
    kind: str
    code: str
    message: str
    correlation_id: str | None
    status: str
    attempts: int
    created_at: str
    resolved_at: str | None
    resolution: str | None
    resolved_by: str | None
    resolution_note: str | None


class WaitingOn(BaseModel):
    outbox_id: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: str | None
    last_error_code: str | None
    created_at: str


class RetentionRule(BaseModel):
    result: str = Field(description='The closing status the rule is for, or "*".')
    years: int
    legal_basis: str


class LegalHold(BaseModel):
    reason: str
    by: str
    at: str


class ArchiveState(BaseModel):
    """Where the case stands with the public archive (xdomea Aussonderung, docs/retention.md)."""

    duty: bool = Field(description="The procedure's records are offered to the archive first.")
    state: Literal[
        "no_duty",
        "kept",
        "held",
        "waiting_for_archive",
        "to_offer",
        "offered",
        "handed_over",
        "archived",
        "destroyed",
        "erased",
    ] = Field(
        description="kept: its retention runs; waiting_for_archive: due, but no archive is "
        "configured; to_offer: due, in the next Anbieteverzeichnis 0501; offered, handed_over "
        "(in the 0503 package), archived (import confirmed 0506, erased), destroyed (valued V, "
        "erased); erased: erased without an offer."
    )
    label: str = Field(description="The state in German, for people.")
    process_id: str | None = Field(description="The xdomea ProzessID of the offer.")
    offered_at: str | None
    offer_received_at: str | None = Field(description="The archive's receipt 0504.")
    valued_at: str | None = Field(description="The archive's valuation 0502.")
    package_received_at: str | None = Field(description="The archive's receipt 0507.")


class Retention(BaseModel):
    """How long the case is kept (the bundle's retention rules), whether it is held, and
    where it stands with the archive."""

    until: str | None = Field(
        description="The last day the closed case is kept (none while open or without a rule)."
    )
    rule: RetentionRule | None
    legal_hold: LegalHold | None = Field(description="A legal hold (Sperre) stops deletion.")
    archive: ArchiveState


class CaseDetail(CaseSummary):
    applicant_name: str | None
    vertrauensniveau: str | None
    data: dict[str, Any] | None
    documents: list[Document]
    open_tasks: list[Task]
    incidents: list[Incident]
    waiting_on: list[WaitingOn]
    triage: Any = None
    retention: Retention


class HoldReason(BaseModel):
    reason: str = Field(description="Why the case is held or released (audited).")


class ChainVerification(BaseModel):
    valid: bool
    length: int
    first_broken_seq: int | None
    reason: str | None


class AuditEvent(BaseModel):
    seq: int
    actor: str
    action: str
    before: Any = None
    after: Any = None
    occurred_at: str
    prev_hash: str
    hash: str
    payload_hash: str
    erased_at: str | None = Field(
        None, description="Set when the payload was erased after its retention ended."
    )


class AuditTrail(BaseModel):
    """One page of the audit trail; `verification` always covers the whole chain."""

    model_config = listed()

    verification: ChainVerification
    items: list[AuditEvent]
    next_cursor: str | None


CONTENT = {
    "description": "Die Bytes des Dokuments, wie gespeichert",
    "content": {"*/*": {"schema": {"description": "beliebige Bytes (OpenAPI 3.1: kein type)"}}},
    "headers": {
        "Content-Disposition": {"schema": {"type": "string"}},
        "Digest": {"description": "sha-256=<hex>", "schema": {"type": "string"}},
    },
}


class TaskWithContext(TaskWithForm):
    """A task as the clerk opens it: with its case and the process data its form declares
    (`x-egov-context`), as far as the caller's roles may see it."""

    case: CaseSummary
    context: dict[str, Any] = Field(description="die im Formular deklarierten Prozessdaten")
