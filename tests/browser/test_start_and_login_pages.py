"""The portal's start page `/` and the dev IdP's login chooser, accessible (axe, WCAG 2.1 AA)
at 1280 and 390 px."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.harness import (
    WIDTHS,
    EgovServer,
    assert_accessible,
    login_as,
    screenshot,
    set_width,
)


def accessible_at_every_width(page: Page, name: str) -> None:
    for width in WIDTHS:
        set_width(page, width)
        assert_accessible(page)
    screenshot(page, name)


def test_the_start_page_passes_axe_at_both_widths(page: Page, egov_server: EgovServer) -> None:
    page.goto(egov_server.url + "/")

    assert page.get_by_role("heading", level=1).inner_text() == "Was möchten Sie beantragen?"
    accessible_at_every_width(page, "start")


def test_the_dev_login_chooser_passes_axe_at_both_widths(
    page: Page, egov_server: EgovServer
) -> None:
    page.goto(egov_server.url + "/auth/login/dev?next=/")

    assert page.get_by_role("heading", level=1).inner_text() == "Entwicklungs-Anmeldung"
    accessible_at_every_width(page, "dev-login")


def test_a_citizen_and_a_clerk_log_in_through_the_chooser(
    page: Page, egov_server: EgovServer
) -> None:
    login_as(page, "erika")
    page.context.clear_cookies()
    login_as(page, "anna", next_path="/api/v1/tasks?limit=5")

    assert page.url == egov_server.url + "/api/v1/tasks?limit=5"
