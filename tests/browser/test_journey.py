"""The whole way through both frontends in Chromium (issue 17): erika files a Bürgerbudget
proposal with an attachment in the portal; anna finds it in her Posteingang, claims the
formal check, reads the findings and the attachment on the task and case pages and rejects
the proposal there; erika then reads the rejection letter in her Postfach and sees her case
decided. Each page on the way passes `check_page` (axe at 1280 and 390 px, reflow at 200 and
400 % zoom, visible focus) and is shot."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.harness import EgovServer, check_page, login_as

APPLY = "/antrag/buergerbudget"
REFERENCE = re.compile(r"JENA-\d{4}-\d{6}")
PROPOSAL = {
    "feld-title": "Trinkbrunnen am Holzmarkt",
    "feld-description": "Ein Trinkbrunnen, an dem sich im Sommer alle erfrischen können.",
    "feld-location": "Holzmarkt, vor der Bibliothek",
    "feld-estimated_cost_eur": "4.800",
    "feld-follow_up_cost_eur": "1.200",
}
NOTE = "Trinkbrunnen betreibt die Stadtwerke; bitte wenden Sie sich dorthin."


def file_proposal(page: Page) -> str:
    """erika, in the portal: the form, an attachment, the review, the receipt's reference."""
    login_as(page, "erika", next_path=APPLY)
    page.get_by_role("link", name="Antrag starten").click()
    for field, text in PROPOSAL.items():
        page.fill(f"#{field}", text)
    page.get_by_label("Grünfläche").check()
    page.locator("#feld-public_space").check()
    page.locator("#feld-other_funding_available-2").check()
    page.get_by_role("button", name="Weiter").click()
    page.wait_for_url(f"**{APPLY}/anhaenge")
    page.set_input_files(
        "#feld-datei",
        {"name": "lageplan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 Lageplan"},
    )
    page.get_by_role("button", name="Hochladen", exact=True).click()
    page.wait_for_url(f"**{APPLY}/anhaenge?hochgeladen=1")
    page.get_by_role("link", name="Weiter zur Prüfung").click()
    page.get_by_role("button", name="Antrag absenden").click()
    page.wait_for_url(f"**{APPLY}/eingang/*")
    check_page(page, "journey-1-receipt")
    reference = page.inner_text(".reference")
    assert REFERENCE.fullmatch(reference), reference
    return reference


def reject_on_the_case_page(page: Page, reference: str) -> None:
    """anna, in the workspace: Posteingang, claim, the task with its findings, the decision."""
    login_as(page, "anna", "/arbeitsplatz")
    page.get_by_role("link", name="Posteingang").click()
    page.get_by_label("Suche").fill(reference)
    page.get_by_role("button", name="Anzeigen").click()
    card = page.locator(".card", has_text=reference)
    expect(card).to_have_count(1)
    check_page(page, "journey-2-inbox")
    card.get_by_role("button", name="Übernehmen").click()
    page.locator(".card", has_text=reference).get_by_role("link", name="Formale Prüfung").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Formale Prüfung")
    expect(page.locator(".findings")).to_contain_text("über 5.000 EUR")  # 4.800 + 1.200
    expect(page.locator("main")).to_contain_text("lageplan.pdf")
    expect(page.locator(".bpmn-diagram--ready .bpmn-current")).to_have_count(1)
    check_page(page, "journey-3-task")
    page.get_by_label("Abgelehnt – Ablehnungsschreiben").check()
    page.get_by_label("Anmerkung").fill(NOTE)
    page.get_by_role("button", name="Aufgabe erledigen").click()
    expect(page.get_by_role("status")).to_have_text("Erledigt: Formale Prüfung")


def read_the_letter(page: Page, reference: str) -> None:
    """erika, back in the portal: the case decided, the letter in the Postfach."""
    page.goto("/antraege")
    page.get_by_role("link", name=PROPOSAL["feld-title"]).click()
    expect(page.get_by_role("heading", name="Stand: Abgelehnt")).to_be_visible()
    check_page(page, "journey-4-case")
    page.goto("/postfach")
    letter = page.get_by_role("listitem").filter(has_text="ungelesen").first
    letter.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text(NOTE)  # the office's note, in the letter
    check_page(page, "journey-5-letter")


def test_a_proposal_goes_from_the_portal_through_the_workspace_to_the_letter(
    page: Page, open_page: Callable[[], Page], egov_server: EgovServer
) -> None:
    reference = file_proposal(page)

    reject_on_the_case_page(open_page(), reference)

    read_the_letter(page, reference)
