"""The citizen's erasure requests (GDPR Art. 17): who asked, when, and per case whether it was
erased or which retention duty keeps it. The record holds the subject (accountability,
Art. 5(2)) and case references, no other personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from egov.db import Base, JsonType, new_id


class ErasureRequest(Base):
    __tablename__ = "erasure_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    requested_at: Mapped[datetime]
    outcome: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)  # one entry per case


class DataExport(Base):
    """A data export made in the background (a large account): whose, its state, the ZIP in the
    document store while it may be downloaded (`expires_at`), then deleted."""

    __tablename__ = "data_exports"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    postfach: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # pending, ready, expired
    requested_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
