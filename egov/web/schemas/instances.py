"""Process instances (operators' view, issue 12): list, detail, commands."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from egov.web.schemas.cases import Incident
from egov.web.schemas.common import ListQuery, PendingCommand, listed

State = Literal["running", "suspended", "completed", "cancelled", "failed"]


class InstancePath(BaseModel):
    instance_id: str


class InstanceQuery(ListQuery):
    procedure: str | None = Field(None, description="Schlüssel der Leistung des Vorgangs")
    process_id: str | None = Field(None, description="Prozessmodell")
    definition_version: int | None = Field(None, ge=1, description="Version des Prozessmodells")
    state: State | None = None
    element: str | None = Field(None, description="Id des Elements, an dem eine Aufgabe wartet")
    has_incident: bool | None = Field(None, description="mit (true) oder ohne (false) Störung")


class Instance(BaseModel):
    id: str
    case_id: str
    case_reference: str
    procedure: str
    process_id: str
    definition_version: int
    state: State
    created_at: str
    updated_at: str
    next_timer_at: str | None


class InstanceList(BaseModel):
    model_config = listed()

    items: list[Instance]
    next_cursor: str | None


class Element(BaseModel):
    id: str = Field(description="Id des BPMN-Elements (zum Hervorheben im Diagramm)")
    name: str | None
    at: str | None


class HeldMessage(BaseModel):
    kind: str = Field(description="inbound, nachreichung oder postfach-reply")
    source_id: str = Field(description="die Eingangsnachricht, Einreichung oder Antwort")
    message_name: str
    status: str = Field(description="held, delivered, unclaimed oder discarded")
    held_at: str
    settled_at: str | None


class InstanceDetail(Instance):
    position: list[Element] = Field(description="wartende und bereite Elemente")
    completed: list[Element]
    variables: dict[str, Any] = Field(
        description="Prozessvariablen; personenbezogene Werte nur für die Sachbearbeitung "
        "der Organisationseinheit des Vorgangs, sonst geschwärzt"
    )
    incidents: list[Incident]
    held_messages: list[HeldMessage] = Field(
        description="Nachrichten, die während der Unterbrechung eingingen, in Eingangsfolge"
    )


class Reason(BaseModel):
    reason: str | None = Field(None, min_length=1, max_length=2000, description="Grund")


class CancelReason(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Grund der Einstellung")


class InstancePending(Instance):
    """Vier-Augen-Prinzip: der Befehl wartet auf eine zweite Administratorin."""

    pending: PendingCommand
