"""The admin pages of the workspace in Chromium: an admin opens each page, sets a Vertretung,
retries an incident of a delivery to an unreachable peer and resolves it; every page passes
axe (WCAG 2.1 AA) at 1280 and 390 px and is shot at both widths.

The server of this file is its own: it sends webhooks to a peer nobody listens on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from egov.clock import utcnow
from egov.db import Database
from egov.integrations import webhooks
from egov.outbox.service import Outbox, Outcome, enqueue
from egov.settings import Settings
from tests.browser.harness import (
    WIDTHS,
    EgovServer,
    assert_accessible,
    free_port,
    login_as,
    screenshot,
    set_width,
)
from tests.builders import proposal
from tests.support.servers import started_or_skip

SECRET_ENV = "EGOV_TEST_WEBHOOK_SECRET"


@dataclass
class ServerWithUnreachablePeer(EgovServer):
    """`make run`, with a webhook subscriber at a port nobody listens on."""

    peer: str = ""

    def environment(self) -> dict[str, str]:
        subscriber = {"url": self.peer, "events": ["case.closed"], "secret_env": SECRET_ENV}
        return {
            **super().environment(),
            "EGOV_WEBHOOKS": json.dumps([subscriber]),
            SECRET_ENV: "browser-test-secret-0123456789abcdef",
        }


@pytest.fixture(scope="module")
def egov_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EgovServer]:
    peer = f"http://127.0.0.1:{free_port()}/hooks/egov"
    server = ServerWithUnreachablePeer(tmp_path_factory.mktemp("browser-admin") / "run", peer=peer)
    with started_or_skip(server, "egov serve (as make run) with a webhook subscriber"):
        yield server


def a_case(page: Page) -> str:
    """A Bürgerbudget proposal of erika's, filed through the API."""
    token = page.request.post(
        "/dev-idp/token",
        form={"grant_type": "password", "username": "erika", "password": "erika"},
    ).json()["access_token"]
    filed = page.request.post(
        "/api/v1/applications",
        data=json.dumps(proposal()),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert filed.status == 201, filed.text()
    return str(filed.json()["case_id"])


def failed_delivery(server: ServerWithUnreachablePeer, case_id: str) -> None:
    """A webhook of the case that the outbox gives up on at its first attempt: the peer is
    unreachable, so an incident `webhook-unreachable` opens. Its moment lies a minute ahead,
    so the server's own worker leaves the row to this outbox."""
    environ = server.environment()
    settings = Settings.from_env(environ)
    database = Database(settings.effective_database_url)
    outbox = Outbox(db=database, clock=lambda: utcnow() + timedelta(minutes=1), max_attempts=1)
    webhooks.install(outbox, database.sessions, settings, environ=environ)
    body = {"event": "case.closed", "case_id": case_id, "data": {}}
    with database.transaction() as session:
        row = enqueue(
            session,
            case_id=case_id,
            kind=webhooks.KIND,
            payload={"url": server.peer, "event": "case.closed", "body": body},
            now=outbox.clock(),
        )
    try:
        assert outbox.deliver(row) == Outcome.FAILED
    finally:
        database.dispose()


def checked(page: Page, name: str) -> None:
    """axe at both widths, then the screenshots."""
    for width in WIDTHS:
        set_width(page, width)
        assert_accessible(page)
    set_width(page, 1280)
    screenshot(page, name)


def test_an_admin_opens_every_admin_page(page: Page, egov_server: EgovServer) -> None:
    login_as(page, "admin", "/arbeitsplatz")
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    checked(page, "admin-start")

    for link, heading, name in [
        ("Organisationseinheiten", "Organisationseinheiten", "admin-units"),
        ("Verfahren", "Verfahren", "admin-procedures"),
        ("Bürgerbudget-Runden", "Bürgerbudget-Runden", "admin-rounds"),
        ("Prozessdefinitionen", "Prozessdefinitionen", "admin-processes"),
        ("Störungen", "Offene Störungen", "admin-incidents"),
    ]:
        page.goto("/arbeitsplatz/admin")
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        checked(page, name)

    page.goto("/arbeitsplatz/admin/verfahren")
    page.get_by_role("link", name="Vorschlag zum Bürgerbudget").click()
    expect(page.get_by_text("42 Arbeitstage")).to_be_visible()
    checked(page, "admin-procedure")

    page.goto("/arbeitsplatz/admin/prozesse")
    page.get_by_role("link", name="buergerbudget", exact=True).click()
    diagram = page.locator(".bpmn-diagram")
    url = diagram.get_attribute("data-bpmn-url")
    assert url is not None and page.request.get(url).text().startswith("<?xml")
    checked(page, "admin-process")


def test_an_admin_makes_a_round_after_correcting_the_form(
    page: Page, egov_server: EgovServer
) -> None:
    login_as(page, "admin", "/arbeitsplatz/admin/buergerbudget/neu")
    page.get_by_label("Jahr").fill("2032")
    page.get_by_role("button", name="Runde anlegen").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Bitte füllen Sie dieses Feld aus.")
    checked(page, "admin-round-form-errors")

    page.get_by_label("Gesamtbudget in Euro").fill("30000")
    page.get_by_label("Höchstbetrag je Vorschlag in Euro").fill("5000")
    page.get_by_label("Einreichung ab").fill("2032-03-01")
    page.get_by_label("Frist für Vorschläge (letzter Tag)").fill("2032-05-31")
    page.get_by_label("Abstimmung ab").fill("2032-07-01")
    page.get_by_label("Abstimmung bis (letzter Tag)").fill("2032-07-31")
    page.get_by_label("Kategorien").fill("verkehr\nspielen")
    page.get_by_role("button", name="Runde anlegen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bürgerbudget 2032")
    expect(page.get_by_text("30.000 Euro")).to_be_visible()
    checked(page, "admin-round")


def test_an_admin_adds_a_member_and_sets_a_deputy_for_two_weeks(
    page: Page, egov_server: EgovServer
) -> None:
    login_as(page, "admin", "/arbeitsplatz/admin/organisationseinheiten/buero-buergerbudget")
    page.get_by_label("Kennung der Person").fill("dev:anna")
    page.get_by_role("button", name="Mitglied hinzufügen").click()
    expect(page.get_by_role("status")).to_have_text("Das Mitglied wurde hinzugefügt.")

    page.get_by_label("Wer wird vertreten?").fill("dev:anna")
    page.get_by_label("Wer vertritt?").fill("dev:ben")
    page.get_by_label("Erster Tag").fill("2027-01-04")
    page.get_by_label("Letzter Tag").fill("2027-01-15")
    page.get_by_label("Letzter Tag").press("Enter")

    expect(page.get_by_role("status")).to_have_text("Die Vertretung wurde eingetragen.")
    expect(page.get_by_role("heading", name="dev:ben vertritt dev:anna")).to_be_visible()
    expect(page.get_by_text("4. Januar 2027 bis 15. Januar 2027")).to_be_visible()
    checked(page, "admin-unit")

    page.get_by_role("button", name="Jetzt beenden").click()
    expect(page.get_by_role("status")).to_have_text("Die Vertretung wurde beendet.")
    expect(page.get_by_text("beendet", exact=True)).to_be_visible()


def test_an_admin_retries_an_incident_of_an_unreachable_peer_and_resolves_it(
    page: Page, egov_server: ServerWithUnreachablePeer
) -> None:
    failed_delivery(egov_server, a_case(page))
    login_as(page, "admin", "/arbeitsplatz/admin/stoerungen")
    page.get_by_role("link", name="Zustellung fehlgeschlagen").first.click()
    expect(page.get_by_text("webhook-unreachable")).to_be_visible()
    assert re.search(r"/arbeitsplatz/admin/stoerungen/[0-9a-f-]+$", page.url)
    checked(page, "admin-incident")

    page.get_by_role("button", name="Schritt wiederholen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Der Schritt ist erneut fehlgeschlagen. Die Störung bleibt offen."
    )

    page.get_by_role("button", name="Als erledigt vermerken").click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.get_by_label("Wie wurde die Störung behoben?").fill(
        "Empfänger informiert, Daten per Post."
    )
    page.get_by_role("button", name="Als erledigt vermerken").click()
    expect(page.get_by_role("status")).to_have_text("Die Störung ist als erledigt vermerkt.")
    expect(page.get_by_role("button", name="Schritt wiederholen")).to_have_count(0)
    checked(page, "admin-incident-resolved")
