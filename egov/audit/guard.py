"""The audit trail is structural: a flush that changes a case without an audit event fails."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from egov.cases.store import Case


class UnauditedChange(RuntimeError):
    pass


def install(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "before_flush", _check)
    event.listen(sessions, "after_commit", _reset)
    event.listen(sessions, "after_rollback", _reset)


def _check(session: Session, _context: Any, _instances: Any) -> None:
    audited = session.info.get("audited_cases", set())
    changed = [obj for obj in session.new if isinstance(obj, Case)]
    changed += [obj for obj in session.dirty if isinstance(obj, Case) and session.is_modified(obj)]
    for case in changed:
        if case.id not in audited:
            raise UnauditedChange(f"case {case.id} changed without an audit event")


def _reset(session: Session) -> None:
    session.info.pop("audited_cases", None)
