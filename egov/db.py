"""Engine, sessions and the declarative base shared by every feature's `store.py`."""

from __future__ import annotations

import functools
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")
BUSY_SECONDS = 30.0  # how long an SQLite writer waits for its turn before it is an outage
QUEUED = "egov_writer_queued"  # in a connection's info: it holds the WriterQueue's turn

# The database is away, restarting, locked or out of connections (or the transaction lost a
# serialization race): nothing was committed, and the same work succeeds later. Work that
# meets one is retried (by the client, the sweep, the next task), never made an incident.
OUTAGE = (OperationalError, InterfaceError, PoolTimeout)
# Two transactions changed the same rows (the optimistic version counter of a row, a unique
# key): the loser's work was rolled back and is to be done again on the new state.
CONCURRENT_UPDATE = (StaleDataError, IntegrityError)
LOST_RACE = {"40001", "40P01"}  # serialization failure, deadlock detected (PostgreSQL)
# The database refused a value as it is (text with a NUL character, a string longer than its
# column, a number out of range; PostgreSQL checks, SQLite mostly does not): the same request
# fails again, so it is the caller's error. Services check what they store; this is the
# backstop for what they missed.
INPUT_REFUSED = (DataError,)
# The code expects a column or table the database does not have: the schema is behind the
# code (a release deployed without `egov migrate`) or ahead of it. Unlike an outage it does
# not pass by itself, so it is never retried as one: `Database` raises `SchemaOutdated`.
PROGRAMMING = (ProgrammingError,)
UNDEFINED_SQLSTATES = {"42703", "42P01"}  # PostgreSQL: undefined_column, undefined_table
SQLITE_UNDEFINED = ("no such column", "no such table", "has no column named")


class SchemaOutdated(Exception):
    """The database schema does not match the code (see `schema_outdated`); the driver's
    error is the `__cause__`. Code `schema-outdated`: answered 500, a step's incident."""

    code = "schema-outdated"
    message = "Das Datenbankschema passt nicht zu dieser Version (egov migrate fehlt)."

    def __init__(self, error: str) -> None:
        super().__init__(f"{self.code}: {error}")
        self.error = error  # the driver's error class, for logs


def schema_outdated(exc: BaseException) -> bool:
    """A SQLAlchemy error saying that a column or table is missing (PostgreSQL's
    UndefinedColumn/UndefinedTable, SQLite's "no such column/table")."""
    if not isinstance(exc, OperationalError | ProgrammingError):
        return False
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in UNDEFINED_SQLSTATES:
        return True
    text = str(orig or exc).lower()
    return any(phrase in text for phrase in SQLITE_UNDEFINED)


@contextmanager
def _schema_checked() -> Iterator[None]:
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        if schema_outdated(exc):
            raise SchemaOutdated(error_name(exc)) from exc
        raise


def lost_race(exc: BaseException) -> bool:
    """The transaction was rolled back because it lost a race with another one: the same
    work succeeds when it is done again at once (unlike an outage, which needs time)."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in LOST_RACE


def error_name(exc: BaseException) -> str:
    """The driver's error class behind a SQLAlchemy error (for logs: the driver's message
    names hosts and SQL, so it is logged only where the error is handled for good)."""
    return type(getattr(exc, "orig", None) or exc).__name__


def max_length(column: Any) -> int | None:
    """The declared length of a String column (`Document.media_type`), None if it has none.
    PostgreSQL refuses longer text and SQLite stores it, so services check before storing."""
    length = getattr(getattr(column, "type", None), "length", None)
    return length if isinstance(length, int) else None


def too_long(column: Any, value: str | None) -> bool:
    """`value` does not fit the String column (None always fits)."""
    limit = max_length(column)
    return value is not None and limit is not None and len(value) > limit


def new_id() -> str:
    """The primary key of a new row (a random UUID, as text)."""
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class WriterQueue:
    """The writers of one SQLite database in this process, first come, first served (issue
    18). SQLite's busy handler keeps no queue: it polls with growing sleeps, so a writer that
    loses a few times waits for seconds while later ones win. Writers queue here before
    `BEGIN IMMEDIATE`; the one that ends its transaction hands the turn to the next."""

    def __init__(self, timeout: float = BUSY_SECONDS) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False

    def acquire(self) -> None:
        """Wait for the turn; after `timeout` seconds an OperationalError (an outage: retried
        by whoever called, as SQLite's own "database is locked" is)."""
        with self._lock:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(self.timeout):
            return
        with self._lock:
            if turn.is_set():  # handed over while the wait ran out
                return
            self._waiting.remove(turn)
        raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked (queue)"))

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the turn passes on, never to a newcomer
            else:
                self._held = False


def make_engine(url: str, *, writer: bool = True, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if not writer:
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        queue = WriterQueue()
        event.listen(engine, "begin", functools.partial(_sqlite_begin_immediate, queue))
        for ended in ("commit", "rollback"):
            event.listen(engine, ended, functools.partial(_sqlite_end, queue))
        for lost in ("checkin", "invalidate"):  # a connection gone without either
            event.listen(engine.pool, lost, functools.partial(_sqlite_lost, queue))
        return engine
    # JIT off: egov's statements are short OLTP queries; PostgreSQL's JIT compiled every
    # full-scan search for 120-165 ms more than it saved (issue 18)
    return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # A receipt is a legal fact: it must survive a power cut (synchronous=FULL).
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
    cursor.close()


def _sqlite_begin_immediate(queue: WriterQueue, conn: Any) -> None:
    # Take the write lock at the start of a transaction: no lost updates, no upgrade deadlocks.
    queue.acquire()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # another process may still hold it
    except BaseException:
        queue.release()
        raise
    conn.info[QUEUED] = True


def _sqlite_end(queue: WriterQueue, conn: Any) -> None:
    if conn.info.pop(QUEUED, False):
        queue.release()


def _sqlite_lost(queue: WriterQueue, _dbapi: Any, record: Any, *_args: Any) -> None:
    if record.info.pop(QUEUED, False):
        queue.release()


def _sqlite_begin(conn: Any) -> None:
    # Readers see a consistent WAL snapshot and never wait for writers.
    conn.exec_driver_sql("BEGIN")


class Database:
    """The engine plus a session factory; one per app (and per worker process)."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.engine = make_engine(url, **kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = (
            make_engine(url, writer=False, **kwargs) if url.startswith("sqlite") else self.engine
        )
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception. A missing column
        or table is raised as `SchemaOutdated` (after the rollback)."""
        with _schema_checked(), self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (on SQLite it does not take the write lock)."""
        with _schema_checked(), self.read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
