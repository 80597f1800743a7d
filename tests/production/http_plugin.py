"""A test-only plugin for the restart tests (EGOV_PLUGINS=tests.production.http_plugin):
only the `test.http` delivery kind of tests/production/plugin.py, without its crashing
advance, which asks Redis on every step and so would fail steps while Redis restarts."""

from __future__ import annotations

from egov.container import Container
from tests.production.plugin import deliver_http


def register(container: Container) -> None:
    container.outbox.register("test.http", deliver_http)
