"""The archive offer of a case (xdomea Aussonderung, ADR 0040): one row per offered case."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from egov.db import Base


class OfferStatus(StrEnum):
    OFFERED = "offered"  # listed in a 0501 sent to the archive ("angeboten")
    HANDED_OVER = "handed_over"  # the archive takes it (A): in a 0503 package, awaits the 0506
    ARCHIVED = "archived"  # the archive confirmed its import (0506): erased, receipt kept
    DESTROYED = "destroyed"  # the archive declined it (V): erased


class ArchiveOffer(Base):
    __tablename__ = "archive_offers"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(36), index=True)  # the xdomea ProzessID
    status: Mapped[str] = mapped_column(String(20))  # OfferStatus
    offered_at: Mapped[datetime]
    valued_at: Mapped[datetime | None]
    package_key: Mapped[str | None] = mapped_column(String(200))  # the 0503 ZIP in the store
    receipt_id: Mapped[str | None] = mapped_column(String(36))  # the inbound row of the 0506
    offer_received_at: Mapped[datetime | None]  # the archive's receipt 0504 of the 0501
    package_received_at: Mapped[datetime | None]  # the archive's receipt 0507 of the 0503
