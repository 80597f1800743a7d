"""The paging scheme's own rules: limits, and cursors that fit only their list."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import DateTime, Integer, String, column

from egov.errors import Invalid
from egov.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_of,
    seal,
)

ORDER = [column("created_at", DateTime()), column("seq", Integer()), column("id", String())]
KEY = [datetime(2026, 12, 3, 9, 30, 15, 123456), 7, "a1b2"]


def code_of(call: object) -> str:
    with pytest.raises(Invalid) as refused:
        call()  # type: ignore[operator]
    return refused.value.code


def test_without_parameters_a_page_holds_the_default_number() -> None:
    assert PageRequest.parse(None, None) == PageRequest(None, DEFAULT_LIMIT)
    assert PageRequest.parse("", "") == PageRequest(None, DEFAULT_LIMIT)
    assert PageRequest.parse("c", str(MAX_LIMIT)) == PageRequest("c", MAX_LIMIT)


@pytest.mark.parametrize("limit", ["0", str(MAX_LIMIT + 1), "-1", "2.0", "zwei", "١٢"])
def test_a_limit_outside_one_to_the_maximum_is_refused(limit: str) -> None:
    assert code_of(lambda: PageRequest.parse(None, limit)) == "bad-limit"


def test_a_cursor_gives_back_the_sort_key_it_was_made_of() -> None:
    assert decode_cursor(encode_cursor("tasks", KEY), "tasks", ORDER) == KEY


def test_a_cursor_fits_only_its_own_list() -> None:
    cursor = encode_cursor("tasks", KEY)
    assert code_of(lambda: decode_cursor(cursor, "incidents", ORDER)) == "bad-cursor"
    assert code_of(lambda: decode_cursor(cursor, "tasks", ORDER[:2])) == "bad-cursor"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "nichts",
        "a.b.c",
        encode_cursor("tasks", KEY).replace(".", "x."),  # body edited, checksum kept
        seal(b'["tasks", ["gestern", 7, "a1b2"]]'),  # not a time
        seal(b'["tasks", ["2026-12-03T09:30:15", true, "a1b2"]]'),
        seal(b'["tasks", ["2026-12-03T09:30:15", 7, 1.5]]'),
        seal(b'{"tasks": 1}'),
        seal(b"kein JSON"),
    ],
)
def test_an_edited_or_unreadable_cursor_is_a_bad_cursor(cursor: str) -> None:
    assert code_of(lambda: decode_cursor(cursor, "tasks", ORDER)) == "bad-cursor"


def test_a_deep_cursor_is_refused_naming_the_cursor() -> None:
    cursor = seal(b"[" * 50 + b"]" * 50)
    with pytest.raises(Invalid) as refused:
        decode_cursor(cursor, "tasks", ORDER)
    assert refused.value.code == "json-too-deep"
    assert [p["name"] for p in refused.value.invalid_params] == ["cursor"]


def test_only_a_page_with_more_behind_it_has_a_next_cursor() -> None:
    request = PageRequest(None, 2)
    more = page_of([1, 2, 3], request, "n", lambda n: [n])
    last = page_of([1, 2], request, "n", lambda n: [n])
    assert more.items == [1, 2] and more.next_cursor == encode_cursor("n", [2])
    assert last.items == [1, 2] and last.next_cursor is None
