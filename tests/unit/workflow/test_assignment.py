"""Assignee and due date of a user task from the model's values (egov.workflow.assignment)."""

from __future__ import annotations

from datetime import datetime

import pytest

from egov.workflow.assignment import AssignmentError, TaskModel, due_at, of_task, resolve

NOW = datetime(2026, 3, 30, 10, 0)  # naive UTC, as egov's clock


def test_a_literal_is_itself_and_a_variable_its_value() -> None:
    assert resolve("dev:anna", {}) == "dev:anna"
    assert resolve("${reviewer}", {"reviewer": "dev:ben"}) == "dev:ben"
    assert resolve("${reviewer}", {}) is None
    assert resolve("  ", {}) is None


def test_an_expression_beyond_one_variable_is_refused() -> None:
    with pytest.raises(AssignmentError, match="kein einfacher Ausdruck"):
        resolve("${a.b}", {})


def test_a_duration_counts_from_now_in_calendar_months() -> None:
    assert due_at("P5D", {}, NOW) == datetime(2026, 4, 4, 10, 0)
    assert due_at("PT4H", {}, NOW) == datetime(2026, 3, 30, 14, 0)
    assert due_at("P1M", {}, NOW) == datetime(2026, 4, 30, 10, 0)


def test_a_date_is_the_end_of_that_day_and_a_local_time_is_jena_time() -> None:
    assert due_at("2026-07-01", {}, NOW) == datetime(2026, 7, 1, 21, 59, 59)  # CEST
    assert due_at("2026-01-15T12:00:00", {}, NOW) == datetime(2026, 1, 15, 11, 0)
    assert due_at("2026-01-15T12:00:00Z", {}, NOW) == datetime(2026, 1, 15, 12, 0)
    assert due_at("${frist}", {"frist": "P2D"}, NOW) == datetime(2026, 4, 1, 10, 0)


@pytest.mark.parametrize("text", ["bald", "P5X", "2026-13-01"])
def test_a_value_that_is_no_date_or_duration_is_refused(text: str) -> None:
    with pytest.raises(AssignmentError):
        due_at(text, {}, NOW)


def test_a_ready_task_keeps_only_the_variables_its_assignee_and_due_date_name() -> None:
    data = {"reviewer": "dev:ben", "frist": "P2D", "list": list(range(10_000))}

    model = of_task({"assignee": "${reviewer}", "dueDate": "${frist}"}, data)

    assert model == TaskModel("${reviewer}", "${frist}", {"reviewer": "dev:ben", "frist": "P2D"})
