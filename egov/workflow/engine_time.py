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
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
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


def timer_definition(task: Task) -> TimerEventDefinition | None:
    """The timer a task waits for: its own timer event definition, or the timer among the
    combined definitions of an event-based gateway (or a multiple event)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return definition
    if isinstance(definition, MultipleEventDefinition):
        for inner in definition.event_definitions:
            if isinstance(inner, TimerEventDefinition):
                return inner
    return None


def is_cycle(task: Task) -> bool:
    """A task of a cycle timer (its occurrences are counted by :func:`cycles_fired`)."""
    return isinstance(timer_definition(task), CycleTimerEventDefinition)


def is_timer(task: Task) -> bool:
    """A task of a timer event (boundary, intermediate catch or start) or an event-based
    gateway that was left by its timer."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        seen = task.internal_data.get("seen_events") or []
        return any(isinstance(e.event_definition, TimerEventDefinition) for e in seen)
    return isinstance(definition, TimerEventDefinition)


def cycle_positions(workflow: BpmnWorkflow) -> dict[str, tuple[str, int]]:
    """Task id -> (BPMN id, cycles left) of the waiting cycle timers whose cycle started."""
    positions: dict[str, tuple[str, int]] = {}
    for task in list(workflow.event_manager.tasks.values()):
        value = task.internal_data.get("event_value")
        if isinstance(timer_definition(task), CycleTimerEventDefinition) and isinstance(
            value, dict
        ):
            name = str(task.task_spec.bpmn_id or task.task_spec.name)
            positions[str(task.id)] = (name, int(value.get("cycles", 0)))
    return positions


def cycles_fired(before: dict[str, tuple[str, int]], workflow: BpmnWorkflow) -> list[str]:
    """The BPMN ids of the cycle timers that fired since `before`, once per occurrence (a
    cycle's timer task completes only after its last occurrence, so it is counted here)."""
    after = cycle_positions(workflow)
    fired = []
    for task_id, (name, cycles) in after.items():
        _, earlier = before.get(task_id, (name, cycles))
        fired += [name] * max(0, earlier - cycles)
    return fired


def next_timer_due(workflow: BpmnWorkflow, now: datetime) -> datetime | None:
    """The earliest due time (naive UTC) of the waiting timer events, None if there is none.

    A waiting timer whose due time is not known yet, or that has fired but not run, is due `now`;
    a cycle whose occurrences have all fired is due never. An event-based gateway is due at the
    due time of its timer (SpiffWorkflow keeps it in the gateway's combined event definition).
    """
    dues = [_due(task, now) for task in list(workflow.event_manager.tasks.values())]
    return min((due for due in dues if due is not None), default=None)


def _due(task: Task, now: datetime) -> datetime | None:
    definition = timer_definition(task)
    if definition is None or not task.has_state(TaskState.WAITING):
        return None
    value = task.internal_data.get("event_value")
    if isinstance(definition, CycleTimerEventDefinition):
        if not isinstance(value, dict):
            return now
        if value.get("cycles") == 0:
            return None  # every occurrence fired; SpiffWorkflow keeps the spent timer waiting
        value = value.get("next")
    elif task.internal_data.get("event_fired"):
        return now
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
