"""BPMN tests for the Beteiligung process (bpmn/beteiligung/), driven through egov.workflow.engine.

The bundle is compiled as egov deploys it, the instance is dumped and loaded again around every
step, and the engine's clock is a test clock, so the period's timers fire when the clock passes
them. Service tasks go to egov's own operators of the period (`beteiligung.zeitraum`,
`beteiligung.aktualisieren`) over a stand-in case whose `data` is the 0401 summary; the
status operator is recorded.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from egov.participation.operators import changes
from egov.participation.period import Period
from egov.workflow.deploy import read_bundle
from egov.workflow.engine import CompiledDefinition, Engine, compile_bundle

BUNDLE = Path(__file__).resolve().parent


def summary(start: str | None = "2026-03-02", end: str | None = "2026-03-31") -> dict[str, Any]:
    return {
        "plan_id": "BP-47-Lobeda",
        "vorgangs_id": "V-2026-0815",
        "title": "Bebauungsplan Nr. 47 „Wohnen am Lobdeburgweg“",
        "description": "Neue Wohnbebauung am Hang.",
        "period_start": start,
        "period_end": end,
        "documents": [],
    }


@dataclass
class Planning:
    """Stands in for the case and egov's operators; records the statuses set."""

    data: dict[str, Any]
    now: datetime
    statuses: list[str] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)

    def __call__(self, operator: str, params: dict[str, Any], _data: dict[str, Any]) -> Any:
        if operator == "case.set_status":
            self.statuses.append(params["status"])
            return params["status"]
        if operator == "beteiligung.antwort":
            self.answers.append(params["nachricht"])
            return f"outbox-{len(self.answers)}"
        if operator == "beteiligung.aktualisieren":
            changed = changes(self.data, params["aktualisierung"])
            self.data.update({key: value["after"] for key, value in changed.items()})
            self.updates.append(changed)
        elif operator != "beteiligung.zeitraum":
            raise AssertionError(f"unknown operator {operator}")
        period = Period.of(self.data.get("period_start"), self.data.get("period_end"))
        return period.variables(self.now)


class Run:
    definition: CompiledDefinition = compile_bundle(read_bundle(BUNDLE))

    def __init__(self, data: dict[str, Any], now: datetime) -> None:
        self.planning = Planning(copy.deepcopy(data), now)
        start = {**data, "case_reference": "JENA-2026-000047"}
        self.instance = Engine.start(self.definition, start, clock=self.clock)
        self.instance.advance(self.planning)

    def clock(self) -> datetime:
        return self.planning.now

    def reload(self) -> None:
        self.instance = Engine.load(self.definition, self.instance.dump(), clock=self.clock)

    def at(self, moment: datetime) -> None:
        """Move the clock and let due timers fire, as the timer sweep does."""
        self.planning.now = moment
        self.reload()
        self.instance.advance(self.planning)

    def update(self, payload: dict[str, Any]) -> bool:
        self.reload()
        caught = self.instance.send_message("beteiligung_aktualisieren", payload)
        self.instance.advance(self.planning)
        return caught

    @property
    def tasks(self) -> list[str]:
        return [task.title for task in self.instance.ready_user_tasks()]


def test_the_period_opens_and_closes_by_its_timers_then_the_statements_are_weighed() -> None:
    run = Run(summary(), now=datetime(2026, 2, 20, 9, 0))
    assert run.planning.statuses == ["announced"]
    assert run.planning.answers == ["0411"]
    assert run.instance.next_timer_due() == datetime(2026, 3, 1, 23, 0)  # 00:00 in Jena

    run.at(datetime(2026, 3, 1, 22, 59))
    assert run.planning.statuses == ["announced"]
    run.at(datetime(2026, 3, 1, 23, 0, 1))
    assert run.planning.statuses == ["announced", "participation_open"]
    assert run.instance.next_timer_due() == datetime(2026, 3, 31, 22, 0)  # end of 31 March, CEST

    run.at(datetime(2026, 3, 31, 22, 0, 1))
    assert run.planning.statuses[-1] == "participation_closed"
    assert run.tasks == ["Stellungnahmen abwägen"]
    [task] = run.instance.ready_user_tasks()
    assert task.org_unit == "fachdienst-stadtplanung"
    run.instance.complete_user_task(task.task_id, {"weighing_note": "Abgewogen."})
    run.instance.advance(run.planning)
    assert run.instance.completed


def test_a_last_day_on_a_weekend_closes_at_the_end_of_the_next_business_day() -> None:
    run = Run(summary(start="2026-03-02", end="2026-04-04"), now=datetime(2026, 3, 10))
    # Saturday 4 April; Easter Sunday and Monday follow: the period ends with Tuesday 7 April
    assert run.planning.statuses == ["participation_open"]
    assert run.instance.next_timer_due() == datetime(2026, 4, 7, 22, 0)


def test_an_update_moves_the_closing_timer_and_is_applied_to_the_procedure() -> None:
    run = Run(summary(), now=datetime(2026, 3, 10))
    assert run.update({"period_end": "2026-04-30", "description": "Erweiterter Geltungsbereich."})
    assert run.planning.updates == [
        {
            "period_end": {"before": "2026-03-31", "after": "2026-04-30"},
            "description": {
                "before": "Neue Wohnbebauung am Hang.",
                "after": "Erweiterter Geltungsbereich.",
            },
        }
    ]
    assert run.instance.next_timer_due() == datetime(2026, 4, 30, 22, 0)
    assert run.planning.answers == ["0411", "0412"]
    run.at(datetime(2026, 4, 1))
    assert run.planning.statuses == ["participation_open", "participation_open"]
    assert run.tasks == []
    run.at(datetime(2026, 4, 30, 22, 0, 1))
    assert run.planning.statuses[-1] == "participation_closed"


def test_an_update_before_the_start_moves_the_opening_timer() -> None:
    run = Run(summary(), now=datetime(2026, 2, 1))
    assert run.update({"period_start": "2026-03-16"})
    assert run.instance.next_timer_due() == datetime(2026, 3, 15, 23, 0)
    run.at(datetime(2026, 3, 2, 12, 0))
    assert run.planning.statuses == ["announced", "announced"]


def test_without_a_period_the_procedure_waits_for_an_update_that_names_one() -> None:
    run = Run(summary(start=None, end=None), now=datetime(2026, 2, 1))
    assert run.planning.statuses == ["announced"]
    assert run.instance.next_timer_due() is None
    assert run.update({"period_start": "2026-02-02", "period_end": "2026-02-27"})
    run.at(datetime(2026, 2, 2, 8, 0))
    assert run.planning.statuses[-1] == "participation_open"


def test_an_update_after_the_close_finds_nothing_waiting() -> None:
    run = Run(summary(end="2026-03-06"), now=datetime(2026, 3, 10))
    assert run.planning.statuses == ["participation_closed"]
    assert not run.update({"period_end": "2026-04-30"})
