"""What the admin pages of the workspace share (docs/frontends.md, "Administration"): the
admin-only guard (a clerk gets the 403 page), rendering with the viewer, a refusal of a
service shown next to the form fields it names, and days of the city as moments.

A form with errors is shown again with status 200 and its errors on the page (as GOV.UK
does): the browser reports a document with a 4xx status as a console error."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from flask import Response, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from egov.cases.model import CITY_TIME
from egov.errors import DomainError
from egov.identity.model import Principal, Role
from egov.identity.sessions import SessionRefused, check_recent_login, epoch
from egov.paging import MAX_LIMIT, Page, PageRequest
from egov.ui.access import page_for, viewer
from egov.ui.pages import render, see_other
from egov.web.auth import current_web_session
from egov.web.context import container

T = TypeVar("T")
ADMINS = frozenset({Role.ADMIN})
admin_page = page_for(ADMINS)
MAX_PAGES = 50  # a walk over a whole list (deputies, versions) stops here: 10,000 rows


def show(template: str, *, title: str, **context: Any) -> Response:
    """An admin page with the logged-in admin in the layout."""
    return render(template, title=title, viewer=viewer(), **context)


def acting_admin() -> Principal:
    """The admin viewing the page (inside an `admin_page` view)."""
    who = viewer()
    assert who is not None  # admin_page checked it
    return who


def every(read: Callable[[PageRequest], Page[T]]) -> Iterator[T]:
    """Every row of a paged list of a service, page by page."""
    cursor = None
    for _page in range(MAX_PAGES):
        found = read(PageRequest(cursor, MAX_LIMIT))
        yield from found.items
        cursor = found.next_cursor
        if cursor is None:
            return


def refused(error: DomainError, fields: Mapping[str, str], default: str) -> dict[str, str]:
    """A service's refusal as German messages by form field: each of its `invalid_params`
    whose name `fields` maps to a form field, with the reason; else the message at
    `default` (the first field of the form)."""
    errors: dict[str, str] = {}
    for param in error.invalid_params:
        field = fields.get(str(param.get("name")))
        if field is not None and field not in errors:
            errors[field] = str(param.get("reason") or error.message)
    return errors or {default: error.message}


def form_text(name: str) -> str:
    return request.form.get(name, "").strip()


def form_day(value: str) -> date | None:
    """A day from an `<input type="date">` (YYYY-MM-DD), or None."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def day_start(day: date) -> datetime:
    """The start of a day of the city's calendar as naive UTC (egov's clock)."""
    local = datetime.combine(day, time(0), tzinfo=CITY_TIME)
    return local.astimezone(UTC).replace(tzinfo=None)


def day_after(day: date) -> datetime:
    """The end of a day of the city's calendar (the next day's start) as naive UTC."""
    return day_start(day + timedelta(days=1))


def required(
    errors: dict[str, str], values: Mapping[str, str], messages: Mapping[str, str]
) -> None:
    """`messages[name]` for every field of `messages` left empty."""
    for name, message in messages.items():
        if not values.get(name):
            errors.setdefault(name, message)


def login_again_unless_recent(back: str) -> BaseResponse | None:
    """For a sensitive command (as `requires_recent_login` of the API): None when the browser
    login is recent enough (setting `reauth_max_age_seconds`), else the way to log in again
    that comes back to `back`."""
    web = current_web_session()
    if web is None:  # a bearer token: short-lived, no login time
        return None
    egov = container()
    try:
        check_recent_login(web, epoch(egov.clock()), egov.settings.reauth_max_age_seconds, "")
    except SessionRefused:
        return see_other(url_for("login.login", issuer_name=web.issuer, next=back, reauth="1"))
    return None
