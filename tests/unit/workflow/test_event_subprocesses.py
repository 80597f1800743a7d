"""Event subprocesses alone, on the engine: every start kind, interrupting or not, at process
level and inside an embedded subprocess. Every step reloads the instance from its dump, as
egov does between steps (the spec as deployed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from egov.workflow.engine import Engine, compile_bundle
from tests.unit.workflow.test_constructs import Clock, no_services, refusal

HEAD = """
  <bpmn:message id="m" name="storno"/>
  <bpmn:signal id="sig" name="alarm"/>
  <bpmn:escalation id="esc" escalationCode="late"/>
  <bpmn:error id="err" errorCode="E1"/>"""
PASS = '<bpmn:intermediateThrowEvent id="throw"/>'
TRIGGERS = {  # the event subprocess's start; what the main flow does after `work`
    "message": ('<bpmn:messageEventDefinition messageRef="m"/>', PASS),
    "timer": (
        "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition>",
        PASS,
    ),
    "signal": (
        '<bpmn:signalEventDefinition signalRef="sig"/>',
        '<bpmn:intermediateThrowEvent id="throw"><bpmn:signalEventDefinition signalRef="sig"/>'
        "</bpmn:intermediateThrowEvent>",
    ),
    "escalation": (
        '<bpmn:escalationEventDefinition escalationRef="esc"/>',
        '<bpmn:intermediateThrowEvent id="throw">'
        '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:intermediateThrowEvent>',
    ),
    "error": (
        '<bpmn:errorEventDefinition errorRef="err"/>',
        '<bpmn:endEvent id="throw"><bpmn:errorEventDefinition errorRef="err"/></bpmn:endEvent>',
    ),
    "conditional": (
        "<bpmn:conditionalEventDefinition><bpmn:condition>late == True</bpmn:condition>"
        "</bpmn:conditionalEventDefinition>",
        PASS,
    ),
}
EXTERNAL = {"message", "timer"}  # triggered while `work` waits; the others by completing it
SCOPE = """
    <bpmn:startEvent id="start{n}"/>
    <bpmn:userTask id="work"/>
    {throw}
    <bpmn:userTask id="after"/>
    <bpmn:endEvent id="end{n}"/>
    <bpmn:sequenceFlow id="a1{n}" sourceRef="start{n}" targetRef="work"/>
    <bpmn:sequenceFlow id="a2{n}" sourceRef="work" targetRef="throw"/>
    <bpmn:sequenceFlow id="a3{n}" sourceRef="throw" targetRef="after"/>
    <bpmn:sequenceFlow id="a4{n}" sourceRef="after" targetRef="end{n}"/>{handler}"""
HANDLER = """
    <bpmn:subProcess id="on_event" triggeredByEvent="true">
      <bpmn:startEvent id="event_start" isInterrupting="{interrupting}">{definition}
      </bpmn:startEvent>
      <bpmn:userTask id="handle"/>
      <bpmn:endEvent id="event_end"/>
      <bpmn:sequenceFlow id="e1" sourceRef="event_start" targetRef="handle"/>
      <bpmn:sequenceFlow id="e2" sourceRef="handle" targetRef="event_end"/>
    </bpmn:subProcess>"""
NESTED = """
    <bpmn:startEvent id="start"/>
    <bpmn:subProcess id="inner">{scope}
    </bpmn:subProcess>
    <bpmn:userTask id="outside"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="o1" sourceRef="start" targetRef="inner"/>
    <bpmn:sequenceFlow id="o2" sourceRef="inner" targetRef="outside"/>
    <bpmn:sequenceFlow id="o3" sourceRef="outside" targetRef="end"/>"""


def model(body: str) -> dict[str, bytes]:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://egov.example/bpmn">{HEAD}
  <bpmn:process id="p" isExecutable="true">{body}
  </bpmn:process>
</bpmn:definitions>"""
    return {"p.bpmn": xml.encode()}


def handler(definition: str, interrupting: bool) -> str:
    return HANDLER.format(interrupting=str(interrupting).lower(), definition=definition)


def event_model(kind: str, interrupting: bool, nested: bool) -> dict[str, bytes]:
    definition, throw = TRIGGERS[kind]
    n = "_in" if nested else ""
    scope = SCOPE.format(n=n, throw=throw, handler=handler(definition, interrupting))
    if kind == "error":  # an end event: nothing follows it
        scope = scope.replace(
            f'<bpmn:sequenceFlow id="a3{n}" sourceRef="throw" targetRef="after"/>', ""
        )
    return model(NESTED.format(scope=scope) if nested else scope)


def variant(kind: str, interrupting: bool, old: str, new: str) -> dict[str, bytes]:
    """The process-level model of `kind` with `old` replaced by `new`."""
    files = event_model(kind, interrupting=interrupting, nested=False)
    return {"p.bpmn": files["p.bpmn"].replace(old.encode(), new.encode())}


CYCLE = "<bpmn:timeCycle>R2/PT1H</bpmn:timeCycle>"
DURATION = "<bpmn:timeDuration>PT1H</bpmn:timeDuration>"


class Running:
    """One instance, dumped and reloaded after every step as egov's steps do."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.definition = compile_bundle(files)
        self.clock = Clock()
        engine = Engine.start(self.definition, {"late": False}, clock=self.clock)
        engine.advance(no_services)
        self.state = engine.dump()

    def step(self, action: Any) -> Any:
        engine = Engine.load(self.definition, self.state, clock=self.clock)
        result = action(engine)
        engine.advance(no_services)
        self.state = engine.dump()
        return result

    def ready(self) -> list[str]:
        return sorted(t.spec_name for t in self.step(lambda e: e.ready_user_tasks()))

    def complete(self, name: str, data: dict[str, Any] | None = None) -> None:
        def act(engine: Engine) -> None:
            task = next(t for t in engine.ready_user_tasks() if t.spec_name == name)
            engine.complete_user_task(task.task_id, data or {})

        self.step(act)

    def trigger(self, kind: str) -> None:
        if kind == "message":
            assert self.step(lambda e: e.send_message("storno", {})) is True
        elif kind == "timer":
            self.clock.now += timedelta(minutes=61)
            self.step(lambda e: None)
        else:
            self.complete("work", {"late": True})

    @property
    def completed(self) -> bool:
        return bool(self.step(lambda e: e.completed))


CASES = [(kind, nested) for kind in sorted(TRIGGERS) for nested in (False, True)]


@pytest.mark.parametrize(("kind", "nested"), CASES)
def test_an_interrupting_event_subprocess_cancels_its_scope_then_runs_and_ends_it(
    kind: str, nested: bool
) -> None:
    instance = Running(event_model(kind, interrupting=True, nested=nested))
    assert instance.ready() == ["work"]
    instance.trigger(kind)
    assert instance.ready() == ["handle"]
    instance.complete("handle")
    if nested:  # the subprocess ends with its event subprocess, the process goes on
        assert instance.ready() == ["outside"]
        instance.complete("outside")
    assert instance.completed


@pytest.mark.parametrize(("kind", "nested"), [c for c in CASES if c[0] != "error"])
def test_a_non_interrupting_event_subprocess_runs_alongside_and_the_scope_waits_for_it(
    kind: str, nested: bool
) -> None:
    instance = Running(event_model(kind, interrupting=False, nested=nested))
    instance.trigger(kind)
    main = "work" if kind in EXTERNAL else "after"
    assert instance.ready() == sorted(["handle", main])
    if kind in EXTERNAL:
        instance.complete("work")
    instance.complete("after")
    assert instance.ready() == ["handle"]
    assert not instance.completed
    instance.complete("handle")
    if nested:
        assert instance.ready() == ["outside"]
        instance.complete("outside")
    assert instance.completed


def test_a_second_message_starts_a_second_non_interrupting_event_subprocess() -> None:
    instance = Running(event_model("message", interrupting=False, nested=False))
    instance.trigger("message")
    instance.trigger("message")
    assert instance.ready() == ["handle", "handle", "work"]


def test_the_scope_ending_ends_the_wait_for_its_event_subprocess() -> None:
    instance = Running(event_model("message", interrupting=False, nested=True))
    instance.complete("work")
    instance.complete("after")
    assert instance.ready() == ["outside"]
    assert instance.step(lambda e: e.send_message("storno", {})) is False


def test_a_cycle_timer_starts_a_non_interrupting_event_subprocess_each_time() -> None:
    instance = Running(variant("timer", False, DURATION, CYCLE))
    for _ in range(3):
        instance.trigger("timer")
    assert instance.ready() == ["handle", "handle", "work"]


def test_the_event_subprocess_sees_the_data_of_its_scope_as_it_is_now() -> None:
    instance = Running(event_model("message", interrupting=True, nested=True))
    instance.complete("work", {"checked": "ja"})
    instance.trigger("message")
    [handle] = instance.step(lambda e: e.ready_user_tasks())
    assert handle.data["checked"] == "ja"


REFUSED = {
    "a non-interrupting error start": (
        event_model("error", interrupting=False, nested=False),
        "p.bpmn#event_start",
        "unterbricht immer",
    ),
    "an interrupting cycle": (
        variant("timer", True, DURATION, CYCLE),
        "p.bpmn#event_start",
        "nicht unterbrechenden",
    ),
    "a start without trigger": (
        variant("message", True, TRIGGERS["message"][0], ""),
        "p.bpmn#on_event",
        "genau ein Startereignis mit einem Ausl",
    ),
    "a second start event of the scope": (
        variant("message", True, '<bpmn:userTask id="work"/>', '<bpmn:startEvent id="s2"/>'),
        "p.bpmn#p",
        "genau ein Startereignis ohne",
    ),
    "a terminate end event beside it": (
        variant(
            "message",
            True,
            '<bpmn:endEvent id="end"/>',
            '<bpmn:endEvent id="end"><bpmn:terminateEventDefinition/></bpmn:endEvent>',
        ),
        "p.bpmn#end",
        "Terminierungs-Endereignis",
    ),
    "one in an ad-hoc subprocess": (
        model(
            """
    <bpmn:startEvent id="start"/>
    <bpmn:adHocSubProcess id="loose"><bpmn:userTask id="work"/>"""
            + handler(TRIGGERS["message"][0], interrupting=True)
            + """
    </bpmn:adHocSubProcess>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="loose"/>
    <bpmn:sequenceFlow id="f2" sourceRef="loose" targetRef="end"/>"""
        ),
        "p.bpmn#on_event",
        "nur in einem Prozess oder Teilprozess",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_event_subprocess_egov_cannot_run_is_refused_naming_it(case: str) -> None:
    files, name, reason = REFUSED[case]
    [param] = refusal(files)
    assert param["name"] == name
    assert reason in param["reason"]
    assert isinstance(param["line"], int)


def two_handlers() -> Running:
    """An interrupting message and a non-interrupting timer event subprocess in one scope."""
    second = handler(TRIGGERS["timer"][0], interrupting=False)
    for old, new in (("on_event", "on_time"), ("event_", "time_"), ('"handle"', '"remind"')):
        second = second.replace(old, new)
    second = second.replace('id="e1"', 'id="t1"').replace('id="e2"', 'id="t2"')
    return Running(variant("message", True, "</bpmn:process>", f"{second}</bpmn:process>"))


def test_an_interrupting_event_subprocess_also_ends_a_non_interrupting_one_running() -> None:
    instance = two_handlers()
    instance.trigger("timer")
    assert instance.ready() == ["remind", "work"]
    instance.trigger("message")
    assert instance.ready() == ["handle"]
    instance.complete("handle")
    assert instance.completed


def test_the_scope_still_interrupts_while_only_a_non_interrupting_one_runs() -> None:
    instance = two_handlers()
    instance.trigger("timer")
    instance.complete("work", {"checked": "ja"})
    instance.complete("after")
    assert instance.ready() == ["remind"]
    instance.trigger("message")
    [handle] = instance.step(lambda e: e.ready_user_tasks())
    assert (handle.spec_name, handle.data["checked"]) == ("handle", "ja")
