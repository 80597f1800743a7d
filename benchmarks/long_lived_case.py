"""Long-lived cases: step cost and stored state over 1,000 passes of a loop, as egov runs them.

Every pass does what a workflow step does in production: load the instance from its stored
state, complete the user task, advance (two service tasks and a gateway), dump the state.
Prints figures for pass 10 and pass 1,000 and their ratios, and the share of a step spent
restoring the spec. Run: .venv/bin/python benchmarks/long_lived_case.py [PASSES]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

from egov.workflow import serialization
from egov.workflow.engine import Engine, compile_bundle

ROOT = Path(__file__).resolve().parent.parent
LOOP = ROOT / "tests" / "unit" / "workflow" / "bpmn" / "loop.bpmn"
BUERGERBUDGET = ROOT / "bpmn" / "buergerbudget"
WINDOW = 25


def services(operator: str, params: dict[str, Any], _data: dict[str, Any]) -> Any:
    return params["value"] + 1 if operator == "increment" else None


def run_loop(passes: int) -> tuple[dict[int, float], dict[int, int]]:
    forms = LOOP.parent / "forms"
    definition = compile_bundle(
        {
            "loop.bpmn": LOOP.read_bytes(),
            **{f"forms/{f.name}": f.read_bytes() for f in forms.glob("*.json")},
        }
    )
    instance = Engine.start(definition, {"counter": 0, "limit": passes + WINDOW + 1})
    instance.advance(services)
    state = instance.dump()
    timings: dict[int, float] = {}
    sizes: dict[int, int] = {}
    for number in range(1, passes + WINDOW + 1):
        started = time.perf_counter()
        instance = Engine.load(definition, state)
        task = instance.ready_user_tasks()[0]
        instance.complete_user_task(task.task_id, {"note": f"Durchlauf {number}"})
        instance.advance(services)
        state = instance.dump()
        timings[number] = time.perf_counter() - started
        sizes[number] = len(state)
    return timings, sizes


def spec_restore_ms() -> float:
    files = {
        p.relative_to(BUERGERBUDGET).as_posix(): p.read_bytes()
        for p in BUERGERBUDGET.rglob("*")
        if p.is_file()
        and not p.name.startswith("test_")
        and p.suffix in {".bpmn", ".dmn", ".json", ".txt"}
    }
    spec_json = compile_bundle(files).spec_json
    rounds = []
    for _ in range(30):
        started = time.perf_counter()
        serialization.load_specs(spec_json)
        rounds.append(time.perf_counter() - started)
    return statistics.median(rounds) * 1000


def main() -> None:
    passes = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    timings, sizes = run_loop(passes)
    early = statistics.median(timings[n] for n in range(10, 10 + WINDOW))
    late = statistics.median(timings[n] for n in range(passes, passes + WINDOW))
    print("loop of 1 user task + 2 service tasks, load/complete/advance/dump per pass")
    print(f"pass 10:    state {sizes[10]:>7} bytes, median step {early * 1000:7.2f} ms")
    print(f"pass {passes}: state {sizes[passes]:>7} bytes, median step {late * 1000:7.2f} ms")
    print(
        f"ratio pass {passes}/pass 10: state {sizes[passes] / sizes[10]:.2f}x, "
        f"step {late / early:.2f}x"
    )
    restore = spec_restore_ms()
    print(f"restoring the Bürgerbudget spec from spec_json: median {restore:.2f} ms per load")


if __name__ == "__main__":
    main()
