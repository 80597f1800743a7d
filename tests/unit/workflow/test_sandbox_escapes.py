"""The corpus of known sandbox escapes against the engine: refused at compile time where the
static check sees it, and ended with a stable code when it runs anyway."""

from __future__ import annotations

import resource
import time
from typing import Any

import pytest

from egov.workflow.engine import Engine, WorkflowError, compile_bundle
from egov.workflow.script_pool import ScriptPool
from egov.workflow.script_rules import ScriptError
from egov.workflow.scripting import ScriptLimits
from tests.builders import as_bytes, linear_bundle
from tests.sandbox_corpus import CORPUS, Escape

LIMITS = ScriptLimits(time_seconds=0.5)
IDS = [escape.name for escape in CORPUS]


def no_services(operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    return None


@pytest.mark.parametrize("escape", CORPUS, ids=IDS)
def test_compiling_a_bundle_refuses_exactly_the_statically_visible_escapes(escape: Escape) -> None:
    files = as_bytes(linear_bundle("escape", script=escape.script))
    if not escape.static:
        compile_bundle(files)
        return
    with pytest.raises(WorkflowError) as info:
        compile_bundle(files)
    assert info.value.code == "script-invalid"
    assert [p["name"] for p in info.value.invalid_params] == ["escape.bpmn#script"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("escape", CORPUS, ids=IDS)
def test_an_escape_run_anyway_ends_with_its_code_and_the_engine_runs_on(escape: Escape) -> None:
    files = as_bytes(linear_bundle("escape", script=escape.script))
    definition = compile_bundle(files, check_scripts=False)
    instance = Engine.start(definition, {}, LIMITS)
    rss_before, started = peak_rss_mb(), time.monotonic()

    with pytest.raises(WorkflowError) as info:
        instance.advance(no_services)

    assert info.value.code == escape.code, info.value.message
    assert time.monotonic() - started < 5
    assert peak_rss_mb() - rss_before < 100  # nothing was allocated in this process
    assert not instance.ready_user_tasks()
    fine = Engine.start(compile_bundle(as_bytes(linear_bundle("fine", script="y = 1"))), {})
    fine.advance(no_services)
    assert fine.data["y"] == 1


@pytest.fixture(scope="module")
def raw_pool() -> Any:
    pool = ScriptPool(LIMITS)
    yield pool
    pool.close()


@pytest.mark.parametrize("escape", [e for e in CORPUS if e.static], ids=lambda e: e.name)
def test_the_subprocess_refuses_a_static_escape_itself_when_the_parent_check_is_skipped(
    raw_pool: ScriptPool, escape: Escape
) -> None:
    request = {"op": "exec", "source": escape.script, "vars": {}, "hide": []}
    with pytest.raises(ScriptError) as info:
        raw_pool.call(request, LIMITS.time_seconds)
    assert info.value.code == "script-failed"
