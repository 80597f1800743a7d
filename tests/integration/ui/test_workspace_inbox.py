"""The clerk's Posteingang at /arbeitsplatz/posteingang (egov/workspace/inbox.py): the tabs
mine, my units, unclaimed and overdue, filters, search and paging as the API pages; claim and
release as forms with the CSRF token; another unit's tasks never shown or claimed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from egov.container import Container
from tests.conftest import Api
from tests.integration.test_task_context import file_proposal
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app
from tests.support.pages import form_token, log_in, text_of

INBOX = "/arbeitsplatz/posteingang"
RLO = "\u202e"


def task_of(api: Api, case_id: str, user: str = "anna") -> str:
    items = api.get("/tasks", user).get_json()["items"]
    return str(next(t["id"] for t in items if t["case_id"] == case_id))


def reference_of(api: Api, case_id: str) -> str:
    return str(api.get(f"/cases/{case_id}", "anna").get_json()["reference"])


def test_the_inbox_lists_the_units_tasks_with_their_case_by_frist(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_proposal(api)
    client = app.test_client()
    log_in(client, container, "anna")

    response = client.get(INBOX)

    assert response.status_code == 200 and response.mimetype == "text/html"
    text = text_of(response.get_data(as_text=True))
    assert "Posteingang" in text and "Formale Prüfung" in text
    assert reference_of(api, case_id) in text and "Vorschlag zum Bürgerbudget" in text
    assert "Nach Frist sortiert" in text


def test_without_a_login_the_inbox_sends_to_the_staff_login(app: Flask) -> None:
    response = app.test_client().get(INBOX)

    assert response.status_code == 303 and "/auth/login/" in response.headers["Location"]


def test_a_citizen_may_not_open_the_inbox(app: Flask, container: Container) -> None:
    client = app.test_client()
    log_in(client, container, "erika")

    assert client.get(INBOX).status_code == 403


def test_a_clerk_of_another_unit_sees_none_of_the_tasks(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_proposal(api)
    client = app.test_client()
    log_in(client, container, "ben")

    text = text_of(client.get(INBOX).get_data(as_text=True))

    assert reference_of(api, case_id) not in text and "Hier sind keine Aufgaben." in text


def test_claim_moves_the_task_to_mine_and_release_gives_it_back(
    app: Flask, api: Api, container: Container
) -> None:
    task_id = task_of(api, file_proposal(api))
    client = app.test_client()
    log_in(client, container, "anna")
    token = form_token(client.get(INBOX).get_data(as_text=True))

    claimed = client.post(
        f"/arbeitsplatz/aufgaben/{task_id}/uebernehmen",
        data={"csrf_token": token, "next": INBOX + "?ansicht=mine"},
    )
    mine = text_of(client.get(INBOX + "?ansicht=mine").get_data(as_text=True))
    unclaimed = text_of(client.get(INBOX + "?ansicht=unclaimed").get_data(as_text=True))

    assert claimed.status_code == 303 and claimed.headers["Location"].endswith("?ansicht=mine")
    assert "Formale Prüfung" in mine and "Zurückgeben" in mine
    task_page = text_of(client.get(f"/arbeitsplatz/aufgaben/{task_id}").get_data(as_text=True))
    assert "von Ihnen übernommen" in task_page
    assert "Hier sind keine Aufgaben." in unclaimed
    assert api.get(f"/tasks/{task_id}", "anna").get_json()["assignee"] == "dev:anna"

    released = client.post(
        f"/arbeitsplatz/aufgaben/{task_id}/zurueckgeben", data={"csrf_token": token}
    )

    assert released.status_code == 303
    assert released.headers["Location"].endswith(f"/arbeitsplatz/aufgaben/{task_id}")
    assert api.get(f"/tasks/{task_id}", "anna").get_json()["status"] == "open"
    events = api.get(
        f"/cases/{api.get(f'/tasks/{task_id}', 'anna').get_json()['case_id']}/events", "anna"
    )
    actions = [e["action"] for e in events.get_json()["items"]]
    assert "task.claimed" in actions and "task.unclaimed" in actions


def test_a_claim_without_the_form_token_is_refused(
    app: Flask, api: Api, container: Container
) -> None:
    task_id = task_of(api, file_proposal(api))
    client = app.test_client()
    log_in(client, container, "anna")

    response = client.post(f"/arbeitsplatz/aufgaben/{task_id}/uebernehmen", data={})

    assert response.status_code == 400 and "form-token-invalid" in response.get_data(as_text=True)
    assert api.get(f"/tasks/{task_id}", "anna").get_json()["status"] == "open"


def test_a_clerk_of_another_unit_cannot_claim_the_task(
    app: Flask, api: Api, container: Container
) -> None:
    task_id = task_of(api, file_proposal(api))
    client = app.test_client()
    log_in(client, container, "ben")
    token = form_token(client.get(INBOX).get_data(as_text=True))

    response = client.post(
        f"/arbeitsplatz/aufgaben/{task_id}/uebernehmen", data={"csrf_token": token}
    )

    assert response.status_code == 404 and response.mimetype == "text/html"
    assert api.get(f"/tasks/{task_id}", "anna").get_json()["status"] == "open"


def test_the_filters_and_the_search_narrow_the_list(
    app: Flask, api: Api, container: Container
) -> None:
    first = file_proposal(api, title="Sitzbank am Teich")
    second = file_proposal(api, title="Trinkbrunnen am Markt")
    client = app.test_client()
    log_in(client, container, "anna")

    found = text_of(client.get(INBOX + "?q=teich").get_data(as_text=True))
    by_reference = text_of(
        client.get(INBOX, query_string={"q": reference_of(api, second)}).get_data(as_text=True)
    )
    other_procedure = text_of(client.get(INBOX + "?verfahren=bauantrag").get_data(as_text=True))
    claimed_only = text_of(client.get(INBOX + "?status=claimed").get_data(as_text=True))

    assert reference_of(api, first) in found and reference_of(api, second) not in found
    assert (
        reference_of(api, second) in by_reference and reference_of(api, first) not in by_reference
    )
    assert "Hier sind keine Aufgaben." in other_procedure
    assert "Hier sind keine Aufgaben." in claimed_only


def test_no_task_is_overdue_before_its_frist(app: Flask, api: Api, container: Container) -> None:
    file_proposal(api)
    client = app.test_client()
    log_in(client, container, "anna")

    text = text_of(client.get(INBOX + "?ansicht=overdue").get_data(as_text=True))

    assert "Hier sind keine Aufgaben." in text


def test_a_task_past_its_frist_is_in_the_overdue_tab(database_url: str, tmp_path: Path) -> None:
    clock = FakeClock(datetime.now(UTC).replace(tzinfo=None))
    app = clocked_app(database_url, tmp_path / "var", clock)
    try:
        api = api_of(app)
        reference = reference_of(api, file_proposal(api))
        client = app.test_client()
        before = text_of(log_in_and_get(client, app, INBOX + "?ansicht=overdue"))
        clock.advance(days=70)  # the formal check's Frist is 62 days
        after = text_of(log_in_and_get(client, app, INBOX + "?ansicht=overdue"))
    finally:
        app.extensions["egov"].db.dispose()

    assert reference not in before
    assert reference in after and "überfällig" in after


def log_in_and_get(client: Any, app: Flask, path: str) -> str:
    log_in(client, app.extensions["egov"], "anna")
    return str(client.get(path).get_data(as_text=True))


def test_the_inbox_pages_with_a_link_that_keeps_the_filters(
    app: Flask, api: Api, container: Container
) -> None:
    references = {reference_of(api, file_proposal(api)) for _ in range(3)}
    client = app.test_client()
    log_in(client, container, "anna")

    first = client.get(INBOX + "?ansicht=units&limit=2").get_data(as_text=True)
    [more] = [part.split('"')[0] for part in first.split('href="')[1:] if "cursor=" in part]
    second = client.get(more.replace("&amp;", "&")).get_data(as_text=True)

    assert "ansicht=units" in more
    shown = {r for r in references if r in text_of(first)} | {
        r for r in references if r in text_of(second)
    }
    assert shown == references
    assert not {r for r in references if r in text_of(first)} & {
        r for r in references if r in text_of(second)
    }


def test_hostile_search_and_titles_are_shown_inert(
    app: Flask, api: Api, container: Container
) -> None:
    file_proposal(api, title=f"<script>alert(1)</script>{RLO}gnp.exe")
    client = app.test_client()
    log_in(client, container, "anna")

    html = client.get(INBOX, query_string={"q": "<script>"}).get_data(as_text=True)
    too_long = client.get(INBOX, query_string={"q": "x" * 201})

    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert f"<bdi>&lt;script&gt;alert(1)&lt;/script&gt;{RLO}gnp.exe</bdi>" in html
    assert too_long.status_code == 400 and "search-too-long" in too_long.get_data(as_text=True)
    forged = text_of(
        client.get(INBOX, query_string={"erledigt": "Rufen Sie 0190 an"}).get_data(True)
    )
    assert "Erledigt" not in forged and "0190" not in forged  # only a task the clerk sees


def test_the_inbox_speaks_english_when_asked(app: Flask, api: Api, container: Container) -> None:
    file_proposal(api)
    client = app.test_client()
    log_in(client, container, "anna")

    text = text_of(client.get(INBOX + "?lang=en").get_data(as_text=True))

    assert "My units" in text and "Sorted by deadline, earliest first." in text
    assert "Claim" in text and "Meine Einheiten" not in text
