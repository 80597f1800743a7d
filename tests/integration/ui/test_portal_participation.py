"""The portal's participation pages (egov/portal/participation.py): the open procedures, a
procedure with its variants (map data and the list), documents and statements, and the
statement form of a logged-in citizen and of an anonymous author; hostile input shown back
inert; another citizen's statement never shows who wrote it."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from html import unescape
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from egov.app import create_app
from egov.container import Container
from tests.conftest import Api, make_settings
from tests.integration.test_authorization_matrix import open_participation
from tests.integration.test_beteiligung_intake import EXAMPLES, around_today, submit
from tests.support.pages import form_token, log_in, text_of

RLO = "\u202e"
PDF = b"%PDF-1.4\n% Anlage\n%%EOF\n"
INLINE = EXAMPLES / "valid" / "initiieren-mit-inline-unterlagen.xml"


@pytest.fixture
def api(app: Flask, container: Container) -> Api:
    return Api(app.test_client(), container)


@pytest.fixture
def pid(api: Api) -> str:
    return open_participation(api)


def statement_page(client: FlaskClient, pid: str, query: str = "") -> str:
    response = client.get(f"/beteiligung/{pid}/stellungnahme{query}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    return str(response.get_data(as_text=True))


def send(client: FlaskClient, pid: str, **form: object) -> TestResponse:
    token = form_token(statement_page(client, pid))
    return client.post(
        f"/beteiligung/{pid}/stellungnahme",
        data={"csrf_token": token, "variante": "gesamt", **form},
        content_type="multipart/form-data",
    )


def test_the_list_shows_the_open_procedures_with_a_link_to_each(app: Flask, pid: str) -> None:
    html = app.test_client().get("/beteiligung").get_data(as_text=True)

    assert f'href="/beteiligung/{pid}"' in html
    assert "Bebauungsplan Nr. 47" in text_of(html)


def test_a_procedure_shows_period_variants_as_map_data_and_as_text_and_its_documents(
    app: Flask, pid: str
) -> None:
    response = app.test_client().get(f"/beteiligung/{pid}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert "Sie können bis zum" in text and "Stellung nehmen" in text
    found = re.search(r"data-geojson='([^']+)'", html)
    assert found is not None
    features = json.loads(unescape(found.group(1)))["features"]
    assert {f["properties"]["kind"] for f in features} == {"area", "variant"}
    assert features[0]["geometry"]["type"] == "Polygon"  # EPSG:4326, as the public API
    assert "Zu dieser Variante Stellung nehmen" in text  # the map's text alternative
    assert 'href="https://planung.jena.example/bp47/begruendung.pdf"' in html
    assert "Planzeichnung" in text  # sent without its bytes: named, not linked


def test_an_unknown_procedure_is_the_404_page(app: Flask) -> None:
    response = app.test_client().get("/beteiligung/keine-solche")

    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "participation-not-found" in response.get_data(as_text=True)


def test_a_citizen_files_a_statement_on_a_variant_with_an_attachment_and_sees_the_receipt(
    app: Flask, container: Container, api: Api, pid: str
) -> None:
    client = app.test_client()
    log_in(client, container, "erika")
    page = statement_page(client, pid, "?variante=plan")
    assert 'value="plan" checked' in page

    filed = send(
        client, pid, variante="plan", text="Bitte die Streuobstwiese erhalten.",
        anhang=(BytesIO(PDF), "hang.pdf", "application/pdf"),
    )  # fmt: skip

    assert filed.status_code == 303
    received = client.get(filed.location)
    text = text_of(received.get_data(as_text=True))
    assert "Ihre Stellungnahme ist eingegangen" in text and "-S0001" in text
    listed = api.get(f"/participations/{pid}/statements", "ben").get_json()["items"]
    assert [(s["variant_id"], len(s["attachment_ids"])) for s in listed] == [("plan", 1)]
    assert client.get(filed.location).status_code == 303


def test_an_empty_statement_is_refused_next_to_the_field(
    app: Flask, container: Container, pid: str
) -> None:
    client = app.test_client()
    log_in(client, container, "erika")

    refused = send(client, pid, text="   ")

    assert refused.status_code == 200  # the form again
    html = refused.get_data(as_text=True)
    assert 'href="#feld-text"' in html and 'id="feld-text-fehler"' in html
    assert "Bitte schreiben Sie Ihre Stellungnahme." in text_of(html)


def test_a_wrong_attachment_type_is_refused_next_to_the_file_field(
    app: Flask, container: Container, pid: str
) -> None:
    client = app.test_client()
    log_in(client, container, "erika")

    refused = send(client, pid, text="Gut.", anhang=(BytesIO(b"x"), "a.txt", "text/plain"))

    assert refused.status_code == 200  # the form again
    html = refused.get_data(as_text=True)
    assert 'href="#feld-anhang"' in html and "nur PDF, PNG oder JPEG" in text_of(html)


def test_without_a_login_and_without_anonymous_statements_the_form_asks_for_the_login(
    app: Flask, pid: str
) -> None:
    client = app.test_client()
    page = statement_page(client, pid)

    assert "melden Sie sich bitte an" in text_of(page) and 'name="text"' not in page
    refused = send(client, pid, text="Ohne Anmeldung.")
    assert refused.status_code == 200  # the form again


def test_a_post_without_the_form_token_is_refused(
    app: Flask, container: Container, pid: str
) -> None:
    client = app.test_client()
    log_in(client, container, "erika")

    refused = client.post(f"/beteiligung/{pid}/stellungnahme", data={"text": "x"})

    assert refused.status_code == 400 and "form-token-invalid" in refused.get_data(as_text=True)


def test_hostile_text_is_shown_back_inert_and_never_as_markup(
    app: Flask, container: Container, pid: str
) -> None:
    client = app.test_client()
    log_in(client, container, "erika")
    hostile = f'<script>alert("x")</script>{RLO}gnu' + "y" * 20_001

    refused = send(client, pid, text=hostile)

    html = refused.get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    assert "höchstens 20.000 Zeichen" in text_of(html)


def test_the_public_page_never_names_an_author_who_did_not_choose_it(
    app: Flask, container: Container, pid: str
) -> None:
    client = app.test_client()
    log_in(client, container, "erika")
    send(client, pid, text="Mehr Bäume.")
    send(client, pid, text="Radweg bitte.", named="ja")

    other = app.test_client()
    log_in(other, container, "max")
    text = text_of(other.get(f"/beteiligung/{pid}").get_data(as_text=True))

    assert "Mehr Bäume." in text and "Radweg bitte." in text
    assert text.count("Erika Mustermann") == 1  # the named one only; max sees no e-mail
    assert "example.org" not in text and "dev:erika" not in text


@pytest.fixture
def anonymous_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        participation_anonymous=True,
        smtp_url="smtp://127.0.0.1:9",
        smtp_from="beteiligung@jena.example",
        smtp_starttls=False,
    )
    application = create_app(settings)
    yield application
    application.extensions["egov"].db.dispose()


def test_an_anonymous_statement_asks_for_the_email_and_then_for_its_confirmation(
    anonymous_app: Flask,
) -> None:
    api = Api(anonymous_app.test_client(), anonymous_app.extensions["egov"])
    pid = open_participation(api)
    client = anonymous_app.test_client()
    assert 'name="email"' in statement_page(client, pid)

    without = send(client, pid, text="Spielplatz fehlt.")
    filed = send(client, pid, text="Spielplatz fehlt.", email="quirina@example.org")

    assert without.status_code == 200  # the form again
    assert 'href="#feld-email"' in without.get_data(as_text=True)
    assert filed.status_code == 303
    received = text_of(client.get(filed.location).get_data(as_text=True))
    assert "Bitte bestätigen Sie Ihre Stellungnahme" in received and "E-Mail" in received


def test_the_pages_speak_english_when_asked(app: Flask, pid: str) -> None:
    text = text_of(app.test_client().get(f"/beteiligung/{pid}?lang=en").get_data(as_text=True))

    assert "Comment on this variant" in text and "Documents" in text


def test_a_hostile_statement_is_shown_on_the_procedures_page_as_text(
    app: Flask, container: Container, pid: str
) -> None:
    client = app.test_client()
    log_in(client, container, "erika")
    hostile = f'<script>alert("x")</script><img src=x onerror=alert(1)>{RLO}gnu ' + "z" * 5000
    assert send(client, pid, text=hostile).status_code == 303

    html = app.test_client().get(f"/beteiligung/{pid}").get_data(as_text=True)

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html and f"{RLO}gnu" in html and "z" * 5000 in html


def test_a_document_that_came_inline_is_downloaded_from_the_procedures_page(
    app: Flask, api: Api
) -> None:
    response = submit(api, around_today(INLINE))
    assert response.status_code == 201, response.get_json()
    client = app.test_client()
    html = client.get(f"/beteiligung/{response.get_json()['case_id']}").get_data(as_text=True)

    found = re.findall(r'href="(/api/v1/public/participations/[^"]+/documents/[^"]+)"', html)
    downloads = [client.get(link) for link in found]

    assert found and all(d.status_code == 200 for d in downloads)
    assert "application/pdf" in {d.mimetype for d in downloads}
