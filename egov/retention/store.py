"""The archive offer of a case (xdomea Aussonderung, ADR 0040): one row per offered case."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from egov.db import Base


class OfferStatus(StrEnum):
    OFFERED = "offered"  # listed in a 0501 sent to the archive ("angeboten")
    ARCHIVE = "archive"  # the archive takes it (A): waits for the Aussonderung 0503
    DESTROYED = "destroyed"  # the archive declined it (V): erased


class ArchiveOffer(Base):
    __tablename__ = "archive_offers"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(36), index=True)  # the xdomea ProzessID
    status: Mapped[str] = mapped_column(String(20))  # OfferStatus
    offered_at: Mapped[datetime]
    valued_at: Mapped[datetime | None]
