"""The correlation id of the work at hand: the request's, or the one a task's message carries.

A context variable at the ground floor, so that any package can record the id it runs under
(an incident keeps the id of the request that opened it). The web layer binds it at the start
of a request (`egov.web.correlation`), a Celery task binds its message's
(`egov.runtime.tasks`); `egov.runtime.logs` writes it on every log line.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

# A correlation id from a client is taken only if it is short and plain: no spaces, quotes or
# control characters that would forge or break log lines or header values.
SANE_CORRELATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
HEADER = "X-Correlation-ID"

_current: ContextVar[str | None] = ContextVar("egov_correlation_id", default=None)


def sane_correlation_id(given: str | None) -> str:
    """`given` if it is a sane id (1..64 of letters, digits and `._:-`), else a new UUID."""
    if given and SANE_CORRELATION_ID.fullmatch(given):
        return given
    return str(uuid.uuid4())


def current_correlation_id() -> str | None:
    return _current.get()


def bind(correlation_id: str | None) -> Token[str | None]:
    return _current.set(correlation_id)


def unbind(token: Token[str | None]) -> None:
    _current.reset(token)


@contextmanager
def correlated(correlation_id: str | None) -> Iterator[None]:
    """Log with `correlation_id` inside the block (None: without one)."""
    token = bind(correlation_id)
    try:
        yield
    finally:
        unbind(token)


__all__ = [
    "HEADER",
    "bind",
    "correlated",
    "current_correlation_id",
    "sane_correlation_id",
    "unbind",
]
