"""The confirmation link of an anonymous statement: following it (as a mail scanner does)
shows a German page and confirms nothing; only the page's button (a POST) confirms, once, and
only while the link is valid (EGOV_STATEMENT_CONFIRMATION_HOURS)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from egov.app import create_app
from tests.conftest import Api
from tests.integration.test_participation_statements import (  # noqa: F401 (fixture)
    anonymous_api,
    mails,
    participation,
    statement,
)


def filed_anonymously(api: Api) -> tuple[str, str]:
    """(participation id, the path of the confirmation link) of a new anonymous statement."""
    pid = participation(api)
    filed = statement(api, pid, None, email="anna.nym@example.org")
    assert filed.status_code == 201, filed.get_json()
    [mail] = mails(api, pid)
    link = re.search(r"http\S+/api/v1(/statement-confirmations/\S+)", mail.payload["text"])
    assert link is not None
    return pid, link.group(1)


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def statuses(api: Api, pid: str) -> list[str]:
    items = api.get(f"/participations/{pid}/statements", "ben").get_json()["items"]
    return [item["status"] for item in items]


def test_following_the_link_shows_a_page_with_a_button_and_confirms_nothing(
    anonymous_api: Api,  # noqa: F811
) -> None:
    api = anonymous_api
    pid, link = filed_anonymously(api)

    page = api.get(link, headers=BROWSER)
    api.get(link, headers=BROWSER)  # a scanner may follow it twice

    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<form method="post"' in html and "Stellungnahme bestätigen</button>" in html
    assert "<script" not in html
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert statuses(api, pid) == ["unconfirmed"]


def test_the_button_confirms_once_and_the_used_link_is_refused_readably(
    anonymous_api: Api,  # noqa: F811
) -> None:
    api = anonymous_api
    pid, link = filed_anonymously(api)

    confirmed = api.post(link, headers=BROWSER)
    again = api.post(link, headers=BROWSER)
    page_again = api.get(link, headers=BROWSER)

    assert confirmed.status_code == 200
    assert "Ihre Stellungnahme ist bestätigt" in confirmed.get_data(as_text=True)
    assert statuses(api, pid) == ["received"]
    for refused in (again, page_again):
        assert (refused.status_code, refused.mimetype) == (410, "text/html")
        assert "bereits bestätigt; der Link gilt nur einmal" in refused.get_data(as_text=True)
    events = api.get(f"/cases/{pid}/events?limit=200", "admin").get_json()["items"]
    assert [e["action"] for e in events].count("statement.confirmed") == 1


def test_an_unknown_link_is_refused_readably_and_as_a_problem_to_a_program(
    anonymous_api: Api,  # noqa: F811
) -> None:
    program = anonymous_api.post("/statement-confirmations/not-a-token")
    assert program.get_json()["code"] == "statement-confirmation-not-found"
    answer = anonymous_api.post("/statement-confirmations/not-a-token", headers=BROWSER)
    assert (answer.status_code, answer.mimetype) == (404, "text/html")
    assert "Bestätigungslink ist unbekannt" in answer.get_data(as_text=True)


@pytest.fixture
def expiring_api(anonymous_api: Api, tmp_path: Path) -> Iterator[Api]:  # noqa: F811
    """The same set-up, but a confirmation link is valid for no time at all."""
    settings = dataclasses.replace(
        anonymous_api.container.settings,
        data_dir=tmp_path / "expiring",
        statement_confirmation_hours=0,
    )
    app: Flask = create_app(settings)
    yield Api(app.test_client(), app.extensions["egov"])
    app.extensions["egov"].db.dispose()


def test_an_expired_link_is_refused_readably_and_confirms_nothing(expiring_api: Api) -> None:
    api = expiring_api
    pid, link = filed_anonymously(api)

    answer = api.post(link, headers=BROWSER)

    assert (answer.status_code, answer.mimetype) == (410, "text/html")
    assert "Bestätigungslink ist abgelaufen" in answer.get_data(as_text=True)
    assert statuses(api, pid) == ["unconfirmed"]
