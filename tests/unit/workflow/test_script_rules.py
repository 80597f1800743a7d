"""The sandbox's static rules (pure: nothing is executed here)."""

from __future__ import annotations

import pytest

from egov.workflow.script_rules import (
    ScriptError,
    ScriptSyntaxError,
    check_source,
    referenced_names,
    safe_message,
    validate_source,
)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("@f\ndef g():\n    return 1", "Dekoratoren"),
        ("x = (lambda: 1)()\ny = e.with_traceback(None)", "with_traceback"),
        ("g = (i for i in [1])\nx = g.gi_code", "gi_code"),
        ("x = frame.f_back", "f_back"),
        ("x = tb.tb_frame", "tb_frame"),
        ("x = code.co_consts", "co_consts"),
        ("x = f'{y.__class__}'", "__class__"),
        ("x = f'{y.mro()}'", "mro"),
        ("x = '{0.real}'.format(1)", "format"),
        ("x = str.format_map('{a}', {})", "format_map"),
    ],
)
def test_a_construct_that_walks_to_internals_is_refused_with_its_reason(
    source: str, reason: str
) -> None:
    with pytest.raises(ScriptError, match=reason):
        check_source(source, "exec")


def test_a_refusal_names_the_line_within_the_script() -> None:
    with pytest.raises(ScriptError) as info:
        check_source("a = 1\nb = 2\nimport os", "exec")
    assert info.value.lineno == 3
    assert info.value.message == "Nicht erlaubte Anweisung: import"


def test_a_parse_error_is_also_a_syntax_error_for_spiffworkflows_dmn_rewrite() -> None:
    with pytest.raises(SyntaxError):
        validate_source("> 5000")
    with pytest.raises(ScriptSyntaxError):
        validate_source("in ('a', 'b')")
    validate_source("v > 5000")
    with pytest.raises(ScriptError) as info:
        validate_source("__import__('os')")
    assert not isinstance(info.value, SyntaxError)


@pytest.mark.parametrize(
    "source", ["-" * 100_000 + "1", "(" * 300 + ")" * 300, "a" + "+a" * 50_000, "x" * 100_001]
)
def test_a_pathological_source_is_refused_without_harm(source: str) -> None:
    with pytest.raises(ScriptError):
        check_source(source, "eval")


def test_the_names_a_script_can_reach_are_exactly_its_name_nodes() -> None:
    names = referenced_names("total = sum(i['b'] for i in items)\ndel old", "exec")
    assert names == {"total", "sum", "i", "items", "old"}


def test_a_failure_message_is_made_safe_for_logs_and_every_database() -> None:
    assert safe_message("a\x00b\ud800c\nd\te\x1b") == "a\ufffdb?c\nd\te\ufffd"
    assert len(safe_message("x" * 10**6)) == 500
