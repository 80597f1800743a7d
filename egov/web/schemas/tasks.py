"""The clerk's tasks (egov.web.views.task)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from egov.web.schemas.common import ListQuery, listed

TASK_EXAMPLE = {
    "id": "0193a0c4-7e11-7c3a-9a57-2f4f0b7f3e11",
    "case_id": "0193a0c4-7d02-7b1c-8f3e-6a2b9c1d4e5f",
    "name": "formal_check",
    "title": "Formale Prüfung",
    "org_unit": "buero-buergerbudget",
    "status": "open",
    "assignee": None,
    "created_at": "2026-11-23T12:00:00Z",
    "due_at": "2026-11-30T12:00:00Z",
    "completed_at": None,
}


class TaskPath(BaseModel):
    task_id: str


class TaskQuery(ListQuery):
    mine: bool = Field(False, description="nur die von mir übernommenen Aufgaben")
    view: Literal["units", "mine", "unclaimed", "overdue"] | None = Field(
        None,
        description="Ansicht des Arbeitsplatzes: units (wie ohne Angabe), mine (übernommen), "
        "unclaimed (offen, nicht übernommen), overdue (Frist überschritten)",
    )
    procedure: str | None = Field(None, max_length=100, description="Schlüssel der Leistung")
    status: Literal["open", "claimed", "proposed"] | None = Field(
        None, description="Status der Aufgabe"
    )
    q: str | None = Field(
        None,
        max_length=200,
        description="Teil des Aktenzeichens, des Vorgangstitels oder des Aufgabentitels",
    )


class Task(BaseModel):
    model_config = ConfigDict(
        openapi_extra={  # type: ignore[typeddict-unknown-key]
            "example": {**TASK_EXAMPLE, "status": "claimed", "assignee": "dev:anna"}
        }
    )

    id: str
    case_id: str
    name: str
    title: str
    org_unit: str | None
    status: str
    assignee: str | None
    created_at: str
    due_at: str | None
    completed_at: str | None


class TaskWithForm(Task):
    model_config = ConfigDict(
        openapi_extra={  # type: ignore[typeddict-unknown-key]
            "example": {**TASK_EXAMPLE, "form": {"type": "object"}, "result": None}
        }
    )

    form: dict[str, Any] | None = Field(None, description="JSON Schema des Formulars")
    result: dict[str, Any] | None = None
    proposed_by: str | None = Field(
        None, description="Vier-Augen-Prinzip: wer die Entscheidung vorgeschlagen hat"
    )
    proposal: dict[str, Any] | None = Field(
        None, description="Vier-Augen-Prinzip: die vorgeschlagenen Formulardaten"
    )


class InboxTask(Task):
    triage: Literal["suggested", "abstained"] | None = Field(
        None,
        description="eine Zuordnungsaufgabe: suggested = Vorschlag der Triage zu bestätigen, "
        "abstained = die Triage war unsicher (Allgemein ordnet zu)",
    )


class TaskList(BaseModel):
    model_config = listed({"items": [{**TASK_EXAMPLE, "triage": None}], "next_cursor": None})

    items: list[InboxTask]
    next_cursor: str | None


class Completion(BaseModel):
    model_config = ConfigDict(
        openapi_extra={  # type: ignore[typeddict-unknown-key]
            "example": {"data": {"formal_decision": "admissible"}}
        }
    )

    data: dict[str, Any] = Field(
        default_factory=dict, description="Formulardaten nach dem JSON Schema der Aufgabe"
    )


class Rejection(BaseModel):
    reason: str = Field(
        min_length=1, max_length=2000, description="Grund: geht an die vorschlagende Person"
    )
