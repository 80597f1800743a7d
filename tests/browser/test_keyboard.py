"""The keyboard alone: the first Tab on a page reaches the skip link, which moves the focus to
the content; Tab follows the reading order; a citizen logs in through the dev IdP's chooser
without a mouse (Tab, Enter). (That the focus shows everywhere: `check_page` on every page.)"""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.harness import focus_order
from tests.browser.server import EgovServer

MAX_TABS = 30


def focused_text(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement?.innerText ?? ''")).strip()


def focused_id(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement?.id ?? ''"))


def tab_to(page: Page, text: str) -> int:
    """Press Tab until the focused element's text starts with `text`; how many presses."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if focused_text(page).startswith(text):
            return presses
    raise AssertionError(f"{MAX_TABS} × Tab on {page.url} never reached {text!r}")


def test_the_first_tab_reaches_the_skip_link_and_enter_moves_to_the_content(
    page: Page,
) -> None:
    page.goto("/")

    page.keyboard.press("Tab")
    assert focused_text(page) == "Zum Inhalt springen"
    assert page.evaluate("() => document.activeElement === document.querySelector('a[href]')")
    page.keyboard.press("Enter")

    assert focused_id(page) == "inhalt"


def test_a_citizen_logs_in_with_the_keyboard_alone(page: Page, egov_server: EgovServer) -> None:
    page.goto("/")

    tab_to(page, "Anmelden")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{egov_server.url}/dev-idp/authorize?**")
    assert tab_to(page, "Erika Mustermann") == 1  # her button is the first thing to reach
    page.keyboard.press("Enter")
    page.wait_for_url(f"{egov_server.url}/")

    assert page.get_by_text("Angemeldet als Erika Mustermann").is_visible()
    session = page.request.get("/auth/session").json()
    assert (session["subject"], session["roles"]) == ("dev:erika", ["citizen"])


def test_tab_follows_the_reading_order_of_the_start_page(page: Page) -> None:
    page.goto("/")

    order = [step["element"] for step in focus_order(page)]

    assert order[:2] == ['a "Zum Inhalt springen"', 'a "Stadt Jena"']
    assert order[-1] == 'a "Beschreibung der Schnittstelle (OpenAPI)"'
