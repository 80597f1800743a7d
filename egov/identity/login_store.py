"""The login store shared by every web process: Authlib's one-time login state (state, nonce,
PKCE verifier between the redirect to the provider and the callback) and the ids of sessions
ended by logout, each with an expiry.

Kept in the database, so that a callback or a replayed cookie may reach any of several web
processes behind a balancer (gunicorn workers, several hosts), with no store besides the
database in either mode. Lookups are by primary key; expired entries are deleted on write.
Pending logins are bounded per client address (`per_address`): a further login start from the
same address evicts that address's oldest, so a flood cannot fill the table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.clock import Clock
from egov.db import Base, Database

MAX_KEY = 200
MAX_ADDRESS = 64
REVOKED = "revoked:"


class LoginEntry(Base):
    __tablename__ = "login_entries"
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    address: Mapped[str | None] = mapped_column(String(MAX_ADDRESS), index=True)


class DatabaseLoginCache:
    """``get``/``set``/``delete`` as Authlib's cache expects, plus logout revocation.

    ``address`` names the client address of the current request (set by the web layer; None
    outside a request): pending logins are kept per address, at most ``per_address``."""

    def __init__(self, db: Database, clock: Clock, per_address: int = 50) -> None:
        self._db = db
        self._clock = clock
        self.per_address = per_address
        self.address: Callable[[], str | None] = lambda: None

    def get(self, key: str) -> str | None:
        with self._db.reading() as session:
            query = select(LoginEntry.value).where(
                LoginEntry.key == key[:MAX_KEY], LoginEntry.expires_at > self._clock()
            )
            return session.scalars(query).first()

    def set(self, key: str, value: str, expires_in: float) -> None:
        now = self._clock()
        address = None if key.startswith(REVOKED) else _address(self.address())
        with self._db.transaction() as session:
            session.execute(delete(LoginEntry).where(LoginEntry.expires_at <= now))
            session.execute(delete(LoginEntry).where(LoginEntry.key == key[:MAX_KEY]))
            if address is not None:
                self._make_room(session, address)
            expires_at = now + timedelta(seconds=expires_in)
            session.add(
                LoginEntry(key=key[:MAX_KEY], value=value, expires_at=expires_at, address=address)
            )

    def _make_room(self, session: Session, address: str) -> None:
        """Evict the oldest pending logins of `address` beyond `per_address - 1`."""
        query = (
            select(LoginEntry.key)
            .where(LoginEntry.address == address)
            .order_by(LoginEntry.expires_at.desc())
            .offset(max(self.per_address - 1, 0))
        )
        evicted = list(session.scalars(query))
        if evicted:
            session.execute(delete(LoginEntry).where(LoginEntry.key.in_(evicted)))

    def delete(self, key: str) -> None:
        with self._db.transaction() as session:
            session.execute(delete(LoginEntry).where(LoginEntry.key == key[:MAX_KEY]))

    def revoke(self, sid: str, seconds: float) -> None:
        self.set(f"{REVOKED}{sid}", "1", max(seconds, 1.0))

    def is_revoked(self, sid: str) -> bool:
        return self.get(f"{REVOKED}{sid}") is not None


def _address(value: str | None) -> str | None:
    return None if value is None else value[:MAX_ADDRESS]
