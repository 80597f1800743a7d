"""Regenerates the golden serialized instances in tests/golden/states/.

Usage (only when the state format changes on purpose, e.g. after a reviewed SpiffWorkflow
upgrade with a migration): ``.venv/bin/python -m tests.golden.make_golden``

The bundle in tests/golden/bundle/ is fixed; each golden state is produced by driving the
runtime, never written by hand. test_golden.py loads every state with the current runtime and
advances it, so an upgrade that cannot read yesterday's cases fails CI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from egov.workflow.engine import Engine, compile_bundle

HERE = Path(__file__).parent
BUNDLE_DIR = HERE / "bundle"
STATES_DIR = HERE / "states"
LIMIT = 5


def load_golden_bundle() -> dict[str, bytes]:
    return {
        str(path.relative_to(BUNDLE_DIR)): path.read_bytes()
        for path in sorted(BUNDLE_DIR.rglob("*"))
        if path.is_file()
    }


def services(operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    return params["value"] + 1 if operator == "increment" else None


def _complete(instance: Engine, passes: int) -> None:
    for number in range(passes):
        task = instance.ready_user_tasks()[0]
        instance.complete_user_task(task.task_id, {"note": f"Durchlauf {number + 1}"})
        instance.advance(services)


def make_states() -> dict[str, str]:
    definition = compile_bundle(load_golden_bundle())
    states: dict[str, str] = {}
    for name, passes in (("waiting_at_user_task", 0), ("mid_loop", 2), ("completed", LIMIT)):
        instance = Engine.start(definition, {"counter": 0, "limit": LIMIT})
        instance.advance(services)
        _complete(instance, passes)
        states[name] = instance.dump()
    return states


def main() -> None:
    STATES_DIR.mkdir(exist_ok=True)
    definition = compile_bundle(load_golden_bundle())
    meta = {"content_hash": definition.content_hash, "limit": LIMIT}
    (STATES_DIR / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    for name, state in make_states().items():
        (STATES_DIR / f"{name}.json").write_text(state + "\n")


if __name__ == "__main__":
    main()
