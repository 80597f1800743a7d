"""Applying in the portal (egov/portal/apply.py): the procedure page, the form generated from
the catalogue's schema with German messages next to the fields, the draft kept across an error
and a new login, the attachments within the API's limits, the review, the submit through
`Applications.submit` and the receipt; nobody reaches another citizen's draft or case."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from egov.container import Container
from egov.documents.store import Document
from egov.intake.drafts import AttachmentLimits
from tests.support.pages import form_token, log_in, text_of

APPLY = "/antrag/buergerbudget"
RLO = "\u202e"
PROPOSAL = {
    "title": "Bank am Teich",
    "description": "Eine Bank mit Blick auf das Wasser.",
    "location": "Paradiespark, Ostufer",
    "category": "gruenflaeche",
    "estimated_cost_eur": "1.250,50",
    "follow_up_cost_eur": "300",
    "public_space": "ja",
    "other_funding_available": "nein",
}


def logged_in(app: Flask, container: Container, user: str = "erika") -> tuple[FlaskClient, str]:
    client = app.test_client()
    web = log_in(client, container, user)
    return client, web.csrf_token


def send(client: FlaskClient, token: str, values: dict[str, str]) -> Any:
    return client.post(f"{APPLY}/formular", data={"csrf_token": token, **values})


def upload(client: FlaskClient, token: str, name: str, content: bytes) -> Any:
    """The multipart body built in memory (the test client's own spools a large one to a
    temporary file it leaves open)."""
    chosen = FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf")
    values = {"csrf_token": token, "datei": chosen}
    boundary, body = encode_multipart(values)
    content_type = f"multipart/form-data; boundary={boundary}"
    return client.post(f"{APPLY}/anhaenge", data=body, content_type=content_type)


def submit(client: FlaskClient, token: str) -> Any:
    review = client.get(f"{APPLY}/pruefen").get_data(as_text=True)
    found = re.search(r'name="idempotency_key" value="([^"]+)"', review)
    assert found is not None, review
    return client.post(
        f"{APPLY}/pruefen", data={"csrf_token": token, "idempotency_key": found.group(1)}
    )


def test_the_procedure_page_says_what_one_needs_and_how_long_it_takes(app: Flask) -> None:
    response = app.test_client().get(APPLY)

    text = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Vorschlag zum Bürgerbudget" in text and "Vertrauensniveau substanziell" in text
    assert "in etwa 42 Arbeitstagen" in text and "höchstens 20 Dateien" in text
    assert "next=/antrag/buergerbudget/formular" in response.get_data(as_text=True)


def test_a_procedure_without_a_web_form_offers_none(app: Flask, container: Container) -> None:
    client, _token = logged_in(app, container)

    page = text_of(client.get("/antrag/bauantrag").get_data(as_text=True))
    form = client.get("/antrag/bauantrag/formular")
    unknown = client.get("/antrag/hundesteuer")

    assert "nicht über das Formular im Portal" in page and "Antrag starten" not in page
    assert form.status_code == 422 and form.mimetype == "text/html"
    assert unknown.status_code == 404 and "procedure-not-found" in unknown.get_data(as_text=True)


def test_the_form_asks_for_a_login_and_comes_back(app: Flask) -> None:
    response = app.test_client().get(f"{APPLY}/formular")

    assert response.status_code == 303
    assert response.location == "/auth/login/dev?next=/antrag/buergerbudget/formular"


def test_a_login_below_the_procedures_vertrauensniveau_is_told_so(
    app: Flask, container: Container
) -> None:
    client, _token = logged_in(app, container, "max")

    page = text_of(client.get(APPLY).get_data(as_text=True))
    response = client.get(f"{APPLY}/formular")

    assert "nicht das Vertrauensniveau, das dieser Antrag braucht" in page
    assert "Antrag starten" not in page
    assert response.status_code == 422
    assert "Vertrauensniveau „substantial“ nötig" in text_of(response.get_data(as_text=True))


def test_the_form_is_generated_from_the_schema_with_labels_hints_and_choices(
    app: Flask, container: Container
) -> None:
    client, _token = logged_in(app, container)

    html = client.get(f"{APPLY}/formular").get_data(as_text=True)

    assert '<label class="field__label" for="feld-title">Titel' in html
    assert 'textarea class="field__input" id="feld-description"' in html
    assert 'type="radio" id="feld-category-2" name="category" value="gruenflaeche"' in html
    assert 'name="estimated_cost_eur"' in html and 'inputmode="decimal"' in html
    assert "höchstens zwei Nachkommastellen" in html  # the XSD's documentation as the hint
    assert html.count("(Pflichtangabe)") == 8 and "novalidate" in html


def test_errors_stand_next_to_their_fields_and_what_was_typed_is_kept(
    app: Flask, container: Container
) -> None:
    client, token = logged_in(app, container)
    hostile = '<script>alert("x")</script>' + RLO + "x" * 5000

    response = send(client, token, {**PROPOSAL, "title": "", "location": hostile,
                                    "estimated_cost_eur": "zwölf"})  # fmt: skip

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "data-error-summary" in html
    assert 'href="#feld-title">Geben Sie „Titel“ an.' in html
    assert 'id="feld-title-fehler"' in html and 'aria-describedby="feld-title-fehler"' in html
    assert "„Ort“ darf höchstens 500 Zeichen lang sein." in text_of(html)
    assert "Geben Sie bei „Geschätzte Kosten in Euro“ eine Zahl ein" in text_of(html)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "Eine Bank mit Blick auf das Wasser." in html  # kept
    assert html.index("feld-title-fehler") < html.index("feld-location-fehler")
    kept = client.get(f"{APPLY}/formular").get_data(as_text=True)
    assert "Paradiespark" not in kept and "Eine Bank mit Blick" in kept  # the draft


def test_a_form_sent_after_the_login_ended_is_kept_for_the_next_login(
    app: Flask, container: Container
) -> None:
    client = app.test_client()
    web = log_in(client, container, "erika", lifetime=-1)

    sent = send(client, web.csrf_token, PROPOSAL)
    log_in(client, container, "erika")
    back = client.get(f"{APPLY}/formular")
    again = client.get(f"{APPLY}/formular")

    assert sent.status_code == 303 and sent.location.startswith("/auth/login/dev?next=")
    assert "egov_entwurf=" in sent.headers["Set-Cookie"]
    assert "Paradiespark, Ostufer" in back.get_data(as_text=True)
    assert "Paradiespark, Ostufer" in again.get_data(as_text=True)  # claimed: now the draft


def test_a_form_sent_by_a_browser_that_never_logged_in_is_not_kept(app: Flask) -> None:
    client = app.test_client()
    client.get(APPLY)  # the anonymous form token of this browser
    with client.session_transaction() as cookie:
        token = cookie["csrf"]

    sent = send(client, token, PROPOSAL)

    assert sent.status_code == 303 and sent.location.startswith("/auth/login/dev?next=")
    assert "egov_entwurf" not in sent.headers.get("Set-Cookie", "")


def test_another_browser_cannot_claim_a_stash(app: Flask, container: Container) -> None:
    token = container.drafts.stash("buergerbudget", PROPOSAL)
    client, _csrf = logged_in(app, container, "erika")

    html = client.get(f"{APPLY}/formular?entwurf={token}").get_data(as_text=True)

    assert "Paradiespark" not in html


def test_files_are_attached_listed_and_removed(app: Flask, container: Container) -> None:
    client, token = logged_in(app, container)

    sent = upload(client, token, "skizze.pdf", b"%PDF-1.4 Skizze")
    page = client.get(sent.location).get_data(as_text=True)
    [file_id] = re.findall(r"/anhaenge/([^/]+)/entfernen", page)
    removed = client.post(f"{APPLY}/anhaenge/{file_id}/entfernen", data={"csrf_token": token})

    assert sent.status_code == 303 and sent.location.endswith("/anhaenge?hochgeladen=1")
    assert "<bdi>skizze.pdf</bdi>" in page
    assert "1 Datei hochgeladen." in text_of(page)
    assert "Höchstens 20 Dateien mit zusammen 36,5 MB" in text_of(page)
    assert removed.status_code == 303
    assert "skizze.pdf" not in client.get(f"{APPLY}/anhaenge").get_data(as_text=True)


def test_a_hostile_file_name_is_shown_as_text_and_a_bidi_override_is_refused(
    app: Flask, container: Container
) -> None:
    client, token = logged_in(app, container)

    upload(client, token, '<script>alert("x")</script>.pdf', b"%PDF-1.4")
    refused = upload(client, token, f"fdp{RLO}.exe", b"MZ")

    page = client.get(f"{APPLY}/anhaenge").get_data(as_text=True)
    assert "<script>alert" not in page and "<bdi>&lt;script&gt;alert(" in page
    assert "unsichtbares Steuer- oder Formatierungszeichen" in text_of(
        refused.get_data(as_text=True)
    )


def test_a_file_over_the_limits_is_refused_next_to_the_file_field(
    app: Flask, container: Container
) -> None:
    container.drafts.limits = AttachmentLimits(count=20, total_bytes=10)
    client, token = logged_in(app, container)

    refused = upload(client, token, "gross.pdf", b"x" * 11)
    nothing = client.post(f"{APPLY}/anhaenge", data={"csrf_token": token})

    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'id="feld-datei-fehler"' in html
    assert "Alle Dateien zusammen dürfen höchstens" in text_of(html)
    assert "Wählen Sie eine Datei aus." in text_of(nothing.get_data(as_text=True))


def test_nobody_removes_a_file_of_another_citizens_draft(app: Flask, container: Container) -> None:
    container.drafts.attach("dev:max", "buergerbudget", "max.pdf", "application/pdf", b"m")
    [theirs] = container.drafts.get("dev:max", "buergerbudget").files
    client, token = logged_in(app, container)

    response = client.post(f"{APPLY}/anhaenge/{theirs.id}/entfernen", data={"csrf_token": token})

    assert response.status_code == 404 and response.mimetype == "text/html"
    assert container.drafts.get("dev:max", "buergerbudget").files == (theirs,)


def test_the_review_shows_everything_and_the_submit_files_the_case(
    app: Flask, container: Container
) -> None:
    client, token = logged_in(app, container)
    send(client, token, {**PROPOSAL, "description": f"Bank{RLO}knaB"})
    upload(client, token, "skizze.pdf", b"%PDF-1.4 Skizze")

    review = client.get(f"{APPLY}/pruefen").get_data(as_text=True)
    submitted = submit(client, token)
    receipt = client.get(submitted.location)

    assert (
        "Prüfen Sie Ihre Angaben" in review
        and f'<bdi class="answers__value">Bank{RLO}knaB' in review
    )
    assert "Grünfläche" in text_of(review) and "<bdi>skizze.pdf</bdi>" in review
    assert submitted.status_code == 303 and "/eingang/" in submitted.location
    text = text_of(receipt.get_data(as_text=True))
    [reference] = re.findall(r"Ihr Aktenzeichen: (\S+)", text)
    assert reference.startswith("JENA-") and "Wie es weitergeht" in text
    case_id = submitted.location.rsplit("/", 1)[1]
    with container.db.reading() as session:
        files = session.query(Document).filter_by(case_id=case_id, kind="attachment").all()
    assert [f.filename for f in files] == ["skizze.pdf"]
    assert container.drafts.get("dev:erika", "buergerbudget").files == ()
    assert "Bank am Teich" not in client.get(f"{APPLY}/formular").get_data(as_text=True)


def test_the_review_of_an_incomplete_draft_goes_back_to_the_errors(
    app: Flask, container: Container
) -> None:
    client, token = logged_in(app, container)
    send(client, token, {"title": "Nur ein Titel"})

    review = client.get(f"{APPLY}/pruefen")
    sent = client.post(f"{APPLY}/pruefen", data={"csrf_token": token})
    errors = client.get(review.location).get_data(as_text=True)

    assert review.status_code == 303 and review.location.endswith("pruefen=1")
    assert sent.status_code == 303
    assert "data-error-summary" in errors and "Nur ein Titel" in errors


def test_the_receipt_is_only_its_applicants(app: Flask, container: Container) -> None:
    client, token = logged_in(app, container)
    send(client, token, PROPOSAL)
    receipt = submit(client, token).location
    other, _token = logged_in(app, container, "max")

    refused = other.get(receipt)

    assert refused.status_code == 404 and "JENA-" not in refused.get_data(as_text=True)


def test_a_form_without_its_token_is_refused(app: Flask, container: Container) -> None:
    client, _token = logged_in(app, container)

    response = client.post(f"{APPLY}/formular", data=PROPOSAL)

    assert response.status_code == 400 and "form-token-invalid" in response.get_data(as_text=True)
    assert form_token(client.get(f"{APPLY}/formular").get_data(as_text=True))


def test_the_form_speaks_english_when_asked(app: Flask, container: Container) -> None:
    client, _token = logged_in(app, container)

    text = text_of(client.get(f"{APPLY}/formular?lang=en").get_data(as_text=True))

    assert "Your details" in text and "Title (required)" in text and "Green space" in text
    assert "Step 1 of 4: Details" in text


def test_what_only_the_intakes_xsd_refuses_is_shown_next_to_its_field(
    app: Flask, container: Container
) -> None:
    client, token = logged_in(app, container)
    send(client, token, {**PROPOSAL, "estimated_cost_eur": "12,345"})  # 3 fraction digits

    refused = submit(client, token)

    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'id="feld-estimated_cost_eur-fehler"' in html
    assert "„Geschätzte Kosten in Euro“" in text_of(html)
    assert "12,345" in html  # the draft is kept


def test_a_file_larger_than_a_json_body_may_be_is_taken(app: Flask, container: Container) -> None:
    client, token = logged_in(app, container)

    sent = upload(client, token, "plan.pdf", b"%PDF" + b"x" * (2 * 1024 * 1024))

    assert sent.status_code == 303
    [attached] = container.drafts.get("dev:erika", "buergerbudget").files
    assert attached.size == 2 * 1024 * 1024 + 4
