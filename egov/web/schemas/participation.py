"""Statements on participations (egov/web/api_participation.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from egov.web.schemas.common import ListQuery, listed


class ParticipationPath(BaseModel):
    participation_id: str


class PublicDocumentPath(BaseModel):
    participation_id: str
    document_id: str


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


class StatementPath(BaseModel):
    participation_id: str
    statement_id: str


class HideBody(BaseModel):
    reason: str = Field(description="Grund, öffentlich sichtbar")


class WeighingBody(BaseModel):
    statement_ids: list[str] = Field(min_length=1, max_length=1000)
    decision: str = Field(description="accepted, partly, rejected oder noted")
    reasoning: str = Field(description="Begründung der Abwägung")
    topic: str | None = Field(None, max_length=200, description="Thema, das sie bündelt")


class Weighed(BaseModel):
    weighed: int


class Statement(BaseModel):
    id: str
    number: int
    status: str
    variant_id: str | None
    text: str
    location: dict[str, Any] | None
    attachment_ids: list[str]
    author_name: str | None
    author_email: str | None
    named: bool
    created_at: str
    hidden_reason: str | None
    topic: str | None
    decision: str | None
    reasoning: str | None


class StatementList(BaseModel):
    model_config = listed()

    items: list[Statement]
    next_cursor: str | None


class WeighingReport(BaseModel):
    published_at: str
    document_ids: list[str]
    statements: int
    notified: int = Field(description="Verfasserinnen und Verfasser, denen jetzt geschrieben wird")


STATEMENT_EXAMPLE = {
    "text": "Bitte erhalten Sie die Streuobstwiese am Hang.",
    "variant_id": "plan",
    "location": {"type": "Point", "coordinates": [11.611, 50.885]},
}


class InvitationBody(BaseModel):
    body_name: str = Field(
        description="Träger öffentlicher Belange, z. B. Untere Naturschutzbehörde"
    )
    email: str


class InvitationPath(BaseModel):
    token: str = Field(max_length=100)


class InvitationAnswer(BaseModel):
    invitation_id: str
    body_name: str
    answer_url: str = Field(description="POST der Stellungnahme (JSON wie bei Bürgern)")


class PublicPeriod(BaseModel):
    start: str | None
    end: str | None
    opens_at: str | None
    closes_at: str | None


CRS_DESCRIPTION = (
    "Koordinatenreferenzsystem der Geometrien der Antwort, z. B. EPSG:25832 (das des Plans, "
    "`plan_crs`); ohne: EPSG:4326 (RFC 7946). Anderes als EPSG:4326 trägt das GeoJSON-Mitglied "
    "`crs`."
)


class PublicCrsQuery(BaseModel):
    crs: str | None = Field(None, max_length=80, description=CRS_DESCRIPTION)


class PublicListQuery(ListQuery):
    crs: str | None = Field(None, max_length=80, description=CRS_DESCRIPTION)


class PublicVariant(BaseModel):
    id: str | None
    title: str | None
    description: str | None
    geometry: dict[str, Any] | None = Field(description="GeoJSON in `crs`")


class PublicDocument(BaseModel):
    bezeichnung: str | None
    datum: str | None
    anlageart: str | None
    mime_type: str | None
    dateiname: str | None
    groesse: int | None
    link: str | None


class PublicParticipation(BaseModel):
    id: str
    reference: str
    title: str
    description: str | None
    status: str
    plan_id: str | None
    planart: str | None
    raeumliche_beschreibung: str | None
    period: PublicPeriod
    crs: str = Field(description="CRS der Geometrien dieser Antwort (`?crs=`)")
    plan_crs: str | None = Field(
        description="CRS, in dem der Plan seinen Geltungsbereich gibt (null: unlesbar oder keiner)"
    )
    geltungsbereich: dict[str, Any] | None
    variants: list[PublicVariant]
    documents: list[PublicDocument]


class PublicParticipationList(BaseModel):
    model_config = listed()

    items: list[PublicParticipation]
    next_cursor: str | None


class PublicStatement(BaseModel):
    number: int
    round: str = Field(description="public oder toeb (Träger öffentlicher Belange)")
    variant_id: str | None
    text: str
    hidden: bool
    location: dict[str, Any] | None
    author: str | None = Field(description="Nur wenn die Person genannt werden wollte")
    topic: str | None
    decision: str | None
    reasoning: str | None


class PublicReport(BaseModel):
    published_at: str
    rows: list[dict[str, Any]]


class PublicParticipationDetail(PublicParticipation):
    statements: list[PublicStatement]
    weighing_report: PublicReport | None
