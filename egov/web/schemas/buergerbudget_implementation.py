"""The implementation of funded Bürgerbudget proposals (egov/web/api_buergerbudget_*.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ImplementationPath(BaseModel):
    case_id: str


class MilestonePath(BaseModel):
    case_id: str
    milestone_id: str


class MilestoneBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=300, description="Was geschieht")
    planned_on: str | None = Field(None, description="Geplant am (JJJJ-MM-TT)")
    actual_on: str | None = Field(None, description="Tatsächlich am (JJJJ-MM-TT)")
    status: str = Field("planned", description="planned, in_progress oder done")


class MilestoneChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=300)
    planned_on: str | None = None
    actual_on: str | None = None
    status: str | None = Field(None, description="planned, in_progress oder done")


class Milestone(BaseModel):
    id: str
    title: str
    planned_on: str | None
    actual_on: str | None
    status: str


class CostBody(BaseModel):
    actual_cost_eur: float = Field(ge=0, le=10_000_000, description="Tatsächliche Kosten in EUR")


class Cost(BaseModel):
    actual_cost_eur: float


class PhotoBody(BaseModel):
    filename: str
    media_type: str = Field(description="image/jpeg oder image/png; Exif-Daten werden entfernt")
    content_base64: str


class PhotoRef(BaseModel):
    id: str
    filename: str
    size: int


class PhotoInfo(PhotoRef):
    media_type: str


class Implementation(BaseModel):
    case_id: str
    status: str = Field(description="in_progress oder done")
    milestones: list[Milestone]
    actual_cost_eur: float | None
    photos: list[PhotoInfo]
    closed_at: str | None


# -- the public round page (egov/web/api_buergerbudget_public.py) ---------------------------


class PhotoPath(BaseModel):
    document_id: str


class PublicPhoto(PhotoInfo):
    link: str = Field(description="Die Bytes des Fotos (ohne Exif-Daten)")


class PublicImplementation(BaseModel):
    status: str = Field(description="in_progress oder done")
    milestones: list[Milestone]
    actual_cost_eur: float | None
    photos: list[PublicPhoto]
    closed_at: str | None


class PublicResult(BaseModel):
    rank: int = Field(description="Platz nach Stimmen und Gleichstandsregel (ADR 0032)")
    funded: bool
    reason: str = Field(description="Begründung, z. B. der Rest des Budgets")


class PublicProposal(BaseModel):
    title: str
    description: str | None
    location: str | None
    category: str | None
    cost_eur: float = Field(description="Kosten einschließlich fünf Jahren Folgekosten")
    status: str
    status_label: str = Field(description="Der Stand auf Deutsch, z. B. „Nicht gefördert“")
    votes: int | None = Field(description="Stimmen (online und offline), erst nach der Abstimmung")
    offline_votes: int | None = Field(description="davon bei der Abschlussveranstaltung")
    result: PublicResult | None
    implementation: PublicImplementation | None


class PublicRoundResult(BaseModel):
    funded: int
    spent_eur: float
    remaining_eur: float


class PublicRound(BaseModel):
    year: int
    total_budget_eur: int
    cap_per_proposal_eur: int
    submissions_open: str
    submission_deadline: str
    vote_opens: str
    vote_closes: str
    votes_per_citizen: int
    categories: list[str]
    phase: str = Field(description="before, submissions, review, vote oder closed")
    vote_closed: bool
    proposals: list[PublicProposal] = Field(description="Die zur Abstimmung zugelassenen")
    result: PublicRoundResult | None


class PublicCommitments(BaseModel):
    year: int
    commitments: list[str] = Field(
        description="Die letzte Festlegung (commitment, SHA-256) jedes gezählten Stimmzettels, "
        "sortiert; ohne Stimmzettel-Id und Person. Wer abgestimmt hat, findet die seines "
        "Stimmzettels (GET …/ballot) darunter."
    )
