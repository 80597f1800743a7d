"""The clerk's Posteingang and task page in Chromium: anna claims the formal check of a
Bürgerbudget proposal erika filed, sees the findings and the diagram with the current step
marked, sends the form without a decision (the reason next to the field, the summary
focused), then with one, by keyboard alone; axe at 1280 and 390 px on every page; a clerk of
another unit gets the 404 page for the task and the case."""

from __future__ import annotations

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


def accessible_at_every_width(page: Page, name: str) -> None:
    for width in WIDTHS:
        set_width(page, width)
        assert_accessible(page)
    screenshot(page, name)
    set_width(page, WIDTHS[0])


def test_a_clerk_claims_checks_and_completes_the_formal_check(
    page: Page, browser: Browser, egov_server: EgovServer
) -> None:
    data = proposal(estimated_cost_eur=4800, follow_up_cost_eur=1200)
    receipt = api_call(egov_server, "erika", "POST", "/applications", data)
    reference, case_id = receipt["case_reference"], receipt["case_id"]
    login_as(page, "anna", "/arbeitsplatz")

    page.get_by_role("link", name="Posteingang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Posteingang")
    page.get_by_label("Suche").fill(reference)
    page.get_by_role("button", name="Anzeigen").click()
    card = page.locator(".card", has_text=reference)
    expect(card).to_have_count(1)
    accessible_at_every_width(page, "workspace-inbox")

    card.get_by_role("button", name="Übernehmen").click()
    card = page.locator(".card", has_text=reference)
    expect(card.get_by_role("button", name="Zurückgeben")).to_be_visible()
    card.get_by_role("link", name="Formale Prüfung").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Formale Prüfung")
    task_path = page.url.removeprefix(egov_server.url)
    expect(page.locator(".findings")).to_contain_text("über 5.000 EUR")
    expect(page.locator(".steps")).to_have_text("Formale Prüfung")
    expect(page.locator(".bpmn-diagram--ready .bpmn-current")).to_have_count(1)
    expect(page.locator(".bpmn-diagram--ready svg[role='img']")).to_have_attribute(
        "aria-label", "Prozessdiagramm"
    )
    accessible_at_every_width(page, "workspace-task")

    page.get_by_role("button", name="Aufgabe erledigen").click()
    expect(page.locator("#feld-formal_decision-fehler")).to_contain_text("Pflichtfeld fehlt")
    expect(page.locator(".error-summary")).to_be_focused()
    accessible_at_every_width(page, "workspace-task-error")

    # with the keyboard alone: the summary's link to the field, the second choice, send
    page.keyboard.press("Tab")
    expect(page.locator(".error-summary a")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#feld-formal_decision")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Abgelehnt – Ablehnungsschreiben")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Erledigt: Formale Prüfung")
    task = api_call(egov_server, "anna", "GET", "/tasks/" + task_path.rsplit("/", 1)[1])
    assert task["status"] == "completed" and task["result"] == {"formal_decision": "rejected"}

    page.goto(f"/arbeitsplatz/vorgaenge/{case_id}")
    expect(page.locator(".events")).to_contain_text("task.completed")
    accessible_at_every_width(page, "workspace-case")

    other = browser.new_context(locale="de-DE", base_url=egov_server.url)
    ben = other.new_page()
    login_as(ben, "ben", "/arbeitsplatz")
    for path in (task_path, f"/arbeitsplatz/vorgaenge/{case_id}"):
        shown = ben.goto(path)
        assert shown is not None and shown.status == 404, path
        expect(ben.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
        expect(ben.locator("main")).not_to_contain_text("Fahrradbügel")
    other.close()
