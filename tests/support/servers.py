"""Starting a real server for a test: a test that needs one fails under CI=true when it
cannot start (CI installs every server, so that is a broken machine), and is skipped
elsewhere (a laptop without, say, redis-server)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn, Protocol, TypeVar

import pytest


class Server(Protocol):
    def start(self) -> object: ...

    def stop(self) -> None: ...


S = TypeVar("S", bound=Server)


def unavailable(what: str, reason: object) -> NoReturn:
    """Fail under CI=true, skip otherwise."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} could not start (CI=true, so this fails): {reason}")
    pytest.skip(f"{what} not available: {reason}")


@contextmanager
def started_or_skip(
    server: S, what: str, errors: tuple[type[BaseException], ...] = (OSError,)
) -> Iterator[S]:
    """`server`, started, and stopped afterwards; `errors` from `start()` mean unavailable."""
    try:
        server.start()
    except errors as exc:
        server.stop()
        unavailable(what, exc)
    try:
        yield server
    finally:
        server.stop()
