"""Triage's tables: what triage suggested for a case, and what a clerk then decided.

`triage_suggestions` keeps the chain's whole result (every plugin's suggestion with its model
version, the failures, the threshold), so that it can always be told which model said what.
`triage_decisions` keeps who confirmed or overrode a suggestion and how long after it; it is
the source of the override metrics and of the training rows of the learning loop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.cases.store import Case
from egov.db import Base, JsonType, new_id
from egov.identity.store import OrgUnit
from egov.triage.plugins.rules import RecentCase


class TriageSuggestion(Base):
    __tablename__ = "triage_suggestions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))  # the review task, once decided
    procedure_key: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(20))  # intake | service_task
    org_unit_key: Mapped[str] = mapped_column(String(64))  # where the review task goes
    abstained: Mapped[bool] = mapped_column(Boolean)
    threshold: Mapped[float] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JsonType)  # TriageResult.as_json()
    created_at: Mapped[datetime]


class TriageDecision(Base):
    __tablename__ = "triage_decisions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    suggestion_id: Mapped[str] = mapped_column(ForeignKey("triage_suggestions.id"), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    procedure_key: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(10))  # confirm | override
    suggested_org_unit: Mapped[str] = mapped_column(String(64))
    decided_org_unit: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(index=True)
    seconds: Mapped[float] = mapped_column(Float)  # from the suggestion to the decision


def latest_suggestion(
    session: Session, case_id: str, before: datetime | None = None
) -> TriageSuggestion | None:
    """The case's newest suggestion (made no later than `before`, e.g. a task's creation)."""
    query = select(TriageSuggestion).where(TriageSuggestion.case_id == case_id)
    if before is not None:
        query = query.where(TriageSuggestion.created_at <= before)
    query = query.order_by(TriageSuggestion.created_at.desc(), TriageSuggestion.id.desc())
    return session.scalars(query.limit(1)).first()


def decision_of(session: Session, suggestion_id: str) -> TriageDecision | None:
    query = select(TriageDecision).where(TriageDecision.suggestion_id == suggestion_id)
    return session.scalars(query).first()


def list_decisions(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[TriageDecision]:
    query = select(TriageDecision)
    if since is not None:
        query = query.where(TriageDecision.decided_at >= since)
    if until is not None:
        query = query.where(TriageDecision.decided_at < until)
    return list(session.scalars(query.order_by(TriageDecision.decided_at, TriageDecision.id)))


def unit_key(session: Session, name: str) -> str | None:
    """The key of the org unit triage names (its categories are the units' names)."""
    return session.scalars(select(OrgUnit.key).where(OrgUnit.name == name).limit(1)).first()


def unit_name(session: Session, key: str) -> str | None:
    unit = session.get(OrgUnit, key)
    return None if unit is None else unit.name


def applicant_key(case: Case) -> str | None:
    """A stable pseudonym of the applicant for the duplicate check: never the name itself."""
    who = case.owner_subject or case.owner_postfach
    return None if who is None else hashlib.sha256(f"egov-triage:{who}".encode()).hexdigest()[:32]


PLACE_FIELDS = ("location", "coordinates")


def case_texts(case: Case) -> dict[str, str]:
    """The free texts triage reads of a case, by field: its string fields but the place."""
    return {
        k: v
        for k, v in case.data.items()
        if isinstance(v, str) and v.strip() and k not in PLACE_FIELDS
    }


def case_text(case: Case) -> str:
    return "\n".join(case_texts(case).values())


@dataclass
class DatabaseRecentCases:
    """The rules plugin's `RecentCases` over the database: open cases since a moment of the
    same applicant (by pseudonym) or at the same place. Only the texts of open cases are
    compared; nothing about the applicant is read beyond the pseudonym."""

    session_factory: Any  # egov.db.Database

    def recent(
        self, applicant: str | None, location: str | None, since: datetime
    ) -> list[RecentCase]:
        if applicant is None and not location:
            return []
        with self.session_factory.reading() as session:
            query = select(Case).where(Case.closed_at.is_(None), Case.created_at >= since)
            found = []
            for case in session.scalars(query.order_by(Case.created_at.desc()).limit(500)):
                same_place = bool(location) and case.data.get("location") == location
                if same_place or (applicant is not None and applicant_key(case) == applicant):
                    found.append(RecentCase(case.id, case.reference, case_text(case)))
            return found


def decided_rows(session: Session) -> Iterator[tuple[str, str]]:
    """(text, org unit name) of every confirmed or overridden decision: the decided unit is
    the label (the learning loop, `egov triage train --from-decisions`)."""
    query = (
        select(Case, OrgUnit.name)
        .join(TriageDecision, TriageDecision.case_id == Case.id)
        .join(OrgUnit, OrgUnit.key == TriageDecision.decided_org_unit)
        .order_by(TriageDecision.decided_at, TriageDecision.id)
    )
    for case, name in session.execute(query):
        text = case_text(case)
        if text:
            yield text, name


__all__ = [
    "DatabaseRecentCases",
    "RecentCase",
    "TriageDecision",
    "TriageSuggestion",
    "applicant_key",
    "case_text",
    "case_texts",
    "decided_rows",
    "decision_of",
    "latest_suggestion",
    "list_decisions",
    "unit_key",
    "unit_name",
]
