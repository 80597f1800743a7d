"""The floors hold: the packages of egov form no import cycle, and no web handler or page touches
the database (import-linter checks the direction; these check what it cannot see)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.import_graph import package_cycles, upward_imports

EGOV = Path(__file__).resolve().parents[2] / "egov"
HANDLERS = ("web", "ui", "portal", "workspace")  # the HTTP layer and the pages
# what a handler would use to reach the database itself instead of calling a service
DATABASE_ACCESS = {"db", "reading", "transaction", "sessions", "read_sessions", "scalars"}


def test_the_packages_of_egov_form_no_import_cycle() -> None:
    assert package_cycles() == []


def test_no_package_imports_a_floor_above_its_own() -> None:
    assert upward_imports() == []


def test_no_web_handler_opens_a_session_or_runs_a_query() -> None:
    reached = [
        f"{path.name}:{node.lineno} .{node.attr}"
        for folder in HANDLERS
        for path in sorted((EGOV / folder).glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in DATABASE_ACCESS
    ]
    assert reached == [], "call a service of the container instead"
