"""Intake: XML submissions, the web form, inbound messages of Fachverfahren."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from egov.web.schemas.common import IdempotencyHeader
from egov.web.schemas.participation import StatementReceipt

XML_BODY = {"type": "string", "description": "XÖV-Nachricht (UTF-8-XML)"}
APPLICATION_EXAMPLE = {
    "procedure": "buergerbudget",
    "data": {
        "title": "Fahrradbügel am Holzmarkt",
        "description": "Zehn Fahrradbügel vor der Stadtbibliothek.",
        "location": "Holzmarkt, Jena-Zentrum",
        "category": "verkehr",
        "estimated_cost_eur": 3200.0,
        "follow_up_cost_eur": 500.0,
        "public_space": True,
        "other_funding_available": False,
    },
}


class Attachment(BaseModel):
    filename: str
    media_type: str
    content_base64: str


class ApplicationForm(BaseModel):
    """The web form: checked field by field by the intake (422 `form-data-invalid` naming
    the JSON field), not by the HTTP layer."""

    model_config = ConfigDict(json_schema_extra={"examples": [APPLICATION_EXAMPLE]})  # type: ignore[list-item]

    procedure: str = Field(description="Schlüssel des Verfahrens, z. B. buergerbudget")
    data: dict[str, Any] = Field(description="Fachdaten des Verfahrens")
    attachments: list[Attachment] = Field(default_factory=list)


class Receipt(BaseModel):
    model_config = ConfigDict(
        openapi_extra={  # type: ignore[typeddict-unknown-key]
            "headers": {"Location": {"schema": {"type": "string"}, "description": "der Vorgang"}},
            "example": {
                "submission_id": "0193a0c4-7c00-7a11-8f3e-6a2b9c1d4e5f",
                "case_id": "0193a0c4-7d02-7b1c-8f3e-6a2b9c1d4e5f",
                "case_reference": "JENA-2026-000042",
                "status": "received",
            },
        }
    )

    submission_id: str
    case_id: str = Field(description="der Vorgang; bei einer Stellungnahme das Verfahren")
    case_reference: str
    status: str = Field(
        description="Status des Vorgangs; bei einer Stellungnahme deren Status "
        "(received, unconfirmed: anonym bis zur Bestätigung)"
    )
    statement: StatementReceipt | None = Field(
        None, description="nur bei einer Stellungnahme (Fachdaten beteiligung-1.0)"
    )


class IntakeHeaders(IdempotencyHeader):
    pass


class ApplicationHeaders(IdempotencyHeader):
    applicant_assertion: str | None = Field(
        None,
        alias="Egov-Applicant-Assertion",
        description="Nur Portale (client credentials) beim Antrag im Namen einer Bürgerin: "
        "das vom Portal signierte JWT über die Person und ihr Vertrauensniveau "
        "(docs/identity.md, ADR 0013)",
    )


class InboundQuery(BaseModel):
    procedure: str = Field(min_length=1, description="Verfahren, dessen Nachricht es ist")


class InboundAnswer(BaseModel):
    inbound_id: str
    correlated: bool
