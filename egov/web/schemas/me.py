"""The citizen's own cases and Postfach (egov.web.views: citizen_case, message)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from egov.web.schemas.cases import CaseSummary, Document
from egov.web.schemas.common import listed
from egov.web.schemas.intake import Attachment


class Message(BaseModel):
    id: str
    case_id: str
    direction: str
    subject: str
    body: str
    document_id: str | None
    created_at: str
    read_at: str | None


class CitizenCase(CaseSummary):
    data: dict[str, Any] | None
    documents: list[Document]
    messages: list[Message]


class MessageList(BaseModel):
    model_config = listed()

    items: list[Message]
    next_cursor: str | None


class ReplyBody(BaseModel):
    subject: str = ""
    body: str = Field(description="Text der Antwort")
    attachments: list[Attachment] = Field(
        default_factory=list,
        max_length=5,
        description="Nachgereichte Unterlagen: Dokumente des Vorgangs (höchstens 5)",
    )


class Reply(Message):
    correlated: bool
    held: bool = Field(
        description="Der Prozess ist angehalten: die Antwort wird ihm bei der Fortsetzung "
        "zugestellt"
    )


EXPORT = {
    "description": "Alles, was egov über Sie gespeichert hat: ein ZIP mit index.json "
    "(jede Datei mit Größe und SHA-256)",
    "content": {"application/zip": {"schema": {"description": "ZIP-Archiv"}}},
    "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
}


class NotificationEmailBody(BaseModel):
    email: str = Field(
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Adresse für Benachrichtigungen zu Ihren Vorgängen",
    )


class NotificationEmail(BaseModel):
    email: str | None = Field(description="null: keine Benachrichtigung per E-Mail")
    cases: list[str] = Field(description="Aktenzeichen der Vorgänge, für die sie gilt")


class ErasureCase(BaseModel):
    case_id: str
    reference: str
    erased: bool
    reason: str | None = Field(description="warum der Vorgang aufbewahrt wird")
    legal_basis: str | None = Field(description="Rechtsgrundlage der Aufbewahrungspflicht")
    until: str | None = Field(description="Ende der Aufbewahrung (Datum), falls bekannt")


class ErasureRequestView(BaseModel):
    id: str
    requested_at: str
    cases: list[ErasureCase]


class ExportPath(BaseModel):
    export_id: str = Field(max_length=36)


class ExportView(BaseModel):
    """A data export packed in the background: `pending`, `ready` (download until
    `expires_at`), `expired`."""

    id: str
    status: str
    requested_at: str
    completed_at: str | None
    expires_at: str | None
    size: int | None
    sha256: str | None
    download: str | None = Field(description="der Link zum ZIP, solange es bereitliegt")
