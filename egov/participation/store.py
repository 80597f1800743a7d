"""The statements (Stellungnahmen) of a participation: one row each, numbered per case.

The author's personal data (subject, name, e-mail, Postfach) stays in this table and the case
file; the public read side never selects it unless the author chose to be named.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType, new_id
from egov.paging import Page, PageRequest, fetch_page


class StatementStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # anonymous: counts once the e-mail link is followed
    RECEIVED = "received"


class Decision(StrEnum):
    ACCEPTED = "accepted"  # berücksichtigt
    PARTLY = "partly"  # teilweise berücksichtigt
    REJECTED = "rejected"  # nicht berücksichtigt
    NOTED = "noted"  # zur Kenntnis genommen


class Statement(Base):
    __tablename__ = "participation_statements"
    __table_args__ = (UniqueConstraint("case_id", "number"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # StatementStatus
    round: Mapped[str] = mapped_column(String(10), default="public")  # public | toeb
    variant_id: Mapped[str | None] = mapped_column(String(100))  # None: the whole plan
    text: Mapped[str] = mapped_column(Text)
    location: Mapped[dict[str, Any] | None] = mapped_column(JsonType)  # GeoJSON point
    attachment_ids: Mapped[list[str]] = mapped_column(JsonType)  # documents of the case file
    author_subject: Mapped[str | None] = mapped_column(String(200))
    author_name: Mapped[str | None] = mapped_column(String(300))
    author_email: Mapped[str | None] = mapped_column(String(254))
    author_postfach: Mapped[str | None] = mapped_column(String(200))
    named: Mapped[bool]  # the author chose to be named in public
    confirmation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    # moderation: hidden from the public with a reason, never deleted
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by: Mapped[str | None] = mapped_column(String(200))
    hidden_at: Mapped[datetime | None]
    # weighing (Abwägung): one reasoning may answer every statement of a topic
    topic: Mapped[str | None] = mapped_column(String(200))
    decision: Mapped[str | None] = mapped_column(String(20))  # Decision
    reasoning: Mapped[str | None] = mapped_column(Text)
    weighed_by: Mapped[str | None] = mapped_column(String(200))
    weighed_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]  # the author was told the outcome (once)


class Invitation(Base):
    """A public body (Träger öffentlicher Belange) invited to the participation's TöB round; it
    answers through the link of its invitation e-mail (only the token's SHA-256 is kept)."""

    __tablename__ = "participation_invitations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    body_name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime]
    invited_by: Mapped[str] = mapped_column(String(200))


def get_invitation(session: Session, digest: str) -> Invitation | None:
    query = select(Invitation).where(Invitation.token_hash == digest)
    return session.scalars(query).first()


def next_number(session: Session, case_id: str) -> int:
    query = select(func.max(Statement.number)).where(Statement.case_id == case_id)
    return int(session.scalar(query) or 0) + 1


def get_by_confirmation(session: Session, digest: str) -> Statement | None:
    query = select(Statement).where(Statement.confirmation_hash == digest)
    return session.scalars(query).first()


def list_by_case(session: Session, case_id: str) -> list[Statement]:
    """The statements that count (confirmed), in their order."""
    query = select(Statement).where(
        Statement.case_id == case_id, Statement.status == StatementStatus.RECEIVED
    )
    return list(session.scalars(query.order_by(Statement.number)))


def page_by_case(session: Session, case_id: str, page: PageRequest) -> Page[Statement]:
    query = select(Statement).where(Statement.case_id == case_id)
    return fetch_page(
        session, query, page, scope=f"statements:{case_id}", order=(Statement.number,)
    )
