"""Tables and repository functions of the directory: org units, who works in them
(memberships) and who stands in for whom (deputies, Vertretung)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, new_id
from egov.paging import Page, PageRequest, fetch_page

MEMBER_ROLES = ("clerk", "supervisor")


class OrgUnit(Base):
    """An organisational unit of the city (Fachdienst, Büro, Amt): it owns procedures and
    works their cases; lanes of a BPMN process name it by its key."""

    __tablename__ = "org_units"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class OrgUnitMembership(Base):
    """A person works in an org unit; one row per (subject, unit)."""

    __tablename__ = "org_unit_memberships"
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    org_unit_key: Mapped[str] = mapped_column(
        ForeignKey("org_units.key"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))  # where escalations are mailed
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("role IN ('clerk', 'supervisor')", name="role"),)


class Deputy(Base):
    """A Vertretung: `deputy_subject` acts for `absent_subject` in [valid_from, valid_until),
    in one org unit or (org_unit_key NULL) in every unit the absent person is a member of.
    Ending it early sets `ended_at`; the planned period stays as it was."""

    __tablename__ = "deputies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    deputy_subject: Mapped[str] = mapped_column(String(200), index=True)
    absent_subject: Mapped[str] = mapped_column(String(200))
    org_unit_key: Mapped[str | None] = mapped_column(ForeignKey("org_units.key"))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("valid_until > valid_from", name="period"),)

    def active_at(self, now: datetime) -> bool:
        ended = self.ended_at is not None and self.ended_at <= now
        return self.valid_from <= now < self.valid_until and not ended


def get_membership(session: Session, subject: str, org_unit_key: str) -> OrgUnitMembership | None:
    return session.get(OrgUnitMembership, (subject, org_unit_key))


def list_members(session: Session, org_unit_key: str) -> list[OrgUnitMembership]:
    query = select(OrgUnitMembership).where(OrgUnitMembership.org_unit_key == org_unit_key)
    return list(session.scalars(query.order_by(OrgUnitMembership.subject)))


def member_units(session: Session, subject: str) -> set[str]:
    query = select(OrgUnitMembership.org_unit_key).where(OrgUnitMembership.subject == subject)
    return set(session.scalars(query))


def active_deputies(session: Session, deputy_subject: str, now: datetime) -> list[Deputy]:
    """The Vertretungen `deputy_subject` holds at `now`."""
    query = select(Deputy).where(
        Deputy.deputy_subject == deputy_subject,
        Deputy.valid_from <= now,
        Deputy.valid_until > now,
        or_(Deputy.ended_at.is_(None), Deputy.ended_at > now),
    )
    return list(session.scalars(query))


def page_deputies(session: Session, page: PageRequest) -> Page[Deputy]:
    """Every Vertretung, the latest start first."""
    order = (Deputy.valid_from, Deputy.id)
    return fetch_page(session, select(Deputy), page, scope="deputies", order=order, descending=True)


def page_members(session: Session, org_unit_key: str, page: PageRequest) -> Page[OrgUnitMembership]:
    query = select(OrgUnitMembership).where(OrgUnitMembership.org_unit_key == org_unit_key)
    order = (OrgUnitMembership.subject,)
    return fetch_page(session, query, page, scope=f"members:{org_unit_key}", order=order)


def get_org_unit(session: Session, key: str) -> OrgUnit | None:
    return session.get(OrgUnit, key)


def page_org_units(session: Session, page: PageRequest) -> Page[OrgUnit]:
    return fetch_page(session, select(OrgUnit), page, scope="org_units", order=(OrgUnit.key,))
