"""Access to the process's container from request handlers."""

from __future__ import annotations

from flask import current_app

from egov.container import Container


def container() -> Container:
    found: Container = current_app.extensions["egov"]
    return found
