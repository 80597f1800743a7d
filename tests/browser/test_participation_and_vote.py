"""The portal's participation and Bürgerbudget pages in Chromium: a citizen comments on a
planning variant (the procedure seeded through the API as a planning system's 0401) and sees
the confirmation step, with the keyboard alone; a citizen votes in an open round (seeded
through the services: a round whose vote runs today and proposals admitted to it). axe at
1280 and 390 px on every page, the map page included; screenshots of each.

This module runs its own server: the round it adds (its vote runs today) would otherwise be
the current round of every other browser test's start page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page

from egov.buergerbudget.ballots_store import AdmittedProposal
from egov.cases.service import NewCase, change_case, open_case
from egov.cases.store import get_procedure
from egov.container import build
from egov.settings import Settings
from tests.browser.harness import (
    WIDTHS,
    EgovServer,
    assert_accessible,
    login_as,
    screenshot,
    set_width,
)
from tests.browser.test_keyboard import focused_text, tab_to
from tests.integration.test_beteiligung_intake import INITIIEREN, around_today
from tests.support.servers import started_or_skip

YEAR = 2025  # a round of its own, whose vote runs today
TITLES = ("Trinkbrunnen am Markt", "Bänke im Paradiespark", "Bücherschrank Winzerla")


@pytest.fixture(scope="module")
def egov_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EgovServer]:
    server = EgovServer(tmp_path_factory.mktemp("browser-participation") / "run")
    with started_or_skip(server, "egov serve (as make run)"):
        yield server


@pytest.fixture(scope="module")
def participation(egov_server: EgovServer, browser: Any) -> str:
    """A planning system (the demo client `portal`) sends a 0401 whose period runs today."""
    context = browser.new_context(base_url=egov_server.url)
    token = context.request.post(
        "/dev-idp/token",
        form={"grant_type": "client_credentials", "client_id": "portal", "client_secret": "portal"},
    ).json()["access_token"]
    answer = context.request.post(
        "/api/v1/submissions",
        data=around_today(INITIIEREN),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
    )
    assert answer.status == 201, answer.text()
    found: str = answer.json()["case_id"]
    context.close()
    return found


@pytest.fixture(scope="module")
def open_round(egov_server: EgovServer) -> int:
    """The round YEAR with its vote from yesterday for a month, and three admitted proposals."""
    container = build(Settings.from_env(egov_server.environment()))
    today = date.today()
    container.rounds.create(
        {
            "year": YEAR,
            "total_budget_eur": 25000,
            "cap_per_proposal_eur": 5000,
            "submissions_open": f"{YEAR}-01-01",
            "submission_deadline": f"{YEAR}-12-31",
            "vote_opens": (today - timedelta(days=1)).isoformat(),
            "vote_closes": (today + timedelta(days=30)).isoformat(),
            "votes_per_citizen": 2,
            "vertrauensniveau": "substantial",
            "categories": ["umwelt", "sonstiges"],
        },
        actor="tests",
    )
    for index, title in enumerate(TITLES):
        admit(container, title, 3000 + 500 * index)
    container.db.dispose()
    return YEAR


def admit(container: Any, title: str, cost: int) -> None:
    """A proposal of YEAR by a fictional proposer, admitted to the vote."""
    now = container.clock()
    with container.db.transaction() as session:
        procedure = get_procedure(session, "buergerbudget")
        assert procedure is not None
        data = {"title": title, "description": f"{title}: ein Vorschlag.", "category": "umwelt"}
        new = NewCase(procedure, title, "Frida Vorschlag", "fv", "fv-postfach", "substantial", data)
        case = open_case(session, new, actor="tests", now=now)
        change_case(
            session, case, actor="tests", action="case.status_changed", now=now,
            status="admitted_to_vote",
        )  # fmt: skip
        session.add(
            AdmittedProposal(case_id=case.id, round_year=YEAR, cost_eur=cost, admitted_at=now)
        )


def accessible_at_every_width(page: Page, name: str) -> None:
    for width in WIDTHS:
        set_width(page, width)
        assert_accessible(page)
    screenshot(page, name)


def test_a_citizen_comments_on_a_variant_and_sees_the_confirmation(
    page: Page, participation: str
) -> None:
    login_as(page, "erika", "/beteiligung")
    accessible_at_every_width(page, "beteiligung-liste")
    page.get_by_role("link", name="Bebauungsplan Nr. 47", exact=False).first.click()
    page.wait_for_selector(".map--ready path")  # Leaflet drew the shapes
    accessible_at_every_width(page, "beteiligung-verfahren")

    page.get_by_role("link", name="Zu dieser Variante Stellung nehmen", exact=False).first.click()
    accessible_at_every_width(page, "beteiligung-stellungnahme")
    page.get_by_role("button", name="Stellungnahme senden").click()
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    accessible_at_every_width(page, "beteiligung-stellungnahme-fehler")
    page.get_by_label("Ihre Stellungnahme").fill("Bitte die Streuobstwiese erhalten.")
    page.get_by_role("button", name="Stellungnahme senden").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Ihre Stellungnahme ist eingegangen"
    assert "-S0" in page.inner_text(".panel__reference")
    accessible_at_every_width(page, "beteiligung-eingegangen")


def test_a_statement_is_written_and_sent_with_the_keyboard_alone(
    page: Page, participation: str
) -> None:
    login_as(page, "max", f"/beteiligung/{participation}")

    tab_to(page, "Stellungnahme abgeben")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/beteiligung/{participation}/stellungnahme")
    while not page.evaluate("() => document.activeElement.name === 'variante'"):
        page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the whole plan -> the first variant
    assert page.evaluate("() => document.activeElement.id") == "variante-0"
    page.keyboard.press("Tab")
    page.keyboard.type("Mehr Radwege am Lobdeburgweg.")
    while focused_text(page) != "Stellungnahme senden":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/beteiligung/{participation}/stellungnahme/eingegangen")
    assert "Ihre Stellungnahme ist eingegangen" in page.inner_text("h1")
    page.goto(f"/beteiligung/{participation}")
    shown = page.inner_text("section[aria-labelledby=stellungnahmen]")
    assert "Mehr Radwege am Lobdeburgweg." in shown


def test_a_citizen_votes_in_an_open_round_and_changes_her_choice(
    page: Page, open_round: int
) -> None:
    page.goto(f"/buergerbudget/{open_round}")
    accessible_at_every_width(page, "buergerbudget-runde")
    page.get_by_role("link", name=TITLES[1]).click()
    accessible_at_every_width(page, "buergerbudget-vorschlag")
    page.get_by_role("link", name="Zur Abstimmung").click()
    page.locator("#login-erika").get_by_role("button").click()  # the login the vote needs
    page.wait_for_url(f"**/buergerbudget/{open_round}/abstimmung")
    accessible_at_every_width(page, "buergerbudget-stimmzettel")

    for title in TITLES:
        page.get_by_label(title).check()
    page.get_by_role("button", name="Stimme speichern").click()
    assert "höchstens 2 Vorschläge" in page.inner_text(".error-summary")
    page.get_by_label(TITLES[2]).uncheck()
    page.get_by_role("button", name="Stimme speichern").click()

    assert "Ihre Stimme ist gespeichert" in page.inner_text(".panel")
    assert page.get_by_label(TITLES[0]).is_checked() and page.get_by_label(TITLES[1]).is_checked()
    accessible_at_every_width(page, "buergerbudget-gespeichert")
    page.get_by_label(TITLES[0]).uncheck()
    page.get_by_role("button", name="Auswahl ändern").click()
    assert "Ihre Stimme ist gespeichert" in page.inner_text(".panel")
    assert not page.get_by_label(TITLES[0]).is_checked()
