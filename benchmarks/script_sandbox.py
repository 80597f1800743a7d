"""Cost of the script sandbox: per call, and per Bürgerbudget case, against in-process engines.

Engines compared (interleaved: every round runs each engine once, in alternating order, so
load on a shared machine hits all of them alike):

* ``sandbox``: egov's engine as it runs now, scripts in the sandbox subprocesses;
* ``spiff-default``: SpiffWorkflow's unrestricted in-process engine (reference only, unsafe);
* ``before``: egov's previous in-process restricted engine, if its source is given with
  ``--before PATH`` (e.g. ``git show 6a2f15f:egov/workflow/scripting.py > /tmp/before.py``).

Per call: a tiny condition (``counter < limit``) and a tiny script (``counter = counter + 1``),
``CALLS`` calls per round. Per case: one Bürgerbudget case through ``egov.workflow.engine``
(start, formal check admissible, feasibility with costs, admitted to the vote; state dumped
and loaded between steps as the runtime does), no database. Per pass: one pass of the
looping case of ``tests/unit/workflow/test_long_lived_loop.py`` (two service-task parameters
and a gateway condition). Prints medians, quartiles and ratios.

Run: .venv/bin/python benchmarks/script_sandbox.py [--rounds N] [--before PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from egov.workflow.deploy import read_bundle
from egov.workflow.engine import Engine, compile_bundle
from egov.workflow.script_pool import ScriptPool
from egov.workflow.scripting import RestrictedScriptEngine

ROOT = Path(__file__).resolve().parent.parent
BUERGERBUDGET = ROOT / "bpmn" / "buergerbudget"
CALLS = 200
Factory = Callable[[], Any]


class SpiffDefault(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's own engine with egov's service hook (unrestricted, in-process)."""

    service_caller: Any = None

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        return self.service_caller(task, kwargs["operation_name"], kwargs["operation_params"])


def engines(before: str | None) -> dict[str, Factory]:
    found: dict[str, Factory] = {"sandbox": RestrictedScriptEngine, "spiff-default": SpiffDefault}
    if before:
        spec = importlib.util.spec_from_file_location("egov_scripting_before", before)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found["before"] = module.RestrictedScriptEngine
    return found


def per_call(engine: Any, kind: str) -> float:
    env = engine.environment
    context = {"counter": 3, "limit": 10, "title": "Fahrradbügel am Holzmarkt"}
    started = time.perf_counter()
    for _ in range(CALLS):
        if kind == "condition":
            env.evaluate("counter < limit", context)
        else:
            env.execute("counter = counter + 1", context)
    return (time.perf_counter() - started) / CALLS


def services(operator: str, params: dict[str, Any], _data: dict[str, Any]) -> Any:
    if operator == "letters.create":
        return {"document_id": "doc-1"}
    return {"status": params.get("status")}


PROPOSAL = {
    "title": "Fahrradbügel am Holzmarkt",
    "description": "Zehn Fahrradbügel vor der Stadtbibliothek.",
    "location": "Holzmarkt, Jena-Zentrum",
    "category": "verkehr",
    "estimated_cost_eur": 3200.0,
    "follow_up_cost_eur": 500.0,
    "public_space": True,
    "other_funding_available": False,
    "case_reference": "JENA-2020-000001",
    "applicant_name": "Erika Mustermann",
    "submitted_at": "2020-09-01T10:00:00+02:00",
}
STEPS = [
    ("review_formal_check", {"formal_decision": "admissible"}),
    ("assess_feasibility", {"feasible": True, "cost_estimate_eur": 4200.5}),
]


def with_engine(instance: Engine, script_engine: Any) -> Engine:
    instance._engine = script_engine  # benchmark only: swap the script engine in
    instance.spiff_workflow.script_engine = script_engine
    return instance


def per_case(definition: Any, factory: Factory) -> float:
    started = time.perf_counter()
    instance = with_engine(Engine.start(definition, dict(PROPOSAL)), factory())
    instance.advance(services)
    for spec_name, form in STEPS:
        instance = with_engine(Engine.load(definition, instance.dump()), factory())
        [task] = instance.ready_user_tasks()
        assert task.spec_name == spec_name, task.spec_name
        instance.complete_user_task(task.task_id, form)
        instance.advance(services)
    assert instance.completed and instance.data["status_change"] == {"status": "admitted_to_vote"}
    return time.perf_counter() - started


LOOP = ROOT / "tests" / "unit" / "workflow" / "bpmn"


def loop_definition() -> Any:
    files = {"loop.bpmn": (LOOP / "loop.bpmn").read_bytes()}
    files.update({f"forms/{f.name}": f.read_bytes() for f in (LOOP / "forms").glob("*.json")})
    return compile_bundle(files)


def loop_counter(operator: str, params: dict[str, Any], _data: dict[str, Any]) -> Any:
    return params["value"] + 1 if operator == "increment" else None


def loop_instances(definition: Any, factories: dict[str, Factory]) -> dict[str, Engine]:
    instances = {}
    for name, factory in factories.items():
        instance = with_engine(Engine.start(definition, {"counter": 0, "limit": 10**9}), factory())
        instance.advance(loop_counter)
        instances[name] = instance
    return instances


def loop_pass(instance: Engine) -> float:
    """One pass of the looping case of test_long_lived_loop: complete the task, advance."""
    started = time.perf_counter()
    [task] = instance.ready_user_tasks()
    instance.complete_user_task(task.task_id, {"note": "weiter"})
    instance.advance(loop_counter)
    return time.perf_counter() - started


def interleaved(measures: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    names = list(measures)
    times: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        for name in names if number % 2 == 0 else reversed(names):
            times[name].append(measures[name]())
    return times


def report(title: str, times: dict[str, list[float]], unit: float, label: str) -> None:
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{title} (median of {len(next(iter(times.values())))} rounds)")
    for name, value in medians.items():
        quartiles = statistics.quantiles(times[name], n=4)
        spread = f"IQR {quartiles[0] * unit:.3f}-{quartiles[2] * unit:.3f}"
        print(f"  {name:14} {value * unit:9.3f} {label}  ({spread})")
    for name in medians:
        if name != "sandbox":
            extra = (medians["sandbox"] - medians[name]) * unit
            ratio = medians["sandbox"] / medians[name]
            print(f"  sandbox / {name}: {ratio:.2f}x, difference {extra:+.3f} {label}")


def sandbox_calls_per_case(definition: Any) -> int:
    calls = [0]
    original = ScriptPool.call

    def counting(self: ScriptPool, request: dict[str, Any], limit: float) -> dict[str, Any]:
        calls[0] += 1
        return original(self, request, limit)

    ScriptPool.call = counting  # type: ignore[method-assign]
    try:
        per_case(definition, RestrictedScriptEngine)
    finally:
        ScriptPool.call = original  # type: ignore[method-assign]
    return calls[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--before", help="source file of the previous scripting module")
    args = parser.parse_args()
    factories = engines(args.before)
    instances = {name: factory() for name, factory in factories.items()}
    definition = compile_bundle(read_bundle(BUERGERBUDGET))
    for name in factories:  # warm up: sandbox subprocess started, caches filled
        per_call(instances[name], "condition")
        per_case(definition, factories[name])
    for kind in ("condition", "script"):
        measures = {n: (lambda e=e, k=kind: per_call(e, k)) for n, e in instances.items()}
        report(f"per call, tiny {kind}", interleaved(measures, args.rounds), 1e6, "µs")
    cases = {n: (lambda f=f: per_case(definition, f)) for n, f in factories.items()}
    report("per Bürgerbudget case", interleaved(cases, args.rounds), 1e3, "ms")
    loops = loop_instances(loop_definition(), factories)
    passes = {n: (lambda i=i: loop_pass(i)) for n, i in loops.items()}
    report("per pass of a looping case (3 calls)", interleaved(passes, 10 * args.rounds), 1e3, "ms")
    print(f"\nsandbox calls per Bürgerbudget case: {sandbox_calls_per_case(definition)}")


if __name__ == "__main__":
    main()
