"""The procedure catalogue portals read (egov.web.views.procedure)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from egov.web.schemas.common import listed


class ProcedurePath(BaseModel):
    key: str


class ResponsibleUnit(BaseModel):
    key: str
    name: str


class ProcessingDeadline(BaseModel):
    business_days: int = Field(description="Bearbeitungsfrist in Arbeitstagen (Thüringen)")


class AcceptedFormat(BaseModel):
    key: str
    name: str
    media_type: str
    endpoint: str = Field(description="der Pfad, an den ein Antrag in diesem Format geht")


class Procedure(BaseModel):
    key: str
    name: str
    leika_key: str
    description: str | None
    responsible_unit: ResponsibleUnit
    required_vertrauensniveau: str
    processing_deadline: ProcessingDeadline
    fachdaten_namespace: str
    formats: list[AcceptedFormat]
    form: dict[str, Any] | None = Field(
        description="das Antragsformular als JSON Schema 2020-12, aus dem Fachdaten-XSD erzeugt "
        "(null: kein Webformular, nur XML)"
    )


class ProcedureList(BaseModel):
    model_config = listed()

    items: list[Procedure]
    next_cursor: str | None
