"""Each BPMN construct alone: it runs as BPMN 2.0 says, or the deploy refuses it naming the
element (file, id, line); never a deploy that then runs wrong."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from egov.workflow.engine import Engine, WorkflowError, compile_bundle

NOW = datetime(2026, 11, 23, 12, 0, 0)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def no_services(operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    raise AssertionError(f"no service task expected: {operator}")


def model(body: str, head: str = "") -> dict[str, bytes]:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://egov.example/bpmn">{head}
  <bpmn:process id="p" isExecutable="true">{body}
  </bpmn:process>
</bpmn:definitions>"""
    return {"p.bpmn": xml.encode()}


def started(files: dict[str, bytes], clock: Clock | None = None) -> Engine:
    instance = Engine.start(compile_bundle(files), {}, clock=clock)
    instance.advance(no_services)
    return instance


def ready(instance: Engine) -> list[str]:
    return sorted(t.spec_name for t in instance.ready_user_tasks())


def complete(instance: Engine, name: str, data: dict[str, Any] | None = None) -> None:
    task = next(t for t in instance.ready_user_tasks() if t.spec_name == name)
    instance.complete_user_task(task.task_id, data or {})
    instance.advance(no_services)


def refusal(files: dict[str, bytes]) -> list[dict[str, Any]]:
    with pytest.raises(WorkflowError) as info:
        compile_bundle(files)
    assert info.value.code == "bpmn-unsupported"
    return info.value.invalid_params


# -- link events ----------------------------------------------------------------------------

LINKED = """
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="before"/>
    <bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="weiter"/>
    </bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="arrive"><bpmn:linkEventDefinition name="weiter"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="after"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="before"/>
    <bpmn:sequenceFlow id="f2" sourceRef="before" targetRef="go"/>
    <bpmn:sequenceFlow id="f3" sourceRef="arrive" targetRef="after"/>
    <bpmn:sequenceFlow id="f4" sourceRef="after" targetRef="end"/>"""


def test_a_link_throw_continues_at_the_catch_of_the_same_name() -> None:
    instance = started(model(LINKED))
    complete(instance, "before")
    assert not instance.completed
    assert ready(instance) == ["after"]
    complete(instance, "after")
    assert instance.completed


def test_a_link_inside_a_subprocess_continues_at_the_catch_of_that_subprocess() -> None:
    body = f"""
    <bpmn:startEvent id="outer_start"/>
    <bpmn:subProcess id="sub">{LINKED}</bpmn:subProcess>
    <bpmn:userTask id="last"/>
    <bpmn:endEvent id="outer_end"/>
    <bpmn:sequenceFlow id="o1" sourceRef="outer_start" targetRef="sub"/>
    <bpmn:sequenceFlow id="o2" sourceRef="sub" targetRef="last"/>
    <bpmn:sequenceFlow id="o3" sourceRef="last" targetRef="outer_end"/>"""
    instance = started(model(body))
    complete(instance, "before")
    assert ready(instance) == ["after"]
    complete(instance, "after")
    assert ready(instance) == ["last"]


def test_two_link_throws_of_one_name_both_continue_at_its_catch() -> None:
    body = """
    <bpmn:startEvent id="start"/>
    <bpmn:exclusiveGateway id="split" default="f_b"/>
    <bpmn:userTask id="a"/>
    <bpmn:userTask id="b"/>
    <bpmn:intermediateThrowEvent id="go_a"><bpmn:linkEventDefinition name="L"/>
    </bpmn:intermediateThrowEvent>
    <bpmn:intermediateThrowEvent id="go_b"><bpmn:linkEventDefinition name="L"/>
    </bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="arrive"><bpmn:linkEventDefinition name="L"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="after"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:sequenceFlow id="f_a" sourceRef="split" targetRef="a">
      <bpmn:conditionExpression>route == "a"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_b" sourceRef="split" targetRef="b"/>
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="go_a"/>
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="go_b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="arrive" targetRef="after"/>
    <bpmn:sequenceFlow id="f5" sourceRef="after" targetRef="end"/>"""
    for route in ("a", "b"):
        instance = Engine.start(compile_bundle(model(body)), {"route": route})
        instance.advance(no_services)
        complete(instance, route)
        assert ready(instance) == ["after"]


def test_a_link_throw_without_its_catch_is_refused_naming_the_throw() -> None:
    files = model(
        LINKED.replace(
            'name="weiter"/>\n    </bpmn:intermediateCatchEvent>',
            'name="anders"/>\n    </bpmn:intermediateCatchEvent>',
        )
    )
    params = refusal(files)
    names = {p["name"] for p in params}
    assert names == {"p.bpmn#go", "p.bpmn#arrive"}
    assert all(isinstance(p["line"], int) and p["reason"] for p in params)


def test_a_link_caught_in_another_process_level_is_refused() -> None:
    body = """
    <bpmn:startEvent id="start"/>
    <bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="weiter"/>
    </bpmn:intermediateThrowEvent>
    <bpmn:subProcess id="sub">
      <bpmn:intermediateCatchEvent id="arrive"><bpmn:linkEventDefinition name="weiter"/>
      </bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="sub_end"/>
      <bpmn:sequenceFlow id="s1" sourceRef="arrive" targetRef="sub_end"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="go"/>"""
    assert {p["name"] for p in refusal(model(body))} == {"p.bpmn#go", "p.bpmn#arrive"}


def test_a_link_name_caught_twice_is_refused() -> None:
    twice = (
        LINKED
        + """
    <bpmn:intermediateCatchEvent id="arrive2"><bpmn:linkEventDefinition name="weiter"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="arrive2" targetRef="after"/>"""
    )
    assert {p["name"] for p in refusal(model(twice))} == {"p.bpmn#arrive", "p.bpmn#arrive2"}


# -- ad-hoc subprocesses --------------------------------------------------------------------


def ad_hoc(condition: str = "") -> dict[str, bytes]:
    return model(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:adHocSubProcess id="adhoc">
      <bpmn:userTask id="a"/>
      <bpmn:userTask id="b"/>{condition}
    </bpmn:adHocSubProcess>
    <bpmn:userTask id="after"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="adhoc"/>
    <bpmn:sequenceFlow id="f2" sourceRef="adhoc" targetRef="after"/>
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end"/>""")


def test_an_ad_hoc_subprocess_without_completion_condition_ends_when_all_its_tasks_did() -> None:
    instance = started(ad_hoc())
    assert ready(instance) == ["a", "b"]
    complete(instance, "b", {"b_done": True})
    assert ready(instance) == ["a"]
    complete(instance, "a", {"a_done": True})
    assert ready(instance) == ["after"]
    assert instance.data["a_done"] and instance.data["b_done"]
    assert "data_objects" not in instance.data


def test_an_ad_hoc_subprocess_ends_when_its_completion_condition_holds() -> None:
    condition = "<bpmn:completionCondition>genug == True</bpmn:completionCondition>"
    instance = started(ad_hoc(condition))
    complete(instance, "a", {"genug": False})
    assert ready(instance) == ["b"]
    instance = started(ad_hoc(condition))
    complete(instance, "a", {"genug": True})
    assert ready(instance) == ["after"]


# -- event-based gateway ---------------------------------------------------------------------

MESSAGE = '<bpmn:message id="m" name="antwort"/>'


def gateway(timers: int = 1) -> dict[str, bytes]:
    extra = "".join(
        f"""<bpmn:intermediateCatchEvent id="late{i}"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT{i}H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="g{i}" sourceRef="gw" targetRef="late{i}"/>
    <bpmn:sequenceFlow id="h{i}" sourceRef="late{i}" targetRef="remind"/>"""
        for i in range(2, timers + 1)
    )
    return model(
        f"""
    <bpmn:startEvent id="start"/>
    <bpmn:eventBasedGateway id="gw"/>
    <bpmn:intermediateCatchEvent id="answer"><bpmn:messageEventDefinition messageRef="m"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="read"/>
    <bpmn:userTask id="remind"/>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="end2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="answer"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="late"/>
    <bpmn:sequenceFlow id="f4" sourceRef="answer" targetRef="read"/>
    <bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="remind"/>
    <bpmn:sequenceFlow id="f6" sourceRef="read" targetRef="end"/>
    <bpmn:sequenceFlow id="f7" sourceRef="remind" targetRef="end2"/>{extra}""",
        MESSAGE,
    )


def test_the_timer_of_an_event_based_gateway_is_due_and_fires() -> None:
    clock = Clock()
    instance = started(gateway(), clock)
    assert instance.next_timer_due() == NOW + timedelta(hours=1)
    clock.now += timedelta(minutes=61)
    instance.advance(no_services)
    assert ready(instance) == ["remind"]
    assert instance.fired_timers == ["gw"]
    assert instance.next_timer_due() is None


def test_the_message_of_an_event_based_gateway_drops_its_timer() -> None:
    clock = Clock()
    instance = started(gateway(), clock)
    assert instance.send_message("antwort", {"text": "ok"})
    instance.advance(no_services)
    assert ready(instance) == ["read"]
    assert instance.next_timer_due() is None
    assert instance.fired_timers == []


def test_an_event_based_gateway_with_two_timers_is_refused() -> None:
    assert [p["name"] for p in refusal(gateway(timers=2))] == ["p.bpmn#gw"]


# -- ISO 8601 timers as Camunda Modeler writes them -----------------------------------------


def boundary(definition: str, interrupting: bool = False) -> dict[str, bytes]:
    cancel = "true" if interrupting else "false"
    return model(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="work"/>
    <bpmn:boundaryEvent id="timer" attachedToRef="work" cancelActivity="{cancel}">
      <bpmn:timerEventDefinition>{definition}</bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="reminded"/>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="end2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="timer" targetRef="reminded"/>
    <bpmn:sequenceFlow id="f4" sourceRef="reminded" targetRef="end2"/>""")


def dues(instance: Engine, clock: Clock, most: int) -> list[datetime]:
    """Moves the clock past each due time in turn; the due times, at most `most`."""
    seen = []
    for _ in range(most):
        due = instance.next_timer_due()
        if due is None:
            break
        seen.append(due)
        clock.now = due + timedelta(seconds=1)
        instance.advance(no_services)
    return seen


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ("<bpmn:timeDuration>PT5M</bpmn:timeDuration>", [NOW + timedelta(minutes=5)]),
        ("<bpmn:timeDuration> P1D </bpmn:timeDuration>", [NOW + timedelta(days=1)]),
        ('<bpmn:timeDuration>"PT5M"</bpmn:timeDuration>', [NOW + timedelta(minutes=5)]),
        # without an offset: the city's local time (CET = UTC+1 in November)
        ("<bpmn:timeDate>2026-11-24T09:00:00</bpmn:timeDate>", [datetime(2026, 11, 24, 8)]),
        ("<bpmn:timeDate>2026-11-24T09:00:00Z</bpmn:timeDate>", [datetime(2026, 11, 24, 9)]),
    ],
)
def test_an_iso_8601_duration_or_date_fires_once_at_its_time(
    definition: str, expected: list[datetime]
) -> None:
    clock = Clock()
    instance = started(boundary(definition), clock)
    assert dues(instance, clock, 5) == expected
    assert instance.fired_timers == ["timer"]
    assert ready(instance) == ["reminded", "work"]


def test_a_cycle_r3_fires_three_times_an_hour_apart() -> None:
    clock = Clock()
    instance = started(boundary("<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>"), clock)
    hours = [NOW + timedelta(hours=h) for h in (1, 2, 3)]
    assert dues(instance, clock, 10) == hours
    assert instance.fired_timers == ["timer"] * 3
    assert ready(instance) == ["reminded", "reminded", "reminded", "work"]


def test_an_unbounded_cycle_keeps_firing_and_a_cycle_with_a_start_begins_there() -> None:
    clock = Clock()
    instance = started(boundary("<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>"), clock)
    assert len(dues(instance, clock, 5)) == 5
    assert instance.next_timer_due() is not None
    clock = Clock()
    start = "<bpmn:timeCycle>R2/2026-11-23T15:00:00Z/P1D</bpmn:timeCycle>"
    instance = started(boundary(start), clock)
    first = datetime(2026, 11, 23, 15)
    assert dues(instance, clock, 5) == [first, first + timedelta(days=1)]


def test_a_cycle_on_an_intermediate_or_start_event_is_refused() -> None:
    cycle = "<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>"
    body = f"""
    <bpmn:startEvent id="start">{cycle}</bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait">{cycle}</bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>"""
    assert [p["name"] for p in refusal(model(body))] == ["p.bpmn#start", "p.bpmn#wait"]


def test_a_timer_text_that_is_neither_iso_8601_nor_a_safe_expression_is_refused() -> None:
    with pytest.raises(WorkflowError) as info:
        compile_bundle(boundary("<bpmn:timeDate>2026-13-99 kaputt</bpmn:timeDate>"))
    assert info.value.code == "script-invalid"
    assert info.value.invalid_params[0]["name"] == "p.bpmn#timer"


# -- refused constructs ---------------------------------------------------------------------


def test_compensation_is_refused_naming_the_events_and_the_handler() -> None:
    body = """
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="book"/>
    <bpmn:boundaryEvent id="on_undo" attachedToRef="book">
      <bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    <bpmn:userTask id="cancel_booking" isForCompensation="true"/>
    <bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition/>
    </bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="book"/>
    <bpmn:sequenceFlow id="f2" sourceRef="book" targetRef="undo"/>
    <bpmn:sequenceFlow id="f3" sourceRef="undo" targetRef="end"/>
    <bpmn:association id="a1" sourceRef="on_undo" targetRef="cancel_booking"/>"""
    names = {p["name"] for p in refusal(model(body))}
    assert names == {"p.bpmn#on_undo", "p.bpmn#cancel_booking", "p.bpmn#undo"}
