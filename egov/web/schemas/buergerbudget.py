"""Bürgerbudget rounds (admin), the citizen's ballot, the tally and the offline votes
(egov.web.api_buergerbudget_rounds, api_buergerbudget_vote; egov.buergerbudget)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from egov.web.schemas.common import listed

Level = Literal["low", "substantial", "high"]


# a round's year as RoundBody allows it: another is no round (400, never a database overflow)
RoundYear = Annotated[int, Field(ge=2000, le=2999)]


class RoundPath(BaseModel):
    year: RoundYear


class ProposalPath(BaseModel):
    year: RoundYear
    proposal_id: str


class RoundBody(BaseModel):
    """A round: dates are city calendar days; the deadline and the vote's last day count."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2999)
    total_budget_eur: int = Field(ge=1)
    cap_per_proposal_eur: int = Field(ge=1, description="inkl. Folgekosten für fünf Jahre")
    submissions_open: date
    submission_deadline: date
    vote_opens: date
    vote_closes: date
    votes_per_citizen: int = Field(ge=1)
    vertrauensniveau: Level
    categories: list[str] = Field(min_length=1)


class RoundChange(BaseModel):
    """Fields to change; after the round opened for submissions only `total_budget_eur` and,
    until the vote opens, the vote's fields (else 409)."""

    model_config = ConfigDict(extra="forbid")

    total_budget_eur: int | None = Field(default=None, ge=1)
    cap_per_proposal_eur: int | None = Field(default=None, ge=1)
    submissions_open: date | None = None
    submission_deadline: date | None = None
    vote_opens: date | None = None
    vote_closes: date | None = None
    votes_per_citizen: int | None = Field(default=None, ge=1)
    vertrauensniveau: Level | None = None
    categories: list[str] | None = None


class RoundView(RoundBody):
    model_config = ConfigDict(extra="ignore")

    phase: Literal["before", "submissions", "review", "vote", "closed"]


class RoundList(BaseModel):
    model_config = listed()

    items: list[RoundView]
    next_cursor: str | None


class BallotBody(BaseModel):
    """The whole ballot: the admitted proposals (their case ids) voted for, each once."""

    model_config = ConfigDict(extra="forbid")

    proposals: list[str] = Field(max_length=100)


class BallotView(BaseModel):
    round: int
    proposals: list[str]
    version: int = Field(description="die wievielte angenommene Fassung")
    commitment: str = Field(description="SHA-256 der Fassung mit geheimem Salz, in der Kette")
    cast_at: datetime


class CountView(BaseModel):
    proposal: str
    online: int
    offline: int = Field(description="bestätigte Offline-Stimmen der Abschlussveranstaltung")
    total: int


class TallyView(BaseModel):
    round: int
    ballots: int
    counts: list[CountView]


class OfflineVotesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    votes: dict[str, int] = Field(description="Vorschlag (Vorgangs-ID) → Stimmen")


class OfflineCountView(BaseModel):
    proposal: str
    votes: int
    offline: bool
    entered_by: str
    confirmed: bool
    confirmed_by: str | None


class OfflineCountList(BaseModel):
    items: list[OfflineCountView]


class OutcomeView(BaseModel):
    case_id: str
    reference: str
    rank: int
    votes: int
    funded: bool
    cost_text: str
    reason: str


class ResultView(BaseModel):
    """The round's result under four eyes: `open` (none proposed), `proposed` (waits for a
    second person), `confirmed` (recorded on every case of the round)."""

    round: int
    state: Literal["open", "proposed", "confirmed"]
    proposed_by: str | None
    proposed_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    outcomes: list[OutcomeView]


class ResultRejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Grund der Ablehnung")
