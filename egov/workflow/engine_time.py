"""BPMN timers on egov's clock, and the earliest due time of an instance's waiting timers.

How SpiffWorkflow 3.2.0 judges a timer (``bpmn/specs/event_definitions/timer.py``): when a timer
event starts waiting, its due time is stored in the task's internal data ``event_value``
(time-date: the evaluated expression; duration: now + duration as ISO 8601 in UTC; cycle:
``{"cycles", "next", "duration"}``). Whenever the engine refreshes timers (at the end of every
``do_engine_steps``), a timer whose due time lies strictly before ``datetime.now(timezone.utc)``
fires. SpiffWorkflow has no clock parameter; it reads the module global ``datetime`` of that
module. :func:`install` replaces that global once with a subclass whose ``now()`` returns the
clock set by :func:`engine_clock` for the current thread/context (a ``ContextVar``), and the
real time when none is set. So both the start of a duration and the due check use egov's clock.

Time-date expressions without an offset are read in the city's local time (Europe/Berlin, with
daylight saving) instead of the server's fixed offset at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

CITY_TIME = ZoneInfo("Europe/Berlin")
Clock = Callable[[], datetime]  # naive UTC, like egov.clock

_clock: ContextVar[Clock | None] = ContextVar("egov_engine_clock", default=None)


class EngineDatetime(datetime):
    """`datetime` whose `now()` follows the engine clock of the current context."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> EngineDatetime:
        clock = _clock.get()
        if clock is None:
            real = datetime.now(tz)
            return cls.combine(real.date(), real.timetz())
        aware = clock().replace(tzinfo=UTC)
        moment = aware.astimezone(tz) if tz is not None else aware.astimezone().replace(tzinfo=None)
        return cls.combine(moment.date(), moment.timetz())


def install() -> None:
    """Makes SpiffWorkflow's timer module use the engine clock (idempotent)."""
    spiff_timer.datetime = EngineDatetime
    spiff_timer.LOCALTZ = CITY_TIME


@contextmanager
def engine_clock(clock: Clock | None) -> Iterator[None]:
    """Within the block, SpiffWorkflow's timers see `clock` (None: the real time)."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


def is_timer(task: Task) -> bool:
    """A task of a timer event (boundary, intermediate catch or start)."""
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def next_timer_due(workflow: BpmnWorkflow, now: datetime) -> datetime | None:
    """The earliest due time (naive UTC) of the waiting timer events, None if there is none.

    A waiting timer whose due time is not known yet, or that has fired but not run, is due `now`.
    """
    dues = [_due(task, now) for task in list(workflow.event_manager.tasks.values())]
    return min((due for due in dues if due is not None), default=None)


def _due(task: Task, now: datetime) -> datetime | None:
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition) or not task.has_state(TaskState.WAITING):
        return None
    if task.internal_data.get("event_fired"):
        return now
    value = task.internal_data.get("event_value")
    if isinstance(definition, CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles") == 0:
            return now
        value = value.get("next")
    return _naive_utc(value, now)


def _naive_utc(value: Any, now: datetime) -> datetime:
    if isinstance(value, str):
        try:
            value = TimerEventDefinition.parse_time_or_duration(value)
        except Exception:  # SpiffWorkflow raises a bare Exception for bad durations
            return now
    if not isinstance(value, datetime):
        return now  # not a point in time: let the engine judge it at the next sweep
    if value.tzinfo is None:
        value = value.replace(tzinfo=CITY_TIME)
    aware = value.astimezone(UTC)
    return datetime(
        aware.year,
        aware.month,
        aware.day,
        aware.hour,
        aware.minute,
        aware.second,
        aware.microsecond,
    )


install()
