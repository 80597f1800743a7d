"""A citizen applies in the portal (egov/portal/apply.py): the Bürgerbudget proposal form with
an attachment, an error next to the field left empty, the review, the submit and the receipt
with the reference; then the same with the keyboard alone (Tab, Enter, Space and typing).
Every page passes axe at 1280 and 390 px and is shot at both widths."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.browser.harness import (
    WIDTHS,
    EgovServer,
    assert_accessible,
    login_as,
    screenshot,
    set_width,
)

APPLY = "/antrag/buergerbudget"
REFERENCE = re.compile(r"JENA-\d{4}-\d{6}")
MAX_TABS = 60
TEXTS = {
    "feld-title": "Bank am Teich",
    "feld-description": "Eine Bank mit Blick auf das Wasser, für alle, die eine Pause brauchen.",
    "feld-location": "Paradiespark, Ostufer",
    "feld-estimated_cost_eur": "1.250,50",
    "feld-follow_up_cost_eur": "300",
}


def checked(page: Page, name: str) -> None:
    """axe at both widths, then the screenshots `apply-<name>-<width>.png`."""
    for width in WIDTHS:
        set_width(page, width)
        assert_accessible(page)
    screenshot(page, f"apply-{name}")
    set_width(page, WIDTHS[0])


def focused_id(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement?.id ?? ''"))


def focused_text(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement?.innerText ?? ''")).strip()


def tab_until(page: Page, found: str) -> None:
    """Tab until the focused element has the id `found` or a text starting with it."""
    for _press in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused_id(page) == found or focused_text(page).startswith(found):
            return
    raise AssertionError(f"{MAX_TABS} × Tab on {page.url} never reached {found!r}")


def test_a_citizen_files_a_proposal_with_an_attachment(page: Page, egov_server: EgovServer) -> None:
    page.goto(APPLY)
    assert page.get_by_role("heading", level=1).inner_text() == "Vorschlag zum Bürgerbudget"
    checked(page, "procedure")
    login_as(page, "erika", next_path=APPLY)
    page.get_by_role("link", name="Antrag starten").click()

    for field, text in TEXTS.items():
        if field != "feld-title":
            page.fill(f"#{field}", text)
    page.get_by_label("Grünfläche").check()
    page.locator("#feld-public_space").check()
    page.locator("#feld-other_funding_available-2").check()
    page.get_by_role("button", name="Weiter").click()

    error = page.locator("#feld-title-fehler")
    assert "Geben Sie „Titel“ an." in error.inner_text()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    assert page.input_value("#feld-location") == TEXTS["feld-location"]  # kept
    checked(page, "form-error")
    page.fill("#feld-title", TEXTS["feld-title"])
    page.get_by_role("button", name="Weiter").click()

    page.wait_for_url(f"**{APPLY}/anhaenge")
    checked(page, "attachments")
    page.set_input_files(
        "#feld-datei",
        {"name": "skizze.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 Skizze"},
    )
    page.get_by_role("button", name="Hochladen", exact=True).click()
    page.wait_for_url(f"**{APPLY}/anhaenge?hochgeladen=1")
    assert page.locator(".files__item").all_inner_texts()[0].startswith("skizze.pdf")
    assert page.locator(".files__item").count() == 1 and "1 Datei hochgeladen." in page.inner_text(
        "main"
    )
    checked(page, "attachments-one-file")
    page.get_by_role("link", name="Weiter zur Prüfung").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Prüfen Sie Ihre Angaben"
    assert "Grünfläche" in page.inner_text("main") and "skizze.pdf" in page.inner_text("main")
    checked(page, "review")
    page.get_by_role("button", name="Antrag absenden").click()

    page.wait_for_url(f"**{APPLY}/eingang/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Ihr Antrag ist eingegangen"
    assert REFERENCE.fullmatch(page.inner_text(".reference"))
    checked(page, "receipt")


def test_a_citizen_applies_with_the_keyboard_alone(page: Page, egov_server: EgovServer) -> None:
    page.goto(APPLY)
    tab_until(page, "Anmelden und Antrag starten")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dev-idp/authorize?**")
    tab_until(page, "Erika Mustermann")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{APPLY}/formular")

    for field, text in TEXTS.items():
        tab_until(page, field)
        page.keyboard.type(text)
    for group in ("feld-category", "feld-public_space", "feld-other_funding_available"):
        tab_until(page, group)
        page.keyboard.press("Space")  # the first choice: Spielplatz, Ja, Ja
    tab_until(page, "Weiter")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{APPLY}/anhaenge")
    tab_until(page, "Weiter zur Prüfung")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{APPLY}/pruefen")
    assert "Spielplatz" in page.inner_text("main")
    tab_until(page, "Antrag absenden")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{APPLY}/eingang/*")
    assert REFERENCE.fullmatch(page.inner_text(".reference"))
