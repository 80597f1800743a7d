"""'Meine Anträge', the Postfach and the account page in Chromium (egov/portal/cases.py,
postfach.py, account.py): erika reads the letter on her decided case, answers on an open one
with a PDF attached, withdraws another; every page passes axe (WCAG 2.1 AA) at 1280 and
390 px and is shot; max gets the 404 page on each of erika's pages. The cases are filed
through the server's intake (`POST /api/v1/applications`) and decided through its tasks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fpdf import FPDF
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import (
    WIDTHS,
    EgovServer,
    api_call,
    assert_accessible,
    login_as,
    screenshot,
    set_width,
)
from tests.builders import proposal


@dataclass(frozen=True)
class Seeded:
    decided: str  # rejected: a letter waits for erika
    to_answer: str
    to_withdraw: str


def file_case(server: EgovServer, title: str) -> str:
    return str(api_call(server, "erika", "POST", "/applications", proposal(title=title))["case_id"])


def reject(server: EgovServer, case_id: str) -> None:
    [task] = [
        t for t in api_call(server, "anna", "GET", "/tasks")["items"] if t["case_id"] == case_id
    ]
    api_call(server, "anna", "POST", f"/tasks/{task['id']}/claim")
    api_call(
        server,
        "anna",
        "POST",
        f"/tasks/{task['id']}/complete",
        {"data": {"formal_decision": "rejected"}},
    )


@pytest.fixture(scope="module")
def seeded(egov_server: EgovServer) -> Seeded:
    decided = file_case(egov_server, "Sitzbank am Johannisplatz")
    reject(egov_server, decided)
    return Seeded(
        decided,
        file_case(egov_server, "Trinkbrunnen im Paradies"),
        file_case(egov_server, "Blühwiese am Steiger"),
    )


def accessible_at_every_width(page: Page, name: str) -> None:
    for width in WIDTHS:
        set_width(page, width)
        assert_accessible(page)
    set_width(page, 1280)
    screenshot(page, name)


def test_erika_reads_a_letter_answers_with_a_pdf_and_withdraws_an_application(
    page: Page, seeded: Seeded, tmp_path: Path
) -> None:
    """One login (the dev IdP's logins are rate-limited): every step on its own page."""
    login_as(page, "erika", next_path="/antraege")
    reads_her_letter(page, seeded)
    answers_with_a_pdf(page, seeded, tmp_path)
    withdraws_an_application(page, seeded)
    manages_her_account(page)


def reads_her_letter(page: Page, seeded: Seeded) -> None:
    page.goto("/antraege")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Anträge")
    accessible_at_every_width(page, "portal-antraege")

    page.get_by_role("link", name="Sitzbank am Johannisplatz").click()
    expect(page.get_by_role("heading", name="Stand: Abgelehnt")).to_be_visible()
    accessible_at_every_width(page, "portal-antrag")

    page.goto("/postfach")
    accessible_at_every_width(page, "portal-postfach")
    letter = page.get_by_role("listitem").filter(has_text="ungelesen").first
    letter.get_by_role("link").click()
    expect(page.get_by_role("link", name="Zurück zum Postfach")).to_be_visible()
    accessible_at_every_width(page, "portal-brief")
    page.goto(f"/antraege/{seeded.decided}")
    expect(page.get_by_text("ungelesen")).to_have_count(0)


def answers_with_a_pdf(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    plan = tmp_path / "lageplan.pdf"
    plan.write_bytes(a_pdf("Lageplan (erfunden)"))
    page.goto(f"/antraege/{seeded.to_answer}")
    expect(page.get_by_text("Entscheidung voraussichtlich bis")).to_be_visible()
    page.get_by_role("link", name="Nachricht schreiben oder Unterlagen nachreichen").click()

    page.get_by_role("button", name="Nachricht senden").click()  # nothing written yet
    expect(page.locator(".error-summary")).to_be_focused()
    accessible_at_every_width(page, "portal-antworten-fehler")
    page.get_by_role("link", name="Bitte schreiben Sie eine Nachricht").click()
    expect(page.get_by_label("Ihre Nachricht")).to_be_focused()
    page.keyboard.type("Anbei der Lageplan, um den Sie gebeten haben.")
    page.get_by_label("Dateien (freiwillig)").set_input_files(plan)
    accessible_at_every_width(page, "portal-antworten")
    page.get_by_role("button", name="Nachricht senden").click()

    expect(page.get_by_text("Ihre Nachricht ist bei uns angekommen.")).to_be_visible()
    expect(page.get_by_role("link", name="lageplan.pdf")).to_be_visible()
    page.get_by_role("link", name="Nachricht", exact=True).click()
    expect(page.locator("iframe.preview")).to_have_attribute("title", "Vorschau: lageplan.pdf")
    accessible_at_every_width(page, "portal-nachricht-mit-pdf")


def a_pdf(text: str) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=text)
    return bytes(document.output())


def withdraws_an_application(page: Page, seeded: Seeded) -> None:
    """With the keyboard alone: the link, the reason, the button."""
    page.goto(f"/antraege/{seeded.to_withdraw}")
    page.get_by_role("link", name="Antrag zurücknehmen").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrag zurücknehmen")
    accessible_at_every_width(page, "portal-zuruecknehmen")
    page.get_by_label("Grund (freiwillig)").focus()
    page.keyboard.type("Wir haben selbst eine Lösung gefunden.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Ja, Antrag zurücknehmen")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Stand: Zurückgenommen")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("zurückgenommen")
    expect(page.get_by_role("link", name="Antrag zurücknehmen")).to_have_count(0)


def manages_her_account(page: Page) -> None:
    page.goto("/konto")
    accessible_at_every_width(page, "portal-konto")
    page.get_by_label("Neue E-Mail-Adresse").fill("erika@example.org")
    page.get_by_role("button", name="Adresse speichern").click()

    expect(page.get_by_role("status")).to_contain_text("an die neue Adresse")
    expect(page.get_by_text("Zurzeit an: erika@example.org")).to_be_visible()
    page.get_by_role("link", name="Löschung beantragen").click()
    accessible_at_every_width(page, "portal-loeschen")


def test_max_gets_the_404_page_on_erikas_pages(
    browser: Browser, egov_server: EgovServer, seeded: Seeded
) -> None:
    context = browser.new_context(locale="de-DE", base_url=egov_server.url)
    page = context.new_page()
    login_as(page, "max", next_path="/antraege")
    expect(page.get_by_text("Sitzbank am Johannisplatz")).to_have_count(0)
    for path in (
        f"/antraege/{seeded.decided}",
        f"/antraege/{seeded.to_answer}/antworten",
        f"/antraege/{seeded.to_withdraw}/zuruecknehmen",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    context.close()
