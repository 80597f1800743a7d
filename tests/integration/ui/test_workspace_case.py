"""The workspace's case and task pages (egov/workspace/casepage.py, taskform.py): the
application with its labels, the task's context (the formal check's findings), the diagram's
current step, documents to view and download, the audit trail with its verification; the
task form generated from its JSON Schema, refused with the reason next to the field, then
completed; four eyes and the triage decision as forms; another unit's clerk gets 404."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from egov.container import Container
from egov.workflow.store import get_instance_by_case
from tests.builders import proposal
from tests.conftest import Api
from tests.integration.test_camunda_models import aktenablage  # noqa: F401 (its fixture)
from tests.integration.test_task_four_eyes import DECISION, a_case_with_ben_as_second_clerk
from tests.integration.ui.test_workspace_inbox import RLO, task_of
from tests.support.pages import form_token, log_in, text_of

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
HTML = base64.b64encode(b"<script>alert(1)</script>").decode()


def file_with(api: Api, attachments: list[dict[str, str]] | None = None, **data: Any) -> str:
    body = {**proposal(**data), "attachments": attachments or []}
    response = api.post("/applications", "erika", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def as_user(app: Flask, container: Container, user: str) -> FlaskClient:
    client = app.test_client()
    log_in(client, container, user)
    return client


def test_the_task_page_shows_the_findings_the_application_and_the_current_step(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_with(api, estimated_cost_eur=4800, follow_up_cost_eur=1200)
    task_id = task_of(api, case_id)

    html = as_user(app, container, "anna").get(f"/arbeitsplatz/aufgaben/{task_id}")
    page = html.get_data(as_text=True)
    text = text_of(page)

    assert html.status_code == 200
    assert "Ergebnis der automatischen Prüfung" in text
    assert "Gesamtkosten einschließlich Folgekosten für fünf Jahre über 5.000 EUR" in text
    assert "Titel Fahrradbügel am Holzmarkt" in text  # the label from the form's XML element
    assert "Geschaetzte Kosten EUR 4.800" in text  # a number as German writes it
    assert "Aktueller Schritt: Formale Prüfung" in text
    position = api.get(f"/process-instances/{instance_of(api, case_id)}", "anna").get_json()
    highlighted = re.search(r'data-bpmn-highlight="([^"]*)"', page)
    assert highlighted is not None
    assert highlighted.group(1).split() == [e["id"] for e in position["position"]]
    assert "Prüfkette unversehrt: 4 Einträge geprüft." in text
    assert "Formal zulässig – weiter zur Machbarkeitsprüfung" in text  # the form's oneOf titles


def instance_of(api: Api, case_id: str) -> str:
    with api.container.db.reading() as session:
        found = get_instance_by_case(session, case_id)
        assert found is not None
        return found.id


def test_a_form_without_the_decision_is_refused_next_to_the_field_then_completed(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_with(api)
    task_id = task_of(api, case_id)
    client = as_user(app, container, "anna")
    token = form_token(client.get(f"/arbeitsplatz/aufgaben/{task_id}").get_data(as_text=True))
    url = f"/arbeitsplatz/aufgaben/{task_id}/erledigen"

    refused = client.post(url, data={"csrf_token": token, "formal_note": "Prüfe noch"})
    page = refused.get_data(as_text=True)

    assert refused.status_code == 200  # the page again, with the reasons
    assert 'class="error-summary"' in page and 'href="#feld-formal_decision"' in page
    error = re.search(r'id="feld-formal_decision-fehler">(.*?)</p>', page, re.S)
    assert error is not None and "Entscheidung: Pflichtfeld fehlt" in text_of(error.group(1))
    assert "Prüfe noch" in page  # what was sent is kept
    assert api.get(f"/tasks/{task_id}", "anna").get_json()["status"] == "open"

    done = client.post(url, data={"csrf_token": token, "formal_decision": "admissible"})

    assert done.status_code == 303 and "/arbeitsplatz/posteingang" in done.headers["Location"]
    inbox = text_of(client.get(done.headers["Location"]).get_data(as_text=True))
    assert "Erledigt: Formale Prüfung" in inbox
    task = api.get(f"/tasks/{task_id}", "anna").get_json()
    assert task["status"] == "completed" and task["result"] == {"formal_decision": "admissible"}
    after = text_of(client.get(f"/arbeitsplatz/aufgaben/{task_id}").get_data(as_text=True))
    assert "erledigt am" in after and "Aufgabe erledigen" not in after


@pytest.mark.parametrize(
    "path",
    [
        "/arbeitsplatz/aufgaben/{task}",
        "/arbeitsplatz/vorgaenge/{case}",
        "/arbeitsplatz/dokumente/{document}",
        "/arbeitsplatz/prozessinstanzen/{instance}/diagramm",
    ],
)
def test_a_clerk_of_another_unit_gets_not_found(
    app: Flask, api: Api, container: Container, path: str
) -> None:
    case_id = file_with(api)
    ids = {
        "task": task_of(api, case_id),
        "case": case_id,
        "document": api.get(f"/cases/{case_id}", "anna").get_json()["documents"][0]["id"],
        "instance": instance_of(api, case_id),
    }

    response = as_user(app, container, "ben").get(path.format(**ids))

    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Fahrradbügel" not in response.get_data(as_text=True)


def test_another_units_clerk_cannot_complete_the_task(
    app: Flask, api: Api, container: Container
) -> None:
    task_id = task_of(api, file_with(api))
    client = as_user(app, container, "ben")
    token = form_token(client.get("/arbeitsplatz/posteingang").get_data(as_text=True))

    response = client.post(
        f"/arbeitsplatz/aufgaben/{task_id}/erledigen",
        data={"csrf_token": token, "formal_decision": "rejected"},
    )

    assert response.status_code == 404
    assert api.get(f"/tasks/{task_id}", "anna").get_json()["status"] == "open"


def test_images_and_pdfs_are_shown_every_document_is_downloaded(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_with(
        api,
        [
            {"filename": "standort.png", "media_type": "image/png", "content_base64": PNG},
            {"filename": "plan.pdf", "media_type": "application/pdf", "content_base64": PDF},
            {"filename": "notiz.html", "media_type": "text/html", "content_base64": HTML},
        ],
    )
    documents = api.get(f"/cases/{case_id}", "anna").get_json()["documents"]
    by_name = {d["filename"]: d["id"] for d in documents}
    client = as_user(app, container, "anna")

    page = client.get(f"/arbeitsplatz/vorgaenge/{case_id}").get_data(as_text=True)
    image = client.get(f"/arbeitsplatz/dokumente/{by_name['standort.png']}?ansehen=1")
    pdf = client.get(f"/arbeitsplatz/dokumente/{by_name['plan.pdf']}?ansehen=1")
    html = client.get(f"/arbeitsplatz/dokumente/{by_name['notiz.html']}?ansehen=1")

    assert f'src="/arbeitsplatz/dokumente/{by_name["standort.png"]}?ansehen=1"' in page
    assert 'alt="Vorschau von standort.png"' in page
    assert image.headers["Content-Disposition"].startswith("inline")
    assert pdf.headers["Content-Disposition"].startswith("inline")
    assert pdf.mimetype == "application/pdf" and pdf.get_data().startswith(b"%PDF")
    assert html.headers["Content-Disposition"].startswith("attachment")  # never shown inline
    assert f'href="/arbeitsplatz/dokumente/{by_name["notiz.html"]}?ansehen=1"' not in page


def test_the_diagram_is_the_bpmn_of_the_instances_version(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_with(api)

    response = as_user(app, container, "anna").get(
        f"/arbeitsplatz/prozessinstanzen/{instance_of(api, case_id)}/diagramm"
    )

    assert response.status_code == 200 and response.mimetype == "application/xml"
    xml = response.get_data(as_text=True)
    assert 'id="buergerbudget"' in xml and "bpmndi:BPMNDiagram" in xml


def test_the_case_page_lists_its_open_tasks_and_the_audit_trail(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_with(api)
    task_id = task_of(api, case_id)

    html = as_user(app, container, "anna").get(f"/arbeitsplatz/vorgaenge/{case_id}")
    text = text_of(html.get_data(as_text=True))

    assert "Offene Aufgaben Formale Prüfung" in text
    assert "case.opened" in text and "task.created" in text
    assert f'href="/arbeitsplatz/aufgaben/{task_id}"' in html.get_data(as_text=True)
    assert "Prüfkette unversehrt" in text


def test_hostile_application_data_is_shown_inert(
    app: Flask, api: Api, container: Container
) -> None:
    long = "x" * 5000
    case_id = file_with(api, title=f"<script>alert(1)</script>{RLO}gnp.exe", description=long)

    page = as_user(app, container, "anna").get(f"/arbeitsplatz/vorgaenge/{case_id}")
    html = page.get_data(as_text=True)

    assert page.status_code == 200 and "<script>alert(1)" not in html
    assert f"<bdi>&lt;script&gt;alert(1)&lt;/script&gt;{RLO}gnp.exe</bdi>" in html
    assert long in html


def test_the_second_clerk_approves_a_four_eyes_decision_on_the_page(
    app: Flask, api: Api, container: Container
) -> None:
    _case_id, task_id = a_case_with_ben_as_second_clerk(api)
    assert (
        api.post(f"/tasks/{task_id}/complete", "anna", json={"data": DECISION}).status_code == 200
    )
    anna, ben = as_user(app, container, "anna"), as_user(app, container, "ben")

    for_anna = text_of(anna.get(f"/arbeitsplatz/aufgaben/{task_id}").get_data(as_text=True))
    page = ben.get(f"/arbeitsplatz/aufgaben/{task_id}").get_data(as_text=True)
    approved = ben.post(
        f"/arbeitsplatz/aufgaben/{task_id}/freigeben", data={"csrf_token": form_token(page)}
    )

    assert "Vorgeschlagene Entscheidung" in for_anna and "Freigeben" not in for_anna
    assert "Vorgeschlagen von dev:anna" in text_of(page) and "Ablehnen" in text_of(page)
    assert approved.status_code == 303
    assert api.get(f"/tasks/{task_id}", "anna").get_json()["status"] == "completed"


def test_a_rejection_needs_a_reason_and_goes_back_to_the_proposer(
    app: Flask, api: Api, container: Container
) -> None:
    _case_id, task_id = a_case_with_ben_as_second_clerk(api)
    assert (
        api.post(f"/tasks/{task_id}/complete", "anna", json={"data": DECISION}).status_code == 200
    )
    ben = as_user(app, container, "ben")
    token = form_token(ben.get(f"/arbeitsplatz/aufgaben/{task_id}").get_data(as_text=True))
    url = f"/arbeitsplatz/aufgaben/{task_id}/ablehnen"

    without = ben.post(url, data={"csrf_token": token, "grund": " "})
    rejected = ben.post(url, data={"csrf_token": token, "grund": "Betrag zu hoch"})

    assert without.status_code == 200 and 'id="feld-grund-fehler"' in without.get_data(True)
    assert rejected.status_code == 303
    task = api.get(f"/tasks/{task_id}", "anna").get_json()
    assert (task["status"], task["assignee"]) == ("claimed", "dev:anna")


CLERK_OF = {"allgemein": "clara", "strassen-verkehr": "otto", "ordnungsamt": "otto"}


def test_the_triage_suggestion_is_confirmed_on_the_review_tasks_page(
    app: Flask, api: Api, container: Container
) -> None:
    body = {"procedure": "anliegen", "data": {"text": "Vor der Schule ist ein tiefes Schlagloch."}}
    filed = api.post("/applications", "erika", json=body)
    assert filed.status_code == 201, filed.get_json()
    [task] = api.get(f"/cases/{filed.get_json()['case_id']}", "admin").get_json()["open_tasks"]
    client = as_user(app, container, CLERK_OF[task["org_unit"]])
    page = client.get(f"/arbeitsplatz/aufgaben/{task['id']}").get_data(as_text=True)
    url = f"/arbeitsplatz/aufgaben/{task['id']}/triage"

    undecided = client.post(url, data={"csrf_token": form_token(page)})
    confirmed = client.post(url, data={"csrf_token": form_token(page), "decision": "confirm"})

    assert "Vorschlag der Triage" in text_of(page) and "Aufgabe erledigen" not in text_of(page)
    assert undecided.status_code == 200 and 'href="#feld-decision"' in undecided.get_data(True)
    assert confirmed.status_code == 303
    done = api.get(f"/tasks/{task['id']}", "admin").get_json()
    assert done["status"] == "completed" and done["result"]["triage_decision"] == "confirm"


def test_an_open_task_of_another_unit_is_named_but_not_linked(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_with(api)
    formal = task_of(api, case_id)
    data = {"data": {"formal_decision": "admissible"}}
    assert api.post(f"/tasks/{formal}/complete", "anna", json=data).status_code == 200
    [feasibility] = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]

    html = as_user(app, container, "anna").get(f"/arbeitsplatz/vorgaenge/{case_id}")
    page = html.get_data(as_text=True)

    assert html.status_code == 200 and "(andere Organisationseinheit)" in text_of(page)
    assert f"/arbeitsplatz/aufgaben/{feasibility['id']}" not in page


def test_the_audit_trail_pages_with_a_link_to_its_next_page(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_with(api)
    client = as_user(app, container, "anna")

    first = client.get(f"/arbeitsplatz/vorgaenge/{case_id}?limit=2").get_data(as_text=True)
    [more] = re.findall(r'href="([^"]+)" rel="next"', first)
    second = client.get(more.replace("&amp;", "&")).get_data(as_text=True)

    def actions(html: str) -> list[str]:
        return re.findall(r'<li value="\d+"><strong><code>([^<]+)</code>', html)

    assert actions(first) == ["case.opened", "submission.received"]
    assert actions(second)[:1] == ["workflow.started"] and "limit=2" in more


def test_the_feasibility_form_reads_yes_no_and_a_german_number(
    app: Flask, api: Api, container: Container
) -> None:
    case_id = file_with(api)
    data = {"data": {"formal_decision": "admissible"}}
    assert (
        api.post(f"/tasks/{task_of(api, case_id)}/complete", "anna", json=data).status_code == 200
    )
    [task] = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    ben = as_user(app, container, "ben")
    page = ben.get(f"/arbeitsplatz/aufgaben/{task['id']}").get_data(as_text=True)
    url = f"/arbeitsplatz/aufgaben/{task['id']}/erledigen"
    sent = {"csrf_token": form_token(page), "feasible": "false", "cost_estimate_eur": "3.600,50"}

    without_note = ben.post(url, data=sent).get_data(as_text=True)
    done = ben.post(url, data={**sent, "feasibility_note": "Standort ungeeignet."})

    assert 'name="feasible" value="false" checked' in without_note
    assert 'id="feld-feasibility_note-fehler"' in without_note
    assert 'value="3.600,50"' in without_note  # as typed
    assert done.status_code == 303
    result = api.get(f"/tasks/{task['id']}", "admin").get_json()["result"]
    assert result == {
        "feasible": False,
        "cost_estimate_eur": 3600.5,
        "feasibility_note": "Standort ungeeignet.",
    }
