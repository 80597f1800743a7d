"""The engine judges timers on egov's clock and reports the earliest due time of its timers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from egov.workflow.engine import Engine, compile_bundle
from egov.workflow.engine_time import EngineDatetime, engine_clock

NOW = datetime(2026, 11, 23, 12, 0, 0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def no_services(operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    raise AssertionError(f"no service task expected: {operator} {params} {data}")


def process(timer: str, *, boundary: bool = True, interrupting: bool = True) -> bytes:
    """start -> work (user task) -> end, with a boundary timer -> fired -> end2;
    or start -> timer (intermediate catch) -> work -> end."""
    if boundary:
        cancel = "true" if interrupting else "false"
        body = f"""<bpmn:userTask id="work"/>
    <bpmn:boundaryEvent id="timer" attachedToRef="work" cancelActivity="{cancel}">{timer}
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="fired"><bpmn:script>fired = True</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f3" sourceRef="timer" targetRef="fired"/>
    <bpmn:sequenceFlow id="f4" sourceRef="fired" targetRef="end2"/>"""
    else:
        body = f"""<bpmn:intermediateCatchEvent id="timer">{timer}</bpmn:intermediateCatchEvent>
    <bpmn:userTask id="work"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="timer"/>
    <bpmn:sequenceFlow id="f3" sourceRef="timer" targetRef="work"/>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://egov.example/bpmn">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>{body}
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def duration(expr: str) -> str:
    return f'<bpmn:timerEventDefinition><bpmn:timeDuration>"{expr}"</bpmn:timeDuration>' + (
        "</bpmn:timerEventDefinition>"
    )


def started(bpmn: bytes, clock: Clock | None) -> Engine:
    definition = compile_bundle({"p.bpmn": bpmn})
    instance = Engine.start(definition, {}, clock=clock)
    instance.advance(no_services)
    return instance


def reloaded(instance: Engine, clock: Clock | None) -> Engine:
    return Engine.load(instance.definition, instance.dump(), clock=clock)


def test_a_duration_starts_on_the_engine_clock_and_is_due_by_it() -> None:
    clock = Clock(NOW)
    instance = started(process(duration("P2D")), clock)
    assert instance.next_timer_due() == NOW + timedelta(days=2)

    clock.now = NOW + timedelta(days=2)  # equal is not yet past (SpiffWorkflow compares with <)
    again = reloaded(instance, clock)
    again.advance(no_services)
    assert again.fired_timers == [] and [t.spec_name for t in again.ready_user_tasks()] == ["work"]

    clock.now += timedelta(microseconds=1)
    again = reloaded(again, clock)
    again.advance(no_services)
    assert again.fired_timers == ["timer"]
    assert again.completed and again.data["fired"] is True
    assert again.next_timer_due() is None


def test_a_timer_in_the_engine_clocks_future_does_not_fire_by_real_time() -> None:
    past = Clock(datetime(2020, 1, 1))
    instance = started(process(duration("PT1S"), boundary=False), past)
    time.sleep(0.01)
    again = reloaded(instance, past)
    again.advance(no_services)
    assert again.ready_user_tasks() == []
    assert again.next_timer_due() == datetime(2020, 1, 1, 0, 0, 1)


def test_without_a_clock_a_real_short_duration_fires_after_it_passed() -> None:
    instance = started(process(duration("PT1S"), boundary=False), None)
    due = instance.next_timer_due()
    assert due is not None
    assert abs(due - datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)) < timedelta(
        seconds=1
    )
    time.sleep(1.1)
    again = reloaded(instance, None)
    again.advance(no_services)
    assert [t.spec_name for t in again.ready_user_tasks()] == ["work"]


def test_a_time_date_with_an_offset_is_due_at_that_instant() -> None:
    timer = (
        "<bpmn:timerEventDefinition><bpmn:timeDate>"
        '"2027-07-01T10:00:00+02:00"</bpmn:timeDate></bpmn:timerEventDefinition>'
    )
    instance = started(process(timer, boundary=False), Clock(NOW))
    assert instance.next_timer_due() == datetime(2027, 7, 1, 8, 0, 0)


def test_a_non_interrupting_cycle_fires_per_period_and_reports_the_next_one() -> None:
    clock = Clock(NOW)
    instance = started(process(_cycle("R2/PT1H"), interrupting=False), clock)
    assert instance.next_timer_due() == NOW + timedelta(hours=1)

    clock.now = NOW + timedelta(hours=1, seconds=1)
    instance = reloaded(instance, clock)
    instance.advance(no_services)
    assert instance.next_timer_due() == NOW + timedelta(hours=2)
    assert [t.spec_name for t in instance.ready_user_tasks()] == ["work"]


def test_the_engine_clock_applies_only_inside_its_block() -> None:
    with engine_clock(lambda: NOW):
        assert EngineDatetime.now(UTC) == NOW.replace(tzinfo=UTC)
    real = EngineDatetime.now(UTC)
    assert abs(datetime.now(UTC) - real) < timedelta(seconds=5)


def _cycle(expr: str) -> str:
    return (
        f'<bpmn:timerEventDefinition><bpmn:timeCycle>"{expr}"</bpmn:timeCycle>'
        "</bpmn:timerEventDefinition>"
    )
