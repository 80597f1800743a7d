"""Admin: process definitions, incidents, the directory (org units, members, Vertretungen)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from egov.web.schemas.cases import Incident
from egov.web.schemas.common import ListQuery, PendingCommand, listed


class Definition(BaseModel):
    id: str
    process_id: str
    version: int
    content_hash: str
    files: list[str]
    deployed_at: str
    deployed_by: str
    active: bool = Field(description="neue Fälle starten auf dieser Version")


class Activation(BaseModel):
    definition_id: str
    previous_id: str | None
    activated_at: str
    activated_by: str
    reason: str
    kind: Literal["activated", "requested"] = Field(
        description="requested: wartet auf eine zweite Administratorin (Vier-Augen-Prinzip)"
    )


class DefinitionPending(Definition):
    """Vier-Augen-Prinzip: die Aktivierung wartet auf eine zweite Administratorin."""

    pending: PendingCommand


class DefinitionDetail(Definition):
    activations: list[Activation] = Field(
        description="wer wann welche Version dieses Prozesses aktiv gemacht hat, und warum"
    )


class DefinitionPath(BaseModel):
    definition_id: str


class DefinitionFilePath(BaseModel):
    definition_id: str
    name: str


class DeployQuery(BaseModel):
    activate: bool | None = Field(
        None,
        description="true: auch eine gleiche frühere Version aktiv machen; false: nichts "
        "aktivieren; ohne: neue Inhalte werden aktiv, gleiche nicht",
    )


class ActivationRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="warum (Audit)")


class DefinitionList(BaseModel):
    model_config = listed()

    items: list[Definition]
    next_cursor: str | None


class Bundle(BaseModel):
    files: dict[str, str] = Field(
        min_length=1, max_length=200, description="Dateiname → Inhalt (BPMN, DMN, Formulare)"
    )
    activate: bool | None = Field(None, description="wie der Parameter ?activate")


MULTIPART_BUNDLE = {
    "type": "object",
    "description": "Wie Camunda Modelers „Deploy“: je Datei ein Teil (Dateiname), dazu "
    "Felder wie deployment-name (wird ignoriert) und activate",
    "additionalProperties": {"type": "string", "format": "binary"},
}
ZIP_BUNDLE = {"type": "string", "format": "binary", "description": "ZIP-Archiv des Bündels"}
FILE_CONTENT = {
    "description": "Die Datei Byte für Byte, wie bereitgestellt",
    "content": {"*/*": {"schema": {"description": "beliebige Bytes (OpenAPI 3.1: kein type)"}}},
    "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
}


class IncidentPath(BaseModel):
    incident_id: str


class IncidentQuery(ListQuery):
    status: Literal["open", "resolved", "all"] = "open"


class IncidentList(BaseModel):
    model_config = listed()

    items: list[Incident]
    next_cursor: str | None


class Resolution(BaseModel):
    note: str = Field(min_length=1, max_length=2000, description="wie er erledigt wurde")


class OrgUnitPath(BaseModel):
    key: str


class MemberPath(BaseModel):
    key: str
    subject: str


class DeputyPath(BaseModel):
    deputy_id: str


class OrgUnit(BaseModel):
    key: str
    name: str


class OrgUnitList(BaseModel):
    model_config = listed()

    items: list[OrgUnit]
    next_cursor: str | None


class NewOrgUnit(BaseModel):
    key: str
    name: str


class OrgUnitName(BaseModel):
    name: str


class Membership(BaseModel):
    subject: str
    org_unit: str
    role: str
    created_at: str
    created_by: str
    email: str | None


class MembershipList(BaseModel):
    model_config = listed()

    items: list[Membership]
    next_cursor: str | None


class NewMember(BaseModel):
    subject: str
    role: str = Field("clerk", description="clerk oder supervisor")
    email: str | None = Field(None, description="erhält als supervisor die Eskalationen")


class MemberEmail(BaseModel):
    email: str | None


class Deputy(BaseModel):
    id: str
    deputy_subject: str
    absent_subject: str
    org_unit: str | None
    valid_from: str
    valid_until: str | None
    active: bool
    created_at: str
    created_by: str
    ended_at: str | None
    ended_by: str | None


class DeputyList(BaseModel):
    model_config = listed()

    items: list[Deputy]
    next_cursor: str | None


class NewDeputy(BaseModel):
    deputy_subject: str
    absent_subject: str
    org_unit: str | None = None
    valid_from: str = Field(description="ISO-8601-Zeitpunkt")
    valid_until: str = Field(description="ISO-8601-Zeitpunkt")
