"""The table of Bürgerbudget rounds (one row a year) and its reads."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType
from egov.paging import Page, PageRequest, fetch_page


class BudgetRound(Base):
    """One year's round: its money, its dates (city calendar days, inclusive) and its vote."""

    __tablename__ = "buergerbudget_rounds"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    total_budget_eur: Mapped[int] = mapped_column(Integer)
    cap_per_proposal_eur: Mapped[int] = mapped_column(Integer)  # incl. 5 years' follow-up
    submissions_open: Mapped[date]
    submission_deadline: Mapped[date]  # the last day a proposal is on time
    vote_opens: Mapped[date]
    vote_closes: Mapped[date]  # the last day of the vote
    votes_per_citizen: Mapped[int] = mapped_column(Integer)
    vertrauensniveau: Mapped[str] = mapped_column(String(16))  # to vote
    categories: Mapped[list[str]] = mapped_column(JsonType)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200))


def get_round(session: Session, year: int) -> BudgetRound | None:
    return session.get(BudgetRound, year)


def list_rounds(session: Session) -> list[BudgetRound]:
    return list(session.scalars(select(BudgetRound).order_by(BudgetRound.year)))


def page_rounds(session: Session, page: PageRequest) -> Page[BudgetRound]:
    query = select(BudgetRound)
    return fetch_page(session, query, page, scope="rounds", order=(BudgetRound.year,))


def round_opened_by(session: Session, day: date) -> BudgetRound | None:
    """The round whose submissions opened last on or before `day` (open, or past its deadline)."""
    query = (
        select(BudgetRound)
        .where(BudgetRound.submissions_open <= day)
        .order_by(BudgetRound.submissions_open.desc(), BudgetRound.year.desc())
        .limit(1)
    )
    return session.scalars(query).first()


class RoundResult(Base):
    """The round's result under four eyes: proposed by one person of the Büro Bürgerbudget
    (the tally it was computed from), confirmed by a second; only then recorded on the cases."""

    __tablename__ = "buergerbudget_results"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    votes: Mapped[dict[str, list[int]]] = mapped_column(JsonType)  # case id -> [online, offline]
    proposed_by: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[datetime]
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None]


def get_result(session: Session, year: int) -> RoundResult | None:
    return session.get(RoundResult, year)
