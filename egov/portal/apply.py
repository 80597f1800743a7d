"""Apply for a procedure (issue 17, docs/frontends.md "Antrag stellen"): the procedure's page
(public), its form generated from the catalogue's JSON Schema (`egov.portal.forms`), the
attachments, the review and the receipt. Submitted through the same service as
`POST /api/v1/applications` (`Applications.submit`), so the form's data, the attachments'
limits, the Vertrauensniveau and the object-level checks are the API's.

What was typed is kept server-side as a draft per citizen and procedure
(`egov.intake.drafts`) on every sending of the form, so it survives a validation error, the
other pages and a new login; a form sent after the login ended is stashed and claimed after
the new login through the cookie `egov_entwurf` (this browser only). Submitting clears it.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from flask import Response, current_app, request, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.catalogue.service import ProcedureInfo
from egov.errors import Forbidden, Invalid
from egov.identity.model import Principal, Vertrauensniveau
from egov.identity.sessions import stored_session
from egov.intake.drafts import STASH_DAYS
from egov.intake.filing import assurance_too_low
from egov.portal import forms
from egov.portal.views import bp
from egov.ui.access import CITIZENS, login_url, page_for, viewer
from egov.ui.pages import N_, render, see_other
from egov.web.auth import public
from egov.web.context import container
from egov.web.edge import message_body
from egov.web.throttle import throttled

STASH_COOKIE = "egov_entwurf"  # lives as long as a stash (drafts.STASH_DAYS)
NOT_VALUES = frozenset({"csrf_token", "aktion", "idempotency_key"})
LEVELS = {
    "low": N_("niedrig (zum Beispiel ein Nutzerkonto mit Passwort)"),
    "substantial": N_("substanziell (zum Beispiel die Online-Ausweisfunktion)"),
    "high": N_("hoch (die Online-Ausweisfunktion)"),
}


def megabytes(size: int) -> str:
    """A size in MB as the page's language writes it (at least 0,1 for a file that is not
    empty)."""
    shown = max(round(size / 1048576, 1), 0.1 if size else 0)
    return str(format_decimal(shown, format="#,##0.#"))


def procedure_of(key: str) -> ProcedureInfo:
    return container().catalogue.procedure(key)  # 404 page `procedure-not-found`


def web_form(key: str) -> tuple[ProcedureInfo, dict[str, Any]]:
    """The procedure and its form; a procedure without one has no form pages (422)."""
    procedure = procedure_of(key)
    if procedure.form is None:
        raise Invalid(
            "Diese Leistung kann nicht online beantragt werden.", code="unknown-procedure"
        )
    return procedure, procedure.form


def applicant(procedure: ProcedureInfo) -> Principal:
    """The logged-in citizen (page_for checked the role) with the procedure's level."""
    who = viewer()
    assert who is not None  # page_for
    if not sufficient(who, procedure):
        raise assurance_too_low(Vertrauensniveau.from_claim(procedure.required_vertrauensniveau))
    return who


def sufficient(who: Principal, procedure: ProcedureInfo) -> bool:
    """Whether the login's Vertrauensniveau is the procedure's or higher (as the intake's)."""
    required = Vertrauensniveau.from_claim(procedure.required_vertrauensniveau)
    return (who.vertrauensniveau or Vertrauensniveau.LOW) >= required


def sent_values() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k not in NOT_VALUES}


@bp.get("/antrag/<key>")
@public
def apply(key: str) -> Response:
    """What the procedure is, what one needs and how long it takes; the way into the form."""
    procedure = procedure_of(key)
    who = viewer(bearer=False)
    return render(
        "portal/apply/procedure.html",
        title=procedure.name,
        procedure=procedure,
        level=_(LEVELS.get(procedure.required_vertrauensniveau, "")),
        viewer=who,
        too_low=who is not None and not sufficient(who, procedure),
        login=login_url(CITIZENS, url_for("portal.apply_form", key=key)),
        limits=container().drafts.limits,
        megabytes=megabytes,
    )


@bp.get("/antrag/<key>/formular")
@page_for(CITIZENS)
def apply_form(key: str) -> BaseResponse:
    """The form, with what this citizen typed before (a stash of this browser claimed)."""
    procedure, schema = web_form(key)
    who = applicant(procedure)
    drafts = container().drafts
    stashed = request.cookies.get(STASH_COOKIE)
    if stashed:
        drafts.claim(who.subject, key, stashed)
    values = drafts.get(who.subject, key).values
    errors = forms.data_of(schema, values)[1] if request.args.get("pruefen") else {}
    response = form_page(procedure, schema, values, errors)
    if stashed:
        response.delete_cookie(STASH_COOKIE, path="/antrag")
    return response


def form_page(
    procedure: ProcedureInfo, schema: dict[str, Any], values: Any, errors: dict[str, str]
) -> Response:
    form = forms.fields(schema, values, errors)
    return render(
        "portal/apply/form.html",
        title=_("Ihre Angaben") if not errors else _("Fehler: Ihre Angaben"),
        procedure=procedure,
        fields=form,
        errors=forms.in_order(form, errors),
        viewer=viewer(),
    )


@bp.post("/antrag/<key>/formular")
def apply_form_sent(key: str) -> BaseResponse:
    """Keep what was sent; add or remove a row; with errors the form again, else on to the
    attachments. Sent after the login ended: stashed, to the login and back."""
    procedure, schema = web_form(key)
    values = sent_values()
    logged_in_before = stored_session(session) is not None  # viewer() clears an ended one
    found = viewer()
    if found is None:
        return _stash_and_log_in(key, values if logged_in_before else None)
    if not found.roles & CITIZENS:
        raise Forbidden()
    who = applicant(procedure)
    action = request.form.get("aktion", "")
    if action:
        values = forms.act(action, values)
    container().drafts.save(who.subject, key, values)
    if action:
        return see_other(url_for("portal.apply_form", key=key) + "#inhalt")
    errors = forms.data_of(schema, values)[1]
    if errors:
        return form_page(procedure, schema, values, errors)
    return see_other(url_for("portal.apply_attachments", key=key))


apply_form_sent.required_roles = tuple(sorted(CITIZENS))  # type: ignore[attr-defined]


def _stash_and_log_in(key: str, values: dict[str, str] | None) -> BaseResponse:
    """To the login and back to the form; what was sent (by a browser whose login ended, not
    one that never logged in) kept for the next login of this browser."""
    target = login_url(CITIZENS, url_for("portal.apply_form", key=key))
    if target is None:
        raise Forbidden()
    response = see_other(target)
    if values is None:
        return response
    token = container().drafts.stash(key, values)
    response.set_cookie(
        STASH_COOKIE,
        token,
        max_age=STASH_DAYS * 24 * 3600,
        path="/antrag",
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),  # as the session's
    )
    return response


@bp.get("/antrag/<key>/anhaenge")
@page_for(CITIZENS)
def apply_attachments(key: str) -> Response:
    """The files attached so far, the limits, the upload."""
    procedure, _schema = web_form(key)
    uploaded = request.args.get("hochgeladen", "")
    count = int(uploaded) if uploaded.isdigit() and len(uploaded) < 3 else 0
    return attachments_page(procedure, applicant(procedure), {}, count)


def attachments_page(
    procedure: ProcedureInfo, who: Principal, errors: dict[str, str], uploaded: int = 0
) -> Response:
    drafts = container().drafts
    return render(
        "portal/apply/attachments.html",
        title=_("Anhänge") if not errors else _("Fehler: Anhänge"),
        procedure=procedure,
        draft=drafts.get(who.subject, procedure.key),
        limits=drafts.limits,
        megabytes=megabytes,
        errors=errors,
        uploaded=uploaded,
        viewer=who,
    )


@bp.post("/antrag/<key>/anhaenge")
@page_for(CITIZENS)
@message_body
def apply_upload(key: str) -> BaseResponse:
    """Attach the chosen files (each checked against the API's limits)."""
    procedure, _schema = web_form(key)
    who = applicant(procedure)
    chosen = [f for f in request.files.getlist("datei") if f.filename]
    if not chosen:
        return attachments_page(procedure, who, {"datei": _("Wählen Sie eine Datei aus.")})
    for upload in chosen:
        with upload.stream:  # a large one is spooled to a temporary file
            content = upload.read()
        try:
            container().drafts.attach(
                who.subject, key, upload.filename or "", upload.mimetype, content
            )
        except Invalid as refused:
            return attachments_page(procedure, who, {"datei": refused.message})
    return see_other(url_for("portal.apply_attachments", key=key, hochgeladen=len(chosen)))


@bp.post("/antrag/<key>/anhaenge/<file_id>/entfernen")
@page_for(CITIZENS)
def apply_detach(key: str, file_id: str) -> BaseResponse:
    procedure, _schema = web_form(key)
    container().drafts.detach(applicant(procedure).subject, key, file_id)
    return see_other(url_for("portal.apply_attachments", key=key))


@bp.get("/antrag/<key>/pruefen")
@page_for(CITIZENS)
def apply_review(key: str) -> BaseResponse:
    """Prüfen Sie Ihre Angaben: everything as entered, with links to change it."""
    procedure, schema = web_form(key)
    who = applicant(procedure)
    draft = container().drafts.get(who.subject, key)
    if forms.data_of(schema, draft.values)[1]:
        return see_other(url_for("portal.apply_form", key=key, pruefen=1))
    return render(
        "portal/apply/review.html",
        title=_("Prüfen Sie Ihre Angaben"),
        procedure=procedure,
        answers=forms.summary(forms.fields(schema, draft.values, {})),
        draft=draft,
        idempotency_key=secrets.token_urlsafe(24),
        viewer=who,
    )


@bp.post("/antrag/<key>/pruefen")
@page_for(CITIZENS)
@throttled("intake")
def apply_submit(key: str) -> BaseResponse:
    """Submit through `Applications.submit`; the draft is cleared, on to the receipt."""
    procedure, schema = web_form(key)
    who = applicant(procedure)
    drafts = container().drafts
    data, errors = forms.data_of(schema, drafts.get(who.subject, key).values)
    if errors:
        return see_other(url_for("portal.apply_form", key=key, pruefen=1))
    body = {"procedure": key, "data": data, "attachments": _encoded(who, key)}
    try:
        outcome = container().applications.submit(who, body, request.form.get("idempotency_key"))
    except Invalid as refused:
        named = _named(schema, refused)
        if not named:
            raise
        return form_page(procedure, schema, drafts.get(who.subject, key).values, named)
    drafts.clear(who.subject, key)
    case_id = outcome.receipt["case_id"]
    return see_other(url_for("portal.apply_receipt", key=key, case_id=case_id))


def _encoded(who: Principal, key: str) -> list[dict[str, str]]:
    return [
        {"filename": name, "media_type": media_type,
         "content_base64": base64.b64encode(content).decode("ascii")}
        for name, media_type, content in container().drafts.contents(who.subject, key)
    ]  # fmt: skip


def _named(schema: dict[str, Any], refused: Invalid) -> dict[str, str]:
    """The intake's refusal of the form's fields (`form-data-invalid` naming `data.<field>`)
    as the form's errors; empty for any other refusal."""
    if refused.code != "form-data-invalid":
        return {}
    named = (str(p.get("name", "")) for p in refused.invalid_params)
    reasons = (str(p.get("reason", "")) for p in refused.invalid_params)
    return {
        name[len("data.") :]: forms.message(schema, name[len("data.") :], reason)
        for name, reason in zip(named, reasons, strict=True)
        if name.startswith("data.")
    }


@bp.get("/antrag/<key>/eingang/<case_id>")
@page_for(CITIZENS)
def apply_receipt(key: str, case_id: str) -> Response:
    """Eingangsbestätigung: the case's reference and what happens next (own cases only)."""
    who = viewer()
    assert who is not None
    case = container().case_file.detail(who, case_id).case  # another's: 404 page
    procedure = procedure_of(case.procedure_key)
    return render(
        "portal/apply/receipt.html",
        title=_("Ihr Antrag ist eingegangen"),
        procedure=procedure,
        case=case,
        viewer=who,
    )
