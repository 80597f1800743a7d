"""DMN input entries may be FEEL simple unary tests; each matches as DMN 1.3 says."""

from __future__ import annotations

from typing import Any

import pytest

from egov.workflow.engine import Engine, compile_bundle
from egov.workflow.feel import python_entry
from tests.builders import as_bytes, expression_bundle


def no_services(operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    return None


def decided(entry: str, amount: Any) -> str:
    """The size the decision gives `amount` when its first rule has the input entry `entry`
    (the second rule says "klein" for anything)."""
    definition = compile_bundle(as_bytes(expression_bundle("feel", dmn_entry=entry)))
    instance = Engine.start(definition, {"amount": amount})
    instance.advance(no_services)
    return str(instance.data["size"])


@pytest.mark.parametrize(
    ("entry", "amount", "size"),
    [
        ('"a","b"', "b", "gross"),
        ('"a", "b"', "c", "klein"),
        ('"a,b", "c"', "a,b", "gross"),
        ("5, 7", 7, "gross"),
        ("5, 7", 6, "klein"),
        ("[1..10]", 1, "gross"),
        ("[1..10]", 10, "gross"),
        ("[1..10]", 11, "klein"),
        ("]1..10[", 1, "klein"),
        ("]1..10[", 5, "gross"),
        ("[1..10)", 10, "klein"),
        ("(1..10]", 10, "gross"),
        ("not(5)", 5, "klein"),
        ("not(5)", 6, "gross"),
        ('not("a","b")', "c", "gross"),
        ('not("a","b")', "a", "klein"),
        ("not([1..10])", 11, "gross"),
        (">= 10, < 3", 2, "gross"),
        (">= 10, < 3", 5, "klein"),
        ("<= 3", 3, "gross"),
        ("> 100", 150, "gross"),
        ("-", 1, "gross"),
        ('"a"', "a", "gross"),
        ("? > 100 and ? < 200", 150, "gross"),
    ],
)
def test_a_feel_simple_unary_test_matches_as_dmn_says(entry: str, amount: Any, size: str) -> None:
    assert decided(entry, amount) == size


@pytest.mark.parametrize(
    "entry", ["-", '"a"', "150", "> 100", "? > 100", "[1, 2]", '"wer?", "wie"', ""]
)
def test_what_spiffworkflow_already_reads_right_is_left_as_it_is(entry: str) -> None:
    if entry == '"wer?", "wie"':
        assert python_entry(entry) == '(? == "wer?") or (? == "wie")'
    else:
        assert python_entry(entry) == entry
