"""One paging scheme for every list: a cursor and a limit, keyset order, no silent truncation.

A list is read in a stable order (a sort key ending in the row's id) with `limit + 1` rows: the
extra row says that there is more, and the cursor of the last row shown positions the next
page (keyset pagination, never OFFSET). The cursor is opaque to clients: base64url of the
list's name and the sort key, sealed with a checksum so that an edited or foreign cursor is a
400 `bad-cursor`. It positions only inside the query the caller is allowed to read anyway, so
a forged cursor reveals nothing; the checksum is there against mistakes, not as a secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, Select, tuple_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from egov.errors import Invalid
from egov.jsoninput import JsonRefused, loads

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_DEPTH = 2  # [scope, [key values]]
_SEAL_BYTES = 8

T = TypeVar("T")
U = TypeVar("U")
SortColumn = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class PageRequest:
    """Which page: after `cursor` (None: the first), at most `limit` items (1..MAX_LIMIT)."""

    cursor: str | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise _bad_limit()

    @classmethod
    def parse(cls, cursor: str | None, limit: str | None) -> PageRequest:
        """From query parameters: `limit` a whole number in 1..MAX_LIMIT, else 400."""
        if limit is None or limit == "":
            return cls(cursor or None)
        if not limit.isascii() or not limit.isdigit():
            raise _bad_limit()
        return cls(cursor or None, int(limit))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `next_cursor` None: this is the last page."""

    items: list[T]
    next_cursor: str | None

    def map(self, render: Callable[[T], U]) -> Page[U]:
        return Page([render(item) for item in self.items], self.next_cursor)


FIRST_PAGE = PageRequest()  # the default of services' list methods


def fetch_page(
    session: Session,
    query: Select[Any],
    request: PageRequest,
    *,
    scope: str,
    order: Sequence[SortColumn],
    key: Callable[[Any], Sequence[Any]] | None = None,
    descending: bool = False,
) -> Page[Any]:
    """The page of `query` in the order of `order` (all ascending or all descending; the last
    column unique, e.g. the id). `key` gives an item's values of `order` (default: the
    attributes of the same names); `scope` names the list so its cursors fit only it."""
    columns = [_column(c) for c in order]
    names = [str(c.key) for c in order]
    key_of = key or (lambda item: tuple(getattr(item, name) for name in names))
    if request.cursor is not None:
        position = decode_cursor(request.cursor, scope, columns)
        row, after = tuple_(*columns), tuple_(*position)
        query = query.where(row < after if descending else row > after)
    ordering = [column.desc() if descending else column.asc() for column in columns]
    rows = list(session.scalars(query.order_by(*ordering).limit(request.limit + 1)))
    return page_of(rows, request, scope, key_of)


def page_of(
    rows: list[T], request: PageRequest, scope: str, key: Callable[[T], Sequence[Any]]
) -> Page[T]:
    """A page from up to `limit + 1` rows read in order: the extra row means there is more."""
    items = rows[: request.limit]
    more = len(rows) > request.limit
    return Page(items, encode_cursor(scope, key(items[-1])) if more and items else None)


def encode_cursor(scope: str, values: Sequence[Any]) -> str:
    """The opaque cursor after the row whose sort key is `values`."""
    raw = json.dumps([scope, [_encode_value(v) for v in values]], separators=(",", ":"))
    return seal(raw.encode())


def seal(raw: bytes) -> str:
    """base64url of `raw` and its checksum (what a cursor is made of)."""
    return f"{_b64(raw)}.{_b64(_checksum(raw))}"


def decode_cursor(cursor: str, scope: str, order: Sequence[ColumnElement[Any]]) -> list[Any]:
    """The sort key a cursor of list `scope` stands for; anything else is a 400 `bad-cursor`
    (or `json-too-deep`, naming the cursor)."""
    if cursor.count(".") != 1:  # its length is bounded by EGOV_MAX_URL_BYTES
        raise _bad_cursor()
    body, check = cursor.split(".")
    try:
        raw = _unb64(body)
        if _unb64(check) != _checksum(raw):
            raise _bad_cursor()
        found = loads(raw, max_depth=CURSOR_DEPTH, name="cursor")
    except JsonRefused as exc:  # the cursor is opaque: name it, not a place inside it
        invalid = [{"name": "cursor", "reason": exc.invalid_params[0]["reason"]}]
        raise Invalid(exc.message, code=exc.code, invalid_params=invalid) from exc
    except ValueError as exc:
        raise _bad_cursor() from exc
    if not (isinstance(found, list) and len(found) == 2 and found[0] == scope):
        raise _bad_cursor()
    values = found[1]
    if not isinstance(values, list) or len(values) != len(order):
        raise _bad_cursor()
    return [_decode_value(v, column) for v, column in zip(values, order, strict=True)]


def _column(column: SortColumn) -> ColumnElement[Any]:
    return column.expression if isinstance(column, QueryableAttribute) else column


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise TypeError(f"no cursor for a sort key of type {type(value).__name__}")


def _decode_value(value: Any, column: ColumnElement[Any]) -> Any:
    if isinstance(column.type, DateTime):
        if not isinstance(value, str):
            raise _bad_cursor()
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            raise _bad_cursor() from exc
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _bad_cursor()
    return value


def _checksum(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=_SEAL_BYTES, person=b"egov-cursor").digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _bad_cursor() -> Invalid:
    return Invalid(
        "Ungültiger Cursor: bitte die Liste von vorn laden.",
        code="bad-cursor",
        invalid_params=[{"name": "cursor", "reason": "ein next_cursor dieser Liste"}],
    )


def _bad_limit() -> Invalid:
    return Invalid(
        f"limit muss eine ganze Zahl von 1 bis {MAX_LIMIT} sein.",
        code="bad-limit",
        invalid_params=[{"name": "limit", "reason": f"1..{MAX_LIMIT}"}],
    )
