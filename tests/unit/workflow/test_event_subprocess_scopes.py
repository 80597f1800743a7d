"""The scope of a non-interrupting event subprocess, on the engine (BPMN 2.0 §10.3.5, as
Camunda runs it): the scope stays active, its start event armed, while an instance runs, and
the variables an instance wrote are the scope's when it completes. Every step reloads the
instance from its dump, as egov does between steps."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.workflow.test_event_subprocesses import (
    CYCLE,
    DURATION,
    Running,
    event_model,
    variant,
)

R3_PT1M = "<bpmn:timeCycle>R3/PT1M</bpmn:timeCycle>"


def message(instance: Running) -> bool:
    return bool(instance.step(lambda e: e.send_message("storno", {})))


def main_flow_done(instance: Running) -> None:
    instance.complete("work")
    instance.complete("after")


def data_of(instance: Running, name: str) -> dict[str, object]:
    task = next(t for t in instance.step(lambda e: e.ready_user_tasks()) if t.spec_name == name)
    return task.data


def test_messages_after_the_main_flow_ended_start_instances_while_one_still_runs() -> None:
    instance = Running(event_model("message", interrupting=False, nested=False))
    instance.trigger("message")
    main_flow_done(instance)
    assert instance.ready() == ["handle"]
    assert message(instance) and message(instance)
    assert instance.ready() == ["handle", "handle", "handle"]
    for remaining in (2, 1):
        instance.complete("handle")
        assert instance.ready() == ["handle"] * remaining
        assert not instance.completed
    instance.complete("handle")
    assert instance.completed


def test_once_the_last_instance_completed_the_scope_ends_and_its_start_is_disarmed() -> None:
    instance = Running(event_model("message", interrupting=False, nested=True))
    instance.trigger("message")
    main_flow_done(instance)
    assert instance.ready() == ["handle"]
    instance.complete("handle")
    assert instance.ready() == ["outside"]
    assert message(instance) is False


def test_a_cycle_keeps_firing_after_the_main_flow_ended_while_the_scope_is_active() -> None:
    instance = Running(variant("timer", False, DURATION, R3_PT1M))
    instance.clock.now += timedelta(seconds=61)
    instance.step(lambda e: None)
    main_flow_done(instance)
    for _ in range(3):
        instance.clock.now += timedelta(seconds=60)
        instance.step(lambda e: None)
    assert instance.ready() == ["handle", "handle", "handle"]  # R3: three, then it stops
    assert instance.step(lambda e: e.next_timer_due()) is None
    for _ in range(3):
        instance.complete("handle")
    assert instance.completed


def test_a_cycle_stops_when_the_scope_ends_with_its_last_instance() -> None:
    instance = Running(variant("timer", False, DURATION, CYCLE))
    instance.trigger("timer")
    main_flow_done(instance)
    assert instance.step(lambda e: e.next_timer_due()) is not None
    instance.complete("handle")
    assert instance.completed
    assert instance.step(lambda e: e.next_timer_due()) is None


def test_what_an_instance_wrote_reaches_the_later_user_task_of_the_main_flow() -> None:
    instance = Running(event_model("message", interrupting=False, nested=False))
    instance.trigger("message")
    instance.complete("handle", {"nachgereicht": "ja"})
    instance.complete("work")
    assert data_of(instance, "after")["nachgereicht"] == "ja"


def test_what_an_instance_wrote_reaches_a_user_task_already_open() -> None:
    instance = Running(event_model("message", interrupting=False, nested=False))
    instance.complete("work")
    instance.trigger("message")
    instance.complete("handle", {"nachgereicht": "ja"})
    assert data_of(instance, "after")["nachgereicht"] == "ja"


def test_a_gateway_of_the_main_flow_decides_on_what_an_instance_wrote() -> None:
    gateway = (
        '<bpmn:exclusiveGateway id="throw" default="a3"/>'
        '<bpmn:userTask id="review"/><bpmn:endEvent id="end_review"/>'
        '<bpmn:sequenceFlow id="r1" sourceRef="throw" targetRef="review">'
        "<bpmn:conditionExpression>late == True</bpmn:conditionExpression>"
        '</bpmn:sequenceFlow><bpmn:sequenceFlow id="r2" sourceRef="review" targetRef="end_review"/>'
    )
    files = variant("message", False, '<bpmn:intermediateThrowEvent id="throw"/>', gateway)
    for late, task in ((True, "review"), (None, "after")):
        instance = Running(files)
        instance.trigger("message")
        instance.complete("handle", {"late": True} if late else {})
        instance.complete("work")
        assert instance.ready() == [task]


def test_of_two_writes_of_a_variable_the_one_completed_last_wins() -> None:
    instance = Running(event_model("message", interrupting=False, nested=False))
    instance.trigger("message")
    instance.complete("handle", {"betrag": 100})
    instance.complete("work", {"betrag": 200})  # completed after the instance: it wins
    assert data_of(instance, "after")["betrag"] == 200
    instance.trigger("message")
    instance.complete("handle", {"betrag": 300})  # completed after `work`: it wins
    assert data_of(instance, "after")["betrag"] == 300


def test_data_written_after_the_main_flow_ended_leaves_the_scope_with_it() -> None:
    instance = Running(event_model("message", interrupting=False, nested=True))
    instance.trigger("message")
    main_flow_done(instance)
    instance.complete("handle", {"nachgereicht": "ja"})
    assert data_of(instance, "outside")["nachgereicht"] == "ja"


def test_a_later_instance_starts_with_what_an_earlier_one_wrote() -> None:
    instance = Running(event_model("message", interrupting=False, nested=False))
    instance.trigger("message")
    main_flow_done(instance)
    instance.trigger("message")
    instance.complete("handle", {"zaehler": 1})
    instance.trigger("message")
    started_with = [t.data.get("zaehler") for t in instance.step(lambda e: e.ready_user_tasks())]
    assert sorted(map(str, started_with)) == ["1", "None"]  # the running one keeps its data


def test_a_variable_an_instance_removed_is_gone_from_the_scope() -> None:
    script = '<bpmn:scriptTask id="handle"><bpmn:script>del late</bpmn:script></bpmn:scriptTask>'
    instance = Running(variant("message", False, '<bpmn:userTask id="handle"/>', script))
    instance.trigger("message")
    instance.complete("work")
    assert "late" not in data_of(instance, "after")
