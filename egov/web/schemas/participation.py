"""Statements on participations (egov/web/api_participation.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ParticipationPath(BaseModel):
    participation_id: str


class ConfirmationPath(BaseModel):
    token: str = Field(max_length=100)


class StatementAttachmentBody(BaseModel):
    filename: str
    media_type: str = Field(description="application/pdf, image/png oder image/jpeg")
    content_base64: str


class StatementBody(BaseModel):
    text: str = Field(description="Die Stellungnahme")
    variant_id: str | None = Field(None, description="Variante; ohne: der ganze Plan")
    location: dict[str, Any] | None = Field(
        None, description="GeoJSON-Punkt (EPSG:4326), im Plangebiet"
    )
    named: bool = Field(False, description="Namentlich veröffentlichen (nur angemeldet)")
    email: str | None = Field(None, description="Nur anonym: Adresse für den Bestätigungslink")
    attachments: list[StatementAttachmentBody] = Field(default_factory=list, max_length=5)


class StatementReceipt(BaseModel):
    statement_id: str
    participation_id: str
    number: int
    receipt: str = Field(description="Eingangsnummer, z. B. JENA-2026-000047-S0001")
    status: str = Field(description="received oder unconfirmed (anonym, bis zur Bestätigung)")
    confirmation_required: bool


STATEMENT_EXAMPLE = {
    "text": "Bitte erhalten Sie die Streuobstwiese am Hang.",
    "variant_id": "plan",
    "location": {"type": "Point", "coordinates": [11.611, 50.885]},
}
