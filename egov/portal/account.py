"""The citizen's account page (issue 16/17, docs/frontends.md, docs/citizen-rights.md): the
e-mail address letters are announced to (change it, or no e-mails any more), the data
export (Art. 15 DSGVO: the ZIP at once, or packed in the background with the link in the
Postfach when the account is large) and the erasure request (Art. 17), which asks for a
recent login as `POST /api/v1/me/erasure-requests` does. The same services as
`PUT/DELETE /api/v1/me/notification-email`, `GET /me/export`, `POST /me/exports` and
`POST /me/erasure-requests`."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from egov.casefile.queries import CaseFilter
from egov.errors import Conflict
from egov.identity.sessions import epoch
from egov.paging import PageRequest
from egov.portal.cases import citizen
from egov.portal.views import bp
from egov.ui.access import CITIZENS, page_for, this_page
from egov.ui.pages import render, see_other
from egov.web import downloads
from egov.web.auth import current_web_session
from egov.web.context import container
from egov.web.schemas.me import NotificationEmailBody
from egov.web.throttle import throttled


@bp.get("/konto")
@page_for(CITIZENS)
def account() -> Response:
    """My account: notification e-mail, data export, erasure."""
    return _account_page(request.args.get("erledigt", ""), {}, "")


def _account_page(done: str, errors: dict[str, str], email: str) -> Response:
    who = citizen()
    newest = container().case_file.cases(who, CaseFilter(), PageRequest(limit=1)).items
    return render(
        "portal/account/account.html",
        title=_("Mein Konto"),
        viewer=who,
        current=newest[0].applicant_email if newest else None,
        done=done,
        errors=errors,
        email=email,
    )


@bp.post("/konto/benachrichtigung")
@page_for(CITIZENS)
def notification_email() -> Response | BaseResponse:
    """Announce letters to this address from now on (audited on every case)."""
    email = request.form.get("email", "").strip()
    try:
        NotificationEmailBody(email=email)
    except ValidationError:
        message = _("Bitte geben Sie eine E-Mail-Adresse ein, zum Beispiel name@example.org.")
        return _account_page("", {"email": message}, email)
    container().rights.set_notification_email(citizen(), email)
    return see_other(url_for("portal.account", erledigt="email"))


@bp.post("/konto/benachrichtigung/abbestellen")
@page_for(CITIZENS)
def no_notification_email() -> BaseResponse:
    """No e-mails any more: letters wait in the Postfach only."""
    container().rights.set_notification_email(citizen(), None)
    return see_other(url_for("portal.account", erledigt="abbestellt"))


@bp.get("/konto/auskunft")
@page_for(CITIZENS)
def export() -> Response:
    """Everything we hold about me, as one ZIP; a large account: the page that asks for it."""
    egov, who = container(), citizen()
    try:
        egov.exports.check_direct(who)
    except Conflict:
        return render("portal/account/export.html", title=_("Auskunft anfordern"), viewer=who)
    response = Response(egov.rights.export(who), mimetype="application/zip")
    response.headers["Content-Disposition"] = downloads.attachment("egov-auskunft.zip")
    return response


@bp.post("/konto/auskunft")
@page_for(CITIZENS)
def request_export() -> BaseResponse:
    """Pack the export in the background; a letter in the Postfach links it when ready."""
    container().exports.start(citizen())
    return see_other(url_for("portal.account", erledigt="auskunft"))


@bp.route("/konto/loeschen", methods=["GET", "POST"])
@page_for(CITIZENS)
def erasure() -> Response | BaseResponse:
    """Confirm the erasure request; it needs a login of the last minutes (else the way to
    log in again), then the page names what was erased and what a retention duty keeps."""
    egov, who = container(), citizen()
    web, limit = current_web_session(), egov.settings.reauth_max_age_seconds
    relogin = None
    if web is not None and epoch(egov.clock()) - web.auth_time > limit:
        relogin = url_for("login.login", issuer_name=web.issuer, reauth=1, next=this_page())
    if request.method == "POST" and relogin is None:
        return _erase()
    return render(
        "portal/account/erasure.html",
        title=_("Meine Daten löschen"),
        viewer=who,
        relogin=relogin,
        minutes=limit // 60,
    )


@throttled("erasure")
def _erase() -> Response:
    recorded = container().rights.request_erasure(citizen())
    return render(
        "portal/account/erased.html",
        title=_("Ihr Löschantrag"),
        viewer=citizen(),
        outcome=recorded.outcome,
    )
