"""What a hostile probe of the running server found in intake, pinned at the parser: every
refusal is an IntakeError with a stable code, and it is cheap."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from egov.intake import formats
from egov.intake.errors import MAX_REPORTED_PARAMS, IntakeError
from egov.intake.parsing import Limits

from .conftest import message

Parse = Callable[..., Any]


def error_of(parse: Parse, raw: bytes, limits: Limits | None = None) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        parse(raw, limits)
    return caught.value


def with_attributes(count: int, *, element: bytes = b"titel", prefix: bytes = b"a") -> bytes:
    attributes = b" ".join(b'%s%d="x"' % (prefix, i) for i in range(count))
    return message().replace(b"<%s>" % element, b"<%s %s>" % (element, attributes), 1)


# --- finding 1: attributes -------------------------------------------------------------------


def test_too_many_attributes_on_one_element_are_refused(parse: Parse) -> None:
    error = error_of(parse, with_attributes(65))
    assert error.code == "xml-too-many-attributes"
    assert error.invalid_params[0]["line"] is not None


def test_the_attributes_of_one_element_within_the_limit_reach_the_schema(parse: Parse) -> None:
    assert error_of(parse, with_attributes(64)).code == "fachdaten-invalid"


def test_namespace_declarations_count_as_attributes(parse: Parse) -> None:
    declarations = b" ".join(b'xmlns:p%d="urn:p%d"' % (i, i) for i in range(65))
    raw = message().replace(b"<titel>", b"<titel " + declarations + b">", 1)
    assert error_of(parse, raw).code == "xml-too-many-attributes"


def test_too_many_attributes_in_the_whole_message_are_refused(parse: Parse) -> None:
    raw = with_attributes(3, element=b"ort")
    raw = raw.replace(b"<beschreibung>", b'<beschreibung b1="x" b2="x">', 1)
    limits = Limits(max_attributes_per_element=10, max_attributes=4)
    error = error_of(parse, raw, limits)
    assert error.code == "xml-too-many-attributes"


def test_200000_attributes_are_refused_within_a_second_or_so(parse: Parse) -> None:
    raw = with_attributes(200_000)
    started = time.perf_counter()
    error = error_of(parse, raw)
    assert error.code == "xml-too-many-attributes"
    assert time.perf_counter() - started < 5


def test_only_the_reported_schema_errors_are_given_a_readable_path(
    parse: Parse, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str | None] = []
    original = formats.readable_path

    def counting(tree: Any, path: str | None) -> str:
        calls.append(path)
        return original(tree, path)

    monkeypatch.setattr(formats, "readable_path", counting)
    limits = Limits(max_attributes_per_element=64, max_attributes=20_000)
    raw = message()
    for element in (b"titel", b"beschreibung", b"ort", b"kategorie"):
        attributes = b" ".join(b'%s%d="x"' % (element[:1], i) for i in range(60))
        raw = raw.replace(b"<%s>" % element, b"<%s %s>" % (element, attributes), 1)
    error = error_of(parse, raw, limits)
    assert error.code == "fachdaten-invalid"
    assert len(error.invalid_params) == MAX_REPORTED_PARAMS
    assert len(calls) <= MAX_REPORTED_PARAMS


def test_a_reason_that_echoes_a_huge_value_is_cut(parse: Parse) -> None:
    raw = message().replace(b"<kategorie>gruenflaeche<", b"<kategorie>" + b"y" * 100_000 + b"<", 1)
    error = error_of(parse, raw)
    assert error.code == "fachdaten-invalid"
    assert all(len(p["reason"]) <= 500 for p in error.invalid_params)
