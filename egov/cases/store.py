"""Tables and repository functions of cases, procedures and the case reference counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType, new_id


class Procedure(Base):
    """A procedure the city offers (the Leistung of the LeiKa catalogue named by `leika_key`),
    bound to a BPMN process and to the org unit that is responsible for it."""

    __tablename__ = "procedures"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    leika_key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    process_id: Mapped[str] = mapped_column(String(100))
    org_unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))
    required_vertrauensniveau: Mapped[str] = mapped_column(String(16))
    processing_days: Mapped[int] = mapped_column(Integer)
    fachdaten_namespace: Mapped[str] = mapped_column(String(200))
    # the retention rules of procedure.json (egov.cases.retention), as checked at deploy
    retention: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    archive_duty: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    procedure_key: Mapped[str] = mapped_column(ForeignKey("procedures.key"))
    org_unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))
    status: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    applicant_name: Mapped[str] = mapped_column(String(300))
    # where the applicant is told of new Postfach letters (from the application; no content)
    applicant_email: Mapped[str | None] = mapped_column(String(254))
    owner_subject: Mapped[str | None] = mapped_column(String(200), index=True)
    owner_postfach: Mapped[str | None] = mapped_column(String(200), index=True)
    vertrauensniveau: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    due_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]  # the Frist passed and supervisors were told
    # retention (egov.cases.retention): when it ends, by which rule; a legal hold stops deletion
    retention_until: Mapped[datetime | None] = mapped_column(index=True)
    retention_rule: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    legal_hold_reason: Mapped[str | None] = mapped_column(String(500))
    legal_hold_by: Mapped[str | None] = mapped_column(String(200))
    legal_hold_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]  # its personal data erased: the row is the tombstone
    erased_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_cases_org_unit_status", "org_unit_key", "status"),
        Index("ix_cases_created_at", "created_at"),
    )

    def snapshot(self) -> dict[str, Any]:
        """The fields an audit event records as before/after."""
        return {
            "status": self.status,
            "org_unit": self.org_unit_key,
            "closed": bool(self.closed_at),
        }


class ReferenceCounter(Base):
    __tablename__ = "reference_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


def next_reference_number(session: Session, year: int) -> int:
    """Atomically allocate the next number of a year (unique under concurrency). On
    PostgreSQL in a short transaction of its own, committed at once: concurrent intakes no
    longer queue behind the counter row's lock until the first one commits; an intake that
    fails afterwards leaves a gap (ADR 0047). On SQLite in the caller's transaction: its
    writers are serial anyway, and a second write transaction would cost a second lock."""
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        with Session(bind) as own, own.begin():
            return _bump(own, year)
    return _bump(session, year)


def _bump(session: Session, year: int) -> int:
    bump = (
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    )
    number = session.execute(bump).scalar_one_or_none()
    if number is not None:
        return number
    try:
        with session.begin_nested():
            session.add(ReferenceCounter(year=year, last=1))
        return 1
    except IntegrityError:
        return session.execute(bump).scalar_one()


def get_case(session: Session, case_id: str) -> Case | None:
    return session.get(Case, case_id)


def get_procedure(session: Session, key: str) -> Procedure | None:
    return session.get(Procedure, key)


def get_procedure_by_leika(session: Session, leika_key: str) -> Procedure | None:
    return session.scalars(select(Procedure).where(Procedure.leika_key == leika_key)).first()
