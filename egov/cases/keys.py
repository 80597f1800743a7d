"""Keys a case is known by outside egov: a (scheme, value) pair names at most one case, e.g.
the plan id and Vorgangs-ID of an XBeteiligung procedure (scheme ``xbeteiligung``), so that
a later message of that system finds its case without knowing egov's reference."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.cases.store import Case
from egov.db import Base, new_id
from egov.errors import Conflict


class CaseKey(Base):
    __tablename__ = "case_keys"
    __table_args__ = (UniqueConstraint("scheme", "value"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(500))


def get_case_by_key(session: Session, scheme: str, value: str) -> Case | None:
    query = select(Case).join(CaseKey, CaseKey.case_id == Case.id)
    return session.scalars(query.where(CaseKey.scheme == scheme, CaseKey.value == value)).first()


def add_keys(session: Session, case: Case, keys: tuple[tuple[str, str], ...]) -> None:
    """Name `case` by `keys`; a key naming another case already: 409 `case-key-taken`."""
    for scheme, value in keys:
        if get_case_by_key(session, scheme, value) is not None:
            raise Conflict(
                "Dieses Verfahren ist bereits eingegangen (Kennungen schon vergeben).",
                code="case-key-taken",
            )
        session.add(CaseKey(case_id=case.id, scheme=scheme, value=value))
    session.flush()
