"""'Meine Anträge' and the Postfach in the portal (egov/portal/cases.py, postfach.py): the
citizen's cases with status in plain language, a case's page with the expected decision and
its history, letters (opening one marks it read), documents (a PDF shown in a frame of this
site), the answer with files, the withdrawal; another citizen gets the 404 page; hostile
input is shown back inert."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient

from egov.container import Container
from egov.identity.sessions import SESSION_KEY
from tests.conftest import Api
from tests.integration.test_retention import actions, rejected_case
from tests.integration.test_walkthrough import file_proposal
from tests.support.pages import form_token, log_in, text_of

RLO = "\u202e"
HOSTILE = f"<script>alert(1)</script>{RLO}gpj.exe " + "x" * 5000


def citizen(app: Flask, container: Container, user: str = "erika") -> FlaskClient:
    client = app.test_client()
    log_in(client, container, user)
    return client


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    return str(response.get_data(as_text=True))


def letters(api: Api, case_id: str, user: str = "erika") -> list[dict[str, object]]:
    items = api.get("/me/messages", user).get_json()["items"]
    return [m for m in items if m["case_id"] == case_id]


def test_without_a_login_the_cases_page_sends_the_browser_to_the_login(app: Flask) -> None:
    response = app.test_client().get("/antraege")

    assert response.status_code == 303
    assert response.location.startswith("/auth/login/dev?next=/antraege")


def test_the_list_shows_each_case_with_its_status_in_plain_language(
    app: Flask, container: Container, api: Api
) -> None:
    receipt = file_proposal(api, title="Bank am Teich")

    text = text_of(page(citizen(app, container), "/antraege"))

    assert "Meine Anträge" in text and "Bank am Teich" in text
    assert 'href="/antraege"' in page(citizen(app, container), "/")  # from every portal page
    assert str(receipt["case_reference"]) in text
    assert "Ihr Antrag ist bei uns angekommen." in text or "Wir prüfen" in text


def walk(client: FlaskClient, path: str, limit: int) -> list[str]:
    """The card titles of a list page, page by page along its `rel="next"` link."""
    url, titles = f"{path}?limit={limit}", []
    while url:
        html = page(client, url)
        found = re.findall(r'<h2 class="card__title"><a href="[^"]+">(.*?)</a>', html)
        assert 0 < len(found) <= limit, url
        titles += found
        link = re.search(r'href="([^"]+)" rel="next"', html)
        url = link.group(1).replace("&amp;", "&") if link else ""
    return titles


def test_the_lists_page_along_their_next_links(app: Flask, container: Container, api: Api) -> None:
    for title in ("Erster Vorschlag", "Zweiter Vorschlag"):
        case_id = str(file_proposal(api, title=title)["case_id"])
        body = {"subject": f"Frage zu {title}", "body": "Wann?"}
        assert api.post(f"/me/cases/{case_id}/messages", "erika", json=body).status_code == 201
    client = citizen(app, container)

    for path in ("/antraege", "/postfach"):  # test_paging.CITIZEN_PAGE_LISTS
        whole = walk(client, path, 200)
        assert len(whole) >= 2 and walk(client, path, 1) == whole, path
    assert walk(client, "/antraege", 200)[:2] == ["Zweiter Vorschlag", "Erster Vorschlag"]


def test_a_case_page_shows_the_expected_decision_and_the_history(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api, title="Baum an der Schule")["case_id"])

    text = text_of(page(citizen(app, container), f"/antraege/{case_id}"))

    assert "Baum an der Schule" in text and "Entscheidung voraussichtlich bis" in text
    assert "Arbeitstage ab Eingang" in text
    assert "Ihr Antrag ist bei uns eingegangen." in text
    assert "anna" not in text and "task" not in text  # no clerk, no internals


def test_a_decided_case_shows_its_letter_and_no_withdrawal(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = rejected_case(api)

    text = text_of(page(citizen(app, container), f"/antraege/{case_id}"))

    assert "Stand: Abgelehnt" in text and "Abgeschlossen am" in text
    assert "Neuer Stand: Abgelehnt" in text
    assert "Antrag zurücknehmen" not in text


def test_opening_a_letter_marks_it_read(app: Flask, container: Container, api: Api) -> None:
    case_id = rejected_case(api)
    [letter] = [m for m in letters(api, case_id) if m["direction"] == "outbound"][-1:]
    client = citizen(app, container)
    assert "ungelesen" in text_of(page(client, "/postfach"))

    text = text_of(page(client, f"/postfach/{letter['id']}"))

    assert str(letter["subject"]) in text
    assert [m["read_at"] for m in letters(api, case_id) if m["id"] == letter["id"]] != [None]


def test_a_pdf_is_shown_in_a_frame_of_this_site_and_offered_as_a_download(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)
    answer(client, case_id, ("lageplan.pdf", "application/pdf", b"%PDF-1.4 Lageplan"))
    [message] = [m for m in letters(api, case_id) if m["direction"] == "inbound"]

    html = page(client, f"/postfach/{message['id']}")

    [frame] = re.findall(
        r'<iframe class="preview" src="([^"]+)" title="Vorschau: lageplan.pdf"', html
    )
    shown = client.get(frame)
    assert (shown.status_code, shown.mimetype) == (200, "application/pdf")
    assert shown.data == b"%PDF-1.4 Lageplan"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert shown.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert shown.headers["X-Frame-Options"] == "SAMEORIGIN"
    [download] = re.findall(r'href="(/dokumente/[^"/]+)" download', html)
    got = client.get(download)
    assert got.status_code == 200 and got.headers["Content-Disposition"].startswith("attachment;")
    assert "frame-ancestors 'none'" in got.headers["Content-Security-Policy"]


def answer(client: FlaskClient, case_id: str, *files: tuple[str, str, bytes]) -> str:
    token = form_token(page(client, f"/antraege/{case_id}/antworten"))
    response = client.post(
        f"/antraege/{case_id}/antworten",
        data={
            "csrf_token": token,
            "subject": "Nachreichung",
            "body": "Anbei der Lageplan.",
            "attachments": [(io.BytesIO(content), name, kind) for name, kind, content in files],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return str(response.location)


def test_the_answer_with_a_file_is_a_message_and_a_document_of_the_case(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)

    back = answer(client, case_id, ("lageplan.pdf", "application/pdf", b"%PDF-1.4 Lageplan"))

    text = text_of(page(client, back))
    assert "Ihre Nachricht ist bei uns angekommen." in text
    assert "lageplan.pdf" in text and "Sie haben ein Dokument eingereicht: lageplan.pdf" in text
    documents = api.get(f"/cases/{case_id}/documents", "anna").get_json()["items"]
    assert "lageplan.pdf" in [d["filename"] for d in documents]
    inbound = [m for m in letters(api, case_id) if m["direction"] == "inbound"]
    assert [m["subject"] for m in inbound] == ["Nachreichung"]


def test_an_empty_answer_is_refused_next_to_the_field(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)
    token = form_token(page(client, f"/antraege/{case_id}/antworten"))

    response = client.post(f"/antraege/{case_id}/antworten", data={"csrf_token": token})

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="#feld-body"' in html  # the form again
    assert 'aria-invalid="true"' in html


def test_a_withdrawal_is_confirmed_and_the_case_page_says_so(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)
    token = form_token(page(client, f"/antraege/{case_id}/zuruecknehmen"))

    response = client.post(
        f"/antraege/{case_id}/zuruecknehmen", data={"csrf_token": token, "reason": HOSTILE}
    )

    assert "höchstens 2000 Zeichen" in text_of(response.get_data(as_text=True))  # too long
    assert api.get(f"/cases/{case_id}", "anna").get_json()["status"] != "withdrawn"
    response = client.post(
        f"/antraege/{case_id}/zuruecknehmen", data={"csrf_token": token, "reason": "Erledigt."}
    )
    assert response.status_code == 303
    text = text_of(page(client, response.location))
    assert "Sie haben Ihren Antrag zurückgenommen." in text and "Stand: Zurückgenommen" in text
    assert "Antrag zurücknehmen" not in text


def test_another_citizen_gets_the_404_page_on_every_page_of_a_case(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = rejected_case(api)
    [letter] = [m for m in letters(api, case_id) if m["direction"] == "outbound"][-1:]
    document = api.get(f"/cases/{case_id}/documents", "erika").get_json()["items"][0]["id"]
    client = citizen(app, container, "max")
    token = form_token(page(client, "/antraege"))

    for path in (
        f"/antraege/{case_id}",
        f"/antraege/{case_id}/antworten",
        f"/antraege/{case_id}/zuruecknehmen",
        f"/postfach/{letter['id']}",
        f"/dokumente/{document}",
        f"/dokumente/{document}/ansicht",
    ):
        response = client.get(path)
        assert (response.status_code, response.mimetype) == (404, "text/html"), path
    for path in (f"/antraege/{case_id}/antworten", f"/antraege/{case_id}/zuruecknehmen"):
        response = client.post(path, data={"csrf_token": token, "body": "x"})
        assert response.status_code == 404, path
    assert "Fahrradbügel" not in text_of(page(client, "/antraege"))
    assert "Fahrradbügel" not in text_of(page(client, "/postfach"))
    assert letters(api, case_id)[-1]["read_at"] is None


def test_hostile_text_in_an_answer_is_shown_inert(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)
    token = form_token(page(client, f"/antraege/{case_id}/antworten"))
    response = client.post(
        f"/antraege/{case_id}/antworten",
        data={"csrf_token": token, "subject": HOSTILE[:300], "body": HOSTILE},
    )
    [message] = [m for m in letters(api, case_id) if m["direction"] == "inbound"]

    for path in (response.location, "/postfach", f"/postfach/{message['id']}"):
        html = page(client, path)
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html, path


# --- the account page (egov/portal/account.py) ----------------------------------------------


def test_the_notification_address_is_changed_and_withdrawn(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)
    token = form_token(page(client, "/konto"))

    refused = client.post("/konto/benachrichtigung", data={"csrf_token": token, "email": HOSTILE})
    changed = client.post(
        "/konto/benachrichtigung", data={"csrf_token": token, "email": "neu@example.org"}
    )

    assert 'href="#feld-email"' in refused.get_data(as_text=True)
    assert "&lt;script&gt;" in refused.get_data(as_text=True)
    assert changed.status_code == 303
    assert "Zurzeit an: neu@example.org" in text_of(page(client, changed.location))
    assert "case.notification_email_changed" in actions(api, case_id)
    withdrawn = client.post("/konto/benachrichtigung/abbestellen", data={"csrf_token": token})
    assert "keine E-Mails mehr" in text_of(page(client, withdrawn.location))
    assert "case.notification_email_withdrawn" in actions(api, case_id)


def test_the_export_is_the_zip_of_the_api(app: Flask, container: Container, api: Api) -> None:
    file_proposal(api, title="Bank am Teich")

    response = citizen(app, container).get("/konto/auskunft")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_a_large_account_asks_for_the_export_in_the_background(
    app: Flask, container: Container, api: Api
) -> None:
    file_proposal(api)
    container.exports.sync_max_bytes = 0
    client = citizen(app, container)

    html = page(client, "/konto/auskunft")
    response = client.post("/konto/auskunft", data={"csrf_token": form_token(html)})

    assert "Auskunft anfordern" in text_of(html)
    assert response.status_code == 303 and "erledigt=auskunft" in response.location
    assert "Postfach" in text_of(page(client, response.location))


def test_the_erasure_asks_for_a_recent_login_first(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)
    with client.session_transaction() as cookie:  # the login was longer ago than allowed
        cookie[SESSION_KEY] = {
            **cookie[SESSION_KEY],
            "auth_time": cookie[SESSION_KEY]["auth_time"]
            - container.settings.reauth_max_age_seconds
            - 60,
        }

    html = page(client, "/konto/loeschen")
    refused = client.post("/konto/loeschen", data={"csrf_token": form_token(html)})

    assert "Bitte melden Sie sich noch einmal an" in text_of(html)
    assert "reauth=1" in html and "Ja, meine Daten löschen" not in html
    assert "Bitte melden Sie sich noch einmal an" in text_of(refused.get_data(as_text=True))
    assert api.get(f"/cases/{case_id}", "anna").get_json()["status"] != "withdrawn"


def test_the_erasure_with_a_recent_login_names_what_was_kept(
    app: Flask, container: Container, api: Api
) -> None:
    file_proposal(api)
    client = citizen(app, container)
    token = form_token(page(client, "/konto/loeschen"))

    response = client.post("/konto/loeschen", data={"csrf_token": token})

    text = text_of(response.get_data(as_text=True))
    assert response.status_code == 200 and "Wir haben Ihren Antrag auf Löschung erhalten." in text
    assert "JENA-" in text


def test_the_pages_speak_english_when_asked(app: Flask, container: Container, api: Api) -> None:
    file_proposal(api)

    text = text_of(page(citizen(app, container), "/antraege?lang=en"))

    assert "My applications" in text and "Reference" in text


def test_a_file_name_with_a_direction_override_is_refused_next_to_the_files(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)
    token = form_token(page(client, f"/antraege/{case_id}/antworten"))

    response = client.post(
        f"/antraege/{case_id}/antworten",
        data={
            "csrf_token": token,
            "body": "Anbei.",
            "attachments": [(io.BytesIO(b"MZ"), f"plan{RLO}fdp.exe", "application/pdf")],
        },
        content_type="multipart/form-data",
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="#feld-attachments"' in html
    assert "Anbei." in html  # what was typed is kept
    assert [m for m in letters(api, case_id) if m["direction"] == "inbound"] == []


def test_a_megabyte_of_text_is_refused_and_shown_back_inert(
    app: Flask, container: Container, api: Api
) -> None:
    case_id = str(file_proposal(api)["case_id"])
    client = citizen(app, container)
    token = form_token(page(client, f"/antraege/{case_id}/antworten"))
    huge = "<script>" + "x" * 1_000_000

    response = client.post(
        f"/antraege/{case_id}/antworten", data={"csrf_token": token, "body": huge}
    )

    html = response.get_data(as_text=True)
    assert 'href="#feld-body"' in html and "&lt;script&gt;xxx" in html and "<script>x" not in html
