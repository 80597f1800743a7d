"""Who gets a user task and by when, from the model (``camunda:assignee``, ``camunda:dueDate``,
kept as the task properties ``assignee`` and ``dueDate`` by :mod:`egov.workflow.camunda`).

Pure: the values are resolved against the task's data when the task becomes ready. A value is
a literal or one ``${variable}`` of the process data. The assignee is a subject as the
directory knows it (``dev:anna``, ``<issuer>:<sub>``); whether it is a member of the task's
org unit is checked by :mod:`egov.workflow.projection`. A due date is an ISO 8601 duration
from now (``P5D``, ``PT4H``), a date (the end of that day in the city's time) or a date and
time (without offset: the city's time).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

CITY_TIME = ZoneInfo("Europe/Berlin")
_VARIABLE = re.compile(r"^\s*\$\{\s*([A-Za-z_]\w*)\s*\}\s*$")


class AssignmentError(ValueError):
    """A value that names no assignee or due date; the German reason is the message."""


@dataclass(frozen=True)
class TaskModel:
    """A user task's properties `assignee` and `dueDate`, with the variables they name."""

    assignee: str | None = None
    due_date: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


def of_task(properties: dict[str, str], data: dict[str, Any]) -> TaskModel:
    """What the projection needs of a ready task: no copy of its whole data."""
    assignee, due = properties.get("assignee"), properties.get("dueDate")
    named = {found.group(1) for t in (assignee, due) if t and (found := _VARIABLE.match(t))}
    return TaskModel(assignee, due, {n: copy.deepcopy(data[n]) for n in named if n in data})


def resolve(text: str | None, data: dict[str, Any]) -> str | None:
    """The literal, or the value of the one `${variable}` (None if it is unset or empty)."""
    if text is None or not text.strip():
        return None
    found = _VARIABLE.match(text)
    if found is None:
        if "${" in text or "#{" in text:
            raise AssignmentError(f"{text!r} ist kein einfacher Ausdruck ${{variable}}.")
        return text.strip()
    value = data.get(found.group(1))
    if value is None or value == "":
        return None
    return str(value).strip()


def due_at(text: str | None, data: dict[str, Any], now: datetime) -> datetime | None:
    """The due date in naive UTC (egov's clock), from now (naive UTC)."""
    value = resolve(text, data)
    if value is None:
        return None
    if value.upper().startswith("P"):
        try:
            parsed = TimerEventDefinition.parse_iso_duration(value)
        except Exception as exc:  # SpiffWorkflow raises a bare Exception
            raise AssignmentError(f"{value!r} ist keine ISO-8601-Dauer.") from exc
        start = now.replace(tzinfo=UTC)
        delta: timedelta = TimerEventDefinition.get_timedelta_from_start(parsed, start)
        return now + delta
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise AssignmentError(f"{value!r} ist kein ISO-8601-Datum.") from exc
    if len(value) <= len("2026-12-31") and moment.time() == time():
        moment = datetime.combine(date.fromisoformat(value), time(23, 59, 59))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CITY_TIME)
    return moment.astimezone(UTC).replace(tzinfo=None)
