"""The pages there are: the portal's start page `/`, the dev IdP's login chooser, the
workspace's landing page `/arbeitsplatz` and the error pages pass `check_page`: axe (WCAG 2.1
AA) at 1280 and 390 px, no sideways scrolling at 200 and 400 % zoom, the focus shown, each shot
at both widths; a citizen and a clerk log in through the chooser."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import Page

from tests.browser.harness import check_page, login_as
from tests.browser.server import ROOT, EgovServer

MANIFEST = ROOT / "vendor" / "MANIFEST.json"


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_the_portal_start_page_passes_the_page_checks(page: Page) -> None:
    page.goto("/")

    assert heading(page) == "Was möchten Sie beantragen?"
    check_page(page, "portal-start")


def test_the_dev_login_chooser_passes_the_page_checks(page: Page) -> None:
    page.goto("/auth/login/dev?next=/")

    assert heading(page) == "Entwicklungs-Anmeldung"
    check_page(page, "dev-login")


def test_a_citizen_sees_the_portal_as_herself(page: Page) -> None:
    login_as(page, "erika")

    assert page.get_by_text("Angemeldet als Erika Mustermann").is_visible()
    check_page(page, "portal-start-erika")


def test_a_clerk_lands_on_the_workspace_with_her_units(page: Page, egov_server: EgovServer) -> None:
    login_as(page, "anna", next_path="/arbeitsplatz")

    assert page.url == egov_server.url + "/arbeitsplatz"
    assert heading(page) == "Guten Tag, Anna Beispiel"
    assert page.get_by_role("listitem").filter(has_text="Büro Bürgerbudget").count() == 1
    check_page(page, "workspace-landing")


def test_the_workspace_sends_a_visitor_without_login_to_the_chooser(
    page: Page, egov_server: EgovServer
) -> None:
    page.goto("/arbeitsplatz")

    assert page.url.startswith(egov_server.url + "/dev-idp/authorize?")
    assert heading(page) == "Entwicklungs-Anmeldung"


def test_the_vendored_htmx_loads_under_the_pages_policy(page: Page) -> None:
    page.goto("/")

    version = json.loads(MANIFEST.read_text())["htmx.org"]["version"]
    assert page.evaluate("() => window.htmx && window.htmx.version") == version


def test_the_error_pages_pass_the_same_checks(page: Page) -> None:
    missing = page.goto("/gibt-es-nicht")
    assert missing is not None and missing.status == 404
    check_page(page, "error-404")

    refused = page.goto("/?q=" + "x" * 201)
    assert refused is not None and refused.status == 400
    check_page(page, "error-400")


def test_a_citizen_and_a_clerk_are_logged_in_side_by_side(
    page: Page, open_page: Callable[[], Page]
) -> None:
    clerk = open_page()

    login_as(page, "erika")
    login_as(clerk, "anna", next_path="/arbeitsplatz")

    assert page.request.get("/auth/session").json()["subject"] == "dev:erika"
    assert clerk.request.get("/auth/session").json()["subject"] == "dev:anna"
