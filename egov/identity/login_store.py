"""The login store shared by every web process: Authlib's one-time login state (state, nonce,
PKCE verifier between the redirect to the provider and the callback) and the ids of sessions
ended by logout, each with an expiry.

Kept in the database, so that a callback or a replayed cookie may reach any of several web
processes behind a balancer (gunicorn workers, several hosts), with no store besides the
database in either mode. Lookups are by primary key; expired entries are deleted on write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from egov.clock import Clock
from egov.db import Base, Database

MAX_KEY = 200


class LoginEntry(Base):
    __tablename__ = "login_entries"
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class DatabaseLoginCache:
    """``get``/``set``/``delete`` as Authlib's cache expects, plus logout revocation."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def get(self, key: str) -> str | None:
        with self._db.reading() as session:
            query = select(LoginEntry.value).where(
                LoginEntry.key == key[:MAX_KEY], LoginEntry.expires_at > self._clock()
            )
            return session.scalars(query).first()

    def set(self, key: str, value: str, expires_in: float) -> None:
        now = self._clock()
        with self._db.transaction() as session:
            session.execute(delete(LoginEntry).where(LoginEntry.expires_at <= now))
            session.execute(delete(LoginEntry).where(LoginEntry.key == key[:MAX_KEY]))
            expires_at = now + timedelta(seconds=expires_in)
            session.add(LoginEntry(key=key[:MAX_KEY], value=value, expires_at=expires_at))

    def delete(self, key: str) -> None:
        with self._db.transaction() as session:
            session.execute(delete(LoginEntry).where(LoginEntry.key == key[:MAX_KEY]))

    def revoke(self, sid: str, seconds: float) -> None:
        self.set(f"revoked:{sid}", "1", max(seconds, 1.0))

    def is_revoked(self, sid: str) -> bool:
        return self.get(f"revoked:{sid}") is not None
