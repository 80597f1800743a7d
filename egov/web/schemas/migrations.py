"""Migration of running instances to another version (issue 12): plans, dry runs, batches."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

ID = Field(min_length=1, max_length=36)


class Instruction(BaseModel):
    source: str = Field(min_length=1, max_length=255, description="Element der Quellversion")
    target: str | None = Field(
        default=None, max_length=255, description="Element der Zielversion (null: keines)"
    )


class PlanBody(BaseModel):
    source_definition_id: str = ID
    target_definition_id: str = ID
    instructions: list[Instruction] = Field(
        default_factory=list,
        max_length=1000,
        description="ausdrückliche Paare; sonst gilt: gleiche ID in beiden Versionen",
    )


class Plan(BaseModel):
    source_definition_id: str
    target_definition_id: str
    process_id: str
    from_version: int
    to_version: int
    instructions: list[Instruction] = Field(description="jedes Element der Quellversion")
    unmapped: list[str] = Field(description="Elemente der Quellversion ohne Ziel")


InstanceId = Annotated[str, Field(min_length=1, max_length=36)]
ElementId = Annotated[str, Field(min_length=1, max_length=255)]


class InstanceFilter(BaseModel):
    activity_ids: list[ElementId] = Field(
        default_factory=list,
        max_length=100,
        description="nur Instanzen, die an einem dieser Elemente stehen (leer: alle)",
    )


class Selection(BaseModel):
    plan: PlanBody
    instance_ids: list[InstanceId] | None = Field(
        default=None,
        max_length=1000,
        description="die Instanzen; fehlt es: alle laufenden Instanzen der Quellversion",
    )
    filter: InstanceFilter = Field(
        default_factory=InstanceFilter, description="grenzt die gewählten Instanzen ein"
    )


class Reason(BaseModel):
    code: str
    element: str | None
    message: str


class Verdict(BaseModel):
    instance_id: str
    case_id: str | None
    migratable: bool
    reasons: list[Reason]


class DryRun(BaseModel):
    instances: list[Verdict]


class Failure(BaseModel):
    instance_id: str
    case_id: str
    reasons: list[Reason]


class Migration(BaseModel):
    id: str
    status: str = Field(
        description="pending, awaiting (Instanzen warten auf eine zweite Administratorin), "
        "done, done-with-failures (alle versucht, einige gescheitert oder abgelehnt: "
        "`failures`) oder reversed"
    )
    source_definition_id: str
    target_definition_id: str
    created_by: str
    confirmed_by: str | None = Field(description="wer die gehaltenen Instanzen freigab")
    created_at: str
    finished_at: str | None
    reversed_at: str | None
    total: int
    pending: int
    held: int = Field(description="warten auf die Bestätigung einer zweiten Administratorin")
    done: int
    failed: int
    reversed: int
    failures: list[Failure] = Field(description="die gescheiterten Instanzen mit Gründen")


class MigrationPath(BaseModel):
    migration_id: str = ID
