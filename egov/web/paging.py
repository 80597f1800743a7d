"""The one way a list answers: `{"items": [...], "next_cursor": ...}` and, when there is more,
a `Link: <...>; rel="next"` header with the absolute URL of the next page (the request's
other query parameters kept). The paging itself is `egov.paging`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Response, jsonify, request

from egov.paging import Page, PageRequest

T = TypeVar("T")
PAGING_PARAMS = ("cursor", "limit")


def page_request() -> PageRequest:
    """The page the request asks for (`?cursor=...&limit=...`); a bad one is a 400."""
    return PageRequest.parse(request.args.get("cursor"), request.args.get("limit"))


def paged(page: Page[T], render: Callable[[T], dict[str, Any]], **extra: Any) -> Response:
    """The JSON answer of a list; `extra` adds fields next to `items` (e.g. a verification)."""
    response = jsonify(
        {**extra, "items": [render(item) for item in page.items], "next_cursor": page.next_cursor}
    )
    if page.next_cursor is not None:
        response.headers["Link"] = f'<{next_url(page.next_cursor)}>; rel="next"'
    return response


def next_url(cursor: str) -> str:
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in PAGING_PARAMS]
    query = urlencode([*kept, ("cursor", cursor), ("limit", str(page_request().limit))])
    return f"{request.base_url}?{query}"
