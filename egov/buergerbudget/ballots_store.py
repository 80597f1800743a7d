"""The tables of the vote: the proposals admitted to a round's vote, the ballots (one per
voter and round; the voter only as a keyed pseudonym, ADR 0031), the round's own hash chain
of accepted ballot versions and offline counts, and the offline counts of the closing event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType, new_id


class AdmittedProposal(Base):
    """A proposal found feasible, admitted to its round's vote (a step of its process)."""

    __tablename__ = "buergerbudget_proposals"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    round_year: Mapped[int] = mapped_column(ForeignKey("buergerbudget_rounds.year"), index=True)
    cost_eur: Mapped[float] = mapped_column(Float)  # the department's estimate, incl. 5 years
    admitted_at: Mapped[datetime]


class Ballot(Base):
    """A voter's whole ballot in one round, its current version. `voter` is an HMAC of the
    qualified subject (never the subject); `salt` keeps the commitment from revealing it."""

    __tablename__ = "buergerbudget_ballots"
    __table_args__ = (UniqueConstraint("round_year", "voter"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    round_year: Mapped[int] = mapped_column(ForeignKey("buergerbudget_rounds.year"))
    voter: Mapped[str] = mapped_column(String(64))
    choices: Mapped[list[str]] = mapped_column(JsonType)  # proposal (case) ids, sorted
    salt: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    cast_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RoundEvent(Base):
    """The round's hash chain (egov.audit.chain): ballot commitments and offline counts."""

    __tablename__ = "buergerbudget_round_events"
    __table_args__ = (UniqueConstraint("round_year", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_year: Mapped[int] = mapped_column(ForeignKey("buergerbudget_rounds.year"))
    seq: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    after: Mapped[dict[str, Any]] = mapped_column(JsonType)
    occurred_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OfflineCount(Base):
    """Votes cast on paper at the closing event for one proposal: they count once a second
    clerk (never the one who entered them) confirmed them."""

    __tablename__ = "buergerbudget_offline_counts"
    __table_args__ = (UniqueConstraint("round_year", "case_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    round_year: Mapped[int] = mapped_column(ForeignKey("buergerbudget_rounds.year"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    votes: Mapped[int] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime]
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None]


def admitted(session: Session, year: int) -> list[AdmittedProposal]:
    query = select(AdmittedProposal).where(AdmittedProposal.round_year == year)
    return list(session.scalars(query.order_by(AdmittedProposal.admitted_at)))


def ballot_of(session: Session, year: int, voter: str) -> Ballot | None:
    query = select(Ballot).where(Ballot.round_year == year, Ballot.voter == voter)
    return session.scalars(query).first()


def ballots(session: Session, year: int) -> list[Ballot]:
    return list(session.scalars(select(Ballot).where(Ballot.round_year == year)))


def events(session: Session, year: int) -> list[RoundEvent]:
    query = select(RoundEvent).where(RoundEvent.round_year == year).order_by(RoundEvent.seq)
    return list(session.scalars(query))


def last_event(session: Session, year: int) -> RoundEvent | None:
    query = (
        select(RoundEvent)
        .where(RoundEvent.round_year == year)
        .order_by(RoundEvent.seq.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def offline_counts(session: Session, year: int) -> list[OfflineCount]:
    return list(session.scalars(select(OfflineCount).where(OfflineCount.round_year == year)))
