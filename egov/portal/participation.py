"""The portal's participation pages (issue 17, docs/frontends.md): the open participation
procedures, one procedure (period, documents, its variants on a map with a text alternative,
the statements that count) and the statement form with its confirmation. Public: the same
services as `GET /api/v1/public/participations[/{id}]` and
`POST /api/v1/participations/{id}/statements` (a logged-in citizen's statement counts at once;
an anonymous one, where allowed, after the link of the confirmation e-mail)."""

from __future__ import annotations

from typing import Any

from flask import Response, request, session, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from egov.errors import Invalid
from egov.participation.statements import Attachment, NewStatement
from egov.portal.views import bp
from egov.ui.access import CITIZENS, login_url, viewer
from egov.ui.pages import page_url, render, see_other
from egov.web.auth import public
from egov.web.context import container
from egov.web.paging import page_request
from egov.web.throttle import throttle

RECEIPT = "portal.statement_receipt"  # the session's last receipt, shown once
WHOLE_PLAN = "gesamt"  # the form's value for a statement on the whole plan
MAX_TEXT = 20_000
MB = 1024 * 1024
FIELDS = {  # the service's invalid_params name -> the form's field
    "text": "text",
    "variant_id": "variante",
    "email": "email",
}


@bp.get("/beteiligung")
@public
def participations() -> Response:
    """The participation procedures whose period runs now, paged."""
    found = container().public_participations.list(page_request(), open_only=True)
    return render(
        "portal/participation/list.html",
        title=_("Beteiligungen"),
        viewer=viewer(bearer=False),
        login=login_url(CITIZENS),
        participations=found.items,
        more=page_url(found.next_cursor),
    )


@bp.get("/beteiligung/<participation_id>")
@public
def participation(participation_id: str) -> Response:
    """One procedure: period, documents, variants (map and list), statements."""
    found = container().public_participations.get(participation_id)
    return render(
        "portal/participation/detail.html",
        title=found["title"],
        viewer=viewer(bearer=False),
        login=login_url(CITIZENS),
        participation=found,
        geojson=map_features(found),
        variant_titles={v["id"]: v["title"] for v in found["variants"]},
    )


def map_features(found: dict[str, Any]) -> dict[str, Any]:
    """The plan's area and its variants as one GeoJSON FeatureCollection (EPSG:4326) for
    `ui/map.js`; each feature names its list entry on the page."""
    features = []
    if found.get("geltungsbereich"):
        features.append(_feature(found["geltungsbereich"], _("Geltungsbereich"), "area", -1))
    for index, variant in enumerate(found["variants"]):
        if variant.get("geometry"):
            features.append(_feature(variant["geometry"], variant["title"], "variant", index))
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict[str, Any], title: str, kind: str, index: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"title": title, "kind": kind, "index": index},
    }


@bp.get("/beteiligung/<participation_id>/stellungnahme")
@public
def statement_form(participation_id: str) -> Response:
    """The statement form; `?variante=` preselects a variant."""
    found = container().public_participations.get(participation_id)
    chosen = request.args.get("variante", WHOLE_PLAN)
    return _form(found, {"variante": chosen}, {})


@bp.post("/beteiligung/<participation_id>/stellungnahme")
@public
def file_statement(participation_id: str) -> Response | BaseResponse:
    """File the statement (as the API does), then its receipt; errors next to the fields."""
    egov = container()
    found = egov.public_participations.get(participation_id)
    values = {k: request.form.get(k, "") for k in ("variante", "text", "email", "named")}
    errors = form_errors(values)
    if errors:
        return _form(found, values, errors)
    principal = viewer()
    key = principal.subject if principal is not None else f"address:{request.remote_addr}"
    throttle().hit("statements", key)
    try:
        receipt = egov.statements.file(principal, participation_id, new_statement(values))
    except Invalid as refused:
        return _form(found, values, refused_fields(refused))
    session[RECEIPT] = {
        k: receipt[k] for k in ("participation_id", "receipt", "confirmation_required")
    }
    return see_other(url_for("portal.statement_received", participation_id=participation_id))


@bp.get("/beteiligung/<participation_id>/stellungnahme/eingegangen")
@public
def statement_received(participation_id: str) -> Response | BaseResponse:
    """The confirmation step: the receipt, or for an anonymous statement the e-mail to
    confirm. Without a receipt in this browser: back to the procedure."""
    found = container().public_participations.get(participation_id)
    receipt = session.pop(RECEIPT, None)
    if receipt is None or receipt["participation_id"] != participation_id:
        return see_other(url_for("portal.participation", participation_id=participation_id))
    return render(
        "portal/participation/received.html",
        title=_("Stellungnahme eingegangen"),
        viewer=viewer(bearer=False),
        participation=found,
        receipt=receipt,
    )


def form_errors(values: dict[str, str]) -> dict[str, str]:
    """What the form itself checks before the service does (the service checks again)."""
    errors = {}
    if not values["text"].strip():
        errors["text"] = _("Bitte schreiben Sie Ihre Stellungnahme.")
    elif len(values["text"]) > MAX_TEXT:
        errors["text"] = _("Ihre Stellungnahme darf höchstens 20.000 Zeichen lang sein.")
    if viewer() is None and not container().statements.anonymous:
        errors["text"] = errors.get("text") or _("Bitte melden Sie sich zuerst an.")
    return errors


def new_statement(values: dict[str, str]) -> NewStatement:
    variant = values["variante"]
    return NewStatement(
        text=values["text"],
        variant_id=None if variant in ("", WHOLE_PLAN) else variant,
        attachments=tuple(_attachment(f) for f in request.files.getlist("anhang") if f.filename),
        named=values["named"] == "ja",
        email=values["email"].strip() or None,
    )


def _attachment(upload: FileStorage) -> Attachment:
    return Attachment(upload.filename or "", upload.mimetype, upload.read())


def refused_fields(refused: Invalid) -> dict[str, str]:
    """The service's refusal next to the form's fields (attachments: the file field)."""
    errors: dict[str, str] = {}
    for param in refused.invalid_params or []:
        name = str(param.get("name", ""))
        field = "anhang" if name.startswith("attachments") else FIELDS.get(name, "text")
        errors.setdefault(field, _field_message(field, refused.message))
    return errors or {"text": refused.message}


def attachment_rule() -> str:
    """The attachments' limits in words, shown before an upload and at a refused one."""
    limits = container().statements.limits
    return str(
        _(
            "Bis zu %(files)s Dateien, nur PDF, PNG oder JPEG, je höchstens %(mb)s MB.",
            files=limits.max_attachments,
            mb=f"{limits.max_attachment_bytes / MB:.3g}".replace(".", ","),
        )
    )


def _field_message(field: str, fallback: str) -> str:
    messages = {
        "anhang": attachment_rule(),
        "email": _("Bitte geben Sie eine gültige E-Mail-Adresse an."),
        "variante": _("Bitte wählen Sie eine Variante dieses Verfahrens."),
    }
    return str(messages.get(field, fallback))


def _form(found: dict[str, Any], values: dict[str, str], errors: dict[str, str]) -> Response:
    who = viewer()
    return render(
        "portal/participation/statement.html",
        title=_("Stellungnahme abgeben"),
        viewer=who,
        attachment_rule=attachment_rule(),
        login=login_url(CITIZENS),
        participation=found,
        values=values,
        errors=errors,
        anonymous=who is None and container().statements.anonymous,
        is_open=found["status"] == "participation_open",
        whole_plan=WHOLE_PLAN,
    )
