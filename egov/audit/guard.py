"""The audit trail is structural: a flush that changes an audited row (a case) without an
audit event for it in the same transaction fails.

The audited classes are given by whoever installs the guard (the container passes
`egov.cases.store.Case`), so the audit package knows no feature above it. An audited row's
`id` is the case id its events are chained under.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker


class UnauditedChange(RuntimeError):
    pass


def install(sessions: sessionmaker[Session], audited: Iterable[type[Any]]) -> None:
    classes = tuple(audited)

    def check(session: Session, _context: Any, _instances: Any) -> None:
        done = session.info.get("audited_cases", set())
        changed = [obj for obj in session.new if isinstance(obj, classes)]
        changed += [
            obj for obj in session.dirty if isinstance(obj, classes) and session.is_modified(obj)
        ]
        for row in changed:
            if row.id not in done:
                raise UnauditedChange(
                    f"{type(row).__name__.lower()} {row.id} changed without an audit event"
                )

    event.listen(sessions, "before_flush", check)
    event.listen(sessions, "after_commit", _reset)
    event.listen(sessions, "after_rollback", _reset)


def _reset(session: Session) -> None:
    session.info.pop("audited_cases", None)
